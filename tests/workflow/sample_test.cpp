// End-to-end sampling through the model API: known posteriors, the eight-schools reference
// posterior, determinism, and a log density that is NaN in part of the space.

#include "hypatia/sample.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numbers>
#include <span>

#include <unistd.h>

#include "hypatia/diagnostics.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/io.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/validation.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

const Variable& variable_of(const InferenceData& data, const std::string& group,
                            const std::string& name) {
  const Variable* variable = data.groups.at(group).find(name);
  EXPECT_NE(variable, nullptr) << name;
  return *variable;
}

std::int64_t divergences(const InferenceData& data) {
  std::int64_t count = 0;
  for (double flag : variable_of(data, "sample_stats", "diverging").values) count += flag != 0;
  return count;
}

TEST(SampleEightSchools, MatchesThePosteriordbReference) {
  const BundledModel& bundled = find_bundled_model("eight_schools");
  const InferenceData data = sample(bundled.build(), {.chains = 4,
                                                      .draws = 1000,
                                                      .tune = 1000,
                                                      .seed = 11,
                                                      .target_accept = bundled.target_accept,
                                                      .progress = false});
  EXPECT_EQ(divergences(data), 0);
  const auto reference = load_reference_posterior("eight_schools-eight_schools_noncentered");
  for (const ParameterComparison& row : compare_with_reference(data, reference)) {
    EXPECT_LT(row.rhat, 1.01) << row.name;
    EXPECT_LT(row.z_mean, 4.0) << row.name << ": mean " << row.mean << " vs " << row.reference_mean
                               << " (mcse " << row.mcse_mean << ")";
    EXPECT_LT(row.z_sd, 4.0) << row.name << ": sd " << row.sd << " vs " << row.reference_sd;
  }
}

// mu ~ Normal(m0, s0); y_i ~ Normal(mu, s): the posterior of mu is normal with known moments and
// the evidence is a multivariate normal density of y.
struct NormalNormal {
  double prior_mean = 1.0, prior_sd = 3.0, noise_sd = 2.0;
  std::vector<double> y = {2.1, 3.4, 0.2, 1.9, 4.4, 2.8, 1.1, 3.0, 2.2, 5.1,
                           0.7, 2.6, 3.9, 1.4, 2.0, 3.3, 2.5, 1.8, 4.0, 2.9};

  Model model() const {
    Model m;
    auto mu = m.normal("mu", prior_mean, prior_sd);
    m.observe("y_obs", Normal(mu, noise_sd), Tensor::from_doubles(y, {20}));
    return m;
  }
  double posterior_precision() const {
    return 1 / (prior_sd * prior_sd) + y.size() / (noise_sd * noise_sd);
  }
  double posterior_mean() const {
    double sum = 0;
    for (double value : y) sum += value;
    return (prior_mean / (prior_sd * prior_sd) + sum / (noise_sd * noise_sd)) /
           posterior_precision();
  }
  double posterior_sd() const { return 1 / std::sqrt(posterior_precision()); }
  // log N(y | m0 1, s^2 I + s0^2 11^T) via the matrix determinant lemma and Sherman-Morrison.
  double log_evidence() const {
    const double n = static_cast<double>(y.size());
    const double s2 = noise_sd * noise_sd, p2 = prior_sd * prior_sd;
    double sum = 0, sum_squares = 0;
    for (double value : y) {
      sum += value - prior_mean;
      sum_squares += (value - prior_mean) * (value - prior_mean);
    }
    const double log_det = n * std::log(s2) + std::log1p(n * p2 / s2);
    const double quadratic = sum_squares / s2 - (p2 / (s2 * (s2 + n * p2))) * sum * sum;
    return -0.5 * (n * std::log(2 * std::numbers::pi) + log_det + quadratic);
  }
};

TEST(SampleKnownPosteriors, NormalNormalWithNuts) {
  const NormalNormal problem;
  const InferenceData data = sample(problem.model(), {.draws = 1000, .seed = 3, .progress = false});
  const std::vector<double>& draws = variable_of(data, "posterior", "mu").values;
  const double mcse = diagnostics::mcse_mean(draws, data.chains);
  EXPECT_NEAR(diagnostics::mean(draws), problem.posterior_mean(), 4 * mcse);
  EXPECT_NEAR(diagnostics::sd(draws), problem.posterior_sd(),
              4 * diagnostics::mcse_sd(draws, data.chains));
}

