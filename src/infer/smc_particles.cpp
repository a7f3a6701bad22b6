#include "infer/smc_particles.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "hypatia/error.hpp"

namespace hypatia::smc {
namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const RowMajorMatrix> as_matrix(const Particles& particles) {
  return {particles.positions.data(), particles.count, particles.dim};
}

double sanitized(double log_density) {
  return std::isnan(log_density) ? -std::numeric_limits<double>::infinity() : log_density;
}

// Ridge attempts grow by this factor, from 1e-10 of the mean variance.
constexpr double kInitialRelativeRidge = 1e-10;
constexpr double kRidgeGrowth = 100.0;
constexpr int kRidgeAttempts = 8;

}  // namespace

Particles::Particles(std::int64_t count, std::int64_t dim)
    : count(count),
      dim(dim),
      positions(static_cast<std::size_t>(count * dim)),
      log_prior(static_cast<std::size_t>(count)),
      log_likelihood(static_cast<std::size_t>(count)) {}

void Particles::keep(std::span<const std::int64_t> indices) {
  Particles kept(static_cast<std::int64_t>(indices.size()), dim);
  for (std::int64_t k = 0; k < kept.count; ++k) {
    const std::int64_t source = indices[k];
    std::copy_n(position(source), dim, kept.position(k));
    kept.log_prior[k] = log_prior[source];
    kept.log_likelihood[k] = log_likelihood[source];
  }
  *this = std::move(kept);
}

void evaluate_split(Target& target, const double* x, double& log_prior, double& log_likelihood) {
  if (!target.log_prior_likelihood(x, &log_prior, &log_likelihood)) {
    throw Error(
        "smc: the target cannot split its log density into log prior and log likelihood "
        "(Target::log_prior_likelihood returned false); SMC tempers the likelihood and needs both");
  }
  log_prior = sanitized(log_prior);
  log_likelihood = sanitized(log_likelihood);
}

double tempered_log_density(double log_prior, double log_likelihood, double beta) {
  return beta == 0.0 ? log_prior : log_prior + beta * log_likelihood;
}

double mean_correlation(const Particles& before, const Particles& after) {
  const auto x = as_matrix(before);
  const auto y = as_matrix(after);
  double total = 0.0;
  for (std::int64_t j = 0; j < before.dim; ++j) {
    const Eigen::VectorXd dx = x.col(j).array() - x.col(j).mean();
    const Eigen::VectorXd dy = y.col(j).array() - y.col(j).mean();
    const double scale = std::sqrt(dx.squaredNorm() * dy.squaredNorm());
    if (scale > 0.0) total += dx.dot(dy) / scale;
  }
  return total / static_cast<double>(before.dim);
}

ParticleGaussian::ParticleGaussian(const Particles& particles, std::span<const double> weights) {
  const auto x = as_matrix(particles);
  const Eigen::Map<const Eigen::VectorXd> w(weights.data(), particles.count);
  mean_ = x.transpose() * w;
  const RowMajorMatrix centered = x.rowwise() - mean_.transpose();
  Eigen::MatrixXd covariance = centered.transpose() * w.asDiagonal() * centered;
  if (!covariance.allFinite()) {
    throw Error("smc: the particles' covariance is not finite; expected finite particle positions");
  }
  const double mean_variance = covariance.diagonal().mean();
  // A population collapsed onto one point still needs a proposal that can move.
  double ridge = kInitialRelativeRidge * (mean_variance > 0.0 ? mean_variance : 1.0);
  for (int attempt = 0; attempt < kRidgeAttempts; ++attempt, ridge *= kRidgeGrowth) {
    Eigen::LLT<Eigen::MatrixXd> factor(
        covariance + ridge * Eigen::MatrixXd::Identity(particles.dim, particles.dim));
    if (factor.info() == Eigen::Success) {
      cholesky_ = factor.matrixL();
      return;
    }
  }
  throw Error("smc: the particles' covariance is not positive definite even with a ridge of " +
              std::to_string(ridge / kRidgeGrowth) + " added");
}

double ParticleGaussian::log_density(const double* x) const {
  const Eigen::Map<const Eigen::VectorXd> point(x, mean_.size());
  const Eigen::VectorXd standardized =
      cholesky_.triangularView<Eigen::Lower>().solve(point - mean_);
  return -0.5 * standardized.squaredNorm();
}

Eigen::VectorXd ParticleGaussian::standard_normal_vector(PhiloxStream& stream) const {
  Eigen::VectorXd z(mean_.size());
  for (Eigen::Index j = 0; j < z.size(); ++j) z[j] = stream.standard_normal();
  return z;
}

void ParticleGaussian::draw(PhiloxStream& stream, double* x) const {
  Eigen::Map<Eigen::VectorXd>(x, mean_.size()) =
      mean_ + cholesky_.triangularView<Eigen::Lower>() * standard_normal_vector(stream);
}

void ParticleGaussian::draw_step(PhiloxStream& stream, double scale, const double* from,
                                 double* x) const {
  const Eigen::Map<const Eigen::VectorXd> start(from, mean_.size());
  const Eigen::VectorXd shaped =
      cholesky_.triangularView<Eigen::Lower>() * standard_normal_vector(stream);
  Eigen::Map<Eigen::VectorXd>(x, mean_.size()) = start + scale * shaped;
}

}  // namespace hypatia::smc
