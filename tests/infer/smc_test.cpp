#include "hypatia/infer/smc.hpp"

#include <Random123/philox.h>
#include <gtest/gtest.h>
#include <Eigen/Dense>
#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

#include <boost/math/special_functions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <numeric>
#include <string>
#include <vector>

#include "hypatia/error.hpp"
#include "infer/resampling.hpp"
#include "infer/tempering.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

const double kLogTwoPi = std::log(2.0 * std::numbers::pi);

// The prior draws of the hand-written models: Philox keyed by (seed, stream), counter by draw.
class PriorStream {
 public:
  PriorStream(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter)
      : key_{{seed, stream}}, counter_{{counter, 0, 0, 0}} {}
  double uniform() { return r123::u01fixedpt<double>(next_block()[0]); }
  double standard_normal() {
    const auto block = next_block();
    return r123::boxmuller(block[0], block[1]).x;
  }

 private:
  r123::Philox4x64::ctr_type next_block() {
    ++counter_[1];
    return r123::Philox4x64()(counter_, key_);
  }
  r123::Philox4x64::key_type key_;
  r123::Philox4x64::ctr_type counter_;
};

// A Target made from a model with log_prior, log_likelihood (each adding its gradient when
// `grad` is not null) and draw_prior. Overrides every virtual so no default is needed.
template <class Model>
class SplitTarget : public Target {
 public:
  explicit SplitTarget(Model model, bool can_split = true, bool can_draw = true)
      : model_(std::move(model)), can_split_(can_split), can_draw_(can_draw) {}

  std::int64_t dim() const override { return model_.dim(); }
  double logp_grad(const double* x, double* grad) override {
    std::fill(grad, grad + dim(), 0.0);
    return model_.log_prior(x, grad) + model_.log_likelihood(x, grad);
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<SplitTarget>(*this); }
  std::vector<std::string> coordinate_names() const override {
    std::vector<std::string> names;
    for (std::int64_t j = 0; j < dim(); ++j) names.push_back("x[" + std::to_string(j) + "]");
    return names;
  }
  std::vector<std::string> nonfinite_variables(const double* /*x*/) override { return {}; }
  bool log_prior_likelihood(const double* x, double* log_prior, double* log_likelihood) override {
    if (!can_split_) return false;
    *log_prior = model_.log_prior(x, nullptr);
    *log_likelihood = model_.log_likelihood(x, nullptr);
    return true;
  }
  bool sample_prior(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter,
                    double* x) override {
    if (!can_draw_) return false;
    PriorStream draws(seed, stream, counter);
    model_.draw_prior(draws, x);
    return true;
  }

 private:
  Model model_;
  bool can_split_;
  bool can_draw_;
};

double normal_log_density(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * kLogTwoPi;
}

// mu ~ normal(prior_mean, prior_sd); y_i ~ normal(mu, noise_sd).
struct NormalMeanModel {
  double prior_mean = 0.5;
  double prior_sd = 10.0;  // wide, so tempering needs several stages
  double noise_sd = 1.5;
  std::vector<double> data = {1.92,  0.35, 2.71, 1.08, -0.64, 1.57, 3.12, 0.86, 1.44, 2.05,
                              -0.21, 1.73, 0.98, 2.46, 1.21,  0.12, 1.89, 2.83, 0.67, 1.36};

  std::int64_t dim() const { return 1; }
  double log_prior(const double* x, double* grad) const {
    if (grad) grad[0] -= (x[0] - prior_mean) / (prior_sd * prior_sd);
    return normal_log_density(x[0], prior_mean, prior_sd);
  }
  double log_likelihood(const double* x, double* grad) const {
    double total = 0.0;
    for (double y : data) {
      total += normal_log_density(y, x[0], noise_sd);
      if (grad) grad[0] += (y - x[0]) / (noise_sd * noise_sd);
    }
    return total;
  }
  void draw_prior(PriorStream& draws, double* x) const {
    x[0] = prior_mean + prior_sd * draws.standard_normal();
  }

