#include "infer/metric.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace hypatia::infer {
namespace {

const std::vector<std::vector<double>> kPoints = {{1.0, 2.0},  {2.5, 1.0}, {0.5, 0.0}, {3.0, 4.0},
                                                  {-1.0, 1.5}, {2.0, 2.5}, {0.0, -0.5}};

// Two-pass sample covariance of coordinates a and b.
double sample_covariance(int a, int b) {
  const double n = static_cast<double>(kPoints.size());
  double mean_a = 0, mean_b = 0;
  for (const auto& q : kPoints) mean_a += q[a] / n, mean_b += q[b] / n;
  double sum = 0;
  for (const auto& q : kPoints) sum += (q[a] - mean_a) * (q[b] - mean_b);
  return sum / (n - 1);
}

// Stan's regularization: (n / (n + 5)) * estimate + 1e-3 * (5 / (n + 5)) on the diagonal.
double regularized(int a, int b) {
  const double n = static_cast<double>(kPoints.size());
  return n / (n + 5) * sample_covariance(a, b) + (a == b ? 1e-3 * 5 / (n + 5) : 0.0);
}

TEST(Metric, StartsAtIdentity) {
  EXPECT_EQ(Metric::create(MetricKind::diagonal, 3)->inverse(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(Metric::create(MetricKind::dense, 2)->inverse(), (std::vector<double>{1, 0, 0, 1}));
}

TEST(Metric, DiagonalEstimateIsRegularizedVariance) {
  auto metric = Metric::create(MetricKind::diagonal, 2);
  for (const auto& q : kPoints) metric->add_sample(q.data(), nullptr);
  metric->update_from_samples();
  EXPECT_NEAR(metric->inverse()[0], regularized(0, 0), 1e-12);
  EXPECT_NEAR(metric->inverse()[1], regularized(1, 1), 1e-12);
  const double p[] = {2.0, -3.0};
  double velocity[2];
  metric->velocity(p, velocity);
  EXPECT_NEAR(velocity[0], 2.0 * regularized(0, 0), 1e-12);
  EXPECT_NEAR(velocity[1], -3.0 * regularized(1, 1), 1e-12);
}

TEST(Metric, FisherDiagonalIsTheRatioOfPositionAndGradientSpreads) {
  // Gradients of a non-Gaussian density (a Student-t with 3 degrees of freedom in coordinate 0,
  // a logistic in coordinate 1), so the estimate is not the positions' variance.
  std::vector<std::vector<double>> gradients;
  for (const auto& q : kPoints) {
    gradients.push_back({-4.0 * q[0] / (3.0 + q[0] * q[0]), -std::tanh(q[1] / 2.0)});
  }
  auto metric = Metric::create(MetricKind::fisher_diagonal, 2);
  for (std::size_t i = 0; i < kPoints.size(); ++i) {
    metric->add_sample(kPoints[i].data(), gradients[i].data());
  }
  metric->update_from_samples();
  for (int a = 0; a < 2; ++a) {
    const double n = static_cast<double>(gradients.size());
    double mean = 0, spread = 0;
    for (const auto& g : gradients) mean += g[a] / n;
    for (const auto& g : gradients) spread += (g[a] - mean) * (g[a] - mean) / (n - 1);
    EXPECT_NEAR(metric->inverse()[a], std::sqrt(sample_covariance(a, a) / spread), 1e-12) << a;
  }
  // A coordinate whose gradient never varies keeps the positions' variance.
  auto flat = Metric::create(MetricKind::fisher_diagonal, 1);
  const double constant_gradient[] = {0.5};
  for (const auto& q : kPoints) flat->add_sample(q.data(), constant_gradient);
  flat->update_from_samples();
  EXPECT_NEAR(flat->inverse()[0], sample_covariance(0, 0), 1e-12);
}

TEST(Metric, DenseEstimateIsRegularizedCovariance) {
  auto metric = Metric::create(MetricKind::dense, 2);
  for (const auto& q : kPoints) metric->add_sample(q.data(), nullptr);
  metric->update_from_samples();
  for (int a = 0; a < 2; ++a) {
    for (int b = 0; b < 2; ++b) EXPECT_NEAR(metric->inverse()[a * 2 + b], regularized(a, b), 1e-12);
  }
  const double p[] = {2.0, -3.0};
  double velocity[2];
  metric->velocity(p, velocity);
  EXPECT_NEAR(velocity[0], 2.0 * regularized(0, 0) - 3.0 * regularized(0, 1), 1e-12);
}

TEST(Metric, EstimateForgetsPreviousWindowAndKeepsMetricWithoutSamples) {
  auto metric = Metric::create(MetricKind::diagonal, 2);
  for (int i = 0; i < 3; ++i) {
    const double far[] = {1000.0 * i, 0.0};
    metric->add_sample(far, nullptr);
  }
  metric->update_from_samples();
  for (const auto& q : kPoints) metric->add_sample(q.data(), nullptr);
  metric->update_from_samples();
  EXPECT_NEAR(metric->inverse()[0], regularized(0, 0), 1e-12);
  metric->update_from_samples();  // nothing added: unchanged
  EXPECT_NEAR(metric->inverse()[0], regularized(0, 0), 1e-12);
}

TEST(Metric, DenseEstimateFromTooFewPositionsKeepsOnlyTheDiagonal) {
  // Seven positions in eight dimensions: the first two coordinates as above, the rest copies.
  auto metric = Metric::create(MetricKind::dense, 8);
  for (const auto& q : kPoints) {
    const double point[8] = {q[0], q[1], q[0], q[1], q[0], q[1], q[0], q[1]};
    metric->add_sample(point, nullptr);
  }
  metric->update_from_samples();
  EXPECT_NEAR(metric->inverse()[0], regularized(0, 0), 1e-12);
  EXPECT_NEAR(metric->inverse()[8 + 1], regularized(1, 1), 1e-12);
  EXPECT_EQ(metric->inverse()[1], 0.0);
  EXPECT_EQ(metric->inverse()[2], 0.0);
}

// Momenta must be N(0, M) with M the inverse of the estimated M^{-1}.
TEST(Metric, DenseMomentumHasTheMassMatrixAsCovariance) {
  auto metric = Metric::create(MetricKind::dense, 2);
  for (const auto& q : kPoints) metric->add_sample(q.data(), nullptr);
  metric->update_from_samples();
  const double a = regularized(0, 0), b = regularized(0, 1), d = regularized(1, 1);
  const double det = a * d - b * b;
  const double mass[2][2] = {{d / det, -b / det}, {-b / det, a / det}};

  CounterRng rng(3, 0);
  const int n = 200000;
  double sum[2][2] = {};
  double p[2];
  for (int i = 0; i < n; ++i) {
    metric->sample_momentum(rng, p);
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 2; ++c) sum[r][c] += p[r] * p[c] / n;
    }
  }
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 2; ++c) {
      // sd of p_r p_c is at most sqrt(M_rr M_cc + M_rc^2).
      const double se = std::sqrt((mass[r][r] * mass[c][c] + mass[r][c] * mass[r][c]) / n);
      EXPECT_NEAR(sum[r][c], mass[r][c], 4 * se) << r << "," << c;
    }
  }
}

}  // namespace
}  // namespace hypatia::infer
