#include "hypatia/infer/advi.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "infer/mcmc_checks.hpp"

namespace hypatia {
namespace {

using testing::GaussianTarget;

// The precision matrix of a covariance (row-major), by Eigen's inverse.
std::vector<double> inverse_of(const std::vector<double>& matrix, std::int64_t n) {
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix inverse = Eigen::Map<const RowMatrix>(matrix.data(), n, n).inverse();
  return std::vector<double>(inverse.data(), inverse.data() + n * n);
}

// Parameters averaged over the last `tail` iterations of a fit, which removes most of the
// stochastic-gradient jitter around the optimum.
std::vector<double> averaged_parameters(Advi& advi, std::int64_t burn_in, std::int64_t tail) {
  advi.run(burn_in);
  std::vector<double> sum(advi.parameters().size(), 0.0);
  for (std::int64_t i = 0; i < tail; ++i) {
    advi.run(1);
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += advi.parameters()[k];
  }
  for (double& value : sum) value /= static_cast<double>(tail);
  return sum;
}

AdviOptions adam_options(AdviFamily family, double learning_rate, std::uint64_t seed = 7) {
  AdviOptions options;
  options.family = family;
  options.optimizer.kind = AdviOptimizerKind::adam;
  options.optimizer.learning_rate = learning_rate;
  options.obj_n_mc = 4;
  options.seed = seed;
  return options;
}

TEST(Advi, MeanFieldRecoversAnIndependentGaussian) {
  const std::vector<double> mean = {1.0, -2.0, 3.0};
  const std::vector<double> sd = {0.5, 2.0, 1.0};
  std::vector<double> precision(9, 0.0);
  for (int i = 0; i < 3; ++i) precision[i * 3 + i] = 1 / (sd[i] * sd[i]);
  GaussianTarget target(mean, precision);
  Advi advi(target, adam_options(AdviFamily::mean_field, 0.01));
  const std::vector<double> params = averaged_parameters(advi, 6000, 2000);
  advi.set_parameters(params);
  const std::vector<double> fitted_mean = advi.mean();
  const std::vector<double> fitted_sd = advi.std();
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(fitted_mean[i], mean[i], 0.05 * sd[i]) << "coordinate " << i;
    EXPECT_NEAR(fitted_sd[i], sd[i], 0.05 * sd[i]) << "coordinate " << i;
  }
  // The loss falls from its start to near the optimum: -ELBO = E[log q] - E[logp] with
  // E[log q] = -3/2 - 3 log(2 pi) / 2 - sum(log sd) and E[logp] = -3/2 there (the target leaves
  // out its normalizing constant).
  const std::vector<double>& hist = advi.loss_history();
  ASSERT_EQ(static_cast<std::int64_t>(hist.size()), advi.iterations());
  double tail_loss = 0;
  for (std::size_t i = hist.size() - 1000; i < hist.size(); ++i) tail_loss += hist[i] / 1000;
  const double optimum =
      -1.5 * std::log(2 * std::numbers::pi) - (std::log(0.5) + std::log(2.0) + std::log(1.0));
  EXPECT_NEAR(tail_loss, optimum, 0.1);
  EXPECT_GT(hist.front(), tail_loss + 1);
}

TEST(Advi, MeanFieldUnderestimatesCorrelatedVariances) {
  // For a Gaussian target the mean-field optimum has sd_i = 1 / sqrt(P_ii) (P the precision),
  // smaller than the marginal sd sqrt(C_ii) when coordinates correlate.
  const std::vector<double> mean = {0.5, -1.0};
  const std::vector<double> covariance = {1.0, 0.9 * 2.0, 0.9 * 2.0, 4.0};
  const std::vector<double> precision = inverse_of(covariance, 2);
  GaussianTarget target(mean, precision);
  Advi advi(target, adam_options(AdviFamily::mean_field, 0.01));
  advi.set_parameters(averaged_parameters(advi, 6000, 2000));
  for (int i = 0; i < 2; ++i) {
    const double analytic = 1 / std::sqrt(precision[i * 2 + i]);
    EXPECT_NEAR(advi.mean()[i], mean[i], 0.05) << "coordinate " << i;
    EXPECT_NEAR(advi.std()[i], analytic, 0.05 * analytic) << "coordinate " << i;
    EXPECT_LT(advi.std()[i], 0.6 * std::sqrt(covariance[i * 2 + i]));
  }
}

TEST(Advi, FullRankRecoversACorrelatedCovariance) {
  const std::vector<double> mean = {0.5, -1.0, 2.0};
  const std::vector<double> covariance = {1.0,  0.8, -0.3,  //
                                          0.8,  2.0, 0.5,   //
                                          -0.3, 0.5, 0.7};
  GaussianTarget target(mean, inverse_of(covariance, 3));
  Advi advi(target, adam_options(AdviFamily::full_rank, 0.005));
  EXPECT_EQ(advi.parameters().size(), 3u + 6u);
  advi.set_parameters(averaged_parameters(advi, 10000, 3000));
  const std::vector<double> fitted = advi.covariance();
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(advi.mean()[i], mean[i], 0.05) << "coordinate " << i;
    for (int j = 0; j < 3; ++j) {
      EXPECT_NEAR(fitted[i * 3 + j], covariance[i * 3 + j], 0.07) << "entry " << i << ", " << j;
    }
  }
  // Draws of the approximation have its covariance.
  const std::int64_t draws = 40000;
  const std::vector<double> x = advi.sample(draws, 3);
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> matrix(
      x.data(), draws, 3);
  const Eigen::RowVectorXd sample_mean = matrix.colwise().mean();
  const Eigen::MatrixXd centered = matrix.rowwise() - sample_mean;
  const Eigen::MatrixXd sample_cov = centered.transpose() * centered / (draws - 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(sample_mean[i], advi.mean()[i], 0.03);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(sample_cov(i, j), fitted[i * 3 + j], 0.05);
  }
}

