#pragma once

// Sequential Monte Carlo with adaptive tempering: particles drawn from the prior are moved to the
// posterior through a sequence of tempered densities prior * likelihood^beta, 0 = beta_0 < ... <
// beta_K = 1. Each stage reweights by likelihood^(beta_k - beta_{k-1}), resamples, and mutates with
// Metropolis steps that leave the tempered density invariant. The product of the mean incremental
// weights estimates the marginal likelihood. Needs a target that splits into prior and likelihood
// and can draw from its prior (Target::log_prior_likelihood, Target::sample_prior).

#include <cstdint>
#include <vector>

#include "hypatia/infer/progress_report.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia {

enum class SmcKernel {
  // Independent Metropolis-Hastings: proposals from a Gaussian fitted to the particles (PyMC's
  // default "IMH"); mixes in a few steps while the tempered density is near-Gaussian.
  independent_metropolis,
  // Random-walk Metropolis with the particles' covariance as proposal shape, its scale adapted
  // stage by stage towards an acceptance rate of 0.234.
  random_walk_metropolis,
};

struct SmcOptions {
  std::int64_t particles = 2000;  // per chain
  std::int64_t chains = 4;        // independent runs
  std::int64_t cores = 0;         // threads running chains; 0: all hardware threads
  std::uint64_t seed = 0;         // results depend only on the seed, never on `cores`
  SmcKernel kernel = SmcKernel::independent_metropolis;
  // Each stage raises beta as far as keeps the effective sample size of the incremental weights
  // at threshold * particles.
  double threshold = 0.5;
  std::int64_t max_stages = 500;  // a run needing more stages is an error, not a truncated result
  // Metropolis steps per stage run until the particles have forgotten their start-of-stage
  // positions, at most max_steps. Independent kernel: until the expected correlation with the
  // start, (1 - acceptance)^steps, is at most correlation_threshold (0.01: every particle
  // refreshed with probability 0.99). Random-walk kernel: until the measured mean correlation
  // with the start is at most correlation_threshold or falls by less than that in one step.
  std::int64_t max_steps = 25;
  double correlation_threshold = 0.01;
  // Hook for a progress display on stderr; currently ignored (its line counts iterations).
  bool progress = false;
  // When set, told each chain's beta in thousandths (iterations_done of iterations_total = 1000).
  ProgressCallback progress_callback;
};

// One independent run.
struct SmcChain {
  std::vector<double> draws;             // particles x dim, unconstrained scale, row-major
  double log_marginal_likelihood = 0.0;  // log of the estimated evidence p(data)
  std::vector<double> betas;             // inverse temperatures, 0 first and 1 last
  std::vector<double> acceptance_rates;  // per stage after the first (betas[1..])
  std::vector<std::int64_t> steps;       // Metropolis steps per stage after the first
  std::vector<double> proposal_scales;   // random-walk scale per stage (1 for the IMH kernel)
};

struct SmcResult {
  std::int64_t dim = 0;
  std::int64_t particles = 0;
  std::vector<SmcChain> chains;
};

// Runs options.chains independent SMC runs on up to options.cores threads. Throws hypatia::Error
// for bad options, for a target that cannot split or cannot draw from its prior, and for a run
// that does not reach beta = 1 within options.max_stages. A run that interrupt_requested() stops
// before beta = 1 returns a chain without draws.
SmcResult sample_smc(const Target& target, const SmcOptions& options = {});

}  // namespace hypatia
