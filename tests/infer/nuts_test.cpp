#include "hypatia/infer/nuts.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/infer/rng.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/mcmc_checks.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::GaussianTarget;

NutsOptions quiet_options(std::int64_t tune, std::int64_t draws, std::uint64_t seed) {
  NutsOptions options;
  options.tune = tune;
  options.draws = draws;
  options.seed = seed;
  options.progress = false;
  return options;
}

std::int64_t total_divergences(const NutsResult& result) {
  std::int64_t count = 0;
  for (const NutsChain& chain : result.chains) {
    for (bool diverging : chain.stats.diverging) count += diverging;
  }
  return count;
}

double mean_acceptance(const NutsResult& result) {
  double sum = 0;
  std::int64_t n = 0;
  for (const NutsChain& chain : result.chains) {
    for (double a : chain.stats.acceptance_rate) sum += a, ++n;
  }
  return sum / static_cast<double>(n);
}

TEST(Nuts, StandardNormalOneDimension) {
  const NutsResult result = sample_nuts(GaussianTarget::standard(1), quiet_options(300, 1000, 1));
  ASSERT_EQ(result.chains.size(), 4u);
  testing::expect_moments(result, 0, 0.0, 1.0);
  EXPECT_EQ(total_divergences(result), 0);
}

TEST(Nuts, StandardNormalTenDimensions) {
  const NutsResult result = sample_nuts(GaussianTarget::standard(10), quiet_options(300, 500, 2));
  for (std::int64_t i = 0; i < 10; ++i) testing::expect_moments(result, i, 0.0, 1.0);
  EXPECT_EQ(total_divergences(result), 0);
}

TEST(Nuts, ResultHasOneEntryPerDrawAndStatistic) {
  NutsOptions options = quiet_options(50, 30, 3);
  options.chains = 2;
  options.save_warmup = true;
  const NutsResult result = sample_nuts(GaussianTarget::standard(3), options);
  EXPECT_EQ(result.dim, 3);
  for (const NutsChain& chain : result.chains) {
    EXPECT_EQ(chain.draws.size(), 90u);
    EXPECT_EQ(chain.warmup_draws.size(), 150u);
    EXPECT_EQ(chain.stats.size(), 30);
    EXPECT_EQ(chain.warmup_stats.size(), 50);
    for (const NutsStats* stats : {&chain.stats, &chain.warmup_stats}) {
      const std::size_t n = static_cast<std::size_t>(stats->size());
      EXPECT_EQ(stats->acceptance_rate.size(), n);
      EXPECT_EQ(stats->step_size.size(), n);
      EXPECT_EQ(stats->step_size_bar.size(), n);
      EXPECT_EQ(stats->tree_depth.size(), n);
      EXPECT_EQ(stats->n_steps.size(), n);
      EXPECT_EQ(stats->diverging.size(), n);
      EXPECT_EQ(stats->energy.size(), n);
      EXPECT_EQ(stats->energy_error.size(), n);
      EXPECT_EQ(stats->max_energy_error.size(), n);
    }
    // The recorded lp is the log density of the recorded draw.
    GaussianTarget target = GaussianTarget::standard(3);
    double grad[3];
    EXPECT_NEAR(chain.stats.lp[7], target.logp_grad(&chain.draws[21], grad), 1e-12);
    for (double step : chain.stats.step_size) EXPECT_EQ(step, chain.step_size);
    EXPECT_EQ(chain.stats.step_size_bar, chain.stats.step_size);
    // The dual average after the last warm-up iteration is the step size of the draws.
    EXPECT_EQ(chain.warmup_stats.step_size_bar.back(), chain.step_size);
    EXPECT_NE(chain.warmup_stats.step_size_bar.front(), chain.warmup_stats.step_size_bar.back());
    EXPECT_EQ(chain.inverse_metric.size(), 3u);
  }
}

// A Gaussian in 100 dimensions with a random rotation and variances from 1 to 100.
struct CorrelatedGaussian {
  std::vector<double> mean;
  std::vector<double> covariance;
  std::vector<double> precision;
};

