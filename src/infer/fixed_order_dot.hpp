#pragma once

// The samplers' dot products, summed in eight interleaved partial sums that are then added in a
// fixed tree. The eight sums are independent, so the compiler may run them as vector lanes or
// interleave them, and the bits are the same on every machine and build. One running sum chains
// every addition to the previous one: NUTS's U-turn checks (a dozen dot products per leapfrog
// step) then cost more than the log density of a small model.

#include <cstddef>
#include <span>

namespace hypatia::infer {

inline double fixed_order_dot(std::span<const double> a, std::span<const double> b) {
  constexpr std::size_t kLanes = 8;
  double partial[kLanes] = {};
  const std::size_t whole = a.size() - a.size() % kLanes;
  for (std::size_t i = 0; i < whole; i += kLanes) {
    for (std::size_t lane = 0; lane < kLanes; ++lane) partial[lane] += a[i + lane] * b[i + lane];
  }
  for (std::size_t i = whole; i < a.size(); ++i) partial[i - whole] += a[i] * b[i];
  return ((partial[0] + partial[4]) + (partial[1] + partial[5])) +
         ((partial[2] + partial[6]) + (partial[3] + partial[7]));
}

}  // namespace hypatia::infer