TEST(Advi, StartsWhereAskedWithPyMCsDefaultScales) {
  GaussianTarget target = GaussianTarget::standard(2);
  AdviOptions options;
  options.start = {1.0, 2.0};
  Advi mean_field(target, options);
  EXPECT_EQ(mean_field.mean(), options.start);
  EXPECT_NEAR(mean_field.std()[0], std::log(2.0), 1e-12);  // rho = 0
  options.family = AdviFamily::full_rank;
  Advi full_rank(target, options);
  EXPECT_NEAR(full_rank.std()[1], std::log1p(std::exp(1.0)), 1e-12);  // L_tril = I
  options.start_sigma = {0.1, 3.0};
  Advi given(target, options);
  EXPECT_NEAR(given.std()[0], 0.1, 1e-12);
  EXPECT_NEAR(given.std()[1], 3.0, 1e-12);
}

TEST(Advi, EveryOptimizerApproachesTheOptimum) {
  const std::pair<AdviOptimizerKind, double> kinds[] = {
      {AdviOptimizerKind::sgd, 0.01},
      {AdviOptimizerKind::momentum, 0.002},
      {AdviOptimizerKind::nesterov_momentum, 0.002},
      {AdviOptimizerKind::adagrad, 0.5},
      {AdviOptimizerKind::adagrad_window, 0.02},
      {AdviOptimizerKind::rmsprop, 0.01},
      {AdviOptimizerKind::adadelta, 1.0},
      {AdviOptimizerKind::adam, 0.02},
      {AdviOptimizerKind::adamax, 0.02}};
  for (const auto& [kind, learning_rate] : kinds) {
    GaussianTarget target({2.0}, {1.0 / (0.5 * 0.5)});
    AdviOptions options;
    options.optimizer.kind = kind;
    options.optimizer.learning_rate = learning_rate;
    options.obj_n_mc = 2;
    Advi advi(target, options);
    advi.set_parameters(averaged_parameters(advi, 8000, 1000));
    EXPECT_NEAR(advi.mean()[0], 2.0, 0.1) << "optimizer " << static_cast<int>(kind);
    EXPECT_NEAR(advi.std()[0], 0.5, 0.1) << "optimizer " << static_cast<int>(kind);
  }
}

TEST(Advi, SameSeedSameFitWhateverThePieces) {
  GaussianTarget target({1.0, -1.0}, {2.0, 0.5, 0.5, 1.0});
  AdviOptions options = adam_options(AdviFamily::full_rank, 0.01, 42);
  Advi whole(target, options);
  whole.run(250);
  Advi pieces(target, options);
  pieces.run(100);
  pieces.run(0);
  pieces.run(150);
  EXPECT_EQ(whole.parameters(), pieces.parameters());
  EXPECT_EQ(whole.loss_history(), pieces.loss_history());
  EXPECT_EQ(whole.sample(5, 1), pieces.sample(5, 1));
  options.seed = 43;
  Advi other(target, options);
  other.run(250);
  EXPECT_NE(whole.parameters(), other.parameters());
}