CorrelatedGaussian random_correlated_gaussian(int dim, std::uint64_t seed) {
  CounterRng rng(seed, 0);
  // Orthonormal basis by Gram-Schmidt on Gaussian vectors.
  std::vector<std::vector<double>> basis;
  while (static_cast<int>(basis.size()) < dim) {
    std::vector<double> v(dim);
    for (double& x : v) x = rng.normal();
    for (const auto& u : basis) {
      double projection = 0;
      for (int i = 0; i < dim; ++i) projection += u[i] * v[i];
      for (int i = 0; i < dim; ++i) v[i] -= projection * u[i];
    }
    double norm = 0;
    for (double x : v) norm += x * x;
    for (double& x : v) x /= std::sqrt(norm);
    basis.push_back(v);
  }
  CorrelatedGaussian gaussian;
  gaussian.covariance.assign(dim * dim, 0.0);
  gaussian.precision.assign(dim * dim, 0.0);
  for (int k = 0; k < dim; ++k) {
    const double variance = std::pow(100.0, static_cast<double>(k) / (dim - 1));
    for (int i = 0; i < dim; ++i) {
      for (int j = 0; j < dim; ++j) {
        gaussian.covariance[i * dim + j] += variance * basis[k][i] * basis[k][j];
        gaussian.precision[i * dim + j] += basis[k][i] * basis[k][j] / variance;
      }
    }
  }
  for (int i = 0; i < dim; ++i) gaussian.mean.push_back(rng.uniform(-3, 3));
  return gaussian;
}

// Smallest ESS over coordinates per gradient evaluation of the kept draws.
double min_ess_per_gradient(const NutsResult& result) {
  double min_ess = INFINITY;
  for (std::int64_t i = 0; i < result.dim; ++i) {
    min_ess = std::min(min_ess, testing::ess_of(result, i, [](double x) { return x; }));
  }
  double gradients = 0;
  for (const NutsChain& chain : result.chains) {
    for (std::int64_t n : chain.stats.n_steps) gradients += static_cast<double>(n);
  }
  return min_ess / gradients;
}

TEST(Nuts, CorrelatedGaussianHundredDimensionsDenseMetric) {
  const CorrelatedGaussian gaussian = random_correlated_gaussian(100, 17);
  const GaussianTarget target(gaussian.mean, gaussian.precision);
  NutsOptions options = quiet_options(700, 400, 4);
  options.metric = MetricKind::dense;
  const NutsResult dense = sample_nuts(target, options);
  for (int i = 0; i < 100; ++i) {
    testing::expect_moments(dense, i, gaussian.mean[i], gaussian.covariance[i * 100 + i]);
  }
  EXPECT_EQ(dense.chains[0].inverse_metric.size(), 100u * 100u);

  options.metric = MetricKind::diagonal;
  options.chains = 2;
  const NutsResult diagonal = sample_nuts(target, options);
  // The rotation defeats a diagonal mass matrix; a dense one undoes it.
  EXPECT_GT(min_ess_per_gradient(dense), 2 * min_ess_per_gradient(diagonal));
}

TEST(Nuts, FisherDiagonalMetricIsExactForAGaussian) {
  // For a Gaussian the gradient is -(q - mean) / variance coordinate by coordinate, so
  // sqrt(Var[q] / Var[grad]) is the variance for any set of positions: after warm-up the metric
  // must equal the variances to rounding, however far apart their scales are.
  const std::vector<double> sds = {0.01, 0.3, 1.0, 7.0, 120.0};
  std::vector<double> precision(sds.size() * sds.size(), 0.0), mean;
  for (std::size_t i = 0; i < sds.size(); ++i) {
    precision[i * sds.size() + i] = 1 / (sds[i] * sds[i]);
    mean.push_back(static_cast<double>(i) - 2.0);
  }
  NutsOptions options = quiet_options(500, 1000, 8);
  options.metric = MetricKind::fisher_diagonal;
  const NutsResult result = sample_nuts(GaussianTarget(mean, precision), options);
  for (const NutsChain& chain : result.chains) {
    EXPECT_EQ(chain.metric, MetricKind::fisher_diagonal);
    for (std::size_t i = 0; i < sds.size(); ++i) {
      EXPECT_NEAR(chain.inverse_metric[i] / (sds[i] * sds[i]), 1.0, 1e-9) << i;
    }
  }
  for (std::size_t i = 0; i < sds.size(); ++i) {
    testing::expect_moments(result, static_cast<std::int64_t>(i), mean[i], sds[i] * sds[i]);
  }
  EXPECT_EQ(total_divergences(result), 0);
  EXPECT_EQ(metric_from_name("fisher_diagonal"), MetricKind::fisher_diagonal);
  EXPECT_STREQ(metric_name(MetricKind::fisher_diagonal), "fisher_diagonal");
  testing::expect_mentions(testing::error_message([] { metric_from_name("full"); }),
                           {"'full'", "fisher_diagonal"});
}

