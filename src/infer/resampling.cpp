#include "infer/resampling.hpp"

namespace hypatia::smc {

std::vector<std::int64_t> systematic_resample(std::span<const double> weights, double uniform) {
  const auto count = static_cast<std::int64_t>(weights.size());
  std::vector<std::int64_t> indices(weights.size());
  double cumulative = weights.empty() ? 0.0 : weights[0];
  std::int64_t source = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    const double pointer = (static_cast<double>(k) + uniform) / static_cast<double>(count);
    // Rounding can leave the total a hair below 1; the last particle then takes the remainder.
    while (pointer >= cumulative && source + 1 < count) cumulative += weights[++source];
    indices[k] = source;
  }
  return indices;
}

}  // namespace hypatia::smc
