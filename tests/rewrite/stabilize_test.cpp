// Each stabilize rule twice: it fires and keeps values on random inputs where the naive form is
// fine, and at an input where the naive form is inf, NaN or inexact the rewritten graph is right.
// Expected values there come from closed forms evaluated here (std::log1p, series), not from the
// ops the rules produce.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"

namespace hypatia {
namespace {

using testing::expect_rule_preserves_values;
using testing::GraphBuilder;
using testing::random_tensor;

constexpr const char* kPhase = "stabilize";
constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor values(const std::vector<double>& v) {
  return Tensor::from_doubles(v, {static_cast<std::int64_t>(v.size())});
}

Tensor scalar(double v) {
  return Tensor::scalar(v);
}

std::string listing(const Tensor& t) {
  std::ostringstream out;
  out.precision(17);
  for (std::int64_t i = 0; i < t.size(); ++i) out << (i ? ", " : "") << t.at(i);
  return out.str();
}

bool close(double actual, double expected, double rtol) {
  if (actual == expected) return true;
  return std::isfinite(actual) && std::abs(actual - expected) <= rtol * std::abs(expected);
}

struct NaiveAndStable {
  Tensor naive;
  Tensor stable;
};

// f on placeholders like `points`, evaluated as built and after optimize.
NaiveAndStable evaluate_both(const GraphBuilder& f, const std::vector<Tensor>& points) {
  std::vector<NodePtr> placeholders;
  Exprs inputs;
  for (std::size_t i = 0; i < points.size(); ++i) {
    placeholders.push_back(input("x" + std::to_string(i), points[i].type()));
    inputs.push_back(placeholders.back());
  }
  const NodePtr naive = f(inputs).node();
  const NodePtr stable = optimize({naive}).front();
  return {Interpreter(placeholders, {naive}).run(points).front(),
          Interpreter(placeholders, {stable}).run(points).front()};
}

// The naive graph misses `expected` somewhere (inf, NaN or rounding); the optimized one hits it.
void expect_stabilizes(const GraphBuilder& f, const std::vector<Tensor>& points,
                       const std::vector<double>& expected, double rtol = 1e-14) {
  const NaiveAndStable result = evaluate_both(f, points);
  ASSERT_EQ(result.stable.size(), static_cast<std::int64_t>(expected.size()));
  bool naive_misses = false;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    naive_misses =
        naive_misses || !close(result.naive.at(static_cast<std::int64_t>(i)), expected[i], rtol);
    EXPECT_PRED3(close, result.stable.at(static_cast<std::int64_t>(i)), expected[i], rtol)
        << "element " << i;
  }
  EXPECT_TRUE(naive_misses) << "the naive graph is already right here: " << listing(result.naive);
}

// ---- log1p, expm1, log1mexp ---------------------------------------------------------------------

TEST(Stabilize, LogOfOnePlus) {
  std::mt19937_64 rng(1);
  const char* rule = "log(1+x) -> log1p(x)";
  auto outcome = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return log(1.0 + x[0]); }, {random_tensor({5}, rng)});
  EXPECT_EQ(outcome.rewritten->op_name(), "log1p");
  expect_rule_preserves_values(kPhase, rule, [](const Exprs& x) { return log(x[0] + 1.0); },
                               {random_tensor({5}, rng)});
  // 1 + 1e-20 rounds to 1.
  expect_stabilizes([](const Exprs& x) { return log(1.0 + x[0]); }, {values({1e-20, -3e-17})},
                    {1e-20, -3e-17});
  expect_stabilizes([](const Exprs& x) { return log(x[0] + 1.0); }, {scalar(1e-20)}, {1e-20});
}

TEST(Stabilize, LogOfOneMinus) {
  std::mt19937_64 rng(2);
  auto outcome = expect_rule_preserves_values(kPhase, "log(1-x) -> log1p(-x)",
                                              [](const Exprs& x) { return log(1.0 - x[0]); },
                                              {random_tensor({5}, rng)});
  EXPECT_EQ(outcome.rewritten->op_name(), "log1p");
  expect_stabilizes([](const Exprs& x) { return log(1.0 - x[0]); }, {scalar(1e-20)}, {-1e-20});
}

