// Discrete variables summed out of the log density: the change point's switchpoint recovered
// against exact enumeration, per-element marginalization of latent indicators against
// quadrature, the marginal density against brute-force summation, and bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "hypatia/diagnostics.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/marginal.hpp"
#include "hypatia/sample.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

const std::vector<std::int64_t> kCounts = {4, 5, 4, 1, 0, 4, 3, 4, 0, 6, 3, 3, 4, 0,
                                           2, 6, 3, 3, 5, 4, 5, 3, 1, 4, 1, 1, 1, 0,
                                           0, 1, 0, 1, 1, 0, 0, 2, 1, 0, 0, 1};

Model change_point() {
  const auto years = static_cast<std::int64_t>(kCounts.size());
  std::vector<std::int64_t> index(static_cast<std::size_t>(years));
  std::iota(index.begin(), index.end(), 0);
  Model model;
  const Expr year = model.data("year", Tensor::from_ints(index, {years}));
  const Expr early = model.rv("early_rate", Exponential(1.0));
  const Expr switchpoint =
      model.rv("switchpoint", DiscreteUniform(Expr(0.0), Expr(static_cast<double>(years - 1))));
  const Expr late = model.rv("late_rate", Exponential(1.0));
  model.observe("disasters", Poisson(where(less(year, switchpoint), early, late)),
                Tensor::from_ints(kCounts, {years}));
  return model;
}

std::vector<double> column(const Variable& variable, std::int64_t index, std::int64_t width) {
  std::vector<double> values;
  for (std::size_t i = static_cast<std::size_t>(index); i < variable.values.size();
       i += static_cast<std::size_t>(width)) {
    values.push_back(variable.values[i]);
  }
  return values;
}

TEST(Marginalize, TheMarginalDensityIsTheSumOverTheSupport) {
  const Model model = change_point();
  const MarginalizedLogDensity marginal = marginalize(model, {"switchpoint"});
  ASSERT_EQ(marginal.variables.size(), 1u);
  EXPECT_EQ(marginal.variables[0].categories, 40);
  auto compiled = model.compile();
  const std::vector<double> rest = {0.7, -0.4};  // log early, log late
  std::vector<Tensor> inputs = {Tensor::from_doubles(rest, {2})};
  for (const Tensor& value : marginal.data_values) inputs.push_back(value);
  std::unordered_map<std::string, Tensor> bindings;
  std::vector<NodePtr> placeholders = {marginal.x.node()};
  for (const Expr& data : marginal.data_inputs) placeholders.push_back(data.node());
  Function function(placeholders,
                    {marginal.logp.node(), marginal.variables[0].log_probabilities.node()},
                    {.backend = Backend::interp});
  const std::vector<Tensor> outputs = function(inputs);
  double top = -INFINITY;
  std::vector<double> joint;
  for (int s = 0; s < 40; ++s) {
    const std::vector<double> x = {0.7, static_cast<double>(s), -0.4};
    joint.push_back(compiled->logp(x.data()));
    top = std::max(top, joint.back());
  }
  double total = 0;
  for (double value : joint) total += std::exp(value - top);
  EXPECT_NEAR(outputs[0].at(0), top + std::log(total), 1e-9);
  for (int s = 0; s < 40; ++s) {
    EXPECT_NEAR(outputs[1].at(s), joint[s] - top - std::log(total), 1e-9) << s;
  }
}

