// The low-rank-plus-diagonal metric that minimizes the Fisher divergence (Seyboldt, Carlson &
// Carpenter, arXiv 2603.18845; nutpie's "low rank" mass matrix).
//
// M^{-1} = D (I + U (diag(lambda) - I) U') D, with D = diag(sigma) and U (dim x k) orthonormal:
// sigma_i^2 is the Fisher diagonal sqrt(Var[q_i] / Var[grad_i]); in the coordinates scaled by
// sigma, the covariance Sigma whose Gaussian best matches positions and gradients solves
// Sigma Cov[grad] Sigma = Cov[q] (for a Gaussian posterior it is the covariance itself: the
// gradients are -Cov^{-1} q). Sigma is the geometric mean of Cov[q] and Cov[grad]^{-1}. Only its
// eigen directions whose eigenvalue lies outside [1 / cutoff, cutoff] are kept, so the metric is
// the diagonal plus a correction of rank k; momenta, velocities and the kinetic energy cost
// O(dim * k) and no dim x dim matrix is formed.
//
// With n samples the positions and gradients span at most 2n directions, so when 2n < dim the
// estimate works in that subspace (an m x m problem, m <= 2n); outside it the metric is the
// diagonal.

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include <cmath>
#include <deque>
#include <vector>

#include "hypatia/error.hpp"
#include "infer/metric.hpp"

namespace hypatia::infer {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// Eigenvalues of the scaled covariance within [1 / kCutoff, kCutoff] are left at 1 (the diagonal
// alone is close enough there); kRegularization is nutpie's gamma: the sample outer-product sums
// are divided by it and the identity added, keeping both covariances invertible.
constexpr double kCutoff = 2.0;
constexpr double kRegularization = 1e-5;
// nutpie re-estimates its low-rank metric every 20 warm-up draws (nuts-rs's mass_matrix_update_freq
// for LowRankNutsSettings), not after every draw as its diagonal: each estimate costs three
// eigendecompositions of up to dim x dim, and radon (dim 175) spent 36 of its 37 CPU s in them.
constexpr std::int64_t kUpdateInterval = 20;

// f(A) for a symmetric positive definite A, f applied to its eigenvalues; from A's
// eigendecomposition, which is the costly part (two functions of one matrix share it).
template <class Function>
MatrixXd spectral_function(const Eigen::SelfAdjointEigenSolver<MatrixXd>& eigen, Function f) {
  const VectorXd values = eigen.eigenvalues().unaryExpr(f);
  return eigen.eigenvectors() * values.asDiagonal() * eigen.eigenvectors().transpose();
}

class FisherLowRankMetric final : public Metric {
 public:
  explicit FisherLowRankMetric(std::int64_t dim) : dim_(dim), sigma_(VectorXd::Ones(dim)) {}

  MetricKind kind() const override { return MetricKind::fisher_low_rank; }

  void set_inverse_diagonal(const std::vector<double>& values) override {
    for (std::int64_t i = 0; i < dim_; ++i)
      sigma_[i] = std::sqrt(values[static_cast<std::size_t>(i)]);
    directions_.resize(dim_, 0);
    eigenvalues_.resize(0);
  }

  void sample_momentum(CounterRng& rng, double* p) const override {
    // z ~ N(0, I); S = I + U (lambda^{-1/2} - 1) U' squares to I + U (1 / lambda - 1) U', so
    // p = D^{-1} S z has covariance D^{-1} (I + U (1 / lambda - 1) U') D^{-1} = M.
    Eigen::Map<VectorXd> momentum(p, dim_);
    for (std::int64_t i = 0; i < dim_; ++i) momentum[i] = rng.normal();
    if (eigenvalues_.size() > 0) {
      projected_.noalias() = directions_.transpose() * momentum;
      projected_.array() *= eigenvalues_.array().rsqrt() - 1.0;
      momentum.noalias() += directions_ * projected_;
    }
    momentum.array() /= sigma_.array();
  }

  void velocity(const double* p, double* velocity) const override {
    Eigen::Map<VectorXd> result(velocity, dim_);
    result = sigma_.cwiseProduct(Eigen::Map<const VectorXd>(p, dim_));
    if (eigenvalues_.size() > 0) {
      projected_.noalias() = directions_.transpose() * result;
      projected_.array() *= eigenvalues_.array() - 1.0;
      result.noalias() += directions_ * projected_;
    }
    result.array() *= sigma_.array();
  }

  void add_sample(const double* q, const double* grad) override {
    positions_.emplace_back(q, q + dim_);
    gradients_.emplace_back(grad, grad + dim_);
    ++recent_;
  }

  std::int64_t nutpie_update_interval() const override { return kUpdateInterval; }

