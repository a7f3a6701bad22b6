#pragma once

// Adaptive tempering for SMC: how far to raise the inverse temperature beta in one stage, and the
// importance weights and evidence increment that step implies.

#include <span>
#include <vector>

namespace hypatia::smc {

struct TemperingStep {
  double beta = 0.0;                    // the new inverse temperature
  double log_evidence_increment = 0.0;  // log mean of the incremental weights
  std::vector<double> weights;          // incremental weights normalized to sum 1
};

// Effective sample size (sum w)^2 / sum w^2 of the weights w_i = exp(delta * log_likelihood_i);
// a log likelihood of -inf gives weight 0.
double effective_sample_size(std::span<const double> log_likelihood, double delta);

// The next beta after `beta`: 1 if reweighting to 1 keeps an effective sample size of at least
// ess_fraction * particles, otherwise the beta (found by bisection) where it equals that target.
// Throws hypatia::Error when no particle has a finite log likelihood.
TemperingStep next_tempering_step(std::span<const double> log_likelihood, double beta,
                                  double ess_fraction);

}  // namespace hypatia::smc
