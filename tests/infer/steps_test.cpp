// HamiltonianMC, Slice, DEMetropolis and DEMetropolisZ as compound steps: each alone samples
// targets with analytic moments (a correlated Gaussian, a log-Gamma, a truncated normal) within
// Monte Carlo error, gives the same draws whatever the thread count, and rejects bad settings
// with messages that name them.

#include <gtest/gtest.h>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "hypatia/infer/compound.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/mcmc_checks.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::GaussianTarget;

// x = log(g) for g ~ Gamma(shape, rate): logp(x) = shape * x - rate * exp(x) + const; skewed,
// with mean digamma(shape) - log(rate) and variance trigamma(shape).
class LogGammaTarget : public Target {
 public:
  LogGammaTarget(double shape, double rate) : shape_(shape), rate_(rate) {}
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = shape_ - rate_ * std::exp(x[0]);
    return shape_ * x[0] - rate_ * std::exp(x[0]);
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<LogGammaTarget>(*this); }
  double mean() const { return boost::math::digamma(shape_) - std::log(rate_); }
  double variance() const { return boost::math::trigamma(shape_); }

 private:
  double shape_, rate_;
};

// A standard normal cut off above `upper` (log density -inf there): trajectories crossing the
// cut diverge.
class TruncatedNormalTarget : public Target {
 public:
  explicit TruncatedNormalTarget(double upper) : upper_(upper) {}
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double* x, double* grad) override {
    grad[0] = x[0] > upper_ ? 0 : -x[0];
    return x[0] > upper_ ? -std::numeric_limits<double>::infinity() : -0.5 * x[0] * x[0];
  }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<TruncatedNormalTarget>(*this);
  }
  // E[x] = -phi(u) / Phi(u); Var[x] = 1 - u phi(u) / Phi(u) - E[x]^2.
  double mean() const { return -density() / cdf(); }
  double variance() const { return 1 - upper_ * density() / cdf() - mean() * mean(); }

 private:
  double density() const {
    return std::exp(-0.5 * upper_ * upper_) / std::sqrt(2 * std::numbers::pi);
  }
  double cdf() const { return 0.5 * std::erfc(-upper_ / std::numbers::sqrt2); }
  double upper_;
};

// mean (1, -2), standard deviations 1 and 2, correlation 0.8.
constexpr double kCorrelation = 0.8;
GaussianTarget correlated_gaussian() {
  const double covariance = kCorrelation * 1 * 2;
  const double determinant = 1 * 4 - covariance * covariance;
  return GaussianTarget({1, -2}, {4 / determinant, -covariance / determinant,
                                  -covariance / determinant, 1 / determinant});
}

StepSpec spec_for(StepMethod method, std::int64_t dim,
                  std::map<std::string, double> settings = {}) {
  StepSpec spec;
  spec.method = method;
  spec.blocks = {{.name = "x", .offset = 0, .size = dim}};
  spec.settings = std::move(settings);
  return spec;
}

CompoundOptions quiet(std::vector<StepSpec> steps, std::int64_t tune, std::int64_t draws,
                      std::uint64_t seed, int chains = 4) {
  CompoundOptions options;
  options.steps = std::move(steps);
  options.tune = tune;
  options.draws = draws;
  options.seed = seed;
  options.chains = chains;
  options.cores = 1;
  options.progress = false;
  return options;
}

const std::vector<double>& column(const CompoundChain& chain, const std::string& name,
                                  bool warmup = false) {
  for (const StepStatColumn& stat : warmup ? chain.warmup_stats : chain.stats) {
    if (stat.name == name) return stat.values;
  }
  throw std::runtime_error("no sample stat " + name);
}

