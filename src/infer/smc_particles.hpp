#pragma once

// The particle population of one SMC run, and the Gaussian fitted to it that shapes the
// Metropolis proposals.

#include <Eigen/Dense>

#include <cstdint>
#include <span>
#include <vector>

#include "hypatia/infer/target.hpp"
#include "infer/smc_rng.hpp"

namespace hypatia::smc {

struct Particles {
  std::int64_t count = 0;
  std::int64_t dim = 0;
  std::vector<double> positions;  // count x dim, row-major
  std::vector<double> log_prior;
  std::vector<double> log_likelihood;

  Particles(std::int64_t count, std::int64_t dim);
  double* position(std::int64_t i) { return positions.data() + i * dim; }
  const double* position(std::int64_t i) const { return positions.data() + i * dim; }
  // Replaces the population by the particles at `indices` (a resampling).
  void keep(std::span<const std::int64_t> indices);
};

// Log prior and log likelihood at x, with NaN read as -inf so such a point is never accepted.
// Throws hypatia::Error when the target cannot split.
void evaluate_split(Target& target, const double* x, double& log_prior, double& log_likelihood);

// log prior + beta * log likelihood; at beta = 0 the prior alone, even where the likelihood is
// -inf.
double tempered_log_density(double log_prior, double log_likelihood, double beta);

// Mean over coordinates of the correlation, across particles, between positions in `before` and
// `after`; a coordinate constant in either counts as uncorrelated.
double mean_correlation(const Particles& before, const Particles& after);

// The Gaussian with the weighted mean and covariance of a population.
class ParticleGaussian {
 public:
  // `weights` sum to 1. Adds the smallest ridge (relative to the covariance's scale) that makes
  // the covariance numerically positive definite; throws hypatia::Error if none does.
  ParticleGaussian(const Particles& particles, std::span<const double> weights);

  // Log density up to a constant.
  double log_density(const double* x) const;
  // x = mean + L z.
  void draw(PhiloxStream& stream, double* x) const;
  // x = from + scale * L z: a random-walk step shaped like the population.
  void draw_step(PhiloxStream& stream, double scale, const double* from, double* x) const;

 private:
  Eigen::VectorXd standard_normal_vector(PhiloxStream& stream) const;

  Eigen::VectorXd mean_;
  Eigen::MatrixXd cholesky_;  // lower triangular L with L L^T = covariance
};

}  // namespace hypatia::smc
