// The Fisher low-rank metric against Eigen's eigendecomposition of a known covariance, its
// momenta against the mass matrix, and the overlapping windows of nutpie's schedule.

#include <gtest/gtest.h>
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <vector>

#include "infer/metric.hpp"

namespace hypatia::infer {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// A covariance with unequal scales per coordinate and, after scaling them out, two strong
// directions (variances 60 and 12 times the rest) and a weak one (a twentieth).
MatrixXd correlated_covariance(int dim) {
  CounterRng rng(11, 0);
  MatrixXd directions(dim, 3);
  for (int i = 0; i < dim; ++i) {
    for (int j = 0; j < 3; ++j) directions(i, j) = rng.normal();
  }
  const MatrixXd orthonormal =
      Eigen::HouseholderQR<MatrixXd>(directions).householderQ() * MatrixXd::Identity(dim, 3);
  VectorXd strength(3);
  strength << 59.0, 11.0, -0.95;
  MatrixXd scaled =
      MatrixXd::Identity(dim, dim) + orthonormal * strength.asDiagonal() * orthonormal.transpose();
  VectorXd scales(dim);
  for (int i = 0; i < dim; ++i) scales[i] = std::exp(rng.uniform(-2, 2));
  return scales.asDiagonal() * scaled * scales.asDiagonal();
}

// n exact draws from N(mean, covariance) with their log-density gradients, fed to the metric.
void add_gaussian_samples(Metric& metric, const MatrixXd& covariance, int n, std::uint64_t seed) {
  const auto dim = covariance.rows();
  const MatrixXd root = Eigen::LLT<MatrixXd>(covariance).matrixL();
  const MatrixXd precision = covariance.inverse();
  VectorXd mean(dim);
  for (Eigen::Index i = 0; i < dim; ++i) mean[i] = static_cast<double>(i % 3) - 1.0;
  CounterRng rng(seed, 0);
  for (int s = 0; s < n; ++s) {
    VectorXd z(dim);
    for (Eigen::Index i = 0; i < dim; ++i) z[i] = rng.normal();
    const VectorXd q = mean + root * z;
    const VectorXd grad = -precision * (q - mean);
    metric.add_sample(q.data(), grad.data());
  }
}

MatrixXd estimated_inverse(const Metric& metric, Eigen::Index dim) {
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      metric.inverse().data(), dim, dim);
}

// |cos| of the angle between the j-th largest eigenvectors of a and b, and b's eigenvalue over
// a's.
std::pair<double, double> compare_eigen(const MatrixXd& a, const MatrixXd& b, int j) {
  const Eigen::SelfAdjointEigenSolver<MatrixXd> ea(a), eb(b);
  const auto last = a.rows() - 1 - j;
  return {std::abs(ea.eigenvectors().col(last).dot(eb.eigenvectors().col(last))),
          eb.eigenvalues()[last] / ea.eigenvalues()[last]};
}

TEST(FisherLowRankMetric, RecoversTheLeadingEigenDirectionsOfAGaussian) {
  const int dim = 12;
  const MatrixXd covariance = correlated_covariance(dim);
  auto metric = Metric::create(MetricKind::fisher_low_rank, dim);
  EXPECT_EQ(metric->kind(), MetricKind::fisher_low_rank);
  add_gaussian_samples(*metric, covariance, 40, 1);
  ASSERT_TRUE(metric->update_from_window());
  const MatrixXd estimate = estimated_inverse(*metric, dim);
  for (int j = 0; j < 2; ++j) {
    const auto [cosine, ratio] = compare_eigen(covariance, estimate, j);
    EXPECT_GT(cosine, 0.999) << j;
    EXPECT_NEAR(ratio, 1.0, 0.01) << j;
  }
  // Gaussian gradients make the Fisher estimate exact in the directions it keeps; those it
  // leaves to the diagonal were within a factor 2 of it, so the preconditioned covariance
  // M covariance has every eigenvalue in [1/2, 2] (a diagonal alone leaves 60 and 1/20).
  const Eigen::GeneralizedSelfAdjointEigenSolver<MatrixXd> preconditioned(covariance, estimate);
  EXPECT_GT(preconditioned.eigenvalues().minCoeff(), 0.5);
  EXPECT_LT(preconditioned.eigenvalues().maxCoeff(), 2.0);
}

TEST(FisherLowRankMetric, FewerSamplesThanDimensionsStillFindTheStrongestDirection) {
  // 15 draws in 40 dimensions: the estimate works in the 30 directions they span. The draws are
  // too few to get the scales right, but the strong direction is found, and the worst
  // preconditioned eigenvalue is far smaller than with the Fisher diagonal of the same draws.
  const int dim = 40;
  const MatrixXd covariance = correlated_covariance(dim);
  auto low_rank = Metric::create(MetricKind::fisher_low_rank, dim);
  add_gaussian_samples(*low_rank, covariance, 15, 2);
  ASSERT_TRUE(low_rank->update_from_window());
  const MatrixXd estimate = estimated_inverse(*low_rank, dim);
  EXPECT_GT(compare_eigen(covariance, estimate, 0).first, 0.95);
  EXPECT_GT(Eigen::SelfAdjointEigenSolver<MatrixXd>(estimate).eigenvalues().minCoeff(), 0.0);

  auto diagonal = Metric::create(MetricKind::fisher_diagonal, dim);
  add_gaussian_samples(*diagonal, covariance, 15, 2);
  ASSERT_TRUE(diagonal->update_from_window());
  const VectorXd diagonal_estimate = Eigen::Map<const VectorXd>(diagonal->inverse().data(), dim);
  auto condition = [&](const MatrixXd& inverse_mass) {
    const Eigen::GeneralizedSelfAdjointEigenSolver<MatrixXd> solver(covariance, inverse_mass);
    return solver.eigenvalues().maxCoeff() / solver.eigenvalues().minCoeff();
  };
  const double with_low_rank = condition(estimate);
  const double with_diagonal = condition(diagonal_estimate.asDiagonal().toDenseMatrix());
  EXPECT_LT(with_low_rank, 0.25 * with_diagonal);
}

