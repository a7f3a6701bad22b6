// find_map against closed-form modes (normal-normal, a Gamma prior with and without the
// Jacobian), a logistic regression against an independent Newton solve, and its errors.

#include "hypatia/infer/find_map.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <numeric>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

double scalar_value(const MapResult& result, const std::string& name) {
  return result.values.at(name).at(0);
}

// mu ~ Normal(m0, s0), y_i ~ Normal(mu, sigma) with sigma known; doubled = 2 mu.
Model normal_normal(const std::vector<double>& y, double m0, double s0, double sigma) {
  Model m;
  auto mu = m.normal("mu", m0, s0);
  m.observe("y_obs", Normal(mu, sigma), Tensor::from_doubles(y, {std::ssize(y)}));
  m.deterministic("doubled", mu * 2.0);
  return m;
}

TEST(FindMap, NormalNormalMeanIsTheConjugatePosteriorMode) {
  const std::vector<double> y = {1.2, 0.4, 2.9, 1.7, -0.3, 2.2};
  const double m0 = -1.0, s0 = 2.0, sigma = 1.5;
  const double sum = std::accumulate(y.begin(), y.end(), 0.0);
  const double precision = 1 / (s0 * s0) + y.size() / (sigma * sigma);
  const double mode = (m0 / (s0 * s0) + sum / (sigma * sigma)) / precision;
  for (Backend backend : {Backend::interp, Backend::native}) {
    const MapResult result = find_map(normal_normal(y, m0, s0, sigma), {.backend = backend});
    EXPECT_TRUE(result.converged) << result.message;
    EXPECT_NEAR(scalar_value(result, "mu"), mode, 1e-7);
    EXPECT_NEAR(scalar_value(result, "doubled"), 2 * mode, 2e-7);
    ASSERT_EQ(result.unconstrained.size(), 1u);
    EXPECT_NEAR(result.unconstrained[0], mode, 1e-7);
    // The log posterior at the mode, up to the normal constants.
    double logp = -0.5 * std::log(2 * M_PI * s0 * s0) - 0.5 * std::pow((mode - m0) / s0, 2);
    for (double value : y) {
      logp += -0.5 * std::log(2 * M_PI * sigma * sigma) - 0.5 * std::pow((value - mode) / sigma, 2);
    }
    EXPECT_NEAR(result.logp, logp, 1e-9);
    EXPECT_LT(result.gradient_norm, 1e-6);
    EXPECT_GT(result.evaluations, 0);
  }
}

TEST(FindMap, GammaPriorModeWithAndWithoutTheJacobian) {
  // Gamma(alpha, beta) (rate beta): its density's mode is (alpha - 1) / beta; on u = log x the
  // density gains the Jacobian x, so the mode of x's log becomes log(alpha / beta).
  const double alpha = 3.0, beta = 2.0;
  Model m;
  m.rv("x", Gamma(alpha, beta));
  const MapResult without = find_map(m, {.backend = Backend::interp});
  EXPECT_TRUE(without.converged) << without.message;
  EXPECT_NEAR(scalar_value(without, "x"), (alpha - 1) / beta, 1e-6);
  EXPECT_NEAR(without.unconstrained[0], std::log((alpha - 1) / beta), 1e-6);
  const MapResult with = find_map(m, {.jacobian = true, .backend = Backend::interp});
  EXPECT_TRUE(with.converged) << with.message;
  EXPECT_NEAR(scalar_value(with, "x"), alpha / beta, 1e-6);
  // The objective differs by the Jacobian term log x at the respective optima.
  const double x0 = (alpha - 1) / beta, x1 = alpha / beta;
  const double log_gamma_density_0 =
      alpha * std::log(beta) - std::lgamma(alpha) + (alpha - 1) * std::log(x0) - beta * x0;
  EXPECT_NEAR(without.logp, log_gamma_density_0, 1e-9);
  const double log_gamma_density_1 =
      alpha * std::log(beta) - std::lgamma(alpha) + (alpha - 1) * std::log(x1) - beta * x1;
  EXPECT_NEAR(with.logp, log_gamma_density_1 + std::log(x1), 1e-9);
}