TEST(Marginalize, ChangePointRecoversTheExactSwitchpointPosterior) {
  SampleOptions options{.chains = 4, .draws = 1000, .tune = 1000, .seed = 6, .progress = false};
  options.marginalize = {"switchpoint"};
  const InferenceData data = sample(change_point(), options);
  EXPECT_EQ(data.attributes.at("marginalized"), "switchpoint");
  // Exact p(s | y) with the rates integrated out (Gamma(1, 1) priors).
  std::vector<double> exact(kCounts.size());
  double top = -INFINITY;
  for (std::size_t s = 0; s < kCounts.size(); ++s) {
    double early = 0, late = 0;
    for (std::size_t t = 0; t < kCounts.size(); ++t) (t < s ? early : late) += kCounts[t];
    const double n_early = static_cast<double>(s), n_late = static_cast<double>(kCounts.size() - s);
    exact[s] = std::lgamma(early + 1) - (early + 1) * std::log(n_early + 1) +
               std::lgamma(late + 1) - (late + 1) * std::log(n_late + 1);
    top = std::max(top, exact[s]);
  }
  double total = 0;
  for (double& p : exact) total += (p = std::exp(p - top));
  for (double& p : exact) p /= total;
  // The recovered probabilities averaged over draws are the Rao-Blackwellized posterior.
  const Variable* lp = data.groups.at("posterior").find("lp_switchpoint");
  ASSERT_NE(lp, nullptr);
  ASSERT_EQ(lp->shape, (Shape{40}));
  for (std::size_t s = 0; s < exact.size(); ++s) {
    std::vector<double> probability = column(*lp, static_cast<std::int64_t>(s), 40);
    for (double& p : probability) p = std::exp(p);
    const double mcse = diagnostics::mcse_mean(probability, 4);
    EXPECT_NEAR(diagnostics::mean(probability), exact[s], 4 * mcse + 1e-3) << s;
  }
  const Variable* draws = data.groups.at("posterior").find("switchpoint");
  ASSERT_NE(draws, nullptr);
  double exact_mean = 0;
  for (std::size_t s = 0; s < exact.size(); ++s) exact_mean += static_cast<double>(s) * exact[s];
  EXPECT_NEAR(diagnostics::mean(draws->values), exact_mean,
              4 * diagnostics::mcse_mean(draws->values, 4));
}

TEST(Marginalize, IndependentIndicatorsAreSummedOutElementByElement) {
  std::vector<std::int64_t> y;
  for (int i = 0; i < 60; ++i) y.push_back((i * 7) % 10 < 6 ? 1 : 0);
  Model model;
  const Expr p = model.rv("p", Beta(2.0, 2.0));
  const Expr z = model.rv("z", Bernoulli(p), {.shape = {60}});
  model.observe("y", Bernoulli(where(equal(z, 1), Expr(0.85), Expr(0.2))),
                Tensor::from_ints(y, {60}));
  SampleOptions options{.chains = 4, .draws = 1000, .tune = 500, .seed = 2, .progress = false};
  options.marginalize = {"z"};
  const InferenceData data = sample(model, options);
  // E[p | y] by quadrature of p (1 - p) prod_i (p a_i + (1 - p) b_i).
  double mass = 0, first = 0, top = -INFINITY;
  std::vector<double> log_f(20000);
  for (int k = 0; k < 20000; ++k) {
    const double q = (k + 0.5) / 20000;
    log_f[k] = std::log(q) + std::log1p(-q);
    for (std::int64_t value : y) {
      log_f[k] += std::log(q * (value ? 0.85 : 0.15) + (1 - q) * (value ? 0.2 : 0.8));
    }
    top = std::max(top, log_f[k]);
  }
  for (int k = 0; k < 20000; ++k) {
    mass += std::exp(log_f[k] - top);
    first += std::exp(log_f[k] - top) * (k + 0.5) / 20000;
  }
  const std::vector<double>& draws = data.groups.at("posterior").find("p")->values;
  EXPECT_NEAR(diagnostics::mean(draws), first / mass, 4 * diagnostics::mcse_mean(draws, 4));
  EXPECT_EQ(data.groups.at("posterior").find("lp_z")->shape, (Shape{60, 2}));
}

// Counts with two changes of rate; the years are a constant, so the switch points' selections
// are summed by prefix sums (the one-switch model above reads them as data and enumerates).
const std::vector<std::int64_t> kTwoChanges = {5, 4, 6, 5, 1, 2, 1, 0, 3, 4, 3, 5, 4};

struct TwoChanges {
  Model model;
  std::int64_t years = static_cast<std::int64_t>(kTwoChanges.size());
};