TEST(Stabilize, ExpMinusOne) {
  std::mt19937_64 rng(3);
  const char* rule = "exp(x)-1 -> expm1(x)";
  auto outcome = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return exp(x[0]) - 1.0; }, {random_tensor({5}, rng)});
  EXPECT_EQ(outcome.rewritten->op_name(), "expm1");
  expect_rule_preserves_values(kPhase, rule, [](const Exprs& x) { return -1.0 + exp(x[0]); },
                               {random_tensor({5}, rng)});
  // exp(1e-20) rounds to 1; expm1(x) = x + x^2/2 + ... is x to double precision.
  expect_stabilizes([](const Exprs& x) { return exp(x[0]) - 1.0; }, {values({1e-20, -2e-18})},
                    {1e-20, -2e-18});
}

TEST(Stabilize, OneMinusExp) {
  std::mt19937_64 rng(4);
  expect_rule_preserves_values(kPhase, "1-exp(x) -> -expm1(x)",
                               [](const Exprs& x) { return 1.0 - exp(x[0]); },
                               {random_tensor({5}, rng)});
  expect_stabilizes([](const Exprs& x) { return 1.0 - exp(x[0]); }, {scalar(1e-20)}, {-1e-20});
}

TEST(Stabilize, Log1mexp) {
  std::mt19937_64 rng(5);
  const char* rule = "log(-expm1(x)), log1p(-exp(x)) -> log1mexp(x)";
  for (const GraphBuilder& f : std::vector<GraphBuilder>{
           [](const Exprs& x) { return log(1.0 - exp(x[0])); },
           [](const Exprs& x) { return log(-expm1(x[0])); },
           [](const Exprs& x) { return log1p(-exp(x[0])); },
       }) {
    auto outcome =
        expect_rule_preserves_values(kPhase, rule, f, {random_tensor({6}, rng, -5.0, -0.01)});
    EXPECT_EQ(outcome.rewritten->op_name(), "log1mexp");
  }
  // Near 0, 1 - exp(x) is -x = 1e-20 but rounds to 0; far left it is 1 - 4e-18, which rounds to
  // 1, while the answer is log1p(-exp(-40)) = -exp(-40) to double precision.
  const std::vector<double> expected{std::log(1e-20), -std::exp(-40.0)};
  expect_stabilizes([](const Exprs& x) { return log(1.0 - exp(x[0])); }, {values({-1e-20, -40})},
                    expected);
  expect_stabilizes([](const Exprs& x) { return log(-expm1(x[0])); }, {scalar(-40)},
                    {-std::exp(-40.0)});
  expect_stabilizes([](const Exprs& x) { return log1p(-exp(x[0])); }, {scalar(-1e-20)},
                    {std::log(1e-20)});
}

// ---- The logistic family ------------------------------------------------------------------------

TEST(Stabilize, OneMinusSigmoid) {
  std::mt19937_64 rng(6);
  auto outcome = expect_rule_preserves_values(
      kPhase, "1-sigmoid(x) -> sigmoid(-x)", [](const Exprs& x) { return 1.0 - sigmoid(x[0]); },
      {random_tensor({5}, rng, -5, 5)}, 1e-14);
  EXPECT_EQ(outcome.rewritten->op_name(), "sigmoid");
  // sigmoid(40) rounds to 1; 1 - sigmoid(40) = 1 / (1 + exp(40)).
  expect_stabilizes([](const Exprs& x) { return 1.0 - sigmoid(x[0]); }, {scalar(40)},
                    {1.0 / (1.0 + std::exp(40.0))});
}

