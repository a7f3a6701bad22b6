// Effective sample sizes: how many independent draws would estimate as well as these.

#include <cmath>
#include <cstdint>
#include <limits>

#include "diagnostics/autocorrelation.hpp"
#include "diagnostics/draws.hpp"
#include "hypatia/diagnostics.hpp"

namespace hypatia::diagnostics {
namespace {

double split_ess(const detail::Chains& chains) {
  return detail::effective_sample_size(detail::split(chains));
}

}  // namespace

double ess_bulk(std::span<const double> draws, std::int64_t chains) {
  return detail::effective_sample_size(
      detail::split_rank_normalized(detail::as_chains(draws, chains, "ess_bulk")));
}

double ess_tail(std::span<const double> draws, std::int64_t chains) {
  detail::as_chains(draws, chains, "ess_tail");
  return detail::min_or_nan(ess_quantile(draws, chains, 0.05), ess_quantile(draws, chains, 0.95));
}

double ess_basic(std::span<const double> draws, std::int64_t chains) {
  return split_ess(detail::as_chains(draws, chains, "ess_basic"));
}

double ess_mean(std::span<const double> draws, std::int64_t chains) {
  return split_ess(detail::as_chains(draws, chains, "ess_mean"));
}

// The ESS of the indicator I(x <= q), whose mean estimates the probability at quantile q.
double ess_quantile(std::span<const double> draws, std::int64_t chains, double probability) {
  const detail::Chains given = detail::as_chains(draws, chains, "ess_quantile");
  detail::check_probability(probability, "ess_quantile");
  if (detail::lacks_variation(given.values)) return std::numeric_limits<double>::quiet_NaN();
  if (probability == 1) {
    // The 100% indicator is constant; posterior moves it half a draw inside.
    const double n = static_cast<double>(given.values.size());
    probability = (n - 0.5) / n;
  }
  const double threshold = detail::sorted_quantile(detail::sorted(given.values), probability);
  std::vector<double> indicator(given.values.size());
  for (std::size_t i = 0; i < indicator.size(); ++i) {
    indicator[i] = given.values[i] <= threshold ? 1.0 : 0.0;
  }
  return split_ess(detail::with_values(given, std::move(indicator)));
}

}  // namespace hypatia::diagnostics