// A 30-dimensional Gaussian whose covariance spans variances 1 to 100 along random directions:
// the low-rank metric must sample its moments with either warm-up schedule, and undo enough of
// the rotation to beat the diagonal on effective draws per gradient as the dense metric does.
TEST(Nuts, CorrelatedGaussianFisherLowRankMetric) {
  const int dim = 30;
  const CorrelatedGaussian gaussian = random_correlated_gaussian(dim, 23);
  const GaussianTarget target(gaussian.mean, gaussian.precision);
  NutsOptions options = quiet_options(600, 400, 9);
  options.chains = 2;
  const NutsResult diagonal = sample_nuts(target, options);
  options.metric = MetricKind::fisher_low_rank;
  for (WarmupSchedule schedule : {WarmupSchedule::stan, WarmupSchedule::nutpie}) {
    options.warmup_schedule = schedule;
    const NutsResult low_rank = sample_nuts(target, options);
    for (int i = 0; i < dim; ++i) {
      testing::expect_moments(low_rank, i, gaussian.mean[i], gaussian.covariance[i * dim + i]);
    }
    EXPECT_EQ(low_rank.chains[0].metric, MetricKind::fisher_low_rank);
    EXPECT_EQ(low_rank.chains[0].inverse_metric.size(), static_cast<std::size_t>(dim * dim));
    EXPECT_EQ(total_divergences(low_rank), 0);
    EXPECT_GT(min_ess_per_gradient(low_rank), 2 * min_ess_per_gradient(diagonal))
        << warmup_schedule_name(schedule);
  }
  EXPECT_EQ(metric_from_name("fisher_low_rank"), MetricKind::fisher_low_rank);
  EXPECT_STREQ(metric_name(MetricKind::fisher_low_rank), "fisher_low_rank");
  EXPECT_EQ(warmup_schedule_from_name("nutpie"), WarmupSchedule::nutpie);
  testing::expect_mentions(testing::error_message([] { warmup_schedule_from_name("pymc"); }),
                           {"'pymc'", "stan", "nutpie"});
}

TEST(Nuts, NutpieScheduleSamplesWithDiagonalMetricsAndRejectsDense) {
  const std::vector<double> sds = {0.05, 1.0, 30.0};
  std::vector<double> precision(9, 0.0), mean = {1.0, -2.0, 5.0};
  for (int i = 0; i < 3; ++i) precision[i * 3 + i] = 1 / (sds[i] * sds[i]);
  const GaussianTarget target(mean, precision);
  NutsOptions options = quiet_options(300, 800, 12);
  options.warmup_schedule = WarmupSchedule::nutpie;
  for (MetricKind metric : {MetricKind::diagonal, MetricKind::fisher_diagonal}) {
    options.metric = metric;
    const NutsResult result = sample_nuts(target, options);
    for (int i = 0; i < 3; ++i) testing::expect_moments(result, i, mean[i], sds[i] * sds[i]);
    EXPECT_EQ(total_divergences(result), 0);
  }
  options.metric = MetricKind::dense;
  testing::expect_mentions(testing::error_message([&] { sample_nuts(target, options); }),
                           {"warmup_schedule", "dense"});
}

// y_i ~ N(theta, sigma), theta ~ N(prior_mean, prior_sd): the posterior of theta is normal with
// precision 1/prior_sd^2 + n/sigma^2.
class NormalNormalTarget : public Target {
 public:
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    const double theta = x[0];
    double logp = -0.5 * std::pow((theta - kPriorMean) / kPriorSd, 2);
    grad[0] = -(theta - kPriorMean) / (kPriorSd * kPriorSd);
    for (double y : data()) {
      logp -= 0.5 * std::pow((y - theta) / kSigma, 2);
      grad[0] += (y - theta) / (kSigma * kSigma);
    }
    return logp;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NormalNormalTarget>(); }

  static std::vector<double> data() { return {3.1, 2.4, 4.0, 5.2, 1.9, 3.3, 2.8, 4.4}; }
  static constexpr double kPriorMean = -1, kPriorSd = 2, kSigma = 1.5;
};