  double posterior_precision() const {
    return 1.0 / (prior_sd * prior_sd) + static_cast<double>(data.size()) / (noise_sd * noise_sd);
  }
  double posterior_mean() const {
    const double sum = std::accumulate(data.begin(), data.end(), 0.0);
    return (prior_mean / (prior_sd * prior_sd) + sum / (noise_sd * noise_sd)) /
           posterior_precision();
  }
  // y ~ normal(prior_mean 1, noise_sd^2 I + prior_sd^2 1 1^T), inverted by Sherman-Morrison.
  double log_evidence() const {
    const double n = static_cast<double>(data.size());
    const double noise_var = noise_sd * noise_sd;
    const double prior_var = prior_sd * prior_sd;
    double sum = 0.0;
    double sum_of_squares = 0.0;
    for (double y : data) {
      sum += y - prior_mean;
      sum_of_squares += (y - prior_mean) * (y - prior_mean);
    }
    const double quadratic =
        (sum_of_squares - prior_var / (noise_var + n * prior_var) * sum * sum) / noise_var;
    const double log_determinant = n * std::log(noise_var) + std::log1p(n * prior_var / noise_var);
    return -0.5 * (n * kLogTwoPi + log_determinant + quadratic);
  }
};

// x ~ normal(prior_mean, prior_cov); y ~ normal(x, noise_cov), both correlated, in 5 dimensions.
struct GaussianModel {
  Eigen::VectorXd prior_mean{{0.5, -1.0, 0.0, 2.0, 0.3}};
  Eigen::MatrixXd prior_cov;
  Eigen::MatrixXd noise_cov;
  Eigen::VectorXd observed{{1.2, -0.4, 1.9, 0.6, -1.1}};
  Eigen::MatrixXd prior_factor;
  Eigen::MatrixXd prior_precision;
  Eigen::MatrixXd noise_precision;

  GaussianModel() {
    Eigen::MatrixXd spread{{1.5, 0.0, 0.0, 0.0, 0.0},
                           {0.8, 1.0, 0.0, 0.0, 0.0},
                           {-0.5, 0.3, 2.0, 0.0, 0.0},
                           {0.2, -0.6, 0.4, 1.2, 0.0},
                           {0.0, 0.5, -0.3, 0.7, 0.9}};
    prior_cov = spread * spread.transpose();
    Eigen::MatrixXd noise_spread{{0.5, 0.0, 0.0, 0.0, 0.0},
                                 {0.3, 0.4, 0.0, 0.0, 0.0},
                                 {0.0, -0.2, 0.6, 0.0, 0.0},
                                 {0.1, 0.0, 0.2, 0.3, 0.0},
                                 {-0.2, 0.1, 0.0, 0.1, 0.5}};
    noise_cov = noise_spread * noise_spread.transpose();
    prior_factor = prior_cov.llt().matrixL();
    prior_precision = prior_cov.inverse();
    noise_precision = noise_cov.inverse();
  }

  static double log_density(const Eigen::VectorXd& residual, const Eigen::MatrixXd& cov,
                            const Eigen::MatrixXd& precision) {
    return -0.5 * (residual.dot(precision * residual) + std::log(cov.determinant()) +
                   static_cast<double>(residual.size()) * kLogTwoPi);
  }

  std::int64_t dim() const { return 5; }
  double log_prior(const double* x, double* grad) const {
    const Eigen::VectorXd residual = Eigen::Map<const Eigen::VectorXd>(x, 5) - prior_mean;
    if (grad) Eigen::Map<Eigen::VectorXd>(grad, 5) -= prior_precision * residual;
    return log_density(residual, prior_cov, prior_precision);
  }
  double log_likelihood(const double* x, double* grad) const {
    const Eigen::VectorXd residual = observed - Eigen::Map<const Eigen::VectorXd>(x, 5);
    if (grad) Eigen::Map<Eigen::VectorXd>(grad, 5) += noise_precision * residual;
    return log_density(residual, noise_cov, noise_precision);
  }
  void draw_prior(PriorStream& draws, double* x) const {
    Eigen::VectorXd z(5);
    for (double& value : z) value = draws.standard_normal();
    Eigen::Map<Eigen::VectorXd>(x, 5) = prior_mean + prior_factor * z;
  }

