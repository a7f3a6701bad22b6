#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <cmath>
#include <limits>
#include <map>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace bm = boost::math;
using testing::error_message;
using testing::expect_mentions;

// Statistical checks use this many draws, fixed seeds, and limits that a correct sampler exceeds
// with probability about 1e-3 (or far less) per check.
constexpr std::int64_t kDraws = 20000;
constexpr double kStandardErrors = 5.0;

Expr state_of(std::uint64_t seed, std::uint64_t stream = 0, std::uint64_t counter = 0) {
  return constant(random_state(seed, stream, counter));
}

std::vector<double> values_of(const Expr& draws) {
  return evaluate(draws.node()).to_doubles();
}

// ---- Statistical checks against Boost.Math distributions --------------------------------------

// Sample mean and variance within kStandardErrors standard errors of the distribution's. The
// variance's standard error comes from the fourth moment: Var(s^2) = (mu4 - sigma^4 (n-3)/(n-1))/n.
template <typename Distribution>
void expect_moments(const std::vector<double>& x, const Distribution& distribution,
                    const std::string& what) {
  const double n = static_cast<double>(x.size());
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= n;
  double squares = 0.0;
  for (double v : x) squares += (v - mean) * (v - mean);
  const double variance = squares / (n - 1.0);

  const double expected_variance = bm::variance(distribution);
  const double mean_error = std::sqrt(expected_variance / n);
  const double variance_error =
      expected_variance * std::sqrt((bm::kurtosis(distribution) - (n - 3.0) / (n - 1.0)) / n);
  EXPECT_NEAR(mean, bm::mean(distribution), kStandardErrors * mean_error) << what << ": mean";
  EXPECT_NEAR(variance, expected_variance, kStandardErrors * variance_error)
      << what << ": variance";
}

// The Kolmogorov-Smirnov statistic against the exact CDF, below its critical value at level
// 0.001 (the asymptotic one, sqrt(-log(alpha/2)/2), with Stephens' finite-sample correction).
template <typename Distribution>
void expect_kolmogorov_smirnov_fits(std::vector<double> x, const Distribution& distribution,
                                    const std::string& what) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double distance = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double cdf = bm::cdf(distribution, x[i]);
    distance = std::max(
        {distance, cdf - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - cdf});
  }
  const double alpha = 0.001;
  const double critical =
      std::sqrt(-0.5 * std::log(alpha / 2.0)) / (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n));
  EXPECT_LT(distance, critical) << what << ": Kolmogorov-Smirnov distance";
}

void expect_chi_square_below_critical(const std::vector<double>& observed,
                                      const std::vector<double>& expected,
                                      const std::string& what) {
  ASSERT_GE(observed.size(), 2u) << what;
  double statistic = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    statistic += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  }
  const bm::chi_squared reference(static_cast<double>(observed.size() - 1));
  EXPECT_LT(statistic, bm::quantile(bm::complement(reference, 0.001)))
      << what << ": chi-square over " << observed.size() << " bins";
}

// Pearson's goodness of fit for a distribution on 0, 1, 2, ...: consecutive values are pooled
// into bins of expected count at least 5, the last bin taking the whole upper tail.
template <typename Distribution>
void expect_chi_square_fits(const std::vector<double>& x, const Distribution& distribution,
                            const std::string& what) {
  const double n = static_cast<double>(x.size());
  std::map<double, double> counts;
  for (double v : x) counts[v] += 1.0;
  std::vector<double> observed, expected;
  double bin_observed = 0.0, bin_expected = 0.0;
  for (double k = 0.0;; k += 1.0) {
    bin_observed += counts.count(k) ? counts[k] : 0.0;
    bin_expected += n * bm::pdf(distribution, k);
    const double tail_expected = n * bm::cdf(bm::complement(distribution, k));  // beyond k
    if (tail_expected < 5.0) {
      for (auto it = counts.upper_bound(k); it != counts.end(); ++it) bin_observed += it->second;
      observed.push_back(bin_observed);
      expected.push_back(bin_expected + tail_expected);
      break;
    }
    if (bin_expected >= 5.0) {
      observed.push_back(bin_observed);
      expected.push_back(bin_expected);
      bin_observed = bin_expected = 0.0;
    }
  }
  expect_chi_square_below_critical(observed, expected, what);
}

TEST(Random, UniformFitsItsDistribution) {
  const std::vector<double> x = values_of(random_uniform(state_of(11), {kDraws}).draws);
  const bm::uniform_distribution<> reference(0.0, 1.0);
  expect_moments(x, reference, "uniform");
  expect_kolmogorov_smirnov_fits(x, reference, "uniform");
  EXPECT_GT(*std::min_element(x.begin(), x.end()), 0.0);
  EXPECT_LT(*std::max_element(x.begin(), x.end()), 1.0);
}