TEST(Nuts, ConjugateNormalNormalPosterior) {
  const std::vector<double> y = NormalNormalTarget::data();
  double sum = 0;
  for (double v : y) sum += v;
  const double precision = 1 / std::pow(NormalNormalTarget::kPriorSd, 2) +
                           static_cast<double>(y.size()) / std::pow(NormalNormalTarget::kSigma, 2);
  const double mean = (NormalNormalTarget::kPriorMean / std::pow(NormalNormalTarget::kPriorSd, 2) +
                       sum / std::pow(NormalNormalTarget::kSigma, 2)) /
                      precision;
  const NutsResult result = sample_nuts(NormalNormalTarget(), quiet_options(300, 1000, 5));
  testing::expect_moments(result, 0, mean, 1 / precision);
}

TEST(Nuts, SameSeedSameDrawsWhateverTheThreadCount) {
  const GaussianTarget target = GaussianTarget::standard(5);
  NutsOptions options = quiet_options(100, 100, 6);
  options.cores = 1;
  const NutsResult serial = sample_nuts(target, options);
  options.cores = 4;
  const NutsResult parallel = sample_nuts(target, options);
  for (std::size_t c = 0; c < serial.chains.size(); ++c) {
    EXPECT_EQ(serial.chains[c].draws, parallel.chains[c].draws);
    EXPECT_EQ(serial.chains[c].stats.n_steps, parallel.chains[c].stats.n_steps);
    EXPECT_EQ(serial.chains[c].stats.lp, parallel.chains[c].stats.lp);
  }
  EXPECT_NE(serial.chains[0].draws, serial.chains[1].draws);
  options.seed = 7;
  EXPECT_NE(sample_nuts(target, options).chains[0].draws, serial.chains[0].draws);
}

// Standard normal whose log density is NaN beyond x = 2: sampled as the normal truncated there.
class NanBeyondTwoTarget : public Target {
 public:
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = -x[0];
    return x[0] > 2 ? std::numeric_limits<double>::quiet_NaN() : -0.5 * x[0] * x[0];
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NanBeyondTwoTarget>(); }
};

TEST(Nuts, ProgressCallbackSeesEveryChainReachItsLastIteration) {
  NutsOptions options = quiet_options(100, 200, 9);
  options.chains = 3;
  std::vector<ProgressReport> reports;  // calls never overlap: no lock needed
  options.progress_callback = [&](const ProgressReport& report) { reports.push_back(report); };
  const NutsResult result = sample_nuts(NanBeyondTwoTarget(), options);
  ASSERT_FALSE(reports.empty());
  ASSERT_TRUE(reports.back().finished);
  std::vector<std::int64_t> previous(3, 0);
  for (const ProgressReport& report : reports) {
    ASSERT_EQ(report.chains.size(), 3u);
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_GE(report.chains[c].iterations_done, previous[c]);  // never goes back
      previous[c] = report.chains[c].iterations_done;
      EXPECT_EQ(report.chains[c].iterations_total, 300);
      EXPECT_EQ(report.chains[c].warmup, 100);
    }
  }
  for (std::size_t c = 0; c < 3; ++c) {
    const ChainProgress& last = reports.back().chains[c];
    EXPECT_EQ(last.iterations_done, 300);
    std::int64_t divergences = 0;
    for (bool diverging : result.chains[c].stats.diverging) divergences += diverging;
    EXPECT_EQ(last.divergences, divergences);
  }
}

TEST(Nuts, NanLogDensityIsADivergenceNotACrash) {
  const NutsResult result = sample_nuts(NanBeyondTwoTarget(), quiet_options(300, 1000, 8));
  EXPECT_GT(total_divergences(result), 0);
  std::size_t recorded = 0;
  for (const NutsChain& chain : result.chains) {
    for (double x : chain.draws) ASSERT_LE(x, 2.0);
    for (double lp : chain.stats.lp) ASSERT_TRUE(std::isfinite(lp));
    for (const Divergence& divergence : chain.divergences) {
      EXPECT_FALSE(divergence.warmup);
      EXPECT_TRUE(chain.stats.diverging[divergence.iteration]);
      ASSERT_EQ(divergence.point.size(), 1u);
      EXPECT_GT(divergence.point[0], 2.0);  // where the log density became NaN
    }
    recorded += chain.divergences.size();
  }
  EXPECT_EQ(static_cast<std::int64_t>(recorded), total_divergences(result));
  // Mean of a standard normal truncated above at 2: -phi(2) / Phi(2).
  const double phi = std::exp(-2.0) / std::sqrt(2 * std::numbers::pi);
  const double cdf = 0.5 * std::erfc(-2 / std::sqrt(2.0));
  const std::vector<double> all = testing::pooled(result, 0);
  const double mcse =
      std::sqrt(testing::variance_of(all) / testing::ess_of(result, 0, [](double x) { return x; }));
  EXPECT_NEAR(testing::mean_of(all), -phi / cdf, 4 * mcse);
}

