// Compiled Hessian-vector products against analytic Hessians and finite differences of the
// compiled gradient, and the Laplace approximation against analytic inverse Hessians, Monte Carlo
// checks of its draws and its errors.

#include "hypatia/infer/laplace.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>

#include "hypatia/infer/hessian.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

Matrix as_matrix(const std::vector<double>& row_major, std::int64_t dim) {
  return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
      row_major.data(), dim, dim);
}

// H v by central differences of the model's compiled gradient: (g(x + h v) - g(x - h v)) / 2h.
std::vector<double> finite_difference_hvp(LogpGrad& logp_grad, const std::vector<double>& x,
                                          const std::vector<double>& v, double step = 1e-5) {
  const std::size_t n = x.size();
  std::vector<double> plus(n), minus(n), g_plus(n), g_minus(n), result(n);
  for (std::size_t i = 0; i < n; ++i) {
    plus[i] = x[i] + step * v[i];
    minus[i] = x[i] - step * v[i];
  }
  logp_grad(plus.data(), g_plus.data());
  logp_grad(minus.data(), g_minus.data());
  for (std::size_t i = 0; i < n; ++i) result[i] = (g_plus[i] - g_minus[i]) / (2 * step);
  return result;
}

LogpGrad model_logp_grad(const Model& model, Backend backend) {
  const LogDensityGraph graph = model.log_density();
  return LogpGrad(graph.x, graph.logp, graph.data_inputs, graph.data_values, {.backend = backend});
}

// A correlated 3-d Gaussian: its log density's Hessian is -Sigma^-1 everywhere.
Matrix correlated_covariance() {
  Matrix sigma(3, 3);
  sigma << 2.0, 0.6, -0.4,  //
      0.6, 1.0, 0.3,        //
      -0.4, 0.3, 0.5;
  return sigma;
}

Model correlated_gaussian(const Vector& mean, const Matrix& sigma) {
  std::vector<double> cov(9);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) cov[i * 3 + j] = sigma(i, j);
  Model m;
  m.rv("x", MvNormal(constant(Tensor::from_doubles({mean[0], mean[1], mean[2]}, {3})),
                     constant(Tensor::from_doubles(cov, {3, 3}))));
  return m;
}

TEST(HessianVectorProduct, CorrelatedGaussianIsMinusThePrecision) {
  const Matrix sigma = correlated_covariance();
  const Vector mean = Vector{{0.5, -1.0, 2.0}};
  const Model model = correlated_gaussian(mean, sigma);
  const Matrix expected = -sigma.inverse();
  for (Backend backend : {Backend::interp, Backend::native}) {
    HessianVectorProduct hvp(model, /*jacobian=*/true, {.backend = backend});
    ASSERT_EQ(hvp.dim(), 3);
    const std::vector<double> x = {0.3, 0.1, -0.7};
    const std::vector<double> v = {1.0, -2.0, 0.5};
    std::vector<double> hv(3), gradient(3);
    hvp(x.data(), v.data(), hv.data(), gradient.data());
    const Vector expected_hv = expected * Vector{{1.0, -2.0, 0.5}};
    const Vector expected_gradient = -sigma.inverse() * (Vector{{0.3, 0.1, -0.7}} - mean);
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(hv[i], expected_hv[i], 1e-10) << backend_name(backend) << " row " << i;
      EXPECT_NEAR(gradient[i], expected_gradient[i], 1e-10);
    }
    const Matrix hessian = as_matrix(hvp.hessian(x.data()), 3);
    EXPECT_LT((hessian - expected).cwiseAbs().maxCoeff(), 1e-10) << backend_name(backend);
  }
}

// A logistic regression with a Normal(0, prior_sd) prior on each coefficient: the log posterior's
// Hessian is -(X^T W X + I / prior_sd^2), W = diag(p (1 - p)), p = sigmoid(X beta).
struct LogisticRegression {
  Matrix X;
  Vector y;
  double prior_sd = 2.0;

  LogisticRegression() : X(40, 3), y(40) {
    for (int i = 0; i < 40; ++i) {
      X(i, 0) = 1.0;
      X(i, 1) = std::sin(1.3 * i + 0.2);
      X(i, 2) = std::cos(0.7 * i) * 1.5;
      y(i) = std::fmod(i * 7.0 + 3.0, 5.0) < 2.0 + X(i, 1) ? 1.0 : 0.0;
    }
  }

  Matrix hessian(const Vector& beta) const {
    const Vector p = (1.0 / (1.0 + (-(X * beta).array()).exp())).matrix();
    Matrix h = -X.transpose() * (p.array() * (1 - p.array())).matrix().asDiagonal() * X;
    h.diagonal().array() -= 1 / (prior_sd * prior_sd);
    return h;
  }

