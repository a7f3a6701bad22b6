// Models with discrete free variables, sampled by compound steps, against exact posteriors:
// enumeration over a change point, quadrature over a Beta-Bernoulli model with latent
// indicators, Gamma-Poisson conjugacy with latent counts, and the per-element terms that let a
// discrete block move in one pass checked against full log-density evaluations.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "hypatia/diagnostics.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/sample.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

const Variable& posterior(const InferenceData& data, const std::string& name) {
  const Variable* variable = data.groups.at("posterior").find(name);
  EXPECT_NE(variable, nullptr) << name;
  return *variable;
}

// Element `index` of a variable over all chains and draws.
std::vector<double> element(const Variable& variable, std::int64_t index = 0) {
  const std::int64_t size = num_elements(variable.shape);
  std::vector<double> values;
  for (std::size_t i = static_cast<std::size_t>(index); i < variable.values.size();
       i += static_cast<std::size_t>(size)) {
    values.push_back(variable.values[i]);
  }
  return values;
}

void expect_mean_near(const std::vector<double>& draws, std::int64_t chains, double truth,
                      const std::string& what) {
  const double estimate = diagnostics::mean(draws);
  const double error = diagnostics::mcse_mean(draws, chains);
  EXPECT_LT(std::abs(estimate - truth), 4 * error + 1e-12)
      << what << ": mean " << estimate << " vs exact " << truth << " (mcse " << error << ")";
}

// Counts per year with a drop after year 23, written for this test.
const std::vector<std::int64_t> kDisasters = {4, 5, 4, 1, 0, 4, 3, 4, 0, 6, 3, 3, 4, 0,
                                              2, 6, 3, 3, 5, 4, 5, 3, 1, 4, 1, 1, 1, 0,
                                              0, 1, 0, 1, 1, 0, 0, 2, 1, 0, 0, 1};

Model change_point_model() {
  const auto years = static_cast<std::int64_t>(kDisasters.size());
  std::vector<std::int64_t> index(static_cast<std::size_t>(years));
  std::iota(index.begin(), index.end(), 0);
  Model model;
  const Expr year = model.data("year", Tensor::from_ints(index, {years}));
  const Expr switchpoint =
      model.rv("switchpoint", DiscreteUniform(Expr(0.0), Expr(static_cast<double>(years - 1))));
  const Expr early = model.rv("early_rate", Exponential(1.0));
  const Expr late = model.rv("late_rate", Exponential(1.0));
  const Expr rate = where(less(year, switchpoint), early, late);
  model.observe("disasters", Poisson(rate), Tensor::from_ints(kDisasters, {years}));
  return model;
}

// p(s | y) with both rates integrated out: Exponential(1) = Gamma(1, 1) priors give
// Gamma(S + 1) / (n + 1)^(S + 1) for each segment of n years with S events.
std::vector<double> exact_switchpoint_posterior() {
  const std::size_t years = kDisasters.size();
  std::vector<double> log_mass(years);
  for (std::size_t s = 0; s < years; ++s) {
    double early_sum = 0, late_sum = 0;
    for (std::size_t t = 0; t < years; ++t) (t < s ? early_sum : late_sum) += kDisasters[t];
    const double early_n = static_cast<double>(s), late_n = static_cast<double>(years - s);
    log_mass[s] = std::lgamma(early_sum + 1) - (early_sum + 1) * std::log(early_n + 1) +
                  std::lgamma(late_sum + 1) - (late_sum + 1) * std::log(late_n + 1);
  }
  const double top = *std::max_element(log_mass.begin(), log_mass.end());
  double total = 0;
  for (double& m : log_mass) total += (m = std::exp(m - top));
  for (double& m : log_mass) m /= total;
  return log_mass;
}