// Expects the posterior mean of f(draw) within z Monte Carlo standard errors of `truth`. The
// standard error comes from each chain's ESS (testing::chain_ess) summed over chains, except for
// DEMetropolis, whose chains move along each other's differences and so are not independent:
// there it comes from the ESS of the series of per-iteration averages over the chains, which
// carries their cross-correlation.
template <typename Function>
void expect_expectation(const CompoundResult& result, bool population, Function f, double truth,
                        const std::string& what, double z = 4) {
  const std::size_t draws = result.chains.front().lp.size();
  const auto dim = static_cast<std::size_t>(result.dim);
  std::vector<double> all, averages(draws, 0.0);
  double ess = 0;
  for (const CompoundChain& chain : result.chains) {
    std::vector<double> series(draws);
    for (std::size_t t = 0; t < draws; ++t) series[t] = f(&chain.draws[t * dim]);
    for (std::size_t t = 0; t < draws; ++t) {
      averages[t] += series[t] / static_cast<double>(result.chains.size());
    }
    ess += testing::chain_ess(series);
    all.insert(all.end(), series.begin(), series.end());
  }
  const double mcse = population
                          ? std::sqrt(testing::variance_of(averages) / testing::chain_ess(averages))
                          : std::sqrt(testing::variance_of(all) / ess);
  EXPECT_NEAR(testing::mean_of(all), truth, z * mcse) << what;
}

void expect_moments(const CompoundResult& result, bool population, std::size_t index, double mean,
                    double variance) {
  const std::string name = "coordinate " + std::to_string(index);
  expect_expectation(
      result, population, [&](const double* x) { return x[index]; }, mean, "mean of " + name);
  expect_expectation(
      result, population, [&](const double* x) { return (x[index] - mean) * (x[index] - mean); },
      variance, "variance of " + name);
}

// Every method on the correlated Gaussian and the log-Gamma, with its own run lengths.
struct MethodCase {
  StepMethod method;
  std::int64_t tune, draws;
  int chains;
  std::uint64_t seed = 11;  // and seed + 1
};

void expect_correct_moments(const MethodCase& method) {
  SCOPED_TRACE(std::string(step_method_name(method.method)));
  const bool population = method.method == StepMethod::de_metropolis;
  {
    const CompoundResult result = sample_compound(
        correlated_gaussian(),
        quiet({spec_for(method.method, 2)}, method.tune, method.draws, method.seed, method.chains));
    expect_moments(result, population, 0, 1, 1);
    expect_moments(result, population, 1, -2, 4);
    expect_expectation(
        result, population, [](const double* x) { return (x[0] - 1) * (x[1] + 2) / 2; },
        kCorrelation, "correlation");
  }
  {
    const LogGammaTarget target(3, 2);
    const CompoundResult result =
        sample_compound(target, quiet({spec_for(method.method, 1)}, method.tune, method.draws,
                                      method.seed + 1, method.chains));
    expect_moments(result, population, 0, target.mean(), target.variance());
  }
}

TEST(Steps, HamiltonianMcSamplesGaussianAndLogGamma) {
  expect_correct_moments({StepMethod::hamiltonian_mc, 500, 1000, 4});
}

TEST(Steps, SliceSamplesGaussianAndLogGamma) {
  expect_correct_moments({StepMethod::slice, 200, 1500, 4});
}

TEST(Steps, DeMetropolisSamplesGaussianAndLogGamma) {
  // (A scan of 40 seeds put this check's z-scores near standard normal but for one at -4.5, seed
  // 12 of the log-Gamma, which the other methods use; so this method has seeds of its own.)
  expect_correct_moments({StepMethod::de_metropolis, 1000, 2500, 8, 21});
}

TEST(Steps, DeMetropolisZSamplesGaussianAndLogGamma) {
  expect_correct_moments({StepMethod::de_metropolis_z, 1000, 2500, 4});
}

TEST(Steps, SameSeedSameDrawsWhateverTheThreadCount) {
  for (StepMethod method : {StepMethod::hamiltonian_mc, StepMethod::slice,
                            StepMethod::de_metropolis, StepMethod::de_metropolis_z}) {
    SCOPED_TRACE(std::string(step_method_name(method)));
    CompoundOptions options = quiet({spec_for(method, 2)}, 50, 50, 5);
    const CompoundResult one = sample_compound(correlated_gaussian(), options);
    options.cores = 2;
    const CompoundResult two = sample_compound(correlated_gaussian(), options);
    options.seed = 6;
    const CompoundResult other_seed = sample_compound(correlated_gaussian(), options);
    for (std::size_t c = 0; c < one.chains.size(); ++c) {
      EXPECT_EQ(one.chains[c].draws, two.chains[c].draws);
      EXPECT_EQ(one.chains[c].lp, two.chains[c].lp);
      EXPECT_NE(one.chains[c].draws, other_seed.chains[c].draws);
    }
  }
}