// A standard normal that requests an interrupt at its `at`-th gradient evaluation, as Ctrl-C
// would arrive in the middle of a run.
class InterruptingTarget : public Target {
 public:
  explicit InterruptingTarget(std::int64_t at) : at_(at) {}
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    if (++evaluations_ == at_) request_interrupt();
    grad[0] = -x[0];
    return -0.5 * x[0] * x[0];
  }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<InterruptingTarget>(*this);
  }

 private:
  std::int64_t at_;
  std::int64_t evaluations_ = 0;
};

// One thread, so chain 0 runs alone: it stops at the iteration after the interrupt with the draws
// it has, and chain 1, started after it, stops before its first draw. The draws kept are those
// of the uninterrupted run.
TEST(Nuts, AnInterruptStopsTheChainsAndKeepsTheirDraws) {
  NutsOptions options = quiet_options(0, 1000, 12);
  options.chains = 2;
  options.cores = 1;
  clear_interrupt();
  const NutsResult interrupted = sample_nuts(InterruptingTarget(200), options);
  EXPECT_TRUE(interrupt_requested());
  clear_interrupt();
  const NutsResult full = sample_nuts(InterruptingTarget(-1), options);
  ASSERT_EQ(interrupted.chains.size(), 2u);
  const NutsChain& first = interrupted.chains[0];
  EXPECT_GT(first.stats.size(), 0);
  EXPECT_LT(first.stats.size(), 200);  // each draw costs at least one evaluation
  EXPECT_EQ(first.draws.size(), static_cast<std::size_t>(first.stats.size()));
  EXPECT_EQ(interrupted.chains[1].stats.size(), 0);
  EXPECT_EQ(full.chains[0].stats.size(), 1000);
  for (std::size_t i = 0; i < first.draws.size(); ++i) {
    ASSERT_EQ(first.draws[i], full.chains[0].draws[i]) << "draw " << i;
  }
}

// Finite log density everywhere but a NaN gradient for x < 0: starting points there are redrawn
// and leapfrog steps into it diverge.
class NanGradientBelowZeroTarget : public Target {
 public:
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = x[0] < 0 ? std::numeric_limits<double>::quiet_NaN() : -x[0];
    return -0.5 * x[0] * x[0];
  }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<NanGradientBelowZeroTarget>();
  }
};

TEST(Nuts, NonfiniteGradientIsRedrawnAtStartAndRejectedWhileSampling) {
  NutsOptions options = quiet_options(200, 200, 9);
  options.save_warmup = true;
  const NutsResult result = sample_nuts(NanGradientBelowZeroTarget(), options);
  EXPECT_GT(total_divergences(result), 0);
  for (const NutsChain& chain : result.chains) {
    for (double x : chain.warmup_draws) ASSERT_GE(x, 0.0);
    for (double x : chain.draws) ASSERT_GE(x, 0.0);
  }
}

class NeverFiniteTarget : public Target {
 public:
  std::int64_t dim() const override { return 2; }
  double logp_grad(const double*, double* grad) override {
    grad[0] = grad[1] = 0;
    return -std::numeric_limits<double>::infinity();
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<NeverFiniteTarget>(); }
};

TEST(Nuts, InitializationFailureNamesTheVariables) {
  const std::string message =
      testing::error_message([] { sample_nuts(NeverFiniteTarget(), quiet_options(10, 10, 0)); });
  testing::expect_mentions(message, {"chain", "100", "x[0]", "x[1]", "not finite"});
}

// The model, not the sampler, knows which variable's term broke.
class NamedNeverFiniteTarget : public NeverFiniteTarget {
 public:
  std::vector<std::string> nonfinite_variables(const double*) override { return {"tau"}; }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<NamedNeverFiniteTarget>();
  }
};

TEST(Nuts, InitializationFailureUsesTheTargetsNames) {
  testing::expect_mentions(testing::error_message([] {
                             sample_nuts(NamedNeverFiniteTarget(), quiet_options(10, 10, 0));
                           }),
                           {"tau"});
}