TEST(DiscreteSampling, ChangePointMatchesExactEnumeration) {
  const InferenceData data =
      sample(change_point_model(),
             {.chains = 4, .draws = 2000, .tune = 1000, .seed = 3, .progress = false});
  EXPECT_EQ(data.attributes.at("sampler"), "compound");
  EXPECT_EQ(data.attributes.at("step_methods"),
            "NUTS: early_rate, late_rate; Metropolis: switchpoint");
  const std::vector<double> exact = exact_switchpoint_posterior();
  double exact_mean = 0;
  for (std::size_t s = 0; s < exact.size(); ++s) exact_mean += static_cast<double>(s) * exact[s];
  const std::vector<double> draws = element(posterior(data, "switchpoint"));
  for (double s : draws) ASSERT_EQ(s, std::round(s));
  expect_mean_near(draws, 4, exact_mean, "switchpoint");
  // The probability of each of the three most likely years.
  for (std::size_t s = 0; s < exact.size(); ++s) {
    if (exact[s] < 0.1) continue;
    std::vector<double> indicator;
    for (double d : draws) indicator.push_back(d == static_cast<double>(s) ? 1.0 : 0.0);
    expect_mean_near(indicator, 4, exact[s], "P(switchpoint = " + std::to_string(s) + ")");
  }
}

// p ~ Beta(2, 2); z_i ~ Bernoulli(p) latent; y_i ~ Bernoulli(0.85 if z_i else 0.2).
Model latent_indicator_model(const std::vector<std::int64_t>& y) {
  const auto n = static_cast<std::int64_t>(y.size());
  Model model;
  const Expr p = model.rv("p", Beta(2.0, 2.0));
  const Expr z = model.rv("z", Bernoulli(p), {.shape = {n}});
  model.observe("y", Bernoulli(where(equal(z, 1), Expr(0.85), Expr(0.2))),
                Tensor::from_ints(y, {n}));
  return model;
}

std::vector<std::int64_t> indicator_data() {
  std::vector<std::int64_t> y;
  for (int i = 0; i < 60; ++i) y.push_back((i * 7) % 10 < 6 ? 1 : 0);
  return y;
}

// E[p | y] by quadrature of p (1 - p) prod_i (p a_i + (1 - p) b_i) on a fine grid.
double exact_indicator_mean(const std::vector<std::int64_t>& y) {
  const int points = 20000;
  double mass = 0, first = 0;
  std::vector<double> log_density(points);
  for (int k = 0; k < points; ++k) {
    const double p = (k + 0.5) / points;
    double log_f = std::log(p) + std::log1p(-p);
    for (std::int64_t value : y) {
      const double a = value ? 0.85 : 0.15, b = value ? 0.2 : 0.8;
      log_f += std::log(p * a + (1 - p) * b);
    }
    log_density[k] = log_f;
  }
  const double top = *std::max_element(log_density.begin(), log_density.end());
  for (int k = 0; k < points; ++k) {
    const double w = std::exp(log_density[k] - top);
    mass += w;
    first += w * (k + 0.5) / points;
  }
  return first / mass;
}

TEST(DiscreteSampling, LatentBernoulliIndicatorsMatchQuadrature) {
  const std::vector<std::int64_t> y = indicator_data();
  const Model model = latent_indicator_model(y);
  const InferenceData data =
      sample(model, {.chains = 4, .draws = 1500, .tune = 500, .seed = 5, .progress = false});
  EXPECT_EQ(data.attributes.at("step_methods"), "NUTS: p; BinaryGibbsMetropolis: z");
  expect_mean_near(element(posterior(data, "p")), 4, exact_indicator_mean(y), "p");
  // Given p, z_i | y_i is Bernoulli(p a / (p a + (1 - p) b)): check z_0's mean by the same
  // quadrature weights through the draws of p.
  const std::vector<double> p_draws = element(posterior(data, "p"));
  const std::vector<double> z0 = element(posterior(data, "z"), 0);
  const double a = y[0] ? 0.85 : 0.15, b = y[0] ? 0.2 : 0.8;
  double conditional = 0;
  for (double p : p_draws) conditional += p * a / (p * a + (1 - p) * b);
  conditional /= static_cast<double>(p_draws.size());
  expect_mean_near(z0, 4, conditional, "z[0]");
}

