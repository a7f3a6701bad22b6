// Monte Carlo standard errors: the sampling noise left in an estimate after these draws.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <boost/math/special_functions/beta.hpp>

#include "diagnostics/draws.hpp"
#include "hypatia/diagnostics.hpp"

namespace hypatia::diagnostics {

double mcse_mean(std::span<const double> draws, std::int64_t chains) {
  detail::as_chains(draws, chains, "mcse_mean");
  return sd(draws) / std::sqrt(ess_mean(draws, chains));
}

// posterior 1.4.0's delta-method error of the sd: the error of the variance estimate (its ESS
// taken from the squared deviations), carried through the square root.
double mcse_sd(std::span<const double> draws, std::int64_t chains) {
  detail::as_chains(draws, chains, "mcse_sd");
  const double center = mean(draws);
  std::vector<double> squared(draws.size());
  std::vector<double> fourth(draws.size());
  for (std::size_t i = 0; i < draws.size(); ++i) {
    const double deviation = draws[i] - center;
    squared[i] = deviation * deviation;
    fourth[i] = squared[i] * squared[i];
  }
  const double ess = ess_mean(squared, chains);
  const double expected_variance = mean(squared);
  const double variance_of_variance = (mean(fourth) - expected_variance * expected_variance) / ess;
  return std::sqrt(variance_of_variance / expected_variance / 4);
}

// The draws at the ends of a central 68% interval for the probability actually hit, a
// Beta(ess p + 1, ess (1 - p) + 1) around `probability`: half its width is one standard error.
double mcse_quantile(std::span<const double> draws, std::int64_t chains, double probability) {
  const double ess = ess_quantile(draws, chains, probability);
  if (std::isnan(ess)) return std::numeric_limits<double>::quiet_NaN();
  // posterior's literal one-sigma probabilities, Phi(-1) and Phi(1) to 7 digits.
  constexpr double kLowerSigma = 0.1586553;
  constexpr double kUpperSigma = 0.8413447;
  const double alpha = ess * probability + 1;
  const double beta = ess * (1 - probability) + 1;
  const double lower = boost::math::ibeta_inv(alpha, beta, kLowerSigma);
  const double upper = boost::math::ibeta_inv(alpha, beta, kUpperSigma);

  const std::vector<double> ordered = detail::sorted(draws);
  const auto count = static_cast<std::int64_t>(ordered.size());
  const auto lower_rank = std::max<std::int64_t>(
      static_cast<std::int64_t>(std::floor(lower * static_cast<double>(count))), 1);
  const auto upper_rank = std::min<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(upper * static_cast<double>(count))), count);
  return (ordered[upper_rank - 1] - ordered[lower_rank - 1]) / 2;
}

}  // namespace hypatia::diagnostics
