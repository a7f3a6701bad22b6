// Pareto smoothing of importance ratios, as R's loo (2.5) and ArviZ compute it.

#include "hypatia/infer/psis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hypatia {
namespace {

constexpr std::int64_t kMinimumTailLength = 5;

double log_sum_exp(const std::vector<double>& values) {
  const double top = *std::max_element(values.begin(), values.end());
  if (!std::isfinite(top)) return top;
  double sum = 0;
  for (double value : values) sum += std::exp(value - top);
  return top + std::log(sum);
}

// Quantile function of the generalized Pareto with location 0.
double pareto_quantile(double probability, double k, double sigma) {
  if (std::abs(k) < 1e-12) return -sigma * std::log1p(-probability);
  return sigma * std::expm1(-k * std::log1p(-probability)) / k;
}

}  // namespace

std::int64_t psis_tail_length(std::int64_t draws, double relative_efficiency) {
  const double n = static_cast<double>(draws);
  return static_cast<std::int64_t>(
      std::ceil(std::min(0.2 * n, 3 * std::sqrt(n / relative_efficiency))));
}

GeneralizedPareto fit_generalized_pareto(std::span<const double> x) {
  // Zhang and Stephens (2009): the posterior mean of theta = -k / sigma over a grid, each point
  // weighted by its profile likelihood; then k is shrunk towards 0.5 by a prior worth 10
  // observations (Vehtari et al.), which keeps small tails from giving wild shapes.
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  const std::int64_t grid_size = 30 + static_cast<std::int64_t>(std::sqrt(static_cast<double>(n)));
  const double quartile =
      x[static_cast<std::size_t>(std::floor(static_cast<double>(n) / 4 + 0.5)) - 1];
  std::vector<double> theta(static_cast<std::size_t>(grid_size));
  std::vector<double> profile(theta.size());
  for (std::int64_t j = 0; j < grid_size; ++j) {
    theta[j] =
        1 / x[n - 1] +
        (1 - std::sqrt(static_cast<double>(grid_size) / (static_cast<double>(j + 1) - 0.5))) /
            (3 * quartile);
    double k = 0;
    for (double value : x) k += std::log1p(-theta[j] * value);
    k /= static_cast<double>(n);
    profile[j] = static_cast<double>(n) * (std::log(-theta[j] / k) - k - 1);
  }
  const double normalizer = log_sum_exp(profile);
  double theta_hat = 0;
  for (std::size_t j = 0; j < theta.size(); ++j) {
    theta_hat += theta[j] * std::exp(profile[j] - normalizer);
  }
  double k = 0;
  for (double value : x) k += std::log1p(-theta_hat * value);
  k /= static_cast<double>(n);
  const double sigma = -k / theta_hat;
  constexpr double prior_weight = 10;
  const double shrunk =
      (k * static_cast<double>(n) + prior_weight * 0.5) / (static_cast<double>(n) + prior_weight);
  return {.k = shrunk, .sigma = sigma};
}

ParetoSmoothed pareto_smooth(std::span<const double> log_ratios, std::int64_t tail_length) {
  const std::int64_t n = static_cast<std::int64_t>(log_ratios.size());
  ParetoSmoothed result;
  result.pareto_k = std::numeric_limits<double>::infinity();
  result.log_weights.assign(log_ratios.begin(), log_ratios.end());
  if (n == 0) return result;
  for (double& value : result.log_weights) {
    if (std::isnan(value)) value = -std::numeric_limits<double>::infinity();
  }
  const double shift = *std::max_element(result.log_weights.begin(), result.log_weights.end());
  if (!std::isfinite(shift)) return result;  // no finite ratio (or an infinite one): no fit
  for (double& value : result.log_weights) value -= shift;

  if (tail_length <= 0) tail_length = psis_tail_length(n);
  tail_length = std::min(tail_length, n - 1);
  result.tail_length = tail_length;
  if (tail_length >= kMinimumTailLength) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
      return result.log_weights[a] < result.log_weights[b];
    });
    const std::int64_t first_tail = n - tail_length;
    const double cutoff = result.log_weights[order[first_tail - 1]];
    const double tail_low = result.log_weights[order[first_tail]];
    const double tail_high = result.log_weights[order[n - 1]];
    // A flat tail has nothing to fit, and a cutoff of -inf means most ratios are zero.
    if (std::isfinite(cutoff) &&
        tail_high - tail_low > std::numeric_limits<double>::epsilon() / 100) {
      const double exp_cutoff = std::exp(cutoff);
      std::vector<double> exceedances(static_cast<std::size_t>(tail_length));
      for (std::int64_t i = 0; i < tail_length; ++i) {
        exceedances[i] = std::exp(result.log_weights[order[first_tail + i]]) - exp_cutoff;
      }
      const GeneralizedPareto fit = fit_generalized_pareto(exceedances);
      result.pareto_k = fit.k;
      if (std::isfinite(fit.k)) {
        for (std::int64_t i = 0; i < tail_length; ++i) {
          const double probability =
              (static_cast<double>(i + 1) - 0.5) / static_cast<double>(tail_length);
          result.log_weights[order[first_tail + i]] =
              std::log(pareto_quantile(probability, fit.k, fit.sigma) + exp_cutoff);
        }
      }
    }
  }
  // No smoothed weight may exceed the largest raw ratio (0 after the shift).
  for (double& value : result.log_weights) value = std::min(value, 0.0) + shift;
  return result;
}

}  // namespace hypatia
