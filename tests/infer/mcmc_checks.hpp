#pragma once

// Test-side statistics for checking samplers: an effective sample size estimate written
// independently of the library (Geyer's initial monotone sequence on each chain, summed over
// chains) and Gaussian targets with analytic gradients.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "hypatia/infer/nuts.hpp"

namespace hypatia::testing {

// One coordinate of the draws of a chain (or anything of that layout).
inline std::vector<double> coordinate_series(const std::vector<double>& draws, std::int64_t dim,
                                             std::int64_t index) {
  std::vector<double> series;
  for (std::size_t i = static_cast<std::size_t>(index); i < draws.size(); i += dim) {
    series.push_back(draws[i]);
  }
  return series;
}

inline double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

inline double variance_of(const std::vector<double>& values) {
  const double mean = mean_of(values);
  double sum = 0;
  for (double v : values) sum += (v - mean) * (v - mean);
  return sum / static_cast<double>(values.size() - 1);
}

// Effective sample size of one chain: n / (1 + 2 sum of autocorrelations), the sum truncated at
// the first non-positive pair of consecutive lags and forced monotone (Geyer 1992).
inline double chain_ess(const std::vector<double>& series) {
  const std::size_t n = series.size();
  const double mean = mean_of(series);
  auto autocovariance = [&](std::size_t lag) {
    double sum = 0;
    for (std::size_t i = 0; i + lag < n; ++i) sum += (series[i] - mean) * (series[i + lag] - mean);
    return sum / static_cast<double>(n);
  };
  const double variance = autocovariance(0);
  if (variance == 0) return static_cast<double>(n);
  double tau = -1;  // 1 + 2 sum_{t>=1} rho_t  =  -1 + 2 sum_k (rho_2k + rho_2k+1)
  double previous_pair = INFINITY;
  for (std::size_t lag = 0; lag + 1 < n; lag += 2) {
    double pair = (autocovariance(lag) + autocovariance(lag + 1)) / variance;
    if (pair <= 0) break;
    pair = std::min(pair, previous_pair);
    tau += 2 * pair;
    previous_pair = pair;
  }
  return static_cast<double>(n) / std::max(tau, 1.0 / std::log10(static_cast<double>(n)));
}

// Sum over chains of the ESS of f(coordinate `index`).
template <typename Function>
double ess_of(const NutsResult& result, std::int64_t index, Function f) {
  double ess = 0;
  for (const NutsChain& chain : result.chains) {
    std::vector<double> series = coordinate_series(chain.draws, result.dim, index);
    for (double& x : series) x = f(x);
    ess += chain_ess(series);
  }
  return ess;
}

inline std::vector<double> pooled(const NutsResult& result, std::int64_t index) {
  std::vector<double> all;
  for (const NutsChain& chain : result.chains) {
    const std::vector<double> series = coordinate_series(chain.draws, result.dim, index);
    all.insert(all.end(), series.begin(), series.end());
  }
  return all;
}

// Expects the posterior mean and variance of coordinate `index` within `z` Monte Carlo standard
// errors of the truth. The variance is estimated as the mean of (x - true_mean)^2 so its
// standard error comes from that series' own ESS.
inline void expect_moments(const NutsResult& result, std::int64_t index, double true_mean,
                           double true_variance, double z = 4) {
  const std::vector<double> all = pooled(result, index);
  const double sd = std::sqrt(variance_of(all));
  const double mean_mcse = sd / std::sqrt(ess_of(result, index, [](double x) { return x; }));
  EXPECT_NEAR(mean_of(all), true_mean, z * mean_mcse) << "mean of coordinate " << index;

  std::vector<double> squares = all;
  for (double& x : squares) x = (x - true_mean) * (x - true_mean);
  const double square_ess =
      ess_of(result, index, [true_mean](double x) { return (x - true_mean) * (x - true_mean); });
  const double variance_mcse = std::sqrt(variance_of(squares) / square_ess);
  EXPECT_NEAR(mean_of(squares), true_variance, z * variance_mcse)
      << "variance of coordinate " << index;
}

// logp = -(x - mean)' P (x - mean) / 2 for a symmetric positive definite precision P (row-major).
class GaussianTarget : public Target {
 public:
  GaussianTarget(std::vector<double> mean, std::vector<double> precision)
      : mean_(std::move(mean)), precision_(std::move(precision)), deviation_(mean_.size()) {}

  static GaussianTarget standard(std::int64_t dim) {
    std::vector<double> precision(static_cast<std::size_t>(dim * dim), 0.0);
    for (std::int64_t i = 0; i < dim; ++i) precision[static_cast<std::size_t>(i * dim + i)] = 1;
    return GaussianTarget(std::vector<double>(static_cast<std::size_t>(dim), 0.0), precision);
  }

  std::int64_t dim() const override { return static_cast<std::int64_t>(mean_.size()); }

  double logp_grad(const double* x, double* grad) override {
    const std::size_t n = mean_.size();
    for (std::size_t i = 0; i < n; ++i) deviation_[i] = x[i] - mean_[i];
    double quadratic = 0;
    for (std::size_t i = 0; i < n; ++i) {
      double row = 0;
      for (std::size_t j = 0; j < n; ++j) row += precision_[i * n + j] * deviation_[j];
      grad[i] = -row;
      quadratic += deviation_[i] * row;
    }
    return -0.5 * quadratic;
  }

  std::unique_ptr<Target> clone() const override { return std::make_unique<GaussianTarget>(*this); }

 private:
  std::vector<double> mean_;
  std::vector<double> precision_;
  std::vector<double> deviation_;
};

}  // namespace hypatia::testing