TEST(Random, NormalFitsItsDistribution) {
  const std::vector<double> x = values_of(random_normal(state_of(12), {kDraws}).draws);
  const bm::normal_distribution<> reference(0.0, 1.0);
  expect_moments(x, reference, "normal");
  expect_kolmogorov_smirnov_fits(x, reference, "normal");
}

TEST(Random, ExponentialFitsItsDistribution) {
  const std::vector<double> x = values_of(random_exponential(state_of(13), {kDraws}).draws);
  const bm::exponential_distribution<> reference(1.0);
  expect_moments(x, reference, "exponential");
  expect_kolmogorov_smirnov_fits(x, reference, "exponential");
}

TEST(Random, GammaFitsItsDistributionBelowAtAndAboveShapeOne) {
  std::uint64_t seed = 20;
  for (double alpha : {0.3, 1.0, 7.5}) {
    const std::vector<double> x =
        values_of(random_gamma(state_of(seed++), alpha, Shape{kDraws}).draws);
    const bm::gamma_distribution<> reference(alpha, 1.0);
    const std::string what = "gamma(" + std::to_string(alpha) + ")";
    expect_moments(x, reference, what);
    expect_kolmogorov_smirnov_fits(x, reference, what);
  }
}

TEST(Random, PoissonFitsItsDistributionByInversionAndRejection) {
  std::uint64_t seed = 30;
  for (double rate : {0.5, 12.0, 800.0}) {
    const std::vector<double> x =
        values_of(random_poisson(state_of(seed++), rate, Shape{kDraws}).draws);
    const bm::poisson_distribution<> reference(rate);
    const std::string what = "poisson(" + std::to_string(rate) + ")";
    expect_moments(x, reference, what);
    expect_chi_square_fits(x, reference, what);
  }
}

TEST(Random, BinomialFitsItsDistributionByInversionAndRejection) {
  std::uint64_t seed = 40;
  // (12, 0.9) takes the p > 1/2 reflection into inversion; (500, 0.6) into rejection.
  for (auto [n, p] : std::vector<std::pair<std::int64_t, double>>{
           {10, 0.3}, {1000, 0.02}, {500, 0.6}, {12, 0.9}}) {
    const Expr trials = constant(static_cast<double>(n), DType::int64);
    const std::vector<double> x =
        values_of(random_binomial(state_of(seed++), trials, p, Shape{kDraws}).draws);
    const bm::binomial_distribution<> reference(static_cast<double>(n), p);
    const std::string what = "binomial(" + std::to_string(n) + ", " + std::to_string(p) + ")";
    expect_moments(x, reference, what);
    expect_chi_square_fits(x, reference, what);
  }
}

// Huge means, where the acceptance test's log probability must not cancel.
TEST(Random, PoissonAndBinomialKeepTheirMomentsAtHugeMeans) {
  const std::vector<double> poisson =
      values_of(random_poisson(state_of(50), 1e12, Shape{kDraws}).draws);
  expect_moments(poisson, bm::poisson_distribution<>(1e12), "poisson(1e12)");
  const std::vector<double> binomial =
      values_of(random_binomial(state_of(51), 1e12, 0.3, Shape{kDraws}).draws);
  expect_moments(binomial, bm::binomial_distribution<>(1e12, 0.3), "binomial(1e12, 0.3)");
}

TEST(Random, CategoricalFitsItsWeightsAndNeverDrawsZeroWeight) {
  const std::vector<double> weights{1.0, 2.0, 0.0, 3.0, 4.0};
  const Expr w = constant(Tensor::from_doubles(weights, {5}));
  const std::vector<double> x = values_of(random_categorical(state_of(60), w, Shape{kDraws}).draws);
  std::vector<double> observed(weights.size(), 0.0);
  for (double v : x) observed.at(static_cast<std::size_t>(v)) += 1.0;
  EXPECT_EQ(observed[2], 0.0);
  std::vector<double> positive_observed, expected;
  for (std::size_t j = 0; j < weights.size(); ++j) {
    if (weights[j] == 0.0) continue;
    positive_observed.push_back(observed[j]);
    expected.push_back(static_cast<double>(kDraws) * weights[j] / 10.0);
  }
  expect_chi_square_below_critical(positive_observed, expected, "categorical");
}

// ---- Parameters broadcast: each element uses its own parameters -------------------------------