// The draws' step size (the same in every chain after warm-up).
double adapted_step_size(double target_accept) {
  CompoundOptions options = quiet(
      {spec_for(StepMethod::hamiltonian_mc, 2, {{"target_accept", target_accept}})}, 300, 1, 7);
  return column(sample_compound(correlated_gaussian(), options).chains[0], "step_size").front();
}

TEST(Steps, HamiltonianMcPathLengthStepsAndAdaptedAcceptance) {
  CompoundOptions options =
      quiet({spec_for(StepMethod::hamiltonian_mc, 2, {{"path_length", 3}})}, 600, 300, 7);
  options.save_warmup = true;
  options.nuts.terminal_buffer = 250;  // a long last stretch of step-size adaptation alone
  const CompoundResult result = sample_compound(correlated_gaussian(), options);
  double accept_sum = 0;
  double n = 0;
  for (const CompoundChain& chain : result.chains) {
    const std::vector<double>& step_size = column(chain, "step_size");
    const std::vector<double>& n_steps = column(chain, "n_steps");
    // PyMC's first step size: step_scale / dim^(1/4).
    EXPECT_DOUBLE_EQ(column(chain, "step_size", true).front(), 0.25 / std::pow(2.0, 0.25));
    for (std::size_t i = 0; i < n_steps.size(); ++i) {
      EXPECT_EQ(step_size[i], step_size.front());  // fixed after warm-up
      // n_steps = path_length / (step size jittered by at most 15%), rounded down.
      EXPECT_GE(n_steps[i], std::floor(3 / (1.15 * step_size[i])));
      EXPECT_LE(n_steps[i], std::floor(3 / (0.85 * step_size[i])));
      EXPECT_EQ(column(chain, "path_length")[i], 3);
      EXPECT_EQ(column(chain, "tune")[i], 0);
    }
    EXPECT_EQ(column(chain, "tune", true).front(), 1);
    const std::vector<double>& accept = column(chain, "accept", true);
    for (std::size_t i = accept.size() - 250; i < accept.size(); ++i) accept_sum += accept[i], ++n;
    // The draws' step size is the warm-up's final dual average.
    EXPECT_EQ(column(chain, "step_size_bar", true).back(), step_size.front());
  }
  // Dual averaging drives the mean acceptance of its iterates to target_accept = 0.65.
  EXPECT_NEAR(accept_sum / n, 0.65, 0.08);
  // A higher target makes shorter steps.
  EXPECT_LT(adapted_step_size(0.95), 0.8 * adapted_step_size(0.65));
}

TEST(Steps, HamiltonianMcMaxStepsCapsTheTrajectory) {
  const CompoundResult result = sample_compound(
      correlated_gaussian(),
      quiet({spec_for(StepMethod::hamiltonian_mc, 2, {{"path_length", 100}, {"max_steps", 7}})},
            100, 50, 8));
  for (const CompoundChain& chain : result.chains) {
    for (double n : column(chain, "n_steps")) EXPECT_EQ(n, 7);
  }
}

TEST(Steps, HamiltonianMcReportsDivergencesAtTheCut) {
  const TruncatedNormalTarget target(1.0);
  const CompoundResult result =
      sample_compound(target, quiet({spec_for(StepMethod::hamiltonian_mc, 1)}, 500, 1500, 9));
  std::size_t diverging = 0, recorded = 0;
  for (const CompoundChain& chain : result.chains) {
    for (double d : column(chain, "diverging")) diverging += d != 0;
    for (const Divergence& divergence : chain.divergences) {
      if (divergence.warmup) continue;      // (early warm-up also tries unstable step sizes)
      EXPECT_GT(divergence.point[0], 1.0);  // where the trajectory left the support
      ++recorded;
    }
    for (std::size_t i = 0; i < chain.lp.size(); ++i) {
      EXPECT_LE(chain.draws[i], 1.0);
      if (column(chain, "diverging")[i] != 0) {
        EXPECT_EQ(column(chain, "accepted")[i], 0);
      }
    }
  }
  EXPECT_GT(diverging, 0u);
  EXPECT_EQ(recorded, diverging);
  // Rejecting divergent trajectories keeps the chain exact: the truncated normal's moments.
  expect_moments(result, false, 0, target.mean(), target.variance());
}