// logp is NaN once x[0] leaves (-0.5, 0.5): a start of sd log 2 soon draws there.
class NanOutsideTarget : public Target {
 public:
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = -x[0];
    if (std::abs(x[0]) > 0.5) return std::numeric_limits<double>::quiet_NaN();
    return -0.5 * x[0] * x[0];
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NanOutsideTarget>(); }
};

TEST(AdviErrors, NanLossStopsNamingTheIteration) {
  NanOutsideTarget target;
  Advi advi(target, AdviOptions{});
  try {
    advi.run(1000);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("not finite"), std::string::npos) << message;
    EXPECT_NE(message.find("at iteration " + std::to_string(advi.iterations())), std::string::npos)
        << message;
  }
  // The parameters stay those before the failed iteration: finite.
  for (double value : advi.parameters()) EXPECT_TRUE(std::isfinite(value));
  EXPECT_EQ(static_cast<std::int64_t>(advi.loss_history().size()), advi.iterations());
}

TEST(AdviErrors, BadOptionsAreRefused) {
  GaussianTarget target = GaussianTarget::standard(2);
  AdviOptions options;
  options.start = {1.0};
  EXPECT_THROW(Advi(target, options), Error);
  options = {};
  options.start_sigma = {1.0, -1.0};
  EXPECT_THROW(Advi(target, options), Error);
  options = {};
  options.obj_n_mc = 0;
  EXPECT_THROW(Advi(target, options), Error);
  options = {};
  options.optimizer.learning_rate = -1;
  EXPECT_THROW(Advi(target, options), Error);
  EXPECT_THROW(advi_optimizer_kind("lbfgs"), Error);
  EXPECT_EQ(advi_optimizer_kind("adamax"), AdviOptimizerKind::adamax);
}

}  // namespace
}  // namespace hypatia

namespace hypatia {
namespace {

// A minibatch model: y[rows] ~ Normal(mu, 1) with `rows` an index container of 8 of the 40
// values. Before each iteration ADVI redraws the rows uniformly with replacement, so the batch's
// log likelihood, times 40 / 8, is unbiased for the full data's.
TEST(AdviModel, MinibatchRowsAreRedrawnUniformly) {
  std::vector<double> y(40);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = 0.1 * static_cast<double>(i) - 1.0;
  Model model;
  const Expr data = model.data("y", Tensor::from_doubles(y, {40}));
  const Expr rows = model.data("rows", Tensor::from_ints({0, 1, 2, 3, 4, 5, 6, 7}, {8}));
  const Expr mu = model.normal("mu", 0.0, 1.0);
  model.observe("y_batch", Normal(mu, 1.0), gather(data, rows));
  AdviModelTarget target(model, {{"rows", 40}}, {.backend = Backend::interp});
  ASSERT_TRUE(target.has_minibatches());
  const double x = 0.3;
  double gradient = 0;
  const double prior = -0.5 * x * x - 0.5 * std::log(2 * std::numbers::pi);
  double full = 0;
  for (double value : y)
    full += -0.5 * (value - x) * (value - x) - 0.5 * std::log(2 * std::numbers::pi);
  const int iterations = 4000;
  double sum = 0, sum_squares = 0;
  for (int i = 0; i < iterations; ++i) {
    target.draw_minibatches(11, i);
    const double scaled = (target.logp_grad(&x, &gradient) - prior) * 40.0 / 8.0;
    sum += scaled;
    sum_squares += scaled * scaled;
  }
  const double mean = sum / iterations;
  const double standard_error = std::sqrt((sum_squares / iterations - mean * mean) / iterations);
  EXPECT_GT(standard_error, 0);  // the rows did change
  EXPECT_NEAR(mean, full, 4 * standard_error);
  // The same (seed, iteration) draws the same rows.
  target.draw_minibatches(11, 5);
  const double first = target.logp_grad(&x, &gradient);
  target.draw_minibatches(11, 6);
  target.draw_minibatches(11, 5);
  EXPECT_EQ(target.logp_grad(&x, &gradient), first);
}

TEST(AdviModel, UnknownMinibatchContainerIsAnError) {
  Model model;
  model.normal("mu", 0.0, 1.0);
  EXPECT_THROW(AdviModelTarget(model, {{"rows", 10}}, {.backend = Backend::interp}), Error);
}

}  // namespace
}  // namespace hypatia
