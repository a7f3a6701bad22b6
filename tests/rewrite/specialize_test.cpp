#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"

namespace hypatia {
namespace {

using testing::expect_rule_preserves_values;
using testing::random_tensor;

constexpr const char* kPhase = "specialize";
// Two roundings instead of one (x * (1/c), x * square(x), a reordered sum): a few ulps.
constexpr double kFewUlps = 1e-15;
constexpr double kReorderedSum = 1e-13;

// `y` rewritten by the specialize phase alone, so structural checks do not depend on later phases.
NodePtr specialized(const Expr& y, RewriteReport* report = nullptr) {
  RewriteOptions options;
  for (const std::string& phase : rewrite_phase_names()) {
    if (phase != kPhase) options.disabled_phases.insert(phase);
  }
  return optimize({y.node()}, options, report).front();
}

bool contains_op(const NodePtr& graph, const std::string& name) {
  const std::vector<NodePtr> nodes = topological_order({graph});
  return std::any_of(nodes.begin(), nodes.end(),
                     [&name](const NodePtr& node) { return node->op_name() == name; });
}

// The rule did not fire and the specialized graph kept the op.
void expect_no_rewrite(const Expr& y, const std::string& rule, const std::string& kept_op) {
  RewriteReport report;
  NodePtr rewritten = specialized(y, &report);
  EXPECT_EQ(report.hits[kPhase][rule], 0) << print_graph(y.node());
  EXPECT_TRUE(contains_op(rewritten, kept_op)) << print_graph(rewritten);
}

Tensor constant_exponent_tensor(double value, const Shape& shape, DType dtype = DType::float64) {
  return Tensor::full(dtype, shape, value);
}

// ---- Powers -------------------------------------------------------------------------------------

struct PowerCase {
  double exponent;
  std::string rule;
  std::string top_op;  // the op at the top of the specialized graph
  double low, high;    // the range of the random bases
};

const PowerCase kPowerCases[] = {
    {2.0, "x**2 -> square(x)", "square", -3.0, 3.0},
    {3.0, "x**3 -> x*square(x)", "mul", -3.0, 3.0},
    {4.0, "x**4 -> square(square(x))", "square", -3.0, 3.0},
    {0.5, "x**0.5 -> sqrt(x)", "sqrt", 0.0, 4.0},
    {-1.0, "x**-1 -> reciprocal(x)", "reciprocal", -3.0, 3.0},
    {-2.0, "x**-2 -> reciprocal(square(x))", "reciprocal", -3.0, 3.0},
    {-0.5, "x**-0.5 -> reciprocal(sqrt(x))", "reciprocal", 0.01, 4.0},
};

TEST(Specialize, PowersWithScalarExponents) {
  std::mt19937_64 rng(1);
  for (const PowerCase& c : kPowerCases) {
    SCOPED_TRACE(c.rule);
    const double exponent = c.exponent;
    auto build = [exponent](const Exprs& x) { return pow(x[0], exponent); };
    expect_rule_preserves_values(kPhase, c.rule, build, {random_tensor({5}, rng, c.low, c.high)},
                                 kFewUlps);
    Expr x = input("x", {DType::float64, {5}});
    NodePtr rewritten = specialized(pow(x, exponent));
    EXPECT_EQ(rewritten->op_name(), c.top_op) << print_graph(rewritten);
    EXPECT_FALSE(contains_op(rewritten, "pow"));
  }
}

TEST(Specialize, IntegerPowersOfNegativeBasesAndSpecialValues) {
  const double inf = std::numeric_limits<double>::infinity();
  const Tensor bases = Tensor::from_doubles(
      {-2.0, -0.5, -1e-3, -0.0, 0.0, 7.0, -inf, inf, -1e103, -1e200, std::nan("")}, {11});
  for (const PowerCase& c : kPowerCases) {
    SCOPED_TRACE(c.rule);
    if (c.exponent != std::round(c.exponent)) continue;  // half powers of negatives are NaN anyway
    const double exponent = c.exponent;
    expect_rule_preserves_values(
        kPhase, c.rule, [exponent](const Exprs& x) { return pow(x[0], exponent); }, {bases},
        kFewUlps);
  }
  // Hand-checked: (-2)^3 = -8, (-2)^-2 = 1/4.
  Expr x = input("x", {DType::float64, {}});
  EXPECT_EQ(evaluate(specialized(pow(x, 3.0)), {{"x", Tensor::scalar(-2.0)}}).at(0), -8.0);
  EXPECT_EQ(evaluate(specialized(pow(x, -2.0)), {{"x", Tensor::scalar(-2.0)}}).at(0), 0.25);
}

TEST(Specialize, PowersWithTensorExponents) {
  std::mt19937_64 rng(2);
  // An all-equal (3,) exponent broadcast into a (2, 3) base.
  expect_rule_preserves_values(
      kPhase, "x**2 -> square(x)",
      [](const Exprs& x) { return pow(x[0], constant(constant_exponent_tensor(2.0, {3}))); },
      {random_tensor({2, 3}, rng, -2.0, 2.0)});
  // A (2, 3) exponent that widens a (3,) base: the result keeps the power's shape.
  auto widened = expect_rule_preserves_values(
      kPhase, "x**0.5 -> sqrt(x)",
      [](const Exprs& x) {
        return pow(x[0], constant(constant_exponent_tensor(0.5, {2, 3})));
      },
      {random_tensor({3}, rng, 0.0, 2.0)});
  EXPECT_EQ(widened.rewritten->shape(), Shape({2, 3}));
  // A float32 base with a float64 tensor exponent: the power is float64, so is its special form.
  auto promoted = expect_rule_preserves_values(
      kPhase, "x**-1 -> reciprocal(x)",
      [](const Exprs& x) { return pow(x[0], constant(constant_exponent_tensor(-1.0, {3}))); },
      {random_tensor({3}, rng, 0.5, 2.0, DType::float32)});
  EXPECT_EQ(promoted.rewritten->dtype(), DType::float64);
  // A rank-0 float32 exponent is not weak: still float32 with a float32 base.
  expect_rule_preserves_values(
      kPhase, "x**-2 -> reciprocal(square(x))",
      [](const Exprs& x) {
        return pow(x[0], constant(constant_exponent_tensor(-2.0, {}, DType::float32)));
      },
      {random_tensor({4}, rng, 0.5, 2.0, DType::float32)}, 1e-6);
  // An int64 exponent tensor.
  expect_rule_preserves_values(
      kPhase, "x**3 -> x*square(x)",
      [](const Exprs& x) {
        return pow(x[0], constant(Tensor::from_ints({3, 3}, {2})));
      },
      {random_tensor({2}, rng, -2.0, 2.0)}, kFewUlps);
}

TEST(Specialize, PowersOfIntegerBasesAreFloating) {
  const Tensor bases = Tensor::from_ints({-3, -1, 0, 2, 5}, {5});
  auto square_case = expect_rule_preserves_values(
      kPhase, "x**2 -> square(x)", [](const Exprs& x) { return pow(x[0], 2.0); }, {bases});
  EXPECT_EQ(square_case.rewritten->dtype(), DType::float64);
  // x**1 of an int64 x is a cast (canonicalize keeps it: the types differ).
  expect_rule_preserves_values(kPhase, "x**1 -> x, cast and broadcast like the power",
                               [](const Exprs& x) { return pow(x[0], 1.0); }, {bases});
  Expr x = input("x", {DType::int64, {}});
  EXPECT_EQ(specialized(pow(x, 1.0))->op_name(), "cast");
  EXPECT_EQ(evaluate(specialized(pow(x, 3.0)), {{"x", Tensor::from_ints({-4}, {})}}).at(0), -64.0);
}

TEST(Specialize, PowerZeroIsOneEverywhere) {
  std::mt19937_64 rng(3);
  const double nan = std::nan("");
  auto outcome = expect_rule_preserves_values(
      kPhase, "x**0 -> 1 (also for NaN x)", [](const Exprs& x) { return pow(x[0], 0.0); },
      {Tensor::from_doubles({nan, -2.0, 0.0, std::numeric_limits<double>::infinity()}, {4})});
  EXPECT_FALSE(contains_op(outcome.rewritten, "input")) << "static shape: nothing of x computed";
  // A wider exponent tensor keeps the power's shape; a float32 base keeps float32.
  expect_rule_preserves_values(kPhase, "x**0 -> 1 (also for NaN x)",
                               [](const Exprs& x) {
                                 return pow(x[0], constant(constant_exponent_tensor(0.0, {2, 3})));
                               },
                               {random_tensor({3}, rng)});
  expect_rule_preserves_values(kPhase, "x**0 -> 1 (also for NaN x)",
                               [](const Exprs& x) { return pow(x[0], 0.0); },
                               {random_tensor({}, rng, -1, 1, DType::float32)});
  // With an unknown length the ones take x's run-time shape.
  Expr x = input("x", {DType::float64, {kUnknownDim}});
  NodePtr rewritten = specialized(pow(x, 0.0));
  EXPECT_EQ(rewritten->shape(), Shape({kUnknownDim}));
  Tensor ones = evaluate(rewritten, {{"x", Tensor::from_doubles({nan, 1.0, -3.0}, {3})}});
  EXPECT_EQ(ones.shape(), Shape({3}));
  for (std::int64_t i = 0; i < 3; ++i) EXPECT_EQ(ones.at(i), 1.0);
}

TEST(Specialize, OtherExponentsStayPow) {
  Expr x = input("x", {DType::float64, {3}});
  Expr y = input("y", {DType::float64, {3}});
  expect_no_rewrite(pow(x, 2.5), "x**2 -> square(x)", "pow");
  expect_no_rewrite(pow(x, 5.0), "x**3 -> x*square(x)", "pow");
  expect_no_rewrite(pow(x, y), "x**2 -> square(x)", "pow");
  // Exponents that are not all equal.
  expect_no_rewrite(pow(x, constant(Tensor::from_doubles({2.0, 2.0, 3.0}, {3}))),
                    "x**2 -> square(x)", "pow");
}

// ---- Division and multiplication ----------------------------------------------------------------

TEST(Specialize, DivisionByConstantBecomesMultiplication) {
  std::mt19937_64 rng(4);
  const std::string rule = "x/c -> x*(1/c) for a constant c";
  auto scalar = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return x[0] / 3.0; }, {random_tensor({6}, rng, -9, 9)},
      kFewUlps);
  EXPECT_EQ(specialized(input("x0", {DType::float64, {6}}) / 3.0)->op_name(), "mul");
  expect_rule_preserves_values(
      kPhase, rule,
      [](const Exprs& x) {
        return x[0] / constant(Tensor::from_doubles({2.0, -7.0, 0.1}, {3}));
      },
      {random_tensor({2, 3}, rng, -9, 9)}, kFewUlps);
  // float32 / float32 and float32 / C++ number stay float32 (two float32 roundings at most).
  expect_rule_preserves_values(
      kPhase, rule,
      [](const Exprs& x) { return x[0] / constant(Tensor::full(DType::float32, {}, 3.0)); },
      {random_tensor({4}, rng, -9, 9, DType::float32)}, 3e-7);
  expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return x[0] / 7.0; },
      {random_tensor({4}, rng, -9, 9, DType::float32)}, 3e-7);
  // A rank-0 int64 constant is a weak scalar (like a C++ literal 3): float32 / 3 stays float32,
  // and the rewrite keeps it so.
  auto weak = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return x[0] / constant(Tensor::from_ints({3}, {})); },
      {random_tensor({4}, rng, -9, 9, DType::float32)}, 3e-7);
  EXPECT_EQ(weak.rewritten->dtype(), DType::float32);
  // An int64 tensor divisor is not weak: float32 / int64 is float64, and stays so.
  auto promoted = expect_rule_preserves_values(
      kPhase, rule,
      [](const Exprs& x) {
        return x[0] / constant(Tensor::from_ints({3, 3, 3, 3}, {4}));
      },
      {random_tensor({4}, rng, -9, 9, DType::float32)}, kFewUlps);
  EXPECT_EQ(promoted.rewritten->dtype(), DType::float64);
  // int64 / C++ number is float64 too.
  expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return x[0] / 4.0; }, {Tensor::from_ints({-7, 0, 9}, {3})},
      kFewUlps);
  // Special dividends divide the same way.
  const double inf = std::numeric_limits<double>::infinity();
  expect_rule_preserves_values(kPhase, rule, [](const Exprs& x) { return x[0] / -0.25; },
                               {Tensor::from_doubles({inf, -inf, std::nan(""), 0.0, 1e308}, {5})});
}

