#pragma once

// The mutation step of SMC: Metropolis-Hastings moves that leave the current tempered density
// prior * likelihood^beta invariant, with proposals shaped by the Gaussian fitted to the particles.

#include <cstdint>

#include "hypatia/infer/smc.hpp"
#include "hypatia/infer/target.hpp"
#include "infer/smc_particles.hpp"

namespace hypatia::smc {

struct MutationSettings {
  SmcKernel kernel = SmcKernel::independent_metropolis;
  std::int64_t max_steps = 25;
  double correlation_threshold = 0.01;
  double random_walk_scale = 1.0;  // multiplies the fitted Cholesky factor
};

// Where the mutation's random numbers live: stream (seed, run, mutation, stage, step * N + i)
// moves particle i in a step, so a particle's fate does not depend on who computes it.
struct MutationAddress {
  std::uint64_t seed = 0;
  std::uint64_t run = 0;
  std::uint64_t stage = 0;
};

struct MutationStats {
  double acceptance_rate = 0.0;
  std::int64_t steps = 0;
};

// Moves every particle by Metropolis steps until the start-of-stage positions are forgotten:
// - independent kernel: a proposal either replaces a particle by an independent draw or leaves
//   it, so after n steps at acceptance rate a the expected correlation with the start is
//   (1 - a)^n; stop once that is at most correlation_threshold (0.01: each particle refreshed
//   with probability 0.99).
// - random-walk kernel: stop once the measured mean correlation with the start is at most
//   correlation_threshold or falls by less than that in a step (local moves have stopped
//   decorrelating within the noise of the estimate).
// Both stop after max_steps at the latest.
MutationStats mutate(Target& target, Particles& particles, const ParticleGaussian& proposal,
                     double beta, const MutationSettings& settings, const MutationAddress& address);

// The random-walk scale for the next stage: in the Gaussian limit the acceptance rate at scale s
// is 2 Phi(-c s) for a constant c, so scale * Phi^-1(0.234 / 2) / Phi^-1(acceptance / 2) would
// reach the target acceptance 0.234 in one step; the change is bounded to a factor 4 per stage.
double adapt_random_walk_scale(double scale, double acceptance_rate);

// 2.38 / sqrt(dim): optimal for Gaussian targets when the proposal has the target's covariance.
double initial_random_walk_scale(std::int64_t dim);

}  // namespace hypatia::smc