// lam ~ Gamma(3, 1); k ~ Poisson(lam) latent (5 of them); y ~ Poisson(lam) observed (10).
TEST(DiscreteSampling, LatentPoissonCountsMatchGammaPoissonConjugacy) {
  const std::vector<std::int64_t> y = {3, 5, 2, 4, 6, 3, 2, 5, 4, 3};
  Model model;
  const Expr lam = model.rv("lam", Gamma(3.0, 1.0));
  model.rv("k", Poisson(lam), {.shape = {5}});
  model.observe("y", Poisson(lam), Tensor::from_ints(y, {10}));
  const InferenceData data =
      sample(model, {.chains = 4, .draws = 2000, .tune = 1000, .seed = 8, .progress = false});
  EXPECT_EQ(data.attributes.at("step_methods"), "NUTS: lam; Metropolis: k");
  const double shape = 3.0 + std::accumulate(y.begin(), y.end(), 0.0), rate = 1.0 + 10;
  expect_mean_near(element(posterior(data, "lam")), 4, shape / rate, "lam");
  // k_i's marginal: mean E[lam], variance E[lam] + Var[lam] (negative binomial).
  const std::vector<double> k2 = element(posterior(data, "k"), 2);
  expect_mean_near(k2, 4, shape / rate, "k[2]");
  const double variance = shape / rate + shape / (rate * rate);
  EXPECT_NEAR(diagnostics::sd(k2) * diagnostics::sd(k2), variance, 0.15 * variance);
}

TEST(DiscreteSampling, SameSeedSameDrawsWhateverTheThreadCount) {
  const Model model = latent_indicator_model(indicator_data());
  SampleOptions options{.chains = 3, .draws = 100, .tune = 100, .seed = 21, .progress = false};
  options.cores = 1;
  const InferenceData one = sample(model, options);
  options.cores = 2;
  const InferenceData two = sample(model, options);
  EXPECT_EQ(posterior(one, "z").values, posterior(two, "z").values);
  EXPECT_EQ(posterior(one, "p").values, posterior(two, "p").values);
}

// The per-element terms of a conditionally independent block, against whole-density
// differences: flipping element j alone changes the log density by local_j(flipped) - local_j.
TEST(DiscreteSampling, LocalTermsOfIndependentElementsMatchWholeDensityChanges) {
  const Model model = latent_indicator_model(indicator_data());
  auto compiled = model.compile();
  const PointLayout layout = model.layout();
  const FlatBlock& z = layout.blocks.at(1);
  ASSERT_TRUE(compiled->has_local_logp(z.offset));
  std::vector<double> x(static_cast<std::size_t>(layout.dim), 0.0);
  x[0] = 0.3;  // logit of p
  for (std::int64_t j = 0; j < z.size; ++j) x[static_cast<std::size_t>(z.offset + j)] = j % 3 == 0;
  std::vector<double> flipped = x;
  for (std::int64_t j = 0; j < z.size; ++j) {
    double& value = flipped[static_cast<std::size_t>(z.offset + j)];
    value = 1 - value;
  }
  std::vector<double> local(static_cast<std::size_t>(z.size)), local_flipped(local.size());
  ASSERT_TRUE(compiled->local_logp(z.offset, z.size, x.data(), local.data()));
  ASSERT_TRUE(compiled->local_logp(z.offset, z.size, flipped.data(), local_flipped.data()));
  const double base = compiled->logp(x.data());
  for (std::int64_t j = 0; j < z.size; ++j) {
    std::vector<double> one = x;
    one[static_cast<std::size_t>(z.offset + j)] = flipped[static_cast<std::size_t>(z.offset + j)];
    EXPECT_NEAR(compiled->logp(one.data()) - base, local_flipped[j] - local[j], 1e-10) << j;
  }
}