TEST(Nuts, UserInitialPointsAreUsedAndChecked) {
  NutsOptions options = quiet_options(0, 1, 0);
  options.chains = 2;
  options.init = {{-1.0}, {3.0}};
  testing::expect_mentions(
      testing::error_message([&] { sample_nuts(NanBeyondTwoTarget(), options); }),
      {"chain 1", "given initial point", "x[0]"});

  options.init = {{0.5, 0.5}};
  testing::expect_mentions(
      testing::error_message([&] { sample_nuts(NanBeyondTwoTarget(), options); }),
      {"init", "dimension 1", "2 values"});
}

TEST(Nuts, BadOptionsAreRejected) {
  NutsOptions options = quiet_options(10, 10, 0);
  options.target_accept = 1.5;
  testing::expect_mentions(
      testing::error_message([&] { sample_nuts(GaussianTarget::standard(1), options); }),
      {"target_accept", "(0, 1)", "1.5"});
  options = quiet_options(10, 10, 0);
  options.chains = 0;
  testing::expect_mentions(
      testing::error_message([&] { sample_nuts(GaussianTarget::standard(1), options); }),
      {"chains", "at least 1", "0"});
}

// A Gaussian with scales from 0.1 to 10 so the metric matters.
GaussianTarget scaled_gaussian() {
  const int dim = 10;
  std::vector<double> precision(dim * dim, 0.0);
  for (int i = 0; i < dim; ++i)
    precision[i * dim + i] = 1 / std::pow(std::pow(100.0, i / 9.0) / 10, 2);
  return GaussianTarget(std::vector<double>(dim, 1.0), precision);
}

// Dual averaging drives the mean acceptance of the iterations it adapts on (the terminal buffer,
// after the last metric update) to the target, up to its start-up transient from 10 * eps0. The
// draws then use the averaged log step size, which is smaller than the iterates, so their
// acceptance sits somewhat above the target, as with Stan.
TEST(Nuts, StepSizeAdaptationReachesTargetAcceptance) {
  for (double target_accept : {0.8, 0.95}) {
    NutsOptions options = quiet_options(1000, 300, 10);
    options.target_accept = target_accept;
    options.save_warmup = true;
    const NutsResult result = sample_nuts(scaled_gaussian(), options);
    double terminal_sum = 0;
    int terminal_count = 0;
    for (const NutsChain& chain : result.chains) {
      for (std::size_t i = 950; i < 1000; ++i) {
        terminal_sum += chain.warmup_stats.acceptance_rate[i];
        ++terminal_count;
      }
    }
    EXPECT_NEAR(terminal_sum / terminal_count, target_accept, 0.05) << target_accept;
    const double acceptance = mean_acceptance(result);
    EXPECT_GT(acceptance, target_accept - 0.05) << target_accept;
    EXPECT_LT(acceptance, target_accept + 0.12) << target_accept;
    // The adapted diagonal metric recovers the variances (from 0.01 to 100).
    for (int i = 0; i < 10; ++i) {
      const double variance = std::pow(std::pow(100.0, i / 9.0) / 10, 2);
      EXPECT_NEAR(result.chains[0].inverse_metric[i] / variance, 1.0, 0.35) << i;
    }
  }
}

// With max_tree_depth = 1 every iteration is one leapfrog step and a Metropolis choice, so from
// two consecutive draws q0 -> q1 of a 1-d standard normal (H = q^2 / 2 + m p^2 / 2) the momenta
// follow: p_half = (q1 - q0) / (eps m), p0 = p_half + eps q0 / 2, p1 = p_half - eps q1 / 2.
TEST(Nuts, EnergyErrorOfOneLeapfrogStepMatchesTheReconstructedHamiltonians) {
  NutsOptions options = quiet_options(0, 2000, 12);
  options.chains = 1;
  options.max_tree_depth = 1;
  const NutsResult result = sample_nuts(GaussianTarget::standard(1), options);
  const NutsChain& chain = result.chains[0];
  const double m = chain.inverse_metric[0];
  int moved = 0, stayed = 0;
  for (std::size_t i = 1; i < chain.draws.size(); ++i) {
    const double q0 = chain.draws[i - 1], q1 = chain.draws[i], eps = chain.stats.step_size[i];
    ASSERT_EQ(chain.stats.n_steps[i], 1);
    if (q1 == q0) {  // rejected: the chosen point is the starting point
      EXPECT_EQ(chain.stats.energy_error[i], 0.0) << i;
      ++stayed;
      continue;
    }
    ++moved;
    const double p_half = (q1 - q0) / (eps * m);
    const double p0 = p_half + 0.5 * eps * q0, p1 = p_half - 0.5 * eps * q1;
    const double h0 = 0.5 * q0 * q0 + 0.5 * m * p0 * p0, h1 = 0.5 * q1 * q1 + 0.5 * m * p1 * p1;
    EXPECT_NEAR(chain.stats.energy_error[i], h1 - h0, 1e-9 * (1 + std::abs(h0))) << i;
    EXPECT_NEAR(chain.stats.energy[i], h1, 1e-9 * (1 + std::abs(h1))) << i;
    // The one step is the largest energy error there is.
    EXPECT_EQ(chain.stats.energy_error[i], chain.stats.max_energy_error[i]) << i;
  }
  EXPECT_GT(moved, 1000);
  EXPECT_GT(stayed, 10);
}

