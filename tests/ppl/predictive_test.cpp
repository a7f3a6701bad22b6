// Prior and posterior predictive sampling: moments against analytic values, and the same draws
// on every backend.

#include "hypatia/ppl/predictive.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "hypatia/ppl/distributions.hpp"

namespace hypatia {
namespace {

// mu ~ Normal(1, 2); y ~ Normal(mu, 1) (3 values): prior predictive y has mean 1, variance 5,
// and covariance 4 between any two entries.
Model hierarchical() {
  Model m;
  auto mu = m.normal("mu", 1, 2);
  auto scale = m.half_normal("scale", 1);
  m.deterministic("shifted", mu + 10.0);
  m.observe("y", Normal(mu, 1.0), Tensor::from_doubles({0.5, 1.5, 2.5}, {3}));
  (void)scale;
  return m;
}

double mean_of(const std::vector<double>& values, std::size_t stride, std::size_t offset) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = offset; i < values.size(); i += stride, ++n) sum += values[i];
  return sum / static_cast<double>(n);
}

double variance_of(const std::vector<double>& values, std::size_t stride, std::size_t offset) {
  const double mean = mean_of(values, stride, offset);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t i = offset; i < values.size(); i += stride, ++n) {
    sum += (values[i] - mean) * (values[i] - mean);
  }
  return sum / static_cast<double>(n - 1);
}

TEST(PriorPredictive, MomentsMatchTheModel) {
  InferenceData data;
  const std::int64_t n = 4000;
  sample_prior_predictive(hierarchical(), n, data, {.seed = 17, .backend = Backend::native});
  const auto& y = data.groups.at("prior_predictive").find("y")->values;
  const auto& mu = data.groups.at("prior").find("mu")->values;
  const auto& scale = data.groups.at("prior").find("scale")->values;
  const auto& shifted = data.groups.at("prior").find("shifted")->values;
  ASSERT_EQ(y.size(), static_cast<std::size_t>(3 * n));
  const double standard_error_of_mean = std::sqrt(5.0 / n);
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(mean_of(y, 3, k), 1.0, 5 * standard_error_of_mean);
    // Var of a sample variance of normal draws: 2 sigma^4 / (n - 1).
    EXPECT_NEAR(variance_of(y, 3, k), 5.0, 5 * std::sqrt(2 * 25.0 / (n - 1)));
  }
  EXPECT_NEAR(mean_of(mu, 1, 0), 1.0, 5 * 2 / std::sqrt(n));
  // HalfNormal(1): mean sqrt(2/pi), variance 1 - 2/pi.
  EXPECT_NEAR(mean_of(scale, 1, 0), std::sqrt(2 / M_PI), 5 * std::sqrt((1 - 2 / M_PI) / n));
  for (std::int64_t i = 0; i < n; ++i) EXPECT_DOUBLE_EQ(shifted[i], mu[i] + 10.0);
  // y given mu: the residuals y - mu have variance 1.
  std::vector<double> residuals;
  for (std::int64_t i = 0; i < n; ++i) residuals.push_back(y[3 * i] - mu[i]);
  EXPECT_NEAR(variance_of(residuals, 1, 0), 1.0, 5 * std::sqrt(2.0 / (n - 1)));
}

TEST(PriorPredictive, SameSeedSameDrawsOnEveryBackend) {
  InferenceData interp, native;
  sample_prior_predictive(hierarchical(), 50, interp, {.seed = 3, .backend = Backend::interp});
  sample_prior_predictive(hierarchical(), 50, native, {.seed = 3, .backend = Backend::native});
  EXPECT_EQ(interp.groups.at("prior_predictive").find("y")->values,
            native.groups.at("prior_predictive").find("y")->values);
  EXPECT_EQ(interp.groups.at("prior").find("mu")->values,
            native.groups.at("prior").find("mu")->values);
  InferenceData other_seed;
  sample_prior_predictive(hierarchical(), 50, other_seed, {.seed = 4, .backend = Backend::interp});
  EXPECT_NE(interp.groups.at("prior").find("mu")->values,
            other_seed.groups.at("prior").find("mu")->values);
}

TEST(PosteriorPredictive, DrawsGivenEachPosteriorDraw) {
  // A fake posterior with mu fixed per draw: y | mu ~ Normal(mu, 1).
  InferenceData data;
  data.chains = 2;
  data.draws = 2000;
  Variable mu{.name = "mu"}, scale{.name = "scale"};
  for (std::int64_t i = 0; i < 4000; ++i) {
    mu.values.push_back(i < 2000 ? -3.0 : 7.0);
    scale.values.push_back(1.0);
  }
  data.groups["posterior"].variables = {mu, scale};
  sample_posterior_predictive(hierarchical(), data, {.seed = 5});
  const auto& y = data.groups.at("posterior_predictive").find("y")->values;
  ASSERT_EQ(y.size(), 3u * 4000u);
  const std::vector<double> first(y.begin(), y.begin() + 6000);
  const std::vector<double> second(y.begin() + 6000, y.end());
  EXPECT_NEAR(mean_of(first, 1, 0), -3.0, 5 / std::sqrt(6000.0));
  EXPECT_NEAR(mean_of(second, 1, 0), 7.0, 5 / std::sqrt(6000.0));
  EXPECT_NEAR(variance_of(second, 1, 0), 1.0, 5 * std::sqrt(2.0 / 5999));
}

}  // namespace
}  // namespace hypatia