TEST(Steps, SliceSamplesTruncatedNormalAndCountsSteps) {
  const TruncatedNormalTarget target(1.0);
  CompoundOptions options = quiet({spec_for(StepMethod::slice, 1, {{"w", 0.1}})}, 300, 2000, 10);
  options.save_warmup = true;
  const CompoundResult result = sample_compound(target, options);
  expect_moments(result, false, 0, target.mean(), target.variance());
  for (const CompoundChain& chain : result.chains) {
    // With w = 0.1 against a spread of about 0.8, the first iterations step out many times; the
    // tuned width then needs fewer.
    const std::vector<double>& out = column(chain, "nstep_out", true);
    double early_out = 0, late_out = 0;
    for (std::size_t i = 0; i < 10; ++i) early_out += out[i] / 10;
    for (double n : column(chain, "nstep_out")) late_out += n;
    late_out /= static_cast<double>(chain.lp.size());
    EXPECT_GT(early_out, 2 * late_out);
    for (double n : column(chain, "nstep_in")) EXPECT_GE(n, 0);
  }
}

TEST(Steps, SliceIterLimitStopsWithAClearError) {
  const std::string message = testing::error_message([] {
    sample_compound(
        GaussianTarget::standard(1),
        quiet({spec_for(StepMethod::slice, 1, {{"w", 1e-4}, {"iter_limit", 20}})}, 5, 5, 1));
  });
  testing::expect_mentions(message, {"Slice", "iter_limit", "20", "stepping out"});
}

// Flat everywhere (improper), so stepping out never ends; it asks for an interrupt after
// `at` evaluations, as Ctrl-C would.
class FlatInterruptingTarget : public Target {
 public:
  explicit FlatInterruptingTarget(std::int64_t at) : at_(at) {}
  std::int64_t dim() const override { return 1; }
  double logp_grad(const double*, double* grad) override {
    if (++evaluations_ == at_) request_interrupt();
    grad[0] = 0;
    return 0;
  }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<FlatInterruptingTarget>(*this);
  }

 private:
  std::int64_t at_;
  std::int64_t evaluations_ = 0;
};

TEST(Steps, AnInterruptEndsAnEndlessSliceSearch) {
  clear_interrupt();
  CompoundOptions options = quiet({spec_for(StepMethod::slice, 1)}, 0, 10, 3, 2);
  const CompoundResult result = sample_compound(FlatInterruptingTarget(10000), options);
  EXPECT_TRUE(interrupt_requested());
  clear_interrupt();
  // Chain 0 (run first on the one thread) keeps the iteration it was in, its coordinate left
  // where it started; chain 1 never starts.
  ASSERT_EQ(result.chains.size(), 2u);
  ASSERT_EQ(result.chains[0].lp.size(), 1u);
  EXPECT_TRUE(std::isfinite(result.chains[0].draws[0]));
  EXPECT_LE(std::abs(result.chains[0].draws[0]), options.init_radius);
  EXPECT_EQ(result.chains[1].lp.size(), 0u);
}

TEST(Steps, DeMetropolisTunesScalingOrLambdaAsAsked) {
  for (StepMethod method : {StepMethod::de_metropolis, StepMethod::de_metropolis_z}) {
    SCOPED_TRACE(std::string(step_method_name(method)));
    for (const std::string tuned : {"", "lambda", "none"}) {
      // A jump far too long (lamb 5) accepts rarely, so the tuned parameter must change; the
      // untuned run keeps PyMC's defaults.
      StepSpec spec = spec_for(method, 2, {{"tune_interval", 50}});
      if (tuned != "none") spec.settings["lamb"] = 5;
      spec.proposal = tuned == "none" ? "" : tuned;
      spec.tune = tuned != "none";
      CompoundOptions options = quiet({spec}, 300, 100, 13, 5);
      options.save_warmup = true;
      const CompoundResult result = sample_compound(correlated_gaussian(), options);
      for (const CompoundChain& chain : result.chains) {
        const std::vector<double>& scaling = column(chain, "scaling", true);
        const std::vector<double>& lambda = column(chain, "lambda", true);
        // Defaults: scaling 0.001, lamb = 2.38 / sqrt(2 dim).
        EXPECT_EQ(scaling.front(), 0.001);
        EXPECT_DOUBLE_EQ(lambda.front(), tuned == "none" ? 2.38 / std::sqrt(4.0) : 5.0);
        const bool scaling_moved = scaling.back() != scaling.front();
        const bool lambda_moved = lambda.back() != lambda.front();
        EXPECT_EQ(scaling_moved, tuned.empty()) << tuned;
        EXPECT_EQ(lambda_moved, tuned == "lambda") << tuned;
        // Unchanged after warm-up.
        for (double s : column(chain, "scaling")) EXPECT_EQ(s, scaling.back());
        for (double l : column(chain, "lambda")) EXPECT_EQ(l, lambda.back());
      }
    }
  }
}