TEST(Stabilize, LogOfSigmoid) {
  std::mt19937_64 rng(7);
  auto outcome = expect_rule_preserves_values(kPhase, "log(sigmoid(x)) -> -softplus(-x)",
                                              [](const Exprs& x) { return log(sigmoid(x[0])); },
                                              {random_tensor({5}, rng, -10, 10)});
  EXPECT_EQ(outcome.rewritten->op_name(), "neg");
  // log sigmoid(x) = -log1p(exp(-x)): -800 exactly at x = -800, where sigmoid underflows to 0.
  expect_stabilizes([](const Exprs& x) { return log(sigmoid(x[0])); }, {values({-800, 40})},
                    {-800.0, -std::log1p(std::exp(-40.0))});
}

TEST(Stabilize, LogOfOneMinusSigmoid) {
  std::mt19937_64 rng(8);
  auto f = [](const Exprs& x) { return log(1.0 - sigmoid(x[0])); };
  auto outcome = expect_rule_preserves_values(kPhase, "1-sigmoid(x) -> sigmoid(-x)", f,
                                              {random_tensor({5}, rng, -10, 10)}, 1e-13);
  EXPECT_GT(outcome.report.hits[kPhase]["log(sigmoid(x)) -> -softplus(-x)"], 0);
  // -softplus(x), with no double negation left behind.
  EXPECT_EQ(outcome.rewritten->op_name(), "neg");
  EXPECT_EQ(outcome.rewritten->input(0)->op_name(), "softplus");
  EXPECT_TRUE(is_input(*outcome.rewritten->input(0)->input(0)));
  expect_stabilizes(f, {values({800, -40})}, {-800.0, -std::log1p(std::exp(-40.0))});
}

TEST(Stabilize, Log1pOfMinusSigmoid) {
  std::mt19937_64 rng(9);
  auto f = [](const Exprs& x) { return log1p(-sigmoid(x[0])); };
  expect_rule_preserves_values(kPhase, "log1p(-sigmoid(x)) -> -softplus(x)", f,
                               {random_tensor({5}, rng, -10, 10)}, 1e-13);
  expect_stabilizes(f, {scalar(800)}, {-800.0});
}

TEST(Stabilize, Softplus) {
  std::mt19937_64 rng(10);
  const char* rule = "log1p(exp(x)) -> softplus(x)";
  auto outcome =
      expect_rule_preserves_values(kPhase, rule, [](const Exprs& x) { return log1p(exp(x[0])); },
                                   {random_tensor({5}, rng, -10, 10)});
  EXPECT_EQ(outcome.rewritten->op_name(), "softplus");
  // log(1 + exp(x)): first log1p(exp(x)), then softplus.
  auto f = [](const Exprs& x) { return log(1.0 + exp(x[0])); };
  outcome = expect_rule_preserves_values(kPhase, rule, f, {random_tensor({5}, rng, -10, 10)});
  EXPECT_GT(outcome.report.hits[kPhase]["log(1+x) -> log1p(x)"], 0);
  EXPECT_EQ(outcome.rewritten->op_name(), "softplus");
  // exp(800) overflows; log(1 + exp(-40)) rounds to log(1) = 0.
  expect_stabilizes(f, {values({800, -40})}, {800.0, std::exp(-40.0)});
}

TEST(Stabilize, SigmoidFromExp) {
  std::mt19937_64 rng(11);
  const char* rule = "1/(1+exp(-x)), exp(x)/(1+exp(x)) -> sigmoid(x)";
  for (const GraphBuilder& f : std::vector<GraphBuilder>{
           [](const Exprs& x) { return 1.0 / (1.0 + exp(-x[0])); },
           [](const Exprs& x) { return reciprocal(exp(-x[0]) + 1.0); },
           [](const Exprs& x) { return exp(x[0]) / (1.0 + exp(x[0])); },
       }) {
    auto outcome =
        expect_rule_preserves_values(kPhase, rule, f, {random_tensor({5}, rng, -10, 10)}, 1e-14);
    EXPECT_EQ(outcome.rewritten->op_name(), "sigmoid");
  }
  // At -710, exp(710) overflows and 1/(1+inf) is 0 instead of exp(-710) ~ 4.5e-309; at 800,
  // exp(x)/(1+exp(x)) is inf/inf.
  expect_stabilizes([](const Exprs& x) { return 1.0 / (1.0 + exp(-x[0])); }, {scalar(-710)},
                    {std::exp(-710.0)}, 1e-12);
  expect_stabilizes([](const Exprs& x) { return exp(x[0]) / (1.0 + exp(x[0])); }, {scalar(800)},
                    {1.0});
}