TEST(SampleKnownPosteriors, NormalNormalEvidenceWithSmc) {
  const NormalNormal problem;
  const InferenceData data = sample(
      problem.model(),
      {.sampler = SamplerKind::smc, .chains = 4, .seed = 5, .particles = 2000, .progress = false});
  const std::vector<double>& evidence =
      variable_of(data, "sample_stats", "log_marginal_likelihood").values;
  double mean_evidence = 0;
  for (std::int64_t chain = 0; chain < data.chains; ++chain) {
    mean_evidence += evidence[chain * data.draws] / data.chains;
  }
  EXPECT_NEAR(mean_evidence, problem.log_evidence(), 0.1);
  const std::vector<double>& draws = variable_of(data, "posterior", "mu").values;
  EXPECT_NEAR(diagnostics::mean(draws), problem.posterior_mean(),
              0.05 * problem.posterior_sd() * 4);
}

// p ~ Beta(2, 3); k ~ Binomial(n, p): the posterior is Beta(2 + k, 3 + n - k).
TEST(SampleKnownPosteriors, BetaBinomialWithNuts) {
  const double a = 2, b = 3, n = 40, k = 13;
  Model m;
  auto p = m.rv("p", Beta(a, b));
  m.observe("k_obs", Binomial(n, p), Tensor::from_ints({13}, {}));
  const InferenceData data = sample(m, {.draws = 1000, .seed = 21, .progress = false});
  const std::vector<double>& draws = variable_of(data, "posterior", "p").values;
  const double alpha = a + k, beta = b + n - k;
  const double mean = alpha / (alpha + beta);
  const double sd =
      std::sqrt(alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1)));
  EXPECT_NEAR(diagnostics::mean(draws), mean, 4 * diagnostics::mcse_mean(draws, data.chains));
  EXPECT_NEAR(diagnostics::sd(draws), sd, 4 * diagnostics::mcse_sd(draws, data.chains));
  EXPECT_EQ(divergences(data), 0);
}

TEST(SampleDeterminism, SameSeedSameDrawsWhateverTheThreadCount) {
  const Model model = find_bundled_model("eight_schools").build();
  SampleOptions options{.chains = 4, .draws = 100, .tune = 100, .seed = 99, .progress = false};
  options.cores = 1;
  const InferenceData one = sample(model, options);
  options.cores = 4;
  const InferenceData four = sample(model, options);
  for (const char* name : {"mu", "tau", "theta"}) {
    EXPECT_EQ(variable_of(one, "posterior", name).values,
              variable_of(four, "posterior", name).values)
        << name;
  }
}

// save_warmup adds warmup_posterior and warmup_sample_stats of `tune` iterations, whose lp is
// the log density of the warm-up draw beside it, and leaves the kept draws as they were.
TEST(SampleWarmup, SavedWarmupGroupsHoldTheTuningIterations) {
  const NormalNormal problem;
  SampleOptions options{.chains = 2, .draws = 50, .tune = 80, .seed = 4, .progress = false};
  const InferenceData plain = sample(problem.model(), options);
  options.save_warmup = true;
  const InferenceData data = sample(problem.model(), options);
  EXPECT_FALSE(plain.groups.contains("warmup_posterior"));
  EXPECT_EQ(data.draws, 50);
  EXPECT_EQ(data.warmup_draws, 80);
  EXPECT_NO_THROW(validate(data));
  EXPECT_EQ(variable_of(data, "posterior", "mu").values,
            variable_of(plain, "posterior", "mu").values);
  EXPECT_EQ(variable_of(data, "sample_stats", "lp").values,
            variable_of(plain, "sample_stats", "lp").values);
  const std::vector<double>& mu = variable_of(data, "warmup_posterior", "mu").values;
  const std::vector<double>& lp = variable_of(data, "warmup_sample_stats", "lp").values;
  ASSERT_EQ(mu.size(), 160u);
  ASSERT_EQ(lp.size(), 160u);
  EXPECT_EQ(variable_of(data, "warmup_sample_stats", "divergence_end").values.size(), 160u);
  const double log_root_two_pi = 0.5 * std::log(2 * std::numbers::pi);
  auto log_normal = [&](double x, double mean, double sd) {
    return -0.5 * (x - mean) * (x - mean) / (sd * sd) - std::log(sd) - log_root_two_pi;
  };
  for (std::size_t i = 0; i < mu.size(); ++i) {
    double expected = log_normal(mu[i], problem.prior_mean, problem.prior_sd);
    for (double y : problem.y) expected += log_normal(y, mu[i], problem.noise_sd);
    EXPECT_NEAR(lp[i], expected, 1e-9 * std::abs(expected)) << i;
  }
  // The step size moves during warm-up and is fixed afterwards.
  const std::vector<double>& steps = variable_of(data, "warmup_sample_stats", "step_size").values;
  EXPECT_NE(*std::min_element(steps.begin(), steps.end()),
            *std::max_element(steps.begin(), steps.end()));
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("hypatia_warmup_" + std::to_string(::getpid()) + ".nc");
  EXPECT_NO_THROW(write_netcdf(data, path));
  std::filesystem::remove(path);
}