  Eigen::MatrixXd posterior_cov() const { return (prior_precision + noise_precision).inverse(); }
  Eigen::VectorXd posterior_mean() const {
    return posterior_cov() * (prior_precision * prior_mean + noise_precision * observed);
  }
  // y ~ normal(prior_mean, prior_cov + noise_cov).
  double log_evidence() const {
    const Eigen::MatrixXd cov = prior_cov + noise_cov;
    return log_density(observed - prior_mean, cov, cov.inverse());
  }
};

// theta ~ beta(a, b), k ~ binomial(n, theta), sampled as z = logit(theta) with its Jacobian.
struct BetaBinomialModel {
  double a = 2.0;
  double b = 3.0;
  double trials = 200.0;
  double successes = 73.0;

  static double log_sigmoid(double z) {
    return -std::log1p(std::exp(-std::abs(z))) + std::min(z, 0.0);
  }
  static double sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }
  static double log_beta(double p, double q) {
    return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q);
  }

  std::int64_t dim() const { return 1; }
  // log beta(theta; a, b) + log theta + log(1 - theta), the last two the Jacobian of logit.
  double log_prior(const double* x, double* grad) const {
    if (grad) grad[0] += a * (1.0 - sigmoid(x[0])) - b * sigmoid(x[0]);
    return a * log_sigmoid(x[0]) + b * log_sigmoid(-x[0]) - log_beta(a, b);
  }
  double log_likelihood(const double* x, double* grad) const {
    const double failures = trials - successes;
    if (grad) grad[0] += successes * (1.0 - sigmoid(x[0])) - failures * sigmoid(x[0]);
    const double log_choose = -std::log(trials + 1.0) - log_beta(successes + 1.0, failures + 1.0);
    return log_choose + successes * log_sigmoid(x[0]) + failures * log_sigmoid(-x[0]);
  }
  void draw_prior(PriorStream& draws, double* x) const {
    const double theta = boost::math::ibeta_inv(a, b, draws.uniform());
    x[0] = std::log(theta) - std::log1p(-theta);
  }

  double posterior_a() const { return a + successes; }
  double posterior_b() const { return b + trials - successes; }
  double log_evidence() const {
    const double failures = trials - successes;
    const double log_choose = -std::log(trials + 1.0) - log_beta(successes + 1.0, failures + 1.0);
    return log_choose + log_beta(posterior_a(), posterior_b()) - log_beta(a, b);
  }
};

// All particles of all chains, coordinate j, mapped through `transform`.
template <class Transform>
std::vector<double> pooled(const SmcResult& result, std::int64_t j, Transform transform) {
  std::vector<double> values;
  for (const SmcChain& chain : result.chains) {
    for (std::int64_t i = 0; i < result.particles; ++i) {
      values.push_back(transform(chain.draws[i * result.dim + j]));
    }
  }
  return values;
}
std::vector<double> pooled(const SmcResult& result, std::int64_t j) {
  return pooled(result, j, [](double x) { return x; });
}

double mean_of(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}
double sd_of(const std::vector<double>& values) {
  const double mean = mean_of(values);
  double sum = 0.0;
  for (double value : values) sum += (value - mean) * (value - mean);
  return std::sqrt(sum / static_cast<double>(values.size() - 1));
}

// Five standard errors of a posterior mean from `count` particles, counting resampled
// duplicates as if only a quarter of the particles were independent.
double mean_tolerance(double posterior_sd, std::size_t count) {
  return 5.0 * posterior_sd / std::sqrt(static_cast<double>(count) / 4.0);
}
// Five standard errors of a sample sd, relative, with the same discount.
double relative_sd_tolerance(std::size_t count) {
  return 5.0 / std::sqrt(2.0 * static_cast<double>(count) / 4.0);
}

void expect_log_evidence_near(const SmcResult& result, double analytic) {
  double total = 0.0;
  for (const SmcChain& chain : result.chains) {
    EXPECT_NEAR(chain.log_marginal_likelihood, analytic, 0.25);
    total += chain.log_marginal_likelihood;
  }
  EXPECT_NEAR(total / static_cast<double>(result.chains.size()), analytic, 0.1);
}