TEST(Specialize, DivisionByUnusualConstantsStays) {
  Expr x = input("x", {DType::float64, {3}});
  Expr y = input("y", {DType::float64, {3}});
  const std::string rule = "x/c -> x*(1/c) for a constant c";
  expect_no_rewrite(x / 0.0, rule, "div");
  expect_no_rewrite(x / 1e-310, rule, "div");  // subnormal: 1/c overflows
  expect_no_rewrite(x / 1e308, rule, "div");   // 1/c is subnormal
  expect_no_rewrite(x / std::numeric_limits<double>::infinity(), rule, "div");
  expect_no_rewrite(x / constant(Tensor::from_doubles({1.0, 0.0, 2.0}, {3})), rule, "div");
  expect_no_rewrite(x / y, rule, "div");
  // Fine in float64, but 1/c is subnormal in float32.
  Expr x32 = input("x32", {DType::float32, {3}});
  expect_no_rewrite(x32 / constant(Tensor::full(DType::float32, {}, 1e38)), rule, "div");
}

TEST(Specialize, OneOverXIsReciprocal) {
  std::mt19937_64 rng(5);
  auto outcome = expect_rule_preserves_values(
      kPhase, "1/x -> reciprocal(x)", [](const Exprs& x) { return 1.0 / x[0]; },
      {Tensor::from_doubles({-2.0, 0.0, -0.0, 3.0, std::numeric_limits<double>::infinity()}, {5})});
  EXPECT_EQ(specialized(1.0 / input("x0", {DType::float64, {5}}))->op_name(), "reciprocal");
  // A wider tensor of ones and an int64 x: the reciprocal is broadcast and floating.
  expect_rule_preserves_values(kPhase, "1/x -> reciprocal(x)",
                               [](const Exprs& x) {
                                 return constant(Tensor::full(DType::float64, {2, 3}, 1.0)) / x[0];
                               },
                               {Tensor::from_ints({-1, 2, 4}, {3})});
}

