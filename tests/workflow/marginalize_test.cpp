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
  const MarginalizedLogDensity marginal = marginalize(model, "switchpoint");
  EXPECT_EQ(marginal.categories, 40);
  auto compiled = model.compile();
  const std::vector<double> rest = {0.7, -0.4};  // log early, log late
  std::vector<Tensor> inputs = {Tensor::from_doubles(rest, {2})};
  for (const Tensor& value : marginal.data_values) inputs.push_back(value);
  std::unordered_map<std::string, Tensor> bindings;
  std::vector<NodePtr> placeholders = {marginal.x.node()};
  for (const Expr& data : marginal.data_inputs) placeholders.push_back(data.node());
  Function function(placeholders, {marginal.logp.node(), marginal.log_probabilities.node()},
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

TEST(Marginalize, BadRequestsNameTheVariable) {
  const Model model = change_point();
  expect_mentions(error_message([&] { marginalize(model, "early_rate"); }),
                  {"early_rate", "continuous"});
  expect_mentions(error_message([&] { marginalize(model, "nope"); }), {"nope"});
  Model counts;
  const Expr k = counts.rv("k", Poisson(3.0));
  counts.rv("x", Normal(cast(k, DType::float64), 1.0));
  expect_mentions(error_message([&] { marginalize(counts, "k"); }), {"'k'", "finite support"});
  Model coupled;
  const Expr z = coupled.rv("z", Bernoulli(0.5), {.shape = {3}});
  coupled.observe("y", Normal(cast(sum(z), DType::float64), 1.0), Tensor::scalar(1.0));
  expect_mentions(error_message([&] { marginalize(coupled, "z"); }),
                  {"'z'", "not conditionally independent"});
}

}  // namespace
}  // namespace hypatia
