#pragma once

// Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao and Gabry 2024): the largest
// importance ratios are replaced by the expected order statistics of a generalized Pareto fitted
// to them (Zhang and Stephens 2009, with the weakly informative prior on the shape that R's loo and
// ArviZ use), which tames their variance; the fitted shape k says how far to trust the weights
// (k > 0.7: not at all).

#include <cstdint>
#include <span>
#include <vector>

namespace hypatia {

struct ParetoSmoothed {
  // The smoothed log weights, unnormalized, on the scale of the log ratios given (the largest
  // raw ratio is their upper bound).
  std::vector<double> log_weights;
  // The tail's estimated shape; +inf when the tail was too short or too flat to fit.
  double pareto_k = 0;
  std::int64_t tail_length = 0;
};

// The tail length R's loo uses: ceil(min(0.2 n, 3 sqrt(n / relative_efficiency))).
std::int64_t psis_tail_length(std::int64_t draws, double relative_efficiency = 1.0);

// Smooths the log importance ratios (log p - log q per draw). Non-finite ratios (NaN, -inf) get
// weight zero; tail_length 0 means psis_tail_length(n). A tail shorter than 5 is not smoothed.
ParetoSmoothed pareto_smooth(std::span<const double> log_ratios, std::int64_t tail_length = 0);

// (k, sigma) of a generalized Pareto fitted to sorted (ascending) positive exceedances.
struct GeneralizedPareto {
  double k = 0;
  double sigma = 0;
};
GeneralizedPareto fit_generalized_pareto(std::span<const double> sorted_exceedances);

}  // namespace hypatia
