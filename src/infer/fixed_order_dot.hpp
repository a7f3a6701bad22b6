#pragma once

// The samplers' dot products, summed in lanes as generated code sums (hypatia_runtime.h:
// element i into lane i % HR_SUM_LANES, the lanes added in hr_sum_lanes's fixed tree). The lanes
// are independent, so the compiler may run them as vector lanes or interleave them, and the bits
// are the same on every machine and build. One running sum chains every addition to the previous
// one: NUTS's U-turn checks (a dozen dot products per leapfrog step) then cost more than the log
// density of a small model.

#include <cstddef>
#include <span>

#include "hypatia_runtime.h"

namespace hypatia::infer {

inline double fixed_order_dot(std::span<const double> a, std::span<const double> b) {
  double lanes[HR_SUM_LANES] = {};
  const std::size_t whole = a.size() - a.size() % HR_SUM_LANES;
  for (std::size_t i = 0; i < whole; i += HR_SUM_LANES) {
    for (std::size_t lane = 0; lane < HR_SUM_LANES; ++lane)
      lanes[lane] += a[i + lane] * b[i + lane];
  }
  for (std::size_t i = whole; i < a.size(); ++i) lanes[i - whole] += a[i] * b[i];
  return hr_sum_lanes(lanes);
}

}  // namespace hypatia::infer