TEST(Specialize, SelfProductIsSquare) {
  std::mt19937_64 rng(6);
  expect_rule_preserves_values(kPhase, "x*x -> square(x)",
                               [](const Exprs& x) { return sin(x[0]) * sin(x[0]); },
                               {random_tensor({3}, rng)});
  EXPECT_EQ(specialized(input("x0", {DType::float64, {3}}) * input("x0", {DType::float64, {3}}))
                ->op_name(),
            "square");
  auto integer = expect_rule_preserves_values(
      kPhase, "x*x -> square(x)", [](const Exprs& x) { return x[0] * x[0]; },
      {Tensor::from_ints({-3, 0, 3037000500}, {3})});  // the last one wraps around, both ways
  EXPECT_EQ(integer.rewritten->dtype(), DType::int64);
  // x * y is no square.
  Expr x = input("x", {DType::float64, {3}});
  expect_no_rewrite(x * exp(x), "x*x -> square(x)", "mul");
}

TEST(Specialize, MultiplyByMinusOneIsNegation) {
  std::mt19937_64 rng(7);
  expect_rule_preserves_values(kPhase, "x*-1 -> -x", [](const Exprs& x) { return -1.0 * x[0]; },
                               {random_tensor({3}, rng)});
  EXPECT_EQ(specialized(input("x0", {DType::float64, {3}}) * -1.0)->op_name(), "neg");
  // An int64 x times the C++ number -1 is float64; broadcasting to a wider constant is kept.
  expect_rule_preserves_values(kPhase, "x*-1 -> -x",
                               [](const Exprs& x) {
                                 return x[0] * constant(Tensor::full(DType::float64, {2, 3}, -1.0));
                               },
                               {Tensor::from_ints({-5, 0, 7}, {3})});
}