// energy - energy_error is the Hamiltonian where the iteration started: minus the log density of
// the previous draw plus the kinetic energy of a momentum drawn from N(0, M). That kinetic energy
// is chi^2_d / 2 (mean d/2, variance d/2), independently at every iteration, whatever the depth
// of the trajectories. At stationarity the chosen point has the starting point's distribution,
// so energy_error has mean 0. The chosen point is the start or a state whose energy error
// counted towards max_energy_error, so it is never larger in magnitude.
TEST(Nuts, EnergyErrorIsTheChosenMinusTheStartingHamiltonian) {
  constexpr int dim = 10;
  NutsOptions options = quiet_options(500, 2000, 13);
  options.save_warmup = true;
  const NutsResult result = sample_nuts(GaussianTarget::standard(dim), options);
  std::vector<double> kinetic;
  double error_sum = 0, error_variance_over_ess = 0;
  for (const NutsChain& chain : result.chains) {
    for (const NutsStats* stats : {&chain.stats, &chain.warmup_stats}) {
      for (std::int64_t i = 0; i < stats->size(); ++i) {
        EXPECT_LE(std::abs(stats->energy_error[i]), std::abs(stats->max_energy_error[i])) << i;
      }
    }
    const NutsStats& stats = chain.stats;
    for (std::int64_t i = 1; i < stats.size(); ++i) {
      kinetic.push_back(stats.energy[i] - stats.energy_error[i] + stats.lp[i - 1]);
    }
    error_sum += testing::mean_of(stats.energy_error);
    error_variance_over_ess +=
        testing::variance_of(stats.energy_error) / testing::chain_ess(stats.energy_error);
  }
  const double n = static_cast<double>(kinetic.size());
  EXPECT_NEAR(testing::mean_of(kinetic), dim / 2.0, 5 * std::sqrt(dim / 2.0 / n));
  // A sample variance of chi^2_d / 2 (sigma^2 = d/2) has variance about (mu4 - sigma^4) / n,
  // its fourth central moment being mu4 = 3 sigma^4 + 6 sigma^2.
  const double sigma2 = dim / 2.0, mu4 = 3 * sigma2 * sigma2 + 6 * sigma2;
  EXPECT_NEAR(testing::variance_of(kinetic), sigma2, 5 * std::sqrt((mu4 - sigma2 * sigma2) / n));
  for (double k : kinetic) EXPECT_GE(k, -1e-9);
  const double chains = static_cast<double>(result.chains.size());
  EXPECT_NEAR(error_sum / chains, 0.0, 5 * std::sqrt(error_variance_over_ess) / chains);
}

TEST(Nuts, TreeDepthIsCapped) {
  NutsOptions options = quiet_options(0, 50, 11);
  options.max_tree_depth = 3;
  options.chains = 1;
  // Without warm-up the step size suits the smallest scale (0.1), far too short for the largest
  // (10): every trajectory would run to a depth of about 7.
  const NutsResult result = sample_nuts(scaled_gaussian(), options);
  std::int64_t deepest = 0;
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_LE(result.chains[0].stats.tree_depth[i], 3);
    EXPECT_LE(result.chains[0].stats.n_steps[i], 7);
    deepest = std::max(deepest, result.chains[0].stats.tree_depth[i]);
  }
  EXPECT_EQ(deepest, 3);
}

}  // namespace
}  // namespace hypatia
