// The pointwise log likelihood of a compiled model (ArviZ's log_likelihood group): each observed
// variable's log density per observation, against closed forms, on both backends.

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <numeric>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {
namespace {

const std::vector<double> kY = {1.3, -0.4, 2.2, 0.9, 0.1};
const std::vector<double> kCounts = {1, 0, 3};
const std::vector<double> kPairs = {0.5, -0.2, 1.1, -1.4, -0.3, 0.8};  // 3 rows of 2
const double kCov[2][2] = {{1.0, 0.3}, {0.3, 2.0}};                    // times sigma^2

// mu ~ Normal(0, 5), sigma ~ HalfNormal(2) (sampled as log sigma), and three observed variables:
// univariate with dims, discrete, and multivariate (one log density per row of two), plus a
// potential, which contributes to the log density but is no observation.
Model three_observed() {
  Model m;
  m.add_coord("obs", std::vector<std::string>{"a", "b", "c", "d", "e"});
  auto y = m.data("y", kY, {.dims = {"obs"}});
  auto mu = m.normal("mu", 0, 5);
  auto sigma = m.half_normal("sigma", 2);
  m.observe("y_obs", Normal(mu, sigma), y, {.dims = {"obs"}});
  m.observe("counts", Poisson(exp(mu)), Tensor::from_doubles(kCounts, {3}));
  const Expr direction = constant(Tensor::from_doubles({1.0, -1.0}, {2}));
  const Expr cov =
      constant(Tensor::from_doubles({kCov[0][0], kCov[0][1], kCov[1][0], kCov[1][1]}, {2, 2}));
  m.observe("pairs", MvNormal(mu * direction, cov * (sigma * sigma)),
            Tensor::from_doubles(kPairs, {3, 2}));
  m.potential("shrink", -0.5 * mu * mu);
  return m;
}

double normal_logpdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * std::numbers::pi);
}

double poisson_logpmf(double k, double rate) {
  return k * std::log(rate) - rate - std::lgamma(k + 1);
}

// A bivariate normal with mean (mu, -mu) and covariance sigma^2 * kCov, by its closed form.
double pair_logpdf(double x0, double x1, double mu, double sigma) {
  const double s2 = sigma * sigma;
  const double a = kCov[0][0] * s2, b = kCov[0][1] * s2, d = kCov[1][1] * s2;
  const double det = a * d - b * b;
  const double u = x0 - mu, v = x1 + mu;
  const double quadratic = (d * u * u - 2 * b * u * v + a * v * v) / det;
  return -std::log(2 * std::numbers::pi) - 0.5 * std::log(det) - 0.5 * quadratic;
}

struct Expected {
  std::vector<double> y_obs, counts, pairs;
};

Expected expected_at(double mu, double sigma) {
  Expected expected;
  for (double y : kY) expected.y_obs.push_back(normal_logpdf(y, mu, sigma));
  for (double k : kCounts) expected.counts.push_back(poisson_logpmf(k, std::exp(mu)));
  for (int row = 0; row < 3; ++row) {
    expected.pairs.push_back(pair_logpdf(kPairs[2 * row], kPairs[2 * row + 1], mu, sigma));
  }
  return expected;
}

void expect_close(const std::vector<double>& actual, const std::vector<double>& expected,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual[i], expected[i], 1e-12 * std::max(1.0, std::abs(expected[i])))
        << what << "[" << i << "]";
  }
}

double total(const std::vector<std::vector<double>>& values) {
  double sum = 0;
  for (const auto& variable : values) sum = std::accumulate(variable.begin(), variable.end(), sum);
  return sum;
}

TEST(PointwiseLogLikelihood, MatchesClosedFormsPerObservationOnEveryBackend) {
  const Model model = three_observed();
  for (const Backend backend : {Backend::interp, Backend::native}) {
    SCOPED_TRACE(std::string(backend_name(backend)));
    auto compiled = model.compile({.backend = backend});
    const auto& variables = compiled->pointwise_log_likelihood_variables();
    ASSERT_EQ(variables.size(), 3u);
    EXPECT_EQ(variables[0].name, "y_obs");
    EXPECT_EQ(variables[0].shape, (Shape{5}));
    EXPECT_EQ(variables[0].dims, std::vector<std::string>{"obs"});
    EXPECT_EQ(variables[1].name, "counts");
    EXPECT_EQ(variables[1].shape, (Shape{3}));
    EXPECT_TRUE(variables[1].dims.empty());
    EXPECT_EQ(variables[2].name, "pairs");
    EXPECT_EQ(variables[2].shape, (Shape{3})) << "the event axis of MvNormal is reduced";

    for (const auto& [mu, log_sigma] : {std::pair{0.7, -0.3}, {-1.2, 0.4}, {2.5, 1.1}}) {
      const std::vector<double> x = {mu, log_sigma};
      const auto values = compiled->log_likelihood(x.data());
      ASSERT_EQ(values.size(), 3u);
      const Expected expected = expected_at(mu, std::exp(log_sigma));
      expect_close(values[0], expected.y_obs, "y_obs");
      expect_close(values[1], expected.counts, "counts");
      expect_close(values[2], expected.pairs, "pairs");
    }
  }
}

// Summed over the observations, plus the priors (with the log-Jacobian of sigma's log transform)
// and the potential, the pointwise values give back the model's log density.
TEST(PointwiseLogLikelihood, SumPlusPriorsAndPotentialIsTheLogDensity) {
  auto compiled = three_observed().compile({.backend = Backend::native});
  for (const auto& [mu, log_sigma] : {std::pair{0.7, -0.3}, {-1.2, 0.4}}) {
    const std::vector<double> x = {mu, log_sigma};
    const double sigma = std::exp(log_sigma);
    const double pointwise = total(compiled->log_likelihood(x.data()));
    const double potential = -0.5 * mu * mu;
    const double log_prior = normal_logpdf(mu, 0, 5) + std::log(2.0) + normal_logpdf(sigma, 0, 2) +
                             log_sigma;  // HalfNormal, Jacobian
    std::vector<double> gradient(2);
    const double logp = compiled->logp_grad(x.data(), gradient.data());
    EXPECT_NEAR(pointwise + potential + log_prior, logp, 1e-11 * std::abs(logp));

    double prior_part = 0, likelihood_part = 0;
    compiled->log_prior_likelihood(x.data(), &prior_part, &likelihood_part);
    EXPECT_NEAR(pointwise + potential, likelihood_part, 1e-11 * std::abs(likelihood_part));
  }
}

TEST(PointwiseLogLikelihood, ModelWithoutObservationsHasNone) {
  Model m;
  auto mu = m.normal("mu", 0, 1);
  m.potential("shrink", -0.5 * mu * mu);
  auto compiled = m.compile({.backend = Backend::interp});
  EXPECT_TRUE(compiled->pointwise_log_likelihood_variables().empty());
  const std::vector<double> x = {0.3};
  EXPECT_TRUE(compiled->log_likelihood(x.data()).empty());
}

}  // namespace
}  // namespace hypatia