TEST(Random, GammaParametersBroadcastAlongTheLastAxis) {
  const Expr alpha = constant(Tensor::from_doubles({0.5, 50.0}, {2}));
  const Tensor draws = evaluate(random_gamma(state_of(70), alpha, Shape{kDraws / 2, 2}).draws);
  ASSERT_EQ(draws.shape(), Shape({kDraws / 2, 2}));
  for (std::int64_t column = 0; column < 2; ++column) {
    std::vector<double> x;
    for (std::int64_t row = 0; row < kDraws / 2; ++row) x.push_back(draws.at(row * 2 + column));
    const double a = column == 0 ? 0.5 : 50.0;
    expect_moments(x, bm::gamma_distribution<>(a, 1.0), "gamma column " + std::to_string(column));
  }
}

TEST(Random, ShapeDefaultsToTheParametersBroadcast) {
  const Expr n = constant(Tensor::from_ints({5, 50, 500}, {3}));
  const Expr p = constant(Tensor::from_doubles({0.0, 1.0}, {2, 1}));
  const Tensor draws = evaluate(random_binomial(state_of(71), n, p).draws);
  EXPECT_EQ(draws.dtype(), DType::int64);
  EXPECT_EQ(draws.to_doubles(), std::vector<double>({0, 0, 0, 5, 50, 500}));  // p = 0, then p = 1
}

TEST(Random, CategoricalRowsFollowTheBatchAxes) {
  const Expr weights = constant(Tensor::from_doubles({1, 0, 0, 0, 0, 2}, {2, 3}));
  EXPECT_EQ(evaluate(random_categorical(state_of(72), weights).draws).to_doubles(),
            std::vector<double>({0, 2}));
  const Tensor repeated = evaluate(random_categorical(state_of(72), weights, Shape{3, 2}).draws);
  EXPECT_EQ(repeated.to_doubles(), std::vector<double>({0, 2, 0, 2, 0, 2}));
}

// ---- State: counters, streams and the next state ----------------------------------------------

TEST(Random, DifferentSeedsStreamsAndCountersGiveUnrelatedDraws) {
  const std::vector<double> base = values_of(random_uniform(state_of(1, 0, 0), {64}).draws);
  for (const Expr& other : {state_of(2, 0, 0), state_of(1, 1, 0), state_of(1, 0, 1)}) {
    const std::vector<double> x = values_of(random_uniform(other, {64}).draws);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NE(x[i], base[i]) << "element " << i;
  }
  // Different distributions from the same state do not share their numbers either.
  const std::vector<double> exponential =
      values_of(random_exponential(state_of(1, 0, 0), {64}).draws);
  for (std::size_t i = 0; i < base.size(); ++i) EXPECT_NE(exponential[i], -std::log(base[i]));
}

TEST(Random, NextStateAdvancesTheCounterAndChainsDraws) {
  const RandomDraw first = random_normal(state_of(5, 3, 41), {8});
  EXPECT_EQ(evaluate(first.next_state.node()).to_doubles(), std::vector<double>({5, 3, 42}));
  const RandomDraw second = random_normal(first.next_state, {8});
  const RandomDraw direct = random_normal(state_of(5, 3, 42), {8});
  EXPECT_TRUE(evaluate(second.draws.node()).identical(evaluate(direct.draws.node())));
  EXPECT_FALSE(evaluate(second.draws.node()).identical(evaluate(first.draws.node())));

  // The counter is an unsigned word: it wraps around.
  const RandomDraw last = random_uniform(state_of(5, 3, ~std::uint64_t{0}), {});
  EXPECT_EQ(evaluate(last.next_state.node()).to_doubles(), std::vector<double>({5, 3, 0}));
}

TEST(Random, ElementValuesDependOnlyOnTheirPosition) {
  const std::vector<double> ten = values_of(random_normal(state_of(9), {10}).draws);
  const std::vector<double> four = values_of(random_normal(state_of(9), {4}).draws);
  const std::vector<double> matrix = values_of(random_normal(state_of(9), {2, 5}).draws);
  EXPECT_EQ(std::vector<double>(ten.begin(), ten.begin() + 4), four);
  EXPECT_EQ(matrix, ten);
}

TEST(Random, EqualDrawsAreOneNode) {
  const Expr state = state_of(3);
  EXPECT_EQ(random_normal(state, {3}).draws, random_normal(state, {3}).draws);
  const Expr alpha = constant(Tensor::from_doubles({1.0, 2.0}, {2}));
  EXPECT_EQ(random_gamma(state, alpha).draws, random_gamma(state, alpha, Shape{2}).draws);
  EXPECT_NE(random_gamma(state, alpha).draws, random_gamma(state, alpha, Shape{3, 2}).draws);
}