// ---- Sums of exponentials -----------------------------------------------------------------------

TEST(Stabilize, LogSumExp) {
  std::mt19937_64 rng(12);
  const char* rule = "log(sum(exp(x))) -> logsumexp(x)";
  auto outcome = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return log(sum(exp(x[0]))); },
      {random_tensor({4}, rng, -5, 5)}, 1e-14);
  EXPECT_EQ(outcome.rewritten->op_name(), "logsumexp");
  // Axes and keepdims carry over.
  outcome = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return log(sum(exp(x[0]), {-1}, true)); },
      {random_tensor({2, 3}, rng, -5, 5)}, 1e-14);
  EXPECT_EQ(outcome.rewritten->op_name(), "logsumexp");
  EXPECT_EQ(outcome.rewritten->shape(), Shape({2, 1}));
  EXPECT_EQ(outcome.rewritten->attrs().get_ints("axes"), std::vector<std::int64_t>({1}));

  const double log2 = std::numbers::ln2;
  expect_stabilizes([](const Exprs& x) { return log(sum(exp(x[0]))); }, {values({1000, 1000})},
                    {1000 + log2});
  expect_stabilizes([](const Exprs& x) { return log(sum(exp(x[0]), {1})); },
                    {Tensor::from_doubles({-1000, -1000, 0, 0}, {2, 2})}, {-1000 + log2, log2});
}

TEST(Stabilize, LogSoftmaxBySubtraction) {
  std::mt19937_64 rng(13);
  auto f = [](const Exprs& x) { return x[0] - log(sum(exp(x[0]), {1}, true)); };
  expect_rule_preserves_values(kPhase, "log(sum(exp(x))) -> logsumexp(x)", f,
                               {random_tensor({2, 3}, rng, -5, 5)}, 1e-13);
  expect_stabilizes(f, {Tensor::from_doubles({1000, 0}, {1, 2})}, {0.0, -1000.0});
}

TEST(Stabilize, LogMeanExp) {
  std::mt19937_64 rng(14);
  auto f = [](const Exprs& x) { return log(mean(exp(x[0]), {0})); };
  expect_rule_preserves_values(kPhase, "log(mean(exp(x))) -> logsumexp(x) - log(n)", f,
                               {random_tensor({4, 2}, rng, -5, 5)}, 1e-14);
  expect_stabilizes(f, {Tensor::from_doubles({1000, -1000, 1000, -1000}, {2, 2})},
                    {1000.0, -1000.0});
}

TEST(Stabilize, Softmax) {
  std::mt19937_64 rng(15);
  const char* rule = "exp(x)/sum(exp(x)) -> exp(x - logsumexp(x))";
  const std::vector<GraphBuilder> softmaxes{
      [](const Exprs& x) { return exp(x[0]) / sum(exp(x[0]), {1}, true); },
      [](const Exprs& x) { return exp(x[0]) / expand_dims(sum(exp(x[0]), {1}), {1}); },
      [](const Exprs& x) { return exp(x[0]) * reciprocal(sum(exp(x[0]), {1}, true)); },
      // Over all axes; and over axis 0, whose (3,) sum broadcasts along axis 1 as numpy aligns it.
      [](const Exprs& x) { return exp(x[0]) / sum(exp(x[0])); },
      [](const Exprs& x) { return exp(x[0]) / sum(exp(x[0]), {0}); },
  };
  for (const GraphBuilder& f : softmaxes) {
    auto outcome =
        expect_rule_preserves_values(kPhase, rule, f, {random_tensor({2, 3}, rng, -5, 5)}, 1e-14);
    EXPECT_EQ(outcome.rewritten->op_name(), "exp");
  }
  // Overflow (inf/inf) and underflow (0/0) both give NaN naively.
  const Tensor extreme = Tensor::from_doubles({1000, 1000, 1000, -1000, -1000, -1001}, {2, 3});
  const double e = std::exp(-1.0);
  for (std::size_t i : {0, 1, 2}) {
    // x - logsumexp(x) carries the rounding of logsumexp near 1000 (1e-13).
    expect_stabilizes(softmaxes[i], {extreme},
                      {1.0 / 3, 1.0 / 3, 1.0 / 3, 1 / (2 + e), 1 / (2 + e), e / (2 + e)}, 1e-12);
  }
}