TEST(Steps, StepsShareAVectorInACompound) {
  // HamiltonianMC on x[0] given x[1], Slice on x[1] given x[0].
  StepSpec hmc = spec_for(StepMethod::hamiltonian_mc, 1);
  StepSpec slice = spec_for(StepMethod::slice, 1);
  slice.blocks[0].offset = 1;
  const CompoundResult result =
      sample_compound(correlated_gaussian(), quiet({hmc, slice}, 300, 1500, 14));
  expect_moments(result, false, 0, 1, 1);
  expect_moments(result, false, 1, -2, 4);
  // Both steps' statistics, the repeated name "tune" suffixed with the second step's index.
  EXPECT_NO_THROW(column(result.chains[0], "n_steps"));
  EXPECT_NO_THROW(column(result.chains[0], "nstep_out"));
  EXPECT_NO_THROW(column(result.chains[0], "tune_1"));
}

TEST(Steps, BadSettingsAreClearErrors) {
  const GaussianTarget target = correlated_gaussian();
  auto message_for = [&](StepSpec spec, int chains = 4) {
    return testing::error_message(
        [&] { sample_compound(target, quiet({std::move(spec)}, 10, 10, 1, chains)); });
  };
  testing::expect_mentions(
      message_for(spec_for(StepMethod::hamiltonian_mc, 2, {{"step_size", 0.1}})),
      {"HamiltonianMC", "unknown setting 'step_size'", "path_length", "step_scale"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::hamiltonian_mc, 2, {{"path_length", -1}})),
      {"HamiltonianMC", "path_length", "-1"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::hamiltonian_mc, 2, {{"target_accept", 1.5}})),
      {"target_accept", "(0, 1)"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::hamiltonian_mc, 2, {{"max_steps", 0.5}})), {"max_steps"});
  testing::expect_mentions(message_for(spec_for(StepMethod::slice, 2, {{"w", 0}})),
                           {"Slice", "w", "positive"});
  testing::expect_mentions(message_for(spec_for(StepMethod::slice, 2, {{"lamb", 1}})),
                           {"Slice", "unknown setting 'lamb'", "w, iter_limit"});
  StepSpec slice_with_scale = spec_for(StepMethod::slice, 2);
  slice_with_scale.proposal_scale = {1, 1};
  testing::expect_mentions(message_for(slice_with_scale), {"Slice", "S"});
  testing::expect_mentions(message_for(spec_for(StepMethod::de_metropolis, 2), 2),
                           {"DEMetropolis", "at least 3 chains", "got 2"});
  StepSpec bad_tune = spec_for(StepMethod::de_metropolis_z, 2);
  bad_tune.proposal = "lamda";
  testing::expect_mentions(message_for(bad_tune),
                           {"DEMetropolisZ", "tune", "\"scaling\"", "\"lambda\"", "lamda"});
  StepSpec bad_scale = spec_for(StepMethod::de_metropolis, 2);
  bad_scale.proposal_scale = {1, 2, 3};
  testing::expect_mentions(message_for(bad_scale), {"DEMetropolis", "S has 3 values", "2"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::de_metropolis_z, 2, {{"tune_drop_fraction", 1.5}})),
      {"DEMetropolisZ", "tune_drop_fraction", "[0, 1]"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::de_metropolis, 2, {{"tune_drop_fraction", 0.5}})),
      {"DEMetropolis", "unknown setting 'tune_drop_fraction'", "lamb, scaling, tune_interval"});
  testing::expect_mentions(
      message_for(spec_for(StepMethod::de_metropolis_z, 2, {{"scaling", -0.1}})),
      {"DEMetropolisZ", "scaling", "positive"});
}

}  // namespace
}  // namespace hypatia