// The state as a scan carry: step t draws with counter t, on both backends.
TEST(Random, StateThreadsThroughAScan) {
  const std::int64_t steps = 4;
  const ScanResult result = scan(
      [](const Exprs&, const Exprs& carries) {
        const RandomDraw draw = random_normal(carries[0], {2});
        return ScanStep{{draw.next_state}, {draw.draws}};
      },
      {}, {state_of(6, 2, 0)}, {.n_steps = steps});
  const std::vector<Tensor> values = testing::evaluate_on_backends(
      {result.outputs[0].node(), result.carries[0].node()}, {}, {.rtol = 0.0, .atol = 0.0});
  ASSERT_EQ(values[0].shape(), Shape({steps, 2}));
  for (std::int64_t t = 0; t < steps; ++t) {
    const std::vector<double> direct =
        values_of(random_normal(state_of(6, 2, static_cast<std::uint64_t>(t)), {2}).draws);
    EXPECT_EQ(values[0].at(2 * t), direct[0]) << "step " << t;
    EXPECT_EQ(values[0].at(2 * t + 1), direct[1]) << "step " << t;
  }
  EXPECT_EQ(values[1].to_doubles(), std::vector<double>({6, 2, steps}));
}

// ---- Graph properties: not folded, no gradient, same draws on every backend -------------------

TEST(Random, OptimizerDoesNotFoldDrawsOfConstants) {
  const RandomDraw draw = random_gamma(state_of(4), 2.0, Shape{1000});
  const std::vector<NodePtr> optimized = optimize({draw.draws.node(), draw.next_state.node()});
  for (const NodePtr& node : optimized) {
    EXPECT_FALSE(is_constant(*node));
    EXPECT_EQ(node->input(0)->op_name(), "random_gamma");
  }
}

TEST(Random, DrawsCarryNoGradientToTheirParameters) {
  const Expr alpha = input("alpha", {DType::float64, {}});
  const Expr cost = sum(random_gamma(state_of(8), alpha, Shape{5}).draws * alpha);
  const Tensor gradient = evaluate(grad(cost, alpha).node(), {{"alpha", Tensor::scalar(2.0)}});
  // d/dalpha (alpha * sum(draws)) with the draws held fixed: sum(draws).
  const double draws_sum =
      evaluate(sum(random_gamma(state_of(8), 2.0, Shape{5}).draws).node()).at(0);
  EXPECT_DOUBLE_EQ(gradient.at(0), draws_sum);
}

// Every distribution, with broadcast float32 and int64 parameters, on both backends.
struct AllDistributions {
  Expr state = input("state", random_state_type());
  Expr alpha = input("alpha", {DType::float64, {3}});
  Expr rate = input("rate", {DType::float64, {4, 1}});
  Expr trials = input("trials", {DType::int64, {3}});
  Expr probability = input("probability", {DType::float32, {2, 1}});
  Expr weights = input("weights", {DType::float64, {2, 4}});
  std::vector<NodePtr> outputs;

  AllDistributions() {
    RandomDraw draw = random_uniform(state, {5, 3});
    outputs.push_back(draw.draws);
    draw = random_normal(draw.next_state, {4});
    outputs.push_back(draw.draws);
    draw = random_exponential(draw.next_state, {2, 2});
    outputs.push_back(draw.draws);
    draw = random_gamma(draw.next_state, alpha, Shape{4, 3});
    outputs.push_back(draw.draws);
    draw = random_poisson(draw.next_state, rate, Shape{4, 3});
    outputs.push_back(draw.draws);
    draw = random_binomial(draw.next_state, trials, probability);
    outputs.push_back(draw.draws);
    draw = random_categorical(draw.next_state, weights, Shape{3, 2});
    outputs.push_back(draw.draws);
    outputs.push_back(draw.next_state);
  }

  std::vector<NodePtr> inputs() const { return {state, alpha, rate, trials, probability, weights}; }

  static std::vector<Tensor> values(double alpha0 = 0.3) {
    return {random_state(2024, 7, 3),
            Tensor::from_doubles({alpha0, 1.0, 7.5}, {3}),
            Tensor::from_doubles({0.5, 12.0, 800.0, 1e6}, {4, 1}),
            Tensor::from_ints({10, 1000, 500}, {3}),
            Tensor::from_doubles({0.3, 0.6}, {2, 1}, DType::float32),
            Tensor::from_doubles({1, 2, 3, 4, 0, 0, 5, 1}, {2, 4})};
  }
};

