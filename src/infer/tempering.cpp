#include "infer/tempering.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hypatia/error.hpp"

namespace hypatia::smc {
namespace {

// Halvings of the search interval; 2^-64 of the remaining range is below double resolution.
constexpr int kBisectionSteps = 64;

double max_finite(std::span<const double> values) {
  double largest = -std::numeric_limits<double>::infinity();
  for (double value : values) {
    if (std::isfinite(value)) largest = std::max(largest, value);
  }
  return largest;
}

// Weights exp(delta * l_i - shift) with the shift making the largest weight 1.
std::vector<double> scaled_weights(std::span<const double> log_likelihood, double delta) {
  const double shift = delta * max_finite(log_likelihood);
  std::vector<double> weights(log_likelihood.size());
  for (std::size_t i = 0; i < log_likelihood.size(); ++i) {
    weights[i] =
        std::isfinite(log_likelihood[i]) ? std::exp(delta * log_likelihood[i] - shift) : 0.0;
  }
  return weights;
}

}  // namespace

double effective_sample_size(std::span<const double> log_likelihood, double delta) {
  double sum = 0.0;
  double sum_of_squares = 0.0;
  for (double weight : scaled_weights(log_likelihood, delta)) {
    sum += weight;
    sum_of_squares += weight * weight;
  }
  return sum_of_squares > 0.0 ? sum * sum / sum_of_squares : 0.0;
}

TemperingStep next_tempering_step(std::span<const double> log_likelihood, double beta,
                                  double ess_fraction) {
  const double top = max_finite(log_likelihood);
  if (!std::isfinite(top)) {
    throw Error("smc: no particle has a finite log likelihood at beta = " + std::to_string(beta) +
                "; expected the prior to put mass where the likelihood is finite");
  }
  const double target_ess = ess_fraction * static_cast<double>(log_likelihood.size());
  double low = 0.0;
  double high = 1.0 - beta;
  if (effective_sample_size(log_likelihood, high) < target_ess) {
    // The effective sample size falls as delta grows; keep it at the target between the bounds.
    for (int step = 0; step < kBisectionSteps; ++step) {
      const double middle = 0.5 * (low + high);
      if (effective_sample_size(log_likelihood, middle) < target_ess) {
        high = middle;
      } else {
        low = middle;
      }
    }
  }
  // `high` is never 0, so even a stage whose weights collapse at once (some -inf likelihoods and
  // too few finite ones) moves beta and drops those particles.
  const double delta = high;

  TemperingStep step;
  step.beta = high == 1.0 - beta ? 1.0 : beta + delta;
  step.weights = scaled_weights(log_likelihood, delta);
  double sum = 0.0;
  for (double weight : step.weights) sum += weight;
  for (double& weight : step.weights) weight /= sum;
  step.log_evidence_increment =
      delta * top + std::log(sum) - std::log(static_cast<double>(log_likelihood.size()));
  return step;
}

}  // namespace hypatia::smc