void expect_well_formed(const SmcResult& result, const SmcOptions& options) {
  ASSERT_EQ(result.chains.size(), static_cast<std::size_t>(options.chains));
  for (const SmcChain& chain : result.chains) {
    EXPECT_EQ(chain.draws.size(), static_cast<std::size_t>(options.particles * result.dim));
    ASSERT_GE(chain.betas.size(), 2u);
    EXPECT_EQ(chain.betas.front(), 0.0);
    EXPECT_EQ(chain.betas.back(), 1.0);
    EXPECT_TRUE(std::is_sorted(chain.betas.begin(), chain.betas.end()));
    EXPECT_EQ(chain.acceptance_rates.size(), chain.betas.size() - 1);
    EXPECT_EQ(chain.steps.size(), chain.betas.size() - 1);
    for (std::int64_t steps : chain.steps) {
      EXPECT_GE(steps, 1);
      EXPECT_LE(steps, options.max_steps);
    }
  }
}

TEST(SmcConjugate, NormalMeanPosteriorAndEvidence) {
  const NormalMeanModel model;
  const SmcOptions options{.seed = 11};
  const SmcResult result = sample_smc(SplitTarget(model), options);
  expect_well_formed(result, options);

  const std::vector<double> mu = pooled(result, 0);
  const double posterior_sd = 1.0 / std::sqrt(model.posterior_precision());
  EXPECT_NEAR(mean_of(mu), model.posterior_mean(), mean_tolerance(posterior_sd, mu.size()));
  EXPECT_NEAR(sd_of(mu) / posterior_sd, 1.0, relative_sd_tolerance(mu.size()));
  expect_log_evidence_near(result, model.log_evidence());
}

TEST(SmcProgress, CallbackSeesBetaRiseToOneInEveryChain) {
  const NormalMeanModel model;
  std::vector<ProgressReport> reports;  // calls never overlap: no lock needed
  const SmcOptions options{
      .particles = 500,
      .chains = 2,
      .seed = 4,
      .progress_callback = [&](const ProgressReport& report) { reports.push_back(report); }};
  const SmcResult result = sample_smc(SplitTarget(model), options);
  ASSERT_FALSE(reports.empty());
  const ProgressReport& last = reports.back();
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.label, "SMC");
  ASSERT_EQ(last.chains.size(), 2u);
  for (const ChainProgress& chain : last.chains) {
    EXPECT_EQ(chain.iterations_total, 1000);
    EXPECT_EQ(chain.iterations_done, 1000);  // beta = 1
  }
  std::vector<std::int64_t> previous(2, 0);
  for (const ProgressReport& report : reports) {
    for (std::size_t c = 0; c < 2; ++c) {
      EXPECT_GE(report.chains[c].iterations_done, previous[c]);  // beta never falls
      previous[c] = report.chains[c].iterations_done;
    }
  }
  EXPECT_EQ(result.chains[0].betas.back(), 1.0);
}

class SmcWithKernel : public ::testing::TestWithParam<SmcKernel> {};

TEST_P(SmcWithKernel, CorrelatedGaussianPosteriorAndEvidence) {
  const GaussianModel model;
  const SmcOptions options{.seed = 5, .kernel = GetParam()};
  const SmcResult result = sample_smc(SplitTarget(model), options);
  expect_well_formed(result, options);

  const Eigen::VectorXd mean = model.posterior_mean();
  const Eigen::MatrixXd cov = model.posterior_cov();
  for (std::int64_t j = 0; j < 5; ++j) {
    const std::vector<double> x = pooled(result, j);
    const double posterior_sd = std::sqrt(cov(j, j));
    EXPECT_NEAR(mean_of(x), mean[j], mean_tolerance(posterior_sd, x.size())) << "x[" << j << "]";
    EXPECT_NEAR(sd_of(x) / posterior_sd, 1.0, relative_sd_tolerance(x.size())) << "x[" << j << "]";
  }
  expect_log_evidence_near(result, model.log_evidence());
}