Function compile(const AllDistributions& graph, Backend backend) {
  CompileOptions options;
  options.backend = backend;
  return Function(graph.inputs(), graph.outputs, options);
}

TEST(Random, NativeDrawsAreBitIdenticalToTheInterpreters) {
  const AllDistributions graph;
  Function interpreter = compile(graph, Backend::interp);
  Function native = compile(graph, Backend::native);
  const std::vector<Tensor> expected = interpreter(AllDistributions::values());
  const std::vector<Tensor> actual = native(AllDistributions::values());
  ASSERT_EQ(expected.size(), actual.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    EXPECT_TRUE(expected[k].identical(actual[k]))
        << "output " << k << ": interpreter " << expected[k].to_string() << ", native "
        << actual[k].to_string();
  }
  EXPECT_EQ(expected.back().to_doubles(), std::vector<double>({2024, 7, 10}));  // seven draws
  // Through the shared test helper too (op by op, or after all rewrite phases).
  testing::evaluate_on_backends(graph.inputs(), graph.outputs, AllDistributions::values(),
                                {.rtol = 0.0, .atol = 0.0});
}

// ---- Errors -------------------------------------------------------------------------------------

TEST(RandomErrors, StateMustBeThreeInt64Words) {
  const std::string wrong_dtype = error_message([] {
    random_normal(constant(Tensor::from_doubles({1, 2, 3}, {3})), {2});
  });
  expect_mentions(wrong_dtype, {"random_normal", "state", "float64(3,)"});
  const std::string wrong_shape = error_message([] {
    random_uniform(constant(Tensor::from_ints({1, 2, 3, 4}, {4})), {2});
  });
  expect_mentions(wrong_shape, {"random_uniform", "(3,)", "int64(4,)"});
}

TEST(RandomErrors, ParametersMustBroadcastToTheShape) {
  const Expr state = state_of(1);
  const Expr alpha = constant(Tensor::from_doubles({1, 2, 3}, {3}));
  expect_mentions(error_message([&] {
                    random_gamma(state, alpha, Shape{4, 2});
                  }),
                  {"random_gamma", "'alpha'", "(4, 2)", "float64(3,)"});
  const Expr n = constant(Tensor::from_ints({1, 2, 3}, {3}));
  const Expr p = constant(Tensor::from_doubles({0.1, 0.2}, {2}));
  expect_mentions(error_message([&] { random_binomial(state, n, p); }),
                  {"random_binomial", "do not broadcast", "int64(3,)", "float64(2,)"});
  expect_mentions(error_message([&] {
                    random_normal(state, {2, -1});
                  }),
                  {"random_normal", "(2, ?)", "non-negative"});
}

TEST(RandomErrors, ParameterDtypesAndCategoricalWeightsAxis) {
  const Expr state = state_of(1);
  expect_mentions(error_message([&] { random_poisson(state, constant(1.0, DType::boolean)); }),
                  {"random_poisson", "'rate'", "bool"});
  expect_mentions(error_message([&] { random_categorical(state, 1.0); }),
                  {"random_categorical", "'weights'", "last axis", "float64()"});
  expect_mentions(error_message([&] {
                    random_categorical(state, constant(Tensor(DType::float64, {2, 0})));
                  }),
                  {"random_categorical", "float64(2, 0)"});
}

TEST(RandomErrors, ParametersOutsideTheDomainFailAtRunTime) {
  const Expr state = state_of(1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  expect_mentions(error_message([&] { evaluate(random_gamma(state, -1.0).draws.node()); }),
                  {"random_gamma", "alpha must be positive"});
  expect_mentions(error_message([&] { evaluate(random_poisson(state, nan).draws.node()); }),
                  {"random_poisson", "rate must be in"});
  expect_mentions(error_message([&] { evaluate(random_binomial(state, 2.5, 0.5).draws.node()); }),
                  {"random_binomial", "n must be an integer"});
  expect_mentions(error_message([&] { evaluate(random_binomial(state, 3, 1.5).draws.node()); }),
                  {"random_binomial", "p in [0, 1]"});
  const Expr zero_weights = constant(Tensor(DType::float64, {3}));
  expect_mentions(
      error_message([&] { evaluate(random_categorical(state, zero_weights).draws.node()); }),
      {"random_categorical", "positive sum"});
}

TEST(RandomErrors, NativeCodeRaisesTheSameDomainError) {
  const AllDistributions graph;
  Function native = compile(graph, Backend::native);
  expect_mentions(error_message([&] { native(AllDistributions::values(-0.5)); }),
                  {"random_gamma", "alpha must be positive and finite"});
}

}  // namespace
}  // namespace hypatia