TEST(FisherLowRankMetric, MomentaHaveTheMassMatrixAsCovarianceAndVelocityIsItsInverse) {
  const int dim = 6;
  const MatrixXd covariance = correlated_covariance(dim);
  auto metric = Metric::create(MetricKind::fisher_low_rank, dim);
  add_gaussian_samples(*metric, covariance, 30, 3);
  ASSERT_TRUE(metric->update_from_window());
  const MatrixXd inverse_mass = estimated_inverse(*metric, dim);
  const MatrixXd mass = inverse_mass.inverse();

  CounterRng rng(5, 0);
  const int n = 200000;
  MatrixXd sum = MatrixXd::Zero(dim, dim);
  double kinetic = 0;
  VectorXd p(dim), velocity(dim);
  for (int s = 0; s < n; ++s) {
    metric->sample_momentum(rng, p.data());
    sum += p * p.transpose() / n;
    metric->velocity(p.data(), velocity.data());
    kinetic += p.dot(velocity) / n;
  }
  for (int r = 0; r < dim; ++r) {
    for (int c = 0; c < dim; ++c) {
      const double se = std::sqrt((mass(r, r) * mass(c, c) + mass(r, c) * mass(r, c)) / n);
      EXPECT_NEAR(sum(r, c), mass(r, c), 4.5 * se) << r << "," << c;
    }
  }
  // p' M^{-1} p is chi-square with dim degrees of freedom.
  EXPECT_NEAR(kinetic, dim, 4 * std::sqrt(2.0 * dim / n));

  const VectorXd fixed = VectorXd::LinSpaced(dim, -1.0, 2.0);
  metric->velocity(fixed.data(), velocity.data());
  EXPECT_LT((velocity - inverse_mass * fixed).norm(), 1e-9 * (inverse_mass * fixed).norm());
}

TEST(FisherLowRankMetric, SetInverseDiagonalDropsTheCorrection) {
  auto metric = Metric::create(MetricKind::fisher_low_rank, 3, {4.0, 1.0, 0.25});
  const MatrixXd inverse = estimated_inverse(*metric, 3);
  EXPECT_LT(
      (inverse - VectorXd(Eigen::Vector3d(4.0, 1.0, 0.25)).asDiagonal().toDenseMatrix()).norm(),
      1e-15);
  EXPECT_FALSE(metric->update_from_window());  // no samples: unchanged
}

// Fisher diagonal variances of the samples in `values` (pairs of position and gradient).
double fisher_variance(const std::vector<std::pair<double, double>>& values) {
  const double n = static_cast<double>(values.size());
  double mean_q = 0, mean_g = 0;
  for (const auto& [q, g] : values) mean_q += q / n, mean_g += g / n;
  double var_q = 0, var_g = 0;
  for (const auto& [q, g] : values) {
    var_q += (q - mean_q) * (q - mean_q) / (n - 1);
    var_g += (g - mean_g) * (g - mean_g) / (n - 1);
  }
  return std::sqrt(var_q / var_g);
}

TEST(Metric, WindowsOverlapAcrossOneSwitchAndForgetOlderSamples) {
  // A Student-t-like gradient so the estimate depends on which samples it saw.
  auto sample = [](double q) { return std::pair{q, -4.0 * q / (3.0 + q * q)}; };
  std::vector<std::pair<double, double>> first, second;
  for (int i = 0; i < 6; ++i) first.push_back(sample(0.7 * i - 1.0));
  for (int i = 0; i < 5; ++i) second.push_back(sample(std::sin(3.0 * i) * 4.0));
  for (MetricKind kind : {MetricKind::fisher_diagonal, MetricKind::fisher_low_rank}) {
    auto metric = Metric::create(kind, 1);
    for (const auto& [q, g] : first) metric->add_sample(&q, &g);
    EXPECT_EQ(metric->background_count(), 6);
    metric->switch_window();
    EXPECT_EQ(metric->background_count(), 0);
    for (const auto& [q, g] : second) metric->add_sample(&q, &g);
    ASSERT_TRUE(metric->update_from_window());
    std::vector<std::pair<double, double>> both = first;
    both.insert(both.end(), second.begin(), second.end());
    EXPECT_NEAR(metric->inverse()[0], fisher_variance(both), 1e-12) << metric_name(kind);
    metric->switch_window();
    ASSERT_TRUE(metric->update_from_window());
    EXPECT_NEAR(metric->inverse()[0], fisher_variance(second), 1e-12) << metric_name(kind);
  }
}

}  // namespace
}  // namespace hypatia::infer
