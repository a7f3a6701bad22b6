// Potential scale reduction: how much wider the pooled spread is than the spread within chains.

#include <cmath>
#include <cstdint>
#include <limits>

#include "diagnostics/draws.hpp"
#include "hypatia/diagnostics.hpp"

namespace hypatia::diagnostics {
namespace {

// Gelman-Rubin R-hat of the chains as given (split and transformed by the caller).
double potential_scale_reduction(const detail::Chains& chains) {
  if (detail::lacks_variation(chains.values)) return std::numeric_limits<double>::quiet_NaN();
  const double n = static_cast<double>(chains.draws);
  std::vector<double> means;
  double within = 0;
  for (std::int64_t c = 0; c < chains.chains; ++c) {
    const auto chain = chains.chain(c);
    double total = 0;
    for (double x : chain) total += x;
    means.push_back(total / n);
    within += detail::variance(chain);
  }
  within /= static_cast<double>(chains.chains);
  const double between = n * detail::variance(means);
  return std::sqrt((between / within + n - 1) / n);
}

// After rank normalization heavy tails cannot hide (or fake) disagreement between chains.
double rank_normalized_rhat(const detail::Chains& chains) {
  return potential_scale_reduction(detail::split_rank_normalized(chains));
}

}  // namespace

double rhat(std::span<const double> draws, std::int64_t chains) {
  const detail::Chains given = detail::as_chains(draws, chains, "rhat");
  const double bulk = rank_normalized_rhat(given);
  const double tail = rank_normalized_rhat(detail::with_values(given, detail::fold(given.values)));
  return detail::max_or_nan(bulk, tail);
}

double rhat_basic(std::span<const double> draws, std::int64_t chains) {
  return potential_scale_reduction(detail::split(detail::as_chains(draws, chains, "rhat_basic")));
}

}  // namespace hypatia::diagnostics