TEST(DiscreteSampling, CategoricalMembershipsAreIndependentElements) {
  // Categorical's log density reads a one-hot (n, K) array summed over K: per element still.
  Model model;
  const Expr mu = model.rv("mu", Normal(0.0, 1.0), {.shape = {3}});
  const Expr z = model.rv(
      "z", Categorical(Expr(constant(Tensor::from_doubles({0.2, 0.3, 0.5}, {3})))), {.shape = {5}});
  model.observe("y", Normal(gather(mu, z), 1.0),
                Tensor::from_doubles({0.1, -1.0, 2.0, 0.4, 1.5}, {5}));
  auto compiled = model.compile();
  const FlatBlock& block = model.layout().blocks.at(1);
  ASSERT_TRUE(compiled->has_local_logp(block.offset));
  std::vector<double> x = {0.5, -0.2, 1.0, 0, 1, 2, 2, 1};
  std::vector<double> local(5), moved_local(5);
  compiled->local_logp(block.offset, 5, x.data(), local.data());
  const double base = compiled->logp(x.data());
  for (int j = 0; j < 5; ++j) {
    std::vector<double> moved = x;
    moved[static_cast<std::size_t>(block.offset + j)] = 0;
    compiled->local_logp(block.offset, 5, moved.data(), moved_local.data());
    EXPECT_NEAR(compiled->logp(moved.data()) - base, moved_local[j] - local[j], 1e-10) << j;
  }
}

TEST(DiscreteSampling, CoupledElementsAreNotSweptAtOnce) {
  // y depends on the sum of z: no element's terms stand alone.
  Model model;
  const Expr z = model.rv("z", Bernoulli(0.5), {.shape = {4}});
  model.observe("y", Normal(cast(sum(z), DType::float64), 1.0), Tensor::scalar(2.0));
  auto compiled = model.compile();
  EXPECT_FALSE(compiled->has_local_logp(model.layout().blocks.at(0).offset));
  // Still sampled correctly one element at a time: P(z_0 = 1 | y) by enumeration of 16 states.
  double numerator = 0, total = 0;
  for (int state = 0; state < 16; ++state) {
    const int count = __builtin_popcount(state);
    const double weight = std::exp(-0.5 * (2.0 - count) * (2.0 - count));
    total += weight;
    if (state & 1) numerator += weight;
  }
  const InferenceData data =
      sample(model, {.chains = 4, .draws = 2000, .tune = 200, .seed = 2, .progress = false});
  expect_mean_near(element(posterior(data, "z"), 0), 4, numerator / total, "z[0]");
}

TEST(DiscreteSampling, AStepOnAVariableItCannotMoveNamesBoth) {
  const Model model = latent_indicator_model(indicator_data());
  SampleOptions options{.chains = 1, .draws = 10, .tune = 10, .progress = false};
  options.steps = {{.method = StepMethod::nuts, .variables = {"z"}}};
  expect_mentions(error_message([&] { sample(model, options); }), {"NUTS", "discrete", "'z'"});
  Model counts;
  counts.rv("k", Poisson(3.0), {.shape = {2}});
  options.steps = {{.method = StepMethod::binary_gibbs_metropolis, .variables = {"k"}}};
  expect_mentions(error_message([&] { sample(counts, options); }),
                  {"BinaryGibbsMetropolis", "'k'"});
  options.steps = {{.method = StepMethod::metropolis, .variables = {"nope"}}};
  expect_mentions(error_message([&] { sample(counts, options); }), {"Metropolis", "'nope'"});
}

TEST(DiscreteSampling, ExplicitMetropolisOnEverythingSamplesAContinuousPosterior) {
  // mu ~ Normal(0, 1), y_i ~ Normal(mu, 1), 4 observations: mu | y ~ Normal(sum / 5, 1 / sqrt 5).
  Model model;
  const Expr mu = model.rv("mu", Normal(0.0, 1.0));
  model.observe("y", Normal(mu, 1.0), Tensor::from_doubles({1.0, 2.0, 0.5, 1.5}, {4}));
  SampleOptions options{.chains = 4, .draws = 3000, .tune = 1000, .seed = 4, .progress = false};
  options.steps = {{.method = StepMethod::metropolis}};
  const InferenceData data = sample(model, options);
  EXPECT_EQ(data.attributes.at("step_methods"), "Metropolis: mu");
  expect_mean_near(element(posterior(data, "mu")), 4, 5.0 / 5.0, "mu");
  EXPECT_NEAR(diagnostics::sd(element(posterior(data, "mu"))), 1 / std::sqrt(5.0), 0.05);
  EXPECT_NE(data.groups.at("sample_stats").find("accept"), nullptr);
}

}  // namespace
}  // namespace hypatia