TwoChanges two_changes() {
  TwoChanges result;
  Model& model = result.model;
  std::vector<std::int64_t> index(kTwoChanges.size());
  std::iota(index.begin(), index.end(), 0);
  const Expr year = constant(Tensor::from_ints(index, {result.years}));
  const Expr last = Expr(static_cast<double>(result.years - 1));
  // Interleaved with the rates, so the flat vector's offsets move as blocks are removed.
  const Expr first_rate = model.rv("first_rate", Exponential(1.0));
  const Expr first = model.rv("first_switch", DiscreteUniform(Expr(0.0), last));
  const Expr middle_rate = model.rv("middle_rate", Exponential(1.0));
  const Expr second = model.rv("second_switch", DiscreteUniform(Expr(0.0), last));
  const Expr last_rate = model.rv("last_rate", Exponential(1.0));
  const Expr rate =
      where(less(year, first), first_rate, where(less(year, second), middle_rate, last_rate));
  model.observe("counts", Poisson(rate), Tensor::from_ints(kTwoChanges, {result.years}));
  return result;
}

// Exact p(first, second | y) with the rates integrated out (Gamma(1, 1) priors), row-major.
std::vector<double> exact_two_changes() {
  const std::size_t years = kTwoChanges.size();
  std::vector<double> log_posterior;
  for (std::size_t first = 0; first < years; ++first) {
    for (std::size_t second = 0; second < years; ++second) {
      double totals[3] = {0, 0, 0}, sizes[3] = {0, 0, 0};
      for (std::size_t t = 0; t < years; ++t) {
        const int segment = t < first ? 0 : (t < second ? 1 : 2);
        totals[segment] += static_cast<double>(kTwoChanges[t]);
        sizes[segment] += 1;
      }
      double value = 0;
      for (int segment = 0; segment < 3; ++segment) {
        value +=
            std::lgamma(totals[segment] + 1) - (totals[segment] + 1) * std::log(sizes[segment] + 1);
      }
      log_posterior.push_back(value);
    }
  }
  const double top = *std::max_element(log_posterior.begin(), log_posterior.end());
  double total = 0;
  for (double& p : log_posterior) total += (p = std::exp(p - top));
  for (double& p : log_posterior) p /= total;
  return log_posterior;
}

TEST(Marginalize, TwoSwitchPointsAreSummedOutJointly) {
  TwoChanges setup = two_changes();
  const std::int64_t years = setup.years;
  const MarginalizedLogDensity marginal =
      marginalize(setup.model, {"first_switch", "second_switch"});
  ASSERT_EQ(marginal.variables.size(), 2u);
  EXPECT_EQ(marginal.x.shape(), (Shape{3}));
  auto compiled = setup.model.compile();
  const std::vector<double> rates = {0.9, 0.1, 0.4};  // log rates: first, middle, last
  std::vector<NodePtr> placeholders = {marginal.x.node()};
  for (const Expr& data : marginal.data_inputs) placeholders.push_back(data.node());
  std::vector<Tensor> inputs = {Tensor::from_doubles(rates, {3})};
  for (const Tensor& value : marginal.data_values) inputs.push_back(value);
  // Brute force over both switch points with the whole model's density.
  std::vector<double> joint;
  for (std::int64_t first = 0; first < years; ++first) {
    for (std::int64_t second = 0; second < years; ++second) {
      const std::vector<double> x = {rates[0], static_cast<double>(first), rates[1],
                                     static_cast<double>(second), rates[2]};
      joint.push_back(compiled->logp(x.data()));
    }
  }
  const double top = *std::max_element(joint.begin(), joint.end());
  double total = 0;
  for (double value : joint) total += std::exp(value - top);
  Function logp(placeholders, {marginal.logp.node()}, {.backend = Backend::interp});
  EXPECT_NEAR(logp(inputs)[0].at(0), top + std::log(total), 1e-9);
  // The last one eliminated: p(second | rates), the first summed out.
  std::vector<Tensor> second_inputs = inputs;
  std::vector<NodePtr> second_placeholders = placeholders;
  second_placeholders[0] = marginal.variables[1].rest.node();
  Function second_probabilities(second_placeholders,
                                {marginal.variables[1].log_probabilities.node()},
                                {.backend = Backend::interp});
  const Tensor second = second_probabilities(inputs)[0];
  for (std::int64_t s2 = 0; s2 < years; ++s2) {
    double mass = 0;
    for (std::int64_t s1 = 0; s1 < years; ++s1) mass += std::exp(joint[s1 * years + s2] - top);
    EXPECT_NEAR(second.at(s2), std::log(mass / total), 1e-9) << s2;
  }
  // The first given the second: its rest is (rates, second) in the model's order.
  const std::int64_t given = 7;
  Function first_probabilities({marginal.variables[0].rest.node()},
                               {marginal.variables[0].log_probabilities.node()},
                               {.backend = Backend::interp});
  const Tensor first = first_probabilities(
      {Tensor::from_doubles({rates[0], rates[1], static_cast<double>(given), rates[2]}, {4})})[0];
  double given_mass = 0;
  for (std::int64_t s1 = 0; s1 < years; ++s1)
    given_mass += std::exp(joint[s1 * years + given] - top);
  for (std::int64_t s1 = 0; s1 < years; ++s1) {
    EXPECT_NEAR(first.at(s1), joint[s1 * years + given] - top - std::log(given_mass), 1e-9) << s1;
  }
}

