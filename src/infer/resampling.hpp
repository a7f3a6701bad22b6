#pragma once

// Systematic resampling: one uniform draw places N evenly spaced pointers on the cumulative
// weights, so particle i is copied floor(N w_i) or ceil(N w_i) times (lower variance than
// multinomial resampling, and O(N)).

#include <cstdint>
#include <span>
#include <vector>

namespace hypatia::smc {

// Indices of the particles to keep, in increasing order. `weights` sum to 1; `uniform` is in
// [0, 1).
std::vector<std::int64_t> systematic_resample(std::span<const double> weights, double uniform);

}  // namespace hypatia::smc