// ---- Sums of products ---------------------------------------------------------------------------

TEST(Specialize, SumOfProductsIsDot) {
  std::mt19937_64 rng(8);
  auto outcome = expect_rule_preserves_values(
      kPhase, "sum(a*b) -> dot(a, b) for 1-d a, b", [](const Exprs& x) { return sum(x[0] * x[1]); },
      {random_tensor({7}, rng), random_tensor({7}, rng)}, kReorderedSum);
  NodePtr rewritten =
      specialized(sum(input("x0", {DType::float64, {7}}) * input("x1", {DType::float64, {7}})));
  EXPECT_TRUE(contains_op(rewritten, "matmul")) << print_graph(rewritten);
  EXPECT_FALSE(contains_op(rewritten, "mul")) << print_graph(rewritten);
  // float32 operands stay float32.
  expect_rule_preserves_values(
      kPhase, "sum(a*b) -> dot(a, b) for 1-d a, b",
      [](const Exprs& x) { return sum(x[0] * x[1], {0}); },
      {random_tensor({5}, rng, -1, 1, DType::float32),
       random_tensor({5}, rng, -1, 1, DType::float32)},
      1e-5);
}

// Reverse mode's gradient of a scalar times a vector: sum_to(g * x) down to the scalar's shape.
TEST(Specialize, ScalarSumToOfProductsIsDot) {
  std::mt19937_64 rng(12);
  const std::string rule = "sum_to(a*b, scalar) -> dot(a, b) for 1-d a, b";
  auto build = [](const Exprs& x) { return sum_to_like(x[0] * exp(x[1]), x[2]); };
  const std::vector<Tensor> points = {random_tensor({100}, rng), random_tensor({100}, rng),
                                      Tensor::scalar(0.5)};
  auto outcome = expect_rule_preserves_values(kPhase, rule, build, points, kReorderedSum);
  EXPECT_TRUE(contains_op(outcome.rewritten, "matmul")) << print_graph(outcome.rewritten);
  EXPECT_FALSE(contains_op(outcome.rewritten, "sum_to")) << print_graph(outcome.rewritten);
  // Independent of the rewrite: the sum by a hand loop.
  const Tensor value = testing::evaluate_builder(build, points);
  double expected = 0.0;
  for (std::int64_t i = 0; i < 100; ++i) expected += points[0].at(i) * std::exp(points[1].at(i));
  EXPECT_NEAR(value.at(0), expected, 1e-12 * (1.0 + std::abs(expected)));

  Expr scalar = input("s", {DType::float64, {}});
  Expr row = input("row", {DType::float64, {1}});
  // Too short for a library call to pay, summed to a (1,) shape rather than a scalar, and a
  // product that broadcasts a length-1 operand.
  expect_no_rewrite(
      sum_to_like(input("a", {DType::float64, {8}}) * input("b", {DType::float64, {8}}), scalar),
      rule, "sum_to");
  Expr long_a = input("long_a", {DType::float64, {100}});
  expect_no_rewrite(sum_to_like(long_a * exp(long_a), row), rule, "sum_to");
  expect_no_rewrite(sum_to_like(long_a * row, scalar), rule, "sum_to");
}