TEST(Stabilize, SoftmaxNeedsTheSumAlignedWithItsSlices) {
  // x is (3, 3) and its row sums (3,) broadcast along the rows: entry (i, j) is divided by the sum
  // of row j, which is no softmax. The rule must leave it.
  Expr x = input("x", {DType::float64, {3, 3}});
  RewriteReport report;
  optimize({(exp(x) / sum(exp(x), {1})).node()}, {}, &report);
  EXPECT_EQ(report.hits["stabilize"]["exp(x)/sum(exp(x)) -> exp(x - logsumexp(x))"], 0);
  // Expanded at the wrong axis, likewise.
  optimize({(exp(x) / expand_dims(sum(exp(x), {1}), {0})).node()}, {}, &report);
  EXPECT_EQ(report.hits["stabilize"]["exp(x)/sum(exp(x)) -> exp(x - logsumexp(x))"], 0);
}

TEST(Stabilize, LogOfSoftmax) {
  std::mt19937_64 rng(16);
  auto f = [](const Exprs& x) { return log(exp(x[0]) / sum(exp(x[0]), {1}, true)); };
  auto outcome =
      expect_rule_preserves_values(kPhase, "log(exp(x - logsumexp(x))) -> x - logsumexp(x)", f,
                                   {random_tensor({2, 3}, rng, -5, 5)}, 1e-13);
  EXPECT_EQ(outcome.rewritten->op_name(), "sub");
  expect_stabilizes(f, {Tensor::from_doubles({1000, 0}, {1, 2})}, {0.0, -1000.0});
}

// The gradient of a naive log(sum(exp(x))) holds exp(x) * (g / sum(exp(x))) behind broadcasts:
// optimizing the gradient graph makes it a softmax that neither overflows nor underflows.
TEST(Stabilize, GradientOfNaiveLogSumExp) {
  std::mt19937_64 rng(17);
  const char* rule = "exp(x)/sum(exp(x)) -> exp(x - logsumexp(x))";
  const std::vector<GraphBuilder> gradients{
      [](const Exprs& x) { return grad(sum(log(sum(exp(x[0]), {1}))), x[0]); },
      [](const Exprs& x) { return grad(sum(log(sum(exp(x[0]), {1}, true))), x[0]); },
      [](const Exprs& x) { return grad(log(sum(exp(x[0]))), x[0]); },
      [](const Exprs& x) { return grad(sum(x[0] * log(sum(exp(x[0]), {1}, true))), x[0]); },
  };
  for (const GraphBuilder& f : gradients) {
    expect_rule_preserves_values(kPhase, rule, f, {random_tensor({2, 3}, rng, -5, 5)}, 1e-13);
  }
  const Tensor extreme = Tensor::from_doubles({1000, 1000, 0, -1000, -1000, -1000}, {2, 3});
  const double third = 1.0 / 3;
  expect_stabilizes(gradients[0], {extreme}, {0.5, 0.5, 0.0, third, third, third}, 1e-12);
  expect_stabilizes(gradients[1], {extreme}, {0.5, 0.5, 0.0, third, third, third}, 1e-12);
  expect_stabilizes(gradients[2], {Tensor::from_doubles({1000, 1000, -1000, -1000}, {2, 2})},
                    {0.5, 0.5, 0.0, 0.0}, 1e-12);
}