TEST(Marginalize, TwoSwitchPointsRecoverTheExactJointPosterior) {
  TwoChanges setup = two_changes();
  const auto years = static_cast<std::size_t>(setup.years);
  SampleOptions options{.chains = 4, .draws = 1000, .tune = 1000, .seed = 3, .progress = false};
  options.marginalize = {"first_switch", "second_switch"};
  const InferenceData data = sample(setup.model, options);
  EXPECT_EQ(data.attributes.at("marginalized"), "first_switch,second_switch");
  const std::vector<double> exact = exact_two_changes();
  double first_mean = 0, second_mean = 0;
  std::vector<double> second_marginal(years, 0.0);
  for (std::size_t s1 = 0; s1 < years; ++s1) {
    for (std::size_t s2 = 0; s2 < years; ++s2) {
      first_mean += static_cast<double>(s1) * exact[s1 * years + s2];
      second_mean += static_cast<double>(s2) * exact[s1 * years + s2];
      second_marginal[s2] += exact[s1 * years + s2];
    }
  }
  const Group& posterior = data.groups.at("posterior");
  const std::vector<double>& firsts = posterior.find("first_switch")->values;
  const std::vector<double>& seconds = posterior.find("second_switch")->values;
  EXPECT_NEAR(diagnostics::mean(firsts), first_mean, 4 * diagnostics::mcse_mean(firsts, 4));
  EXPECT_NEAR(diagnostics::mean(seconds), second_mean, 4 * diagnostics::mcse_mean(seconds, 4));
  const Variable* lp = posterior.find("lp_second_switch");
  ASSERT_NE(lp, nullptr);
  for (std::size_t s2 = 0; s2 < years; ++s2) {
    std::vector<double> probability =
        column(*lp, static_cast<std::int64_t>(s2), static_cast<std::int64_t>(years));
    for (double& p : probability) p = std::exp(p);
    EXPECT_NEAR(diagnostics::mean(probability), second_marginal[s2],
                4 * diagnostics::mcse_mean(probability, 4) + 1e-3)
        << s2;
  }
}

TEST(Marginalize, BadRequestsNameTheVariable) {
  const Model model = change_point();
  expect_mentions(error_message([&] { marginalize(model, {"early_rate"}); }),
                  {"early_rate", "continuous"});
  expect_mentions(error_message([&] { marginalize(model, {"nope"}); }), {"nope"});
  Model counts;
  const Expr k = counts.rv("k", Poisson(3.0));
  counts.rv("x", Normal(cast(k, DType::float64), 1.0));
  expect_mentions(error_message([&] { marginalize(counts, {"k"}); }), {"'k'", "finite support"});
  Model coupled;
  const Expr z = coupled.rv("z", Bernoulli(0.5), {.shape = {3}});
  coupled.observe("y", Normal(cast(sum(z), DType::float64), 1.0), Tensor::scalar(1.0));
  expect_mentions(error_message([&] { marginalize(coupled, {"z"}); }),
                  {"'z'", "not conditionally independent"});
  expect_mentions(error_message([&] {
                    marginalize(model, {"switchpoint", "switchpoint"});
                  }),
                  {"'switchpoint'", "twice"});
  // NUTS cannot take a discrete variable left in the flat vector.
  TwoChanges two = two_changes();
  SampleOptions options{.chains = 1, .draws = 10, .tune = 10, .progress = false};
  options.marginalize = {"first_switch"};
  expect_mentions(error_message([&] { sample(two.model, options); }),
                  {"'second_switch'", "not marginalized"});
}

}  // namespace
}  // namespace hypatia