TEST(Specialize, MatrixVectorSumIsMatmul) {
  std::mt19937_64 rng(9);
  const std::string rule = "sum(m*v, axis=-1) -> matmul(m, v)";
  expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return sum(x[0] * x[1], {-1}); },
      {random_tensor({4, 3}, rng), random_tensor({3}, rng)}, kReorderedSum);
  // The vector first, and a batch of matrices.
  auto batched = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return sum(x[1] * x[0], {2}); },
      {random_tensor({2, 4, 3}, rng), random_tensor({3}, rng)}, kReorderedSum);
  EXPECT_EQ(batched.rewritten->shape(), Shape({2, 4}));
  NodePtr rewritten = specialized(
      sum(input("m", {DType::float64, {4, 3}}) * input("v", {DType::float64, {3}}), {1}));
  EXPECT_TRUE(contains_op(rewritten, "matmul"));
  EXPECT_FALSE(contains_op(rewritten, "mul"));
}

TEST(Specialize, ColumnTimesMatrixSumIsMatmul) {
  std::mt19937_64 rng(10);
  const std::string rule = "sum(a[:, None]*m, axis=0) -> matmul(a, m)";
  expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return sum(expand_dims(x[0], {1}) * x[1], {0}); },
      {random_tensor({4}, rng), random_tensor({4, 3}, rng)}, kReorderedSum);
  auto reshaped = expect_rule_preserves_values(
      kPhase, rule,
      [](const Exprs& x) {
        return sum(x[1] * reshape(x[0], {4, 1}), {0});
      },
      {random_tensor({4}, rng), random_tensor({4, 3}, rng)}, kReorderedSum);
  EXPECT_EQ(reshaped.rewritten->shape(), Shape({3}));
}