  bool update_from_window() override {
    const auto n = static_cast<std::int64_t>(positions_.size());
    if (n < 3) return false;
    MatrixXd positions(dim_, n), gradients(dim_, n);
    for (std::int64_t j = 0; j < n; ++j) {
      positions.col(j) =
          Eigen::Map<const VectorXd>(positions_[static_cast<std::size_t>(j)].data(), dim_);
      gradients.col(j) =
          Eigen::Map<const VectorXd>(gradients_[static_cast<std::size_t>(j)].data(), dim_);
    }
    VectorXd sigma(dim_);
    for (std::int64_t i = 0; i < dim_; ++i) {
      const double position_mean = positions.row(i).mean(), gradient_mean = gradients.row(i).mean();
      positions.row(i).array() -= position_mean;
      gradients.row(i).array() -= gradient_mean;
      const double position_variance = positions.row(i).squaredNorm() / static_cast<double>(n - 1);
      const double gradient_variance = gradients.row(i).squaredNorm() / static_cast<double>(n - 1);
      sigma[i] = std::sqrt(fisher_diagonal_variance(position_variance, gradient_variance));
      positions.row(i) /= sigma[i];
      gradients.row(i) *= sigma[i];
    }
    if (!positions.allFinite() || !gradients.allFinite()) throw_overflow();

    // An orthonormal basis of the directions the samples span, when they span less than R^dim
    // (otherwise the standard basis, and nothing to project).
    const bool whole_space = 2 * n >= dim_;
    MatrixXd basis;
    if (!whole_space) {
      MatrixXd both(dim_, 2 * n);
      both << positions, gradients;
      const Eigen::ColPivHouseholderQR<MatrixXd> qr(both);
      basis = qr.householderQ() * MatrixXd::Identity(dim_, qr.rank());
    }
    const MatrixXd projected_positions = whole_space ? positions : basis.transpose() * positions;
    const MatrixXd projected_gradients = whole_space ? gradients : basis.transpose() * gradients;
    const std::int64_t m = whole_space ? dim_ : basis.cols();
    const MatrixXd identity = MatrixXd::Identity(m, m);
    const MatrixXd position_spread =
        projected_positions * projected_positions.transpose() / kRegularization + identity;
    const MatrixXd gradient_spread =
        projected_gradients * projected_gradients.transpose() / kRegularization + identity;

    // Sigma solves Sigma G Sigma = P: with G = R^2, Sigma = R^{-1} (R P R)^{1/2} R^{-1}.
    const Eigen::SelfAdjointEigenSolver<MatrixXd> gradient_eigen(gradient_spread);
    const MatrixXd root = spectral_function(gradient_eigen, [](double x) { return std::sqrt(x); });
    const MatrixXd inverse_root =
        spectral_function(gradient_eigen, [](double x) { return 1 / std::sqrt(x); });
    const MatrixXd middle = root * position_spread * root;
    const MatrixXd middle_root = spectral_function(
        Eigen::SelfAdjointEigenSolver<MatrixXd>(0.5 * (middle + middle.transpose())),
        [](double x) { return std::sqrt(std::max(x, 0.0)); });
    MatrixXd covariance = inverse_root * middle_root * inverse_root;
    covariance = 0.5 * (covariance + covariance.transpose());
    // A degenerate window (draws that barely moved) can leave no usable estimate: keep the
    // metric until the window has more.
    if (!covariance.allFinite()) return false;
    const Eigen::SelfAdjointEigenSolver<MatrixXd> eigen(covariance);
    if (eigen.info() != Eigen::Success || !(eigen.eigenvalues().minCoeff() > 0)) return false;

    std::vector<std::int64_t> kept;
    for (std::int64_t j = 0; j < m; ++j) {
      const double value = eigen.eigenvalues()[j];
      if (value > kCutoff || value < 1 / kCutoff) kept.push_back(j);
    }
    const auto k = static_cast<std::int64_t>(kept.size());
    eigenvalues_.resize(k);
    MatrixXd vectors(m, k);
    for (std::int64_t j = 0; j < k; ++j) {
      eigenvalues_[j] = eigen.eigenvalues()[kept[static_cast<std::size_t>(j)]];
      vectors.col(j) = eigen.eigenvectors().col(kept[static_cast<std::size_t>(j)]);
    }
    directions_ = whole_space ? vectors : basis * vectors;
    sigma_ = sigma;
    projected_.resize(k);
    return true;
  }

  void switch_window() override {
    while (static_cast<std::int64_t>(positions_.size()) > recent_) {
      positions_.pop_front();
      gradients_.pop_front();
    }
    recent_ = 0;
  }
  std::int64_t background_count() const override { return recent_; }
  void forget_samples() override {
    positions_.clear();
    gradients_.clear();
    recent_ = 0;
  }

  // The full dim x dim M^{-1}, written out only for reporting.
  const std::vector<double>& inverse() const override {
    MatrixXd full = MatrixXd::Identity(dim_, dim_);
    if (eigenvalues_.size() > 0) {
      full += directions_ * (eigenvalues_.array() - 1.0).matrix().asDiagonal() *
              directions_.transpose();
    }
    full = sigma_.asDiagonal() * full * sigma_.asDiagonal();
    written_out_.resize(static_cast<std::size_t>(dim_ * dim_));
    for (std::int64_t i = 0; i < dim_; ++i) {
      for (std::int64_t j = 0; j < dim_; ++j) {
        written_out_[static_cast<std::size_t>(i * dim_ + j)] = full(i, j);
      }
    }
    return written_out_;
  }

 private:
  std::int64_t dim_;
  VectorXd sigma_;
  MatrixXd directions_;         // U, dim x k
  VectorXd eigenvalues_;        // lambda, k
  mutable VectorXd projected_;  // U' x, k
  mutable std::vector<double> written_out_;
  // Samples since the switch before last; the last recent_ of them came after the last switch.
  std::deque<std::vector<double>> positions_;
  std::deque<std::vector<double>> gradients_;
  std::int64_t recent_ = 0;
};

}  // namespace

std::unique_ptr<Metric> make_fisher_low_rank_metric(std::int64_t dim) {
  return std::make_unique<FisherLowRankMetric>(dim);
}

}  // namespace hypatia::infer