  Vector newton_mode() const {
    Vector beta = Vector::Zero(3);
    for (int iteration = 0; iteration < 50; ++iteration) {
      const Vector p = (1.0 / (1.0 + (-(X * beta).array()).exp())).matrix();
      const Vector gradient = X.transpose() * (y - p) - beta / (prior_sd * prior_sd);
      beta -= hessian(beta).ldlt().solve(gradient);
    }
    return beta;
  }

  Model model() const {
    std::vector<double> x_values(120);
    std::vector<std::int64_t> labels(40);
    for (int i = 0; i < 40; ++i) {
      for (int j = 0; j < 3; ++j) x_values[i * 3 + j] = X(i, j);
      labels[i] = static_cast<std::int64_t>(y(i));
    }
    Model m;
    auto X_data = m.data("X", Tensor::from_doubles(x_values, {40, 3}));
    auto b = m.normal("beta", 0, prior_sd, {.shape = {3}});
    m.observe("y_obs", BernoulliLogit(matmul(X_data, b)), Tensor::from_ints(labels, {40}));
    return m;
  }
};

TEST(HessianVectorProduct, LogisticRegressionMatchesXtWXPlusPrior) {
  const LogisticRegression problem;
  const Model model = problem.model();
  HessianVectorProduct hvp(model, true, {.backend = Backend::native});
  LogpGrad logp_grad = model_logp_grad(model, Backend::native);
  const std::vector<double> x = {0.4, -1.1, 0.8};
  const Matrix expected = problem.hessian(Vector{{0.4, -1.1, 0.8}});
  const Matrix hessian = as_matrix(hvp.hessian(x.data()), 3);
  EXPECT_LT((hessian - expected).cwiseAbs().maxCoeff(), 1e-10);
  const std::vector<double> v = {0.3, 1.0, -0.6};
  std::vector<double> hv(3);
  hvp(x.data(), v.data(), hv.data());
  const std::vector<double> fd = finite_difference_hvp(logp_grad, x, v);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(hv[i], fd[i], 1e-6) << "row " << i;
}

TEST(HessianVectorProduct, TransformedScaleMatchesTheChainRule) {
  // sigma ~ HalfNormal(s), y_i ~ Normal(0, sigma), on u = log sigma: without the Jacobian
  // logp(u) = -e^2u / 2s^2 - n u - S e^-2u / 2 + const, so d2/du2 = -2 e^2u / s^2 - 2 S e^-2u;
  // the Jacobian adds u, whose second derivative is 0.
  const std::vector<double> y = {0.8, -1.9, 2.4, -0.6, 1.1};
  const double s = 3.0;
  double squares = 0;
  for (double v : y) squares += v * v;
  Model m;
  auto sigma = m.half_normal("sigma", s);
  m.observe("y_obs", Normal(0.0, sigma), Tensor::from_doubles(y, {5}));
  for (bool jacobian : {false, true}) {
    HessianVectorProduct hvp(m, jacobian, {.backend = Backend::native});
    for (double u : {-0.7, 0.2, 1.3}) {
      const double v = 1.7;
      double hv = 0;
      double gradient = 0;
      hvp(&u, &v, &hv, &gradient);
      const double second = -2 * std::exp(2 * u) / (s * s) - 2 * squares * std::exp(-2 * u);
      EXPECT_NEAR(hv, second * v, 1e-9 * std::abs(second)) << "u = " << u;
      const double first =
          -std::exp(2 * u) / (s * s) - 5.0 + squares * std::exp(-2 * u) + (jacobian ? 1.0 : 0.0);
      EXPECT_NEAR(gradient, first, 1e-9 * std::max(1.0, std::abs(first)));
    }
  }
}

// Reverse over reverse through every bundled model: H v against differences of the compiled
// gradient at a point near the initial one, so every op these models use is differentiated twice.
void check_bundled_models(Backend backend) {
  std::mt19937_64 generator(7);
  std::uniform_real_distribution<double> uniform(-0.5, 0.5);
  ASSERT_GE(bundled_models().size(), 20u);
  std::int64_t coordinates_checked = 0;
  for (const BundledModel& bundled : bundled_models()) {
    SCOPED_TRACE(bundled.name);
    const Model model = bundled.build();
    HessianVectorProduct hvp(model, true, {.backend = backend});
    LogpGrad logp_grad = model_logp_grad(model, backend);
    const auto n = static_cast<std::size_t>(hvp.dim());
    std::vector<double> x(n), v(n), hv(n), gradient(n), compiled_gradient(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = uniform(generator);
      v[i] = uniform(generator);
    }
    const double logp = hvp(x.data(), v.data(), hv.data(), gradient.data());
    EXPECT_NEAR(logp, logp_grad(x.data(), compiled_gradient.data()), 1e-9 * std::abs(logp));
    const std::vector<double> fd = finite_difference_hvp(logp_grad, x, v);
    double scale = 1.0;
    for (double value : fd) scale = std::max(scale, std::abs(value));
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(hv[i], fd[i], 1e-5 * scale) << "coordinate " << i;
    }
    coordinates_checked += hvp.dim();
  }
  std::printf("H v (%s) checked on %zu models, %lld coordinates\n",
              std::string(backend_name(backend)).c_str(), bundled_models().size(),
              static_cast<long long>(coordinates_checked));
}