TEST(Stabilize, LogAddExp) {
  std::mt19937_64 rng(18);
  auto f = [](const Exprs& x) { return log(exp(x[0]) + exp(x[1])); };
  expect_rule_preserves_values(kPhase, "log(exp(x)+exp(y)) -> max(x,y) + softplus(-|x-y|)", f,
                               {random_tensor({6}, rng, -5, 5), random_tensor({6}, rng, -5, 5)},
                               1e-14);
  // Broadcasting operands; ties; both -inf (log(0 + 0) = -inf, not NaN).
  expect_rule_preserves_values(kPhase, "log(exp(x)+exp(y)) -> max(x,y) + softplus(-|x-y|)", f,
                               {values({-1, 0.5, 2}), Tensor::from_doubles({0.5, -kInf}, {2, 1})},
                               1e-14);
  const double log2 = std::numbers::ln2;
  expect_stabilizes(f, {values({1000, -1000, -kInf}), values({1000, -1001, -kInf})},
                    {1000 + log2, -1000 + std::log1p(std::exp(-1.0)), -kInf});
  // The gradient is finite, also at a tie, where each side gets half.
  Expr x = input("x", {DType::float64, {3}});
  Expr y = input("y", {DType::float64, {3}});
  Expr stable =
      optimize({log(exp(x) + exp(y)).node()}, testing::through_phase("stabilize")).front();
  Tensor dx = evaluate(grad(sum(stable), x),
                       {{"x", values({1000, -1000, 3})}, {"y", values({1000, -1001, 3})}});
  EXPECT_EQ(dx.at(0), 0.5);
  EXPECT_NEAR(dx.at(1), 1 / (1 + std::exp(-1.0)), 1e-15);
  EXPECT_EQ(dx.at(2), 0.5);
}

TEST(Stabilize, LogSubExp) {
  std::mt19937_64 rng(19);
  auto f = [](const Exprs& x) { return log(exp(x[0]) - exp(x[1])); };
  // x > y where the log is defined.
  Tensor y = random_tensor({6}, rng, -5, 5);
  Tensor x = y.copy();
  for (std::int64_t i = 0; i < x.size(); ++i) x.set(i, y.at(i) + 0.1 + i);
  expect_rule_preserves_values(kPhase, "log(exp(x)-exp(y)) -> x + log1mexp(y-x)", f, {x, y}, 1e-13);
  expect_stabilizes(
      f, {values({1000, -1000, 2}), values({999, -1001, 2})},
      {1000 + std::log1p(-std::exp(-1.0)), -1000 + std::log1p(-std::exp(-1.0)), -kInf});
}

TEST(Stabilize, ProductOfExps) {
  std::mt19937_64 rng(20);
  const char* rule = "exp(x)*exp(y) -> exp(x+y), exp(x)/exp(y) -> exp(x-y)";
  auto product = [](const Exprs& x) { return exp(x[0]) * exp(x[1]); };
  auto ratio = [](const Exprs& x) { return exp(x[0]) / exp(x[1]); };
  for (const GraphBuilder& f : {GraphBuilder(product), GraphBuilder(ratio)}) {
    auto outcome = expect_rule_preserves_values(
        kPhase, rule, f, {random_tensor({4}, rng, -5, 5), random_tensor({4}, rng, -5, 5)}, 1e-14);
    EXPECT_EQ(outcome.rewritten->op_name(), "exp");
  }
  // inf * 0 and inf / inf.
  expect_stabilizes(product, {values({800, -800}), values({-800, 801})}, {1.0, std::exp(1.0)});
  expect_stabilizes(ratio, {values({800, -800}), values({800, -801})}, {1.0, std::exp(1.0)});
}

// ---- Squares and the normal tail ----------------------------------------------------------------