TEST(FindMap, HalfNormalScaleOfObservationsWithoutTheJacobian) {
  // sigma ~ HalfNormal(s), y_i ~ Normal(0, sigma): d/dsigma [-sigma^2/(2 s^2) - n log sigma -
  // S/(2 sigma^2)] = 0 gives sigma^4 / s^2 + n sigma^2 - S = 0; with the Jacobian n becomes n-1.
  const std::vector<double> y = {0.8, -1.9, 2.4, -0.6, 1.1};
  const double s = 3.0;
  double squares = 0;
  for (double v : y) squares += v * v;
  const double n = static_cast<double>(y.size());
  auto root = [&](double count) {
    // sigma^2 = s^2 (-count + sqrt(count^2 + 4 S / s^2)) / 2
    return std::sqrt(s * s * (-count + std::sqrt(count * count + 4 * squares / (s * s))) / 2);
  };
  Model m;
  auto sigma = m.half_normal("sigma", s);
  m.observe("y_obs", Normal(0.0, sigma), Tensor::from_doubles(y, {std::ssize(y)}));
  const MapResult without = find_map(m, {.backend = Backend::interp});
  EXPECT_NEAR(scalar_value(without, "sigma"), root(n), 1e-6);
  const MapResult with = find_map(m, {.jacobian = true, .backend = Backend::interp});
  EXPECT_NEAR(scalar_value(with, "sigma"), root(n - 1), 1e-6);
}

TEST(FindMap, LogisticRegressionMatchesANewtonSolve) {
  const std::int64_t n = 40, k = 3;
  const double prior_sd = 2.0;
  Eigen::MatrixXd X(n, k);
  Eigen::VectorXd y(n);
  for (std::int64_t i = 0; i < n; ++i) {
    X(i, 0) = 1.0;
    X(i, 1) = std::sin(1.3 * i + 0.2);
    X(i, 2) = std::cos(0.7 * i) * 1.5;
    // Labels that no hyperplane separates, so the likelihood alone has a finite maximum too.
    y(i) = std::fmod(i * 7.0 + 3.0, 5.0) < 2.0 + X(i, 1) ? 1.0 : 0.0;
  }
  // Newton's method on the log posterior, written here with Eigen.
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(k);
  for (int iteration = 0; iteration < 50; ++iteration) {
    Eigen::VectorXd prob = (1.0 / (1.0 + (-(X * beta).array()).exp())).matrix();
    Eigen::VectorXd gradient = X.transpose() * (y - prob) - beta / (prior_sd * prior_sd);
    Eigen::MatrixXd hessian =
        -X.transpose() * (prob.array() * (1 - prob.array())).matrix().asDiagonal() * X;
    hessian.diagonal().array() -= 1 / (prior_sd * prior_sd);
    beta -= hessian.ldlt().solve(gradient);
  }

  std::vector<double> x_values(static_cast<std::size_t>(n * k)), y_values(n);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < k; ++j) x_values[i * k + j] = X(i, j);
    y_values[i] = y(i);
  }
  Model m;
  auto X_data = m.data("X", Tensor::from_doubles(x_values, {n, k}));
  auto b = m.normal("beta", 0, prior_sd, {.shape = {k}});
  m.observe("y_obs", BernoulliLogit(matmul(X_data, b)),
            Tensor::from_ints(std::vector<std::int64_t>(y_values.begin(), y_values.end()), {n}));
  const MapResult result = find_map(m, {.backend = Backend::native});
  EXPECT_TRUE(result.converged) << result.message;
  const std::vector<double> found = result.values.at("beta").to_doubles();
  for (std::int64_t j = 0; j < k; ++j) EXPECT_NEAR(found[j], beta(j), 1e-6) << "beta[" << j << "]";
}

TEST(FindMap, OptimizesOnlyTheChosenVariables) {
  // With sigma held at 2, mu's mode is the normal-normal one for that sigma.
  const std::vector<double> y = {3.1, 2.2, 4.0, 2.7};
  Model m;
  auto mu = m.normal("mu", 0, 10);
  auto sigma = m.half_normal("sigma", 5);
  m.observe("y_obs", Normal(mu, sigma), Tensor::from_doubles(y, {4}));
  const MapResult result = find_map(
      m,
      {.start = {{"sigma", Tensor::scalar(2.0)}}, .variables = {"mu"}, .backend = Backend::interp});
  const double precision = 1 / 100.0 + 4 / 4.0;
  const double mode = (std::accumulate(y.begin(), y.end(), 0.0) / 4.0) / precision;
  EXPECT_NEAR(scalar_value(result, "mu"), mode, 1e-7);
  EXPECT_DOUBLE_EQ(scalar_value(result, "sigma"), 2.0);
}

