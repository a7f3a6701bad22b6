#include <gtest/gtest.h>

#include <sstream>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"

namespace hypatia {
namespace {

using testing::expect_rule_preserves_values;
using testing::random_tensor;

constexpr const char* kPhase = "canonicalize";

TEST(Canonicalize, FoldsConstants) {
  std::mt19937_64 rng(1);
  auto outcome = expect_rule_preserves_values(
      kPhase, "fold constants",
      [](const Exprs& x) {
        return x[0] * exp(constant(Tensor::from_doubles({0.0, 1.0}, {2})));
      },
      {random_tensor({2}, rng)});
  EXPECT_EQ(outcome.rewritten->op_name(), "mul");
  EXPECT_TRUE(is_constant(*outcome.rewritten->input(1)));
}

TEST(Canonicalize, MultiplyByOne) {
  std::mt19937_64 rng(2);
  auto outcome = expect_rule_preserves_values(
      kPhase, "x*1 -> x, x/1 -> x, x**1 -> x",
      [](const Exprs& x) { return pow(x[0] * 1.0 / 1.0, 1.0); }, {random_tensor({3}, rng)});
  EXPECT_TRUE(is_input(*outcome.rewritten));
}

TEST(Canonicalize, MultiplyByOneKeepsBroadcasting) {
  // x (1,) * ones (3,) broadcasts: the identity must not drop the shape change.
  Expr x = input("x", {DType::float64, {1}});
  Expr y = x * constant(Tensor::full(DType::float64, {3}, 1.0));
  NodePtr rewritten = optimize({y.node()}).front();
  EXPECT_EQ(rewritten->shape(), Shape({3}));
}

TEST(Canonicalize, AddZero) {
  std::mt19937_64 rng(3);
  auto outcome = expect_rule_preserves_values(kPhase, "x+0 -> x, x-0 -> x",
                                              [](const Exprs& x) { return (0.0 + x[0]) - 0.0; },
                                              {random_tensor({2, 2}, rng)});
  EXPECT_TRUE(is_input(*outcome.rewritten));
}

TEST(Canonicalize, SubtractSelf) {
  std::mt19937_64 rng(4);
  auto outcome = expect_rule_preserves_values(kPhase, "x-x -> 0",
                                              [](const Exprs& x) { return exp(x[0]) - exp(x[0]); },
                                              {random_tensor({4}, rng)});
  // zeros_like of a static shape is then a constant zero tensor.
  EXPECT_TRUE(is_constant_equal_to(*outcome.rewritten, 0.0));
}

TEST(Canonicalize, DoubleNegation) {
  std::mt19937_64 rng(5);
  auto outcome = expect_rule_preserves_values(
      kPhase, "--x -> x", [](const Exprs& x) { return -(-x[0]); }, {random_tensor({3}, rng)});
  EXPECT_TRUE(is_input(*outcome.rewritten));
}

TEST(Canonicalize, KnownSelect) {
  std::mt19937_64 rng(12);
  const char* rule = "where(true, a, b) -> a, where(false, a, b) -> b, where(c, a, a) -> a";
  const Expr all_true = constant(Tensor::from_bools({true, true, true}, {3}));
  auto chosen = expect_rule_preserves_values(
      kPhase, rule, [&](const Exprs& x) { return where(all_true, x[0], exp(x[1])); },
      {random_tensor({3}, rng), random_tensor({3}, rng)});
  EXPECT_TRUE(is_input(*chosen.rewritten));
  auto other = expect_rule_preserves_values(
      kPhase, rule,
      [](const Exprs& x) {
        return where(constant(Tensor::from_bools({false}, {})), exp(x[0]), x[1]);
      },
      {random_tensor({3}, rng), random_tensor({3}, rng)});
  EXPECT_TRUE(is_input(*other.rewritten));
  auto same = expect_rule_preserves_values(
      kPhase, rule, [](const Exprs& x) { return where(greater(x[0], 0.0), x[1], x[1]); },
      {random_tensor({3}, rng), random_tensor({3}, rng)});
  EXPECT_TRUE(is_input(*same.rewritten));
}

TEST(Canonicalize, KnownSelectKeepsBroadcasting) {
  // A mixed condition, or a chosen branch smaller than the result, must stay a select.
  Expr x = input("x", {DType::float64, {}});
  Expr mixed = constant(Tensor::from_bools({true, false}, {2}));
  EXPECT_EQ(optimize({where(mixed, x, -x).node()}).front()->shape(), Shape({2}));
  Expr all_true = constant(Tensor::from_bools({true, true}, {2}));
  NodePtr broadcast = optimize({where(all_true, x, -x).node()}).front();
  EXPECT_EQ(broadcast->shape(), Shape({2}));
  EXPECT_EQ(evaluate(broadcast, {{"x", Tensor::scalar(1.5)}}).at(1), 1.5);
}

TEST(Canonicalize, LogOfExp) {
  std::mt19937_64 rng(6);
  auto outcome = expect_rule_preserves_values(kPhase, "log(exp(x)) -> x",
                                              [](const Exprs& x) { return log(exp(x[0])); },
                                              {random_tensor({3}, rng, -5, 5)});
  EXPECT_TRUE(is_input(*outcome.rewritten));
  // The rewrite is more exact than the original where exp overflows.
  Expr x = input("big", {DType::float64, {}});
  NodePtr simplified = optimize({log(exp(x)).node()}).front();
  EXPECT_EQ(evaluate(simplified, {{"big", Tensor::scalar(1000.0)}}).at(0), 1000.0);
}

TEST(Canonicalize, ExpOfLogOnlyForNonnegative) {
  std::mt19937_64 rng(7);
  auto outcome = expect_rule_preserves_values(
      kPhase, "exp(log(x)) -> x for x >= 0",
      [](const Exprs& x) { return exp(log(exp(x[0]) * 2.0)); }, {random_tensor({3}, rng)});
  EXPECT_EQ(outcome.rewritten->op_name(), "mul");
  // For x of unknown sign, exp(log(x)) is NaN at negative x and must stay.
  Expr y = input("y", {DType::float64, {}});
  EXPECT_EQ(optimize({exp(log(y)).node()}, testing::through_phase(kPhase)).front()->op_name(),
            "exp");
}

TEST(Canonicalize, RedundantBroadcast) {
  // Built on an unknown-length placeholder, then substituted by a (3,) input, the broadcast's
  // source and target have the same static shape: the op is a no-op.
  std::mt19937_64 rng(8);
  auto outcome = expect_rule_preserves_values(
      kPhase, "broadcast/sum_to of the same static shape -> x",
      [](const Exprs& x) {
        Expr unknown = input("unknown", {DType::float64, {kUnknownDim}});
        Expr broadcast = broadcast_like(unknown, exp(x[0])) + sum_to_like(unknown, exp(x[0]));
        return Expr(substitute(broadcast.node(), {{unknown.node().get(), x[0].node()}}));
      },
      {random_tensor({3}, rng)});
  EXPECT_EQ(outcome.rewritten, (outcome.rewritten->input(0) + outcome.rewritten->input(0)).node());
}

TEST(Canonicalize, TransposeChain) {
  std::mt19937_64 rng(9);
  auto outcome =
      expect_rule_preserves_values(kPhase, "transpose(transpose(x)) -> transpose(x)",
                                   [](const Exprs& x) {
                                     return transpose(transpose(x[0], {1, 2, 0}), {2, 0, 1}) * 2.0 +
                                            transpose(transpose(x[0], {1, 0, 2}), {0, 2, 1});
                                   },
                                   {random_tensor({2, 2, 2}, rng)});
  // The first chain composes to the identity, the second to one transpose (1, 2, 0).
  EXPECT_TRUE(is_input(*outcome.rewritten->input(0)->input(0)));
  EXPECT_EQ(outcome.rewritten->input(1)->op_name(), "transpose");
  EXPECT_TRUE(is_input(*outcome.rewritten->input(1)->input(0)));
}

TEST(Canonicalize, ReshapeChain) {
  std::mt19937_64 rng(10);
  auto outcome = expect_rule_preserves_values(
      kPhase, "reshape(reshape(x)) -> reshape(x)",
      [](const Exprs& x) {
        return exp(reshape(expand_dims(reshape(x[0], {3, 4}), {0}), {2, 6}));
      },
      {random_tensor({12}, rng)});
  const NodePtr reshaped = outcome.rewritten->input(0);
  EXPECT_EQ(reshaped->op_name(), "reshape");
  EXPECT_TRUE(is_input(*reshaped->input(0)));
}

TEST(Canonicalize, StaticShapeOf) {
  std::mt19937_64 rng(11);
  auto outcome = expect_rule_preserves_values(
      kPhase, "shape_of(x) of a static shape -> constant",
      [](const Exprs& x) {
        Expr unknown = input("unknown", {DType::float64, {kUnknownDim, 2}});
        Expr shape = shape_of(exp(unknown));
        return Expr(
            substitute(cast(shape, DType::float64).node(), {{unknown.node().get(), x[0].node()}}));
      },
      {random_tensor({5, 2}, rng)});
  EXPECT_TRUE(is_constant(*outcome.rewritten));
}

TEST(Canonicalize, ShapeOnlyReferencesBecomeStatic) {
  std::mt19937_64 rng(12);
  auto outcome = expect_rule_preserves_values(
      kPhase, "shape-only reference of a static shape -> static op",
      [](const Exprs& x) {
        Expr unknown = input("unknown", {DType::float64, {kUnknownDim}});
        Expr y = broadcast_like(unknown, exp(x[1])) + zeros_like(log(x[1]));
        return Expr(substitute(y.node(), {{unknown.node().get(), x[0].node()}}));
      },
      {random_tensor({1}, rng), random_tensor({3}, rng, 0.5, 2.0)});
  // No exp or log remains: they were computed only for their shapes.
  for (const NodePtr& node : topological_order({outcome.rewritten})) {
    EXPECT_NE(node->op_name(), "exp");
    EXPECT_NE(node->op_name(), "log");
  }
}

TEST(Optimize, ReachesInsideNestedReplacementsAndReports) {
  Expr x = input("x", {DType::float64, {2}});
  Expr y = -(-(x * 1.0)) + 0.0;
  RewriteReport report;
  std::ostringstream explain;
  RewriteOptions options;
  options.explain = true;
  options.explain_stream = &explain;
  NodePtr rewritten = optimize({y.node()}, options, &report).front();
  EXPECT_EQ(rewritten, x.node());
  EXPECT_GE(report.total_hits(), 3);
  EXPECT_NE(explain.str().find("== before canonicalize =="), std::string::npos);
  EXPECT_NE(explain.str().find("fired 1x: --x -> x"), std::string::npos) << explain.str();
}

TEST(Optimize, DisabledPhasesAndRulesDoNothing) {
  Expr x = input("x", {DType::float64, {2}});
  Expr y = -(-x);
  RewriteOptions no_phase = testing::through_phase(kPhase);  // no fusion of -(-x) either
  no_phase.disabled_phases.insert("canonicalize");
  EXPECT_EQ(optimize({y.node()}, no_phase).front(), y.node());
  RewriteOptions no_rule = testing::through_phase(kPhase);
  no_rule.disabled_rules = {"--x -> x"};
  EXPECT_EQ(optimize({y.node()}, no_rule).front(), y.node());
}

}  // namespace
}  // namespace hypatia