TEST(SampleRobustness, LogDensityThatIsNaNInPartOfTheSpace) {
  // x ~ Normal(0, 1) restricted by a potential that is NaN above 1: the sampler must treat those
  // proposals as divergent and still sample the truncated normal.
  Model m;
  auto x = m.normal("x", 0, 1);
  m.potential("wall",
              where(greater(x, 1.0), Expr(std::numeric_limits<double>::quiet_NaN()), Expr(0.0)));
  const InferenceData data = sample(m, {.draws = 1000, .seed = 8, .progress = false});
  EXPECT_GT(divergences(data), 0);
  const std::vector<double>& draws = variable_of(data, "posterior", "x").values;
  for (double value : draws) EXPECT_LE(value, 1.0);
  // E[X | X <= 1] for a standard normal: -phi(1) / Phi(1).
  const double phi = std::exp(-0.5) / std::sqrt(2 * std::numbers::pi);
  const double big_phi = 0.5 * std::erfc(-1 / std::numbers::sqrt2);
  EXPECT_NEAR(diagnostics::mean(draws), -phi / big_phi,
              5 * diagnostics::mcse_mean(draws, data.chains));
}

// 8 bytes x 4 chains x (1000 draws x (2 x dim 1 + 1 stored value + 2 x 10 statistics) + 16 x dim).
TEST(SampleMemory, TheEstimateCountsDrawsValuesAndStatistics) {
  EXPECT_EQ(estimate_sample_bytes(NormalNormal().model(), {.chains = 4, .draws = 1000}),
            8.0 * 4 * (1000 * 23 + 16));
}

TEST(SampleMemory, ARunBeyondTheLimitIsRefusedBeforeCompiling) {
  const std::string message = testing::error_message([] {
    sample(NormalNormal().model(),
           {.chains = 4, .draws = 1000, .progress = false, .memory_limit_bytes = 100000});
  });
  testing::expect_mentions(message, {"about 0.000737 GB", "4 chains x 1000 draws of 1 parameters",
                                     "limit of 0.0001 GB", "fewer chains or draws"});
}

// Two billion elements would need some 256 GB per chain before any draw: refused at once, where
// the run used to grow until the OOM killer ended it.
TEST(SampleMemory, AHugeFreeVariableIsRefusedAgainstPhysicalMemory) {
  Model m;
  m.normal("x", 0, 1, {.shape = {2000000000}});
  testing::expect_mentions(testing::error_message([&] { sample(m, {.progress = false}); }),
                           {"2000000000 parameters", "physical memory"});
}

TEST(SampleInterrupt, AnInterruptBeforeTheFirstDrawKeepsNothingAndSaysSo) {
  request_interrupt();
  const std::string message =
      testing::error_message([] { sample(NormalNormal().model(), {.progress = false}); });
  clear_interrupt();
  testing::expect_mentions(message, {"interrupted before any chain finished its warm-up"});
}

}  // namespace
}  // namespace hypatia