TEST(SmcRandomWalk, ScaleMovesTowardsTargetAcceptance) {
  const GaussianModel model;
  const SmcResult result =
      sample_smc(SplitTarget(model), {.chains = 1, .kernel = SmcKernel::random_walk_metropolis});
  const SmcChain& chain = result.chains[0];
  ASSERT_GE(chain.acceptance_rates.size(), 3u);
  // 2.38 / sqrt(5) first; the tempered densities here are Gaussian, where that is near optimal,
  // so later stages stay within the band the adaptation aims for.
  EXPECT_DOUBLE_EQ(chain.proposal_scales[0], 2.38 / std::sqrt(5.0));
  for (std::size_t stage = 1; stage < chain.acceptance_rates.size(); ++stage) {
    EXPECT_GT(chain.acceptance_rates[stage], 0.1) << "stage " << stage;
    EXPECT_LT(chain.acceptance_rates[stage], 0.5) << "stage " << stage;
  }
}

INSTANTIATE_TEST_SUITE_P(Smc, SmcWithKernel,
                         ::testing::Values(SmcKernel::independent_metropolis,
                                           SmcKernel::random_walk_metropolis),
                         [](const ::testing::TestParamInfo<SmcKernel>& info) {
                           return info.param == SmcKernel::independent_metropolis ? "Independent"
                                                                                  : "RandomWalk";
                         });

TEST(SmcConjugate, BetaBinomialOnLogitScale) {
  const BetaBinomialModel model;
  const SmcOptions options{.seed = 3};
  const SmcResult result = sample_smc(SplitTarget(model), options);
  expect_well_formed(result, options);

  const std::vector<double> theta = pooled(result, 0, BetaBinomialModel::sigmoid);
  const double p = model.posterior_a();
  const double q = model.posterior_b();
  const double posterior_sd = std::sqrt(p * q / ((p + q) * (p + q) * (p + q + 1.0)));
  EXPECT_NEAR(mean_of(theta), p / (p + q), mean_tolerance(posterior_sd, theta.size()));
  EXPECT_NEAR(sd_of(theta) / posterior_sd, 1.0, relative_sd_tolerance(theta.size()));
  expect_log_evidence_near(result, model.log_evidence());
}

TEST(SmcDeterminism, SameSeedSameResultWhateverTheThreadCount) {
  const SplitTarget target{NormalMeanModel()};
  for (SmcKernel kernel : {SmcKernel::independent_metropolis, SmcKernel::random_walk_metropolis}) {
    SmcOptions options{.particles = 300, .chains = 4, .cores = 1, .seed = 42, .kernel = kernel};
    const SmcResult serial = sample_smc(target, options);
    options.cores = 3;
    const SmcResult threaded = sample_smc(target, options);
    for (std::size_t c = 0; c < serial.chains.size(); ++c) {
      EXPECT_EQ(serial.chains[c].draws, threaded.chains[c].draws) << "chain " << c;
      EXPECT_EQ(serial.chains[c].betas, threaded.chains[c].betas) << "chain " << c;
      EXPECT_EQ(serial.chains[c].log_marginal_likelihood,
                threaded.chains[c].log_marginal_likelihood);
      EXPECT_EQ(serial.chains[c].acceptance_rates, threaded.chains[c].acceptance_rates);
      EXPECT_EQ(serial.chains[c].steps, threaded.chains[c].steps);
    }
    // Chains are independent runs, and the seed matters.
    EXPECT_NE(serial.chains[0].draws, serial.chains[1].draws);
    options.seed = 43;
    EXPECT_NE(sample_smc(target, options).chains[0].draws, serial.chains[0].draws);
  }
}

TEST(SmcErrors, TargetThatCannotSplit) {
  const SplitTarget target(NormalMeanModel(), /*can_split=*/false);
  expect_mentions(error_message([&] { sample_smc(target, {.particles = 10}); }),
                  {"cannot split", "log_prior_likelihood"});
}

TEST(SmcErrors, TargetThatCannotDrawFromItsPrior) {
  const SplitTarget target(NormalMeanModel(), /*can_split=*/true, /*can_draw=*/false);
  expect_mentions(error_message([&] { sample_smc(target, {.particles = 10}); }),
                  {"cannot draw", "sample_prior"});
}

// Prior draws outside the reals: the error names the coordinate.
struct NanPriorModel : NormalMeanModel {
  void draw_prior(PriorStream& /*draws*/, double* x) const {
    x[0] = std::numeric_limits<double>::quiet_NaN();
  }
};