TEST(Specialize, SumsOfProductsThatDoNotFitStay) {
  const std::string dot_rule = "sum(a*b) -> dot(a, b) for 1-d a, b";
  const std::string matvec_rule = "sum(m*v, axis=-1) -> matmul(m, v)";
  const std::string column_rule = "sum(a[:, None]*m, axis=0) -> matmul(a, m)";
  Expr a = input("a", {DType::float64, {3}});
  Expr one = input("one", {DType::float64, {1}});
  Expr unknown = input("unknown", {DType::float64, {kUnknownDim}});
  Expr m = input("m", {DType::float64, {2, 3}});
  Expr ints = input("ints", {DType::int64, {3}});
  // A hidden broadcast, an unknown length, an exact integer sum, keepdims.
  expect_no_rewrite(sum(a * one), dot_rule, "mul");
  expect_no_rewrite(sum(unknown * exp(unknown)), dot_rule, "mul");
  expect_no_rewrite(sum(ints * input("more_ints", {DType::int64, {3}})), dot_rule, "mul");
  expect_no_rewrite(sum(a * exp(a), {}, true), dot_rule, "mul");
  // Summed over the matrix's rows, m * v is no matrix-vector product.
  expect_no_rewrite(sum(m * a, {0}), matvec_rule, "mul");
  expect_no_rewrite(sum(m * a, {0}), column_rule, "mul");
  // A (2, 3) by (2, 3) product summed over the last axis: neither operand is a vector.
  expect_no_rewrite(sum(m * exp(m), {1}), matvec_rule, "mul");
  // The column is (2, 1) but the matrix (1, 3): the product broadcasts both.
  Expr row = input("row", {DType::float64, {1, 3}});
  expect_no_rewrite(sum(expand_dims(input("b", {DType::float64, {2}}), {1}) * row, {0}),
                    column_rule, "mul");
}

// ---- The phase as a whole -----------------------------------------------------------------------

TEST(Specialize, RunsAfterCanonicalizeAndStabilize) {
  const std::vector<std::string> names = rewrite_phase_names();
  auto position = [&names](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  ASSERT_LT(position(kPhase), static_cast<std::ptrdiff_t>(names.size()));
  EXPECT_LT(position("canonicalize"), position(kPhase));
  if (position("stabilize") < static_cast<std::ptrdiff_t>(names.size())) {
    EXPECT_LT(position("stabilize"), position(kPhase));
  }
  std::vector<std::string> rules = rewrite_rule_names(kPhase);
  std::sort(rules.begin(), rules.end());
  EXPECT_EQ(std::adjacent_find(rules.begin(), rules.end()), rules.end()) << "rule names repeat";
}

// A log density touching most rules: the graph after specialize differentiates (through square,
// sqrt, reciprocal, dot and matmul) to the same gradient as the graph before.
Expr many_special_cases(const Exprs& x) {
  const Expr& v = x[0];  // (3,), positive
  const Expr& m = x[1];  // (2, 3)
  const Expr& u = x[2];  // (2,)
  Expr terms = pow(v, 2.0) + pow(v, 3.0) / 4.0 + pow(v, -0.5) + pow(v, 0.5) * pow(v, -2.0) +
               pow(v, 4.0) * -1.0 + 1.0 / v + pow(v, 0.0);
  return sum(terms * v) + sum(sin(sum(m * v, {1}))) + sum(cos(sum(expand_dims(u, {1}) * m, {0}))) +
         sum(m * m);
}

TEST(Specialize, GradientsAgreeBeforeAndAfter) {
  std::mt19937_64 rng(11);
  const std::vector<Tensor> points = {random_tensor({3}, rng, 0.5, 2.0), random_tensor({2, 3}, rng),
                                      random_tensor({2}, rng)};
  Expr v = input("v", points[0].type());
  Expr m = input("m", points[1].type());
  Expr u = input("u", points[2].type());
  Expr cost = many_special_cases({v, m, u});
  RewriteReport report;
  Expr special = specialized(cost, &report);
  EXPECT_GE(report.total_hits(), 10) << print_graph(special);
  EXPECT_FALSE(contains_op(special, "pow")) << print_graph(special);
  EXPECT_TRUE(contains_op(special, "matmul"));

  const Exprs before = grad(cost, {v, m, u});
  const Exprs after = grad(special, {v, m, u});
  const std::vector<NodePtr> placeholders = {v, m, u};
  const std::vector<Tensor> expected =
      Interpreter(placeholders, {before[0], before[1], before[2]}).run(points);
  const std::vector<Tensor> actual =
      Interpreter(placeholders, {after[0], after[1], after[2]}).run(points);
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_EQ(expected[k].type(), actual[k].type());
    for (std::int64_t i = 0; i < expected[k].size(); ++i) {
      EXPECT_NEAR(actual[k].at(i), expected[k].at(i),
                  1e-12 * std::max(1.0, std::abs(expected[k].at(i))))
          << "input " << k << " element " << i;
    }
  }
  // And the specialized graph's own gradient matches finite differences, to second order.
  auto specialized_builder = [](const Exprs& x) {
    return Expr(specialized(many_special_cases(x)));
  };
  testing::expect_gradient_matches(specialized_builder, points);
  testing::expect_second_derivative_matches(specialized_builder, points);
}

}  // namespace
}  // namespace hypatia