TEST(Stabilize, SqrtOfSquare) {
  std::mt19937_64 rng(21);
  const char* rule = "sqrt(x*x) -> abs(x)";
  auto product = [](const Exprs& x) { return sqrt(x[0] * x[0]); };
  auto square_form = [](const Exprs& x) { return sqrt(square(x[0])); };
  for (const GraphBuilder& f : {GraphBuilder(product), GraphBuilder(square_form)}) {
    auto outcome = expect_rule_preserves_values(kPhase, rule, f, {random_tensor({5}, rng)});
    EXPECT_EQ(outcome.rewritten->op_name(), "abs");
  }
  // x*x overflows to inf and underflows to 0.
  expect_stabilizes(product, {values({1e200, -1e-200})}, {1e200, 1e-200});
  expect_stabilizes(square_form, {values({-1e200, 1e-200})}, {1e200, 1e-200});
  // The derivative at 0 is 0 (sign), not 0.5 / 0 * 0 = NaN.
  Expr x = input("x", {DType::float64, {}});
  EXPECT_TRUE(std::isnan(evaluate(grad(sqrt(x * x), x), {{"x", scalar(0)}}).at(0)));
  Expr stable = optimize({sqrt(x * x).node()}).front();
  EXPECT_EQ(evaluate(grad(stable, x), {{"x", scalar(0)}}).at(0), 0.0);
}

TEST(Stabilize, OneMinusErf) {
  std::mt19937_64 rng(22);
  const char* rule = "1-erf(x) -> erfc(x), 1+erf(x) -> erfc(-x)";
  auto minus = [](const Exprs& x) { return 1.0 - erf(x[0]); };
  auto plus = [](const Exprs& x) { return erf(x[0]) + 1.0; };
  for (const GraphBuilder& f : {GraphBuilder(minus), GraphBuilder(plus)}) {
    auto outcome = expect_rule_preserves_values(kPhase, rule, f, {random_tensor({5}, rng)}, 1e-14);
    EXPECT_EQ(outcome.rewritten->op_name(), "erfc");
  }
  // erf(10) rounds to 1; erfc(10) = 2.0884875837625447570e-45 (tables).
  expect_stabilizes(minus, {scalar(10)}, {2.0884875837625447570e-45});
  expect_stabilizes(plus, {scalar(-10)}, {2.0884875837625447570e-45});
}

TEST(Stabilize, LogOfErfc) {
  std::mt19937_64 rng(23);
  auto f = [](const Exprs& x) { return log(erfc(x[0])); };
  expect_rule_preserves_values(kPhase, "log(erfc(x)) -> log(2) + normal_logcdf(-sqrt(2) x)", f,
                               {random_tensor({8}, rng, -6, 6)}, 1e-13);
  // erfc(30) ~ 1e-393 underflows. Asymptotically erfc(x) = exp(-x^2) / (x sqrt(pi))
  // (1 - u + 3u^2 - 15u^3 + 105u^4 - 945u^5 + ...) with u = 1/(2x^2).
  const double x = 30, u = 1 / (2 * x * x);
  const double series = u * (-1 + u * (3 + u * (-15 + u * (105 - 945 * u))));
  const double expected = -x * x - std::log(x * std::sqrt(std::numbers::pi)) + std::log1p(series);
  expect_stabilizes(f, {scalar(x)}, {expected});
  // 1 - erf(x) first becomes erfc(x).
  auto from_erf = [](const Exprs& x) { return log(1.0 - erf(x[0])); };
  expect_stabilizes(from_erf, {scalar(x)}, {expected});
}

TEST(Stabilize, RulesKeepFloat32) {
  // A float32 graph stays float32 (the weak scalar 1 does not promote it).
  Expr x = input("x", {DType::float32, {3}});
  Expr y = log(1.0 + x) + log(sigmoid(x)) + log(sum(exp(x))) + sqrt(x * x);
  RewriteReport report;
  NodePtr stable = optimize({y.node()}, {}, &report).front();
  EXPECT_EQ(stable->dtype(), DType::float32);
  EXPECT_GE(report.hits["stabilize"].size(), 4u);
}

TEST(Stabilize, PhaseRunsAfterCanonicalize) {
  const std::vector<std::string> names = rewrite_phase_names();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "canonicalize");
  EXPECT_EQ(names[1], "stabilize");
  EXPECT_GE(rewrite_rule_names("stabilize").size(), 15u);
}

}  // namespace
}  // namespace hypatia