TEST(FindMap, StartValuesAreUsed) {
  // Two modes of a symmetric bimodal potential; the start picks which one is found.
  Model m;
  auto x = m.normal("x", 0, 10);
  m.potential("well", -(x * x - 4.0) * (x * x - 4.0));
  const MapResult right =
      find_map(m, {.start = {{"x", Tensor::scalar(1.0)}}, .backend = Backend::interp});
  const MapResult left =
      find_map(m, {.start = {{"x", Tensor::scalar(-1.0)}}, .backend = Backend::interp});
  EXPECT_GT(scalar_value(right, "x"), 1.9);
  EXPECT_LT(scalar_value(left, "x"), -1.9);
}

TEST(FindMap, ReportsStoppingAtTheEvaluationLimit) {
  const std::vector<double> y = {10.0, 11.0, 12.0};
  Model m = normal_normal(y, 0, 100, 1);
  const MapResult result = find_map(m, {.max_evaluations = 2, .backend = Backend::interp});
  EXPECT_FALSE(result.converged);
  EXPECT_EQ(result.status, MapStatus::max_evaluations);
  EXPECT_EQ(result.evaluations, 2);
  expect_mentions(result.message, {"did not converge", "max_evaluations = 2", "gradient norm"});
}

TEST(FindMap, StepsBackFromPointsOutsideTheSupport) {
  // A potential that is -inf beyond x = 1 (a hard wall just past the unconstrained optimum at
  // 3): the line search meets -inf and must step back, not crash or return the wall.
  Model m;
  auto x = m.normal("x", 3, 1);
  m.potential("wall", where(less_equal(x, Expr(1.5)), Expr(0.0),
                            Expr(-std::numeric_limits<double>::infinity())));
  const MapResult result = find_map(m, {.backend = Backend::interp});
  EXPECT_TRUE(std::isfinite(result.logp));
  EXPECT_LE(scalar_value(result, "x"), 1.5);
  // Moved from the start at 0 up to the wall (the best finite point seen).
  EXPECT_GT(scalar_value(result, "x"), 1.4) << result.message;
}

TEST(FindMap, AFunnelWithoutAModeIsReportedAsNotConverged) {
  // No data and the Jacobian on: the log density grows without bound as the scale goes to 0
  // (-9 log tau), so there is no mode; the optimizer must say it did not converge, with the
  // gradient norm where it stopped (9, the slope in log tau), rather than return a "mode".
  Model m;
  auto tau = m.rv("tau", HalfNormal(1.0));
  m.rv("theta", Normal(0.0, tau), {.shape = {10}});
  for (Backend backend : {Backend::interp, Backend::native}) {
    const MapResult result = find_map(m, {.jacobian = true, .backend = backend});
    EXPECT_FALSE(result.converged) << result.message;
    EXPECT_TRUE(result.status == MapStatus::line_search_failed ||
                result.status == MapStatus::nonfinite_gradient ||
                result.status == MapStatus::max_iterations)
        << result.message;
    EXPECT_LT(result.values.at("tau").at(0), 1e-6);
    expect_mentions(result.message, {"did not converge", "gradient norm"});
  }
}

TEST(FindMap, BadInputIsAnErrorNamingIt) {
  Model m = normal_normal({1.0, 2.0}, 0, 1, 1);
  expect_mentions(error_message([&] {
                    find_map(m, {.start = {{"nu", Tensor::scalar(1.0)}}});
                  }),
                  {"start", "'nu'", "not a variable of the model", "mu"});
  expect_mentions(error_message([&] {
                    find_map(m, {.start = {{"doubled", Tensor::scalar(1.0)}}});
                  }),
                  {"'doubled'", "not a free random variable"});
  expect_mentions(error_message([&] {
                    find_map(m, {.start = {{"mu", Tensor::from_doubles({1, 2}, {2})}}});
                  }),
                  {"'mu'", "shape (2,)", "()"});
  expect_mentions(error_message([&] { find_map(m, {.variables = {"sigma"}}); }),
                  {"variables", "'sigma'"});
  expect_mentions(error_message([&] { find_map(m, {.max_evaluations = 0}); }), {"max_evaluations"});

  Model scaled;
  auto sigma = scaled.half_normal("sigma", 1);
  scaled.observe("y_obs", Normal(0.0, sigma), Tensor::from_doubles({1.0}, {1}));
  expect_mentions(
      error_message([&] {
        find_map(scaled, {.start = {{"sigma", Tensor::scalar(-1.0)}}, .backend = Backend::interp});
      }),
      {"not finite at the starting point", "sigma"});

  Model discrete;
  discrete.rv("k", Poisson(3.0));
  expect_mentions(error_message([&] { find_map(discrete); }), {"k", "discrete"});
}

}  // namespace
}  // namespace hypatia