TEST(SmcErrors, NonFinitePriorDraw) {
  const SplitTarget target{NanPriorModel()};
  expect_mentions(error_message([&] { sample_smc(target, {.particles = 10}); }),
                  {"prior draw 0 of chain 0", "finite", "'x[0]' = nan"});
}

TEST(SmcErrors, BadOptions) {
  const SplitTarget target{NormalMeanModel()};
  expect_mentions(error_message([&] { sample_smc(target, {.particles = 1}); }),
                  {"options.particles", "at least 2", "got 1"});
  expect_mentions(error_message([&] { sample_smc(target, {.threshold = 1.5}); }),
                  {"options.threshold", "between 0 and 1", "got 1.5"});
  expect_mentions(error_message([&] { sample_smc(target, {.particles = 50, .max_stages = 1}); }),
                  {"max_stages", "beta"});
}

// Reference for the helpers: effective sample sizes computed directly from the weights.
double direct_ess(const std::vector<double>& log_likelihood, double delta) {
  double sum = 0.0;
  double sum_of_squares = 0.0;
  for (double l : log_likelihood) {
    const double w = std::exp(delta * l);
    sum += w;
    sum_of_squares += w * w;
  }
  return sum * sum / sum_of_squares;
}

TEST(SmcTempering, NextBetaKeepsTheTargetEffectiveSampleSize) {
  std::vector<double> log_likelihood;
  for (int i = 0; i < 100; ++i) log_likelihood.push_back(-0.05 * i * i);
  const smc::TemperingStep step = smc::next_tempering_step(log_likelihood, 0.2, 0.5);
  ASSERT_LT(step.beta, 1.0);
  EXPECT_NEAR(direct_ess(log_likelihood, step.beta - 0.2), 50.0, 1e-6);
  double mean_weight = 0.0;
  for (double l : log_likelihood) mean_weight += std::exp((step.beta - 0.2) * l) / 100.0;
  EXPECT_NEAR(step.log_evidence_increment, std::log(mean_weight), 1e-12);
  EXPECT_NEAR(std::accumulate(step.weights.begin(), step.weights.end(), 0.0), 1.0, 1e-12);
}

TEST(SmcTempering, FlatLikelihoodGoesStraightToOne) {
  const std::vector<double> log_likelihood(10, -3.0);
  const smc::TemperingStep step = smc::next_tempering_step(log_likelihood, 0.4, 0.5);
  EXPECT_EQ(step.beta, 1.0);
  EXPECT_NEAR(step.log_evidence_increment, 0.6 * -3.0, 1e-12);
}

TEST(SmcTempering, InfiniteLikelihoodsGetZeroWeight) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> log_likelihood{-1.0, -inf, -2.0, -inf};
  const smc::TemperingStep step = smc::next_tempering_step(log_likelihood, 0.0, 0.25);
  EXPECT_EQ(step.weights[1], 0.0);
  EXPECT_EQ(step.weights[3], 0.0);
  EXPECT_GT(step.beta, 0.0);
  const std::vector<double> hopeless(3, -inf);
  expect_mentions(error_message([&] { smc::next_tempering_step(hopeless, 0.0, 0.5); }),
                  {"no particle has a finite log likelihood"});
}

TEST(SmcResampling, SystematicCopiesFloorOrCeilingOfExpectedCounts) {
  const std::vector<double> weights{0.05, 0.0, 0.4, 0.25, 0.3};
  for (double uniform : {0.0, 0.13, 0.5, 0.77, 0.999}) {
    const std::vector<std::int64_t> indices = smc::systematic_resample(weights, uniform);
    ASSERT_EQ(indices.size(), weights.size());
    EXPECT_TRUE(std::is_sorted(indices.begin(), indices.end()));
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const auto copies = std::count(indices.begin(), indices.end(), static_cast<std::int64_t>(i));
      const double expected = weights[i] * static_cast<double>(weights.size());
      EXPECT_GE(copies, std::floor(expected)) << "particle " << i << ", u = " << uniform;
      EXPECT_LE(copies, std::ceil(expected)) << "particle " << i << ", u = " << uniform;
    }
  }
}

}  // namespace
}  // namespace hypatia