TEST(HessianVectorProduct, BundledModelsMatchFiniteDifferencesOnTheInterpreter) {
  check_bundled_models(Backend::interp);
}

// The same compiled: every op of the second-order graphs has a native emitter.
TEST(HessianVectorProduct, BundledModelsMatchFiniteDifferencesCompiled) {
  check_bundled_models(Backend::native);
}

TEST(HessianVectorProduct, RejectsABadParameterVector) {
  const Expr x(input("hvp_test:x", TensorType{DType::float64, {3}}));
  expect_mentions(error_message([&] { HessianVectorProduct(x, x); }),
                  {"HessianVectorProduct", "float64 scalar"});
}

TEST(Laplace, CovarianceIsTheAnalyticInverseHessianOfACorrelatedGaussian) {
  const Matrix sigma = correlated_covariance();
  const Vector mean = Vector{{0.5, -1.0, 2.0}};
  const LaplaceResult result =
      laplace_approximation(correlated_gaussian(mean, sigma), {.draws = 2000, .seed = 11});
  ASSERT_EQ(result.mean.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(result.mean[i], mean[i], 1e-6);
  const Matrix covariance = as_matrix(result.covariance, 3);
  EXPECT_LT((covariance - sigma).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((as_matrix(result.hessian, 3) + sigma.inverse()).cwiseAbs().maxCoeff(), 1e-9);

  // The 4000 draws' mean and covariance against the Gaussian's, within Monte Carlo error.
  const auto& draws = result.unconstrained_draws;
  ASSERT_EQ(draws.size(), 2u * 2000 * 3);
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>> sample(
      draws.data(), 4000, 3);
  const Vector sample_mean = sample.colwise().mean();
  const Matrix centred = sample.rowwise() - sample_mean.transpose();
  const Matrix sample_covariance = centred.transpose() * centred / 3999.0;
  for (int i = 0; i < 3; ++i) {
    // 5 standard errors: sd / sqrt(n) for the mean, sqrt((s_ii s_jj + s_ij^2) / n) for cov.
    EXPECT_NEAR(sample_mean[i], mean[i], 5 * std::sqrt(sigma(i, i) / 4000));
    for (int j = 0; j < 3; ++j) {
      const double se = std::sqrt((sigma(i, i) * sigma(j, j) + sigma(i, j) * sigma(i, j)) / 4000);
      EXPECT_NEAR(sample_covariance(i, j), sigma(i, j), 5 * se) << i << "," << j;
    }
  }
  // The stored values are the draws themselves (no transform).
  const Variable* x = result.draws.groups.at("posterior").find("x");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->values, draws);
}

TEST(Laplace, LogisticRegressionCovarianceIsTheInverseNegativeHessianAtTheNewtonMode) {
  const LogisticRegression problem;
  const Vector mode = problem.newton_mode();
  const Matrix expected = (-problem.hessian(mode)).inverse();
  const LaplaceResult result = laplace_approximation(problem.model(), {.draws = 10, .seed = 3});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(result.mean[i], mode[i], 1e-6);
  EXPECT_LT((as_matrix(result.covariance, 3) - expected).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_EQ(result.coordinate_names, (std::vector<std::string>{"beta[0]", "beta[1]", "beta[2]"}));
}

TEST(Laplace, GammaPriorOnTheLogScaleWithAndWithoutTheJacobian) {
  // x ~ Gamma(a, b), u = log x: logp(u) = a u - b e^u (+ const) with the Jacobian, mode
  // e^u = a / b and curvature -a there; without it (a - 1) u - b e^u, mode (a - 1) / b,
  // curvature -(a - 1).
  const double a = 4.0, b = 2.0;
  Model m;
  m.rv("x", Gamma(a, b));
  const LaplaceResult with = laplace_approximation(m, {.draws = 3000, .seed = 5});
  EXPECT_NEAR(with.mean[0], std::log(a / b), 1e-6);
  EXPECT_NEAR(with.covariance[0], 1 / a, 1e-6);
  const LaplaceResult without =
      laplace_approximation(m, {.jacobian = false, .draws = 10, .seed = 5});
  EXPECT_NEAR(without.mean[0], std::log((a - 1) / b), 1e-6);
  EXPECT_NEAR(without.covariance[0], 1 / (a - 1), 1e-6);

  // The stored draws are exp of the unconstrained ones: log-normal with the Gaussian's moments.
  const Variable* x = with.draws.groups.at("posterior").find("x");
  ASSERT_NE(x, nullptr);
  ASSERT_EQ(x->values.size(), with.unconstrained_draws.size());
  double mean_x = 0;
  for (std::size_t i = 0; i < x->values.size(); ++i) {
    EXPECT_NEAR(x->values[i], std::exp(with.unconstrained_draws[i]), 1e-12 * x->values[i]);
    mean_x += x->values[i] / x->values.size();
  }
  const double mu = std::log(a / b), var = 1 / a;
  const double expected_mean = std::exp(mu + var / 2);
  const double sd = std::sqrt((std::exp(var) - 1) * std::exp(2 * mu + var));
  EXPECT_NEAR(mean_x, expected_mean, 5 * sd / std::sqrt(6000.0));
}

TEST(Laplace, SameSeedSameDrawsAndDifferentSeedsDiffer) {
  const Model model = correlated_gaussian(Vector{{0.0, 1.0, 2.0}}, correlated_covariance());
  const LaplaceOptions options{.chains = 3, .draws = 50, .seed = 42};
  const LaplaceResult first = laplace_approximation(model, options);
  const LaplaceResult second = laplace_approximation(model, options);
  EXPECT_EQ(first.unconstrained_draws, second.unconstrained_draws);
  LaplaceOptions other = options;
  other.seed = 43;
  EXPECT_NE(laplace_approximation(model, other).unconstrained_draws, first.unconstrained_draws);
  // Chains draw from their own streams: chain 1 is not chain 0 again.
  EXPECT_NE(std::vector<double>(first.unconstrained_draws.begin(),
                                first.unconstrained_draws.begin() + 150),
            std::vector<double>(first.unconstrained_draws.begin() + 150,
                                first.unconstrained_draws.begin() + 300));
  EXPECT_EQ(first.draws.chains, 3);
  EXPECT_EQ(first.draws.draws, 50);
}

// A density with a saddle at its stationary point: x ~ Normal(0, 1), y ~ Normal(0, 1) and a
// potential +y^2 that turns y's curvature positive (1 - 2 = ... here -1 + 2 = +1 in logp).
Model saddle() {
  Model m;
  m.normal("x", 0, 1);
  auto y = m.normal("y", 0, 1);
  m.potential("bowl", y * y);
  return m;
}

TEST(Laplace, NonPositiveDefiniteHessianIsAnErrorNamingTheCoordinate) {
  // The optimizer starts at the stationary point (0, 0), where the gradient is zero already.
  const std::string message = error_message([&] { laplace_approximation(saddle()); });
  expect_mentions(message, {"not positive definite", "y", "on_bad_cov"});
  EXPECT_EQ(message.find("along x"), std::string::npos) << message;
}

TEST(Laplace, BadCovarianceWarnUsesTheNearestPositiveSemidefiniteCovariance) {
  const LaplaceResult result = laplace_approximation(
      saddle(), {.draws = 20, .on_bad_covariance = BadCovariance::warn, .diagonal_jitter = 1e-8});
  ASSERT_EQ(result.warnings.size(), 1u);
  expect_mentions(result.warnings[0], {"not positive definite", "y"});
  const Matrix covariance = as_matrix(result.covariance, 2);
  EXPECT_NEAR(covariance(0, 0), 1.0 + 1e-8, 1e-9);
  EXPECT_NEAR(covariance(1, 1), 1e-8, 1e-12);
  EXPECT_NEAR(covariance(0, 1), 0.0, 1e-12);
  const LaplaceResult ignored =
      laplace_approximation(saddle(), {.draws = 20, .on_bad_covariance = BadCovariance::ignore});
  EXPECT_TRUE(ignored.warnings.empty());
}

TEST(Laplace, BadOptionsAreErrors) {
  const Model model = correlated_gaussian(Vector{{0.0, 0.0, 0.0}}, correlated_covariance());
  expect_mentions(error_message([&] { laplace_approximation(model, {.chains = 0}); }),
                  {"chains", "at least 1"});
  expect_mentions(error_message([&] { laplace_approximation(model, {.draws = -1}); }),
                  {"draws", "at least 1"});
  expect_mentions(error_message([&] { laplace_approximation(model, {.diagonal_jitter = -1}); }),
                  {"diagonal_jitter"});
  expect_mentions(error_message([&] { laplace_approximation(Model()); }), {"no free"});
}

}  // namespace
}  // namespace hypatia
