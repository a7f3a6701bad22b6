#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "ops/fused.hpp"
#include "rewrite/rewrite_check.hpp"

namespace hypatia {
namespace {

using ops::fused_body;
using ops::is_fused;
using testing::expect_rule_preserves_values;
using testing::random_tensor;

constexpr const char* kPhase = "fuse";
constexpr const char* kChain = "fuse elementwise chain";
constexpr const char* kSum = "fuse trailing sum";
constexpr const char* kOtherReduction = "fuse trailing max/min/prod";
constexpr const char* kStaticSumTo = "sum_to of static shapes -> sum";

std::vector<NodePtr> fused_nodes(const std::vector<NodePtr>& outputs) {
  std::vector<NodePtr> found;
  for (const NodePtr& node : topological_order(outputs)) {
    if (is_fused(*node)) found.push_back(node);
  }
  return found;
}

// How many nodes of op `name` the graph computes, counting those inside fused bodies.
int count_ops(const std::vector<NodePtr>& outputs, const std::string& name) {
  int count = 0;
  for (const NodePtr& node : topological_order(outputs)) {
    if (node->op_name() == name) ++count;
    if (is_fused(*node)) count += count_ops(fused_body(*node).outputs, name);
  }
  return count;
}

void expect_same_values(const std::vector<NodePtr>& before, const std::vector<NodePtr>& after,
                        const std::unordered_map<std::string, Tensor>& values,
                        double rtol = 1e-12) {
  const std::vector<Tensor> expected = evaluate(before, values);
  const std::vector<Tensor> got = evaluate(after, values);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    ASSERT_EQ(got[k].type(), expected[k].type()) << "output " << k;
    for (std::int64_t i = 0; i < expected[k].size(); ++i) {
      const double b = expected[k].at(i), a = got[k].at(i);
      EXPECT_NEAR(a, b, rtol * std::max(1.0, std::abs(b))) << "output " << k << " element " << i;
    }
  }
}

TEST(Fuse, IsTheLastPhaseAndNamesItsRules) {
  EXPECT_EQ(rewrite_phase_names().back(), kPhase);
  const std::vector<std::string> rules = rewrite_rule_names(kPhase);
  for (const char* rule : {kChain, kSum, kOtherReduction, kStaticSumTo})
    EXPECT_NE(std::find(rules.begin(), rules.end(), rule), rules.end()) << rule;
}

TEST(Fuse, Chain) {
  std::mt19937_64 rng(1);
  auto outcome = expect_rule_preserves_values(
      kPhase, kChain, [](const Exprs& x) { return log1p(exp(-x[0]) * 2.0) + 1.0; },
      {random_tensor({7}, rng, -3, 3)});
  ASSERT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
  EXPECT_EQ(outcome.rewritten->inputs().size(), 1u);
  EXPECT_TRUE(is_input(*outcome.rewritten->input(0)));
  EXPECT_EQ(outcome.report.hits[kPhase][kChain], 1);
  EXPECT_EQ(count_ops({outcome.rewritten}, "exp"), 1);
}

TEST(Fuse, TreeWithBroadcasting) {
  std::mt19937_64 rng(2);
  auto outcome = expect_rule_preserves_values(
      kPhase, kChain, [](const Exprs& x) { return (exp(x[0]) + x[1]) * sin(x[2]) - x[1] / 2.0; },
      {random_tensor({3, 1}, rng), random_tensor({4}, rng), random_tensor({3, 4}, rng)});
  ASSERT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
  EXPECT_EQ(outcome.rewritten->inputs().size(), 3u);
  EXPECT_EQ(outcome.rewritten->shape(), Shape({3, 4}));
  EXPECT_EQ(fused_nodes({outcome.rewritten}).size(), 1u);
}

TEST(Fuse, ComparisonsWhereAndCastFuse) {
  std::mt19937_64 rng(3);
  auto outcome = expect_rule_preserves_values(
      kPhase, kChain,
      [](const Exprs& x) {
        Expr positive = greater(x[0], 0.0);
        return where(positive, x[0], cast(positive, DType::float64) - x[1]) * 3.0;
      },
      {random_tensor({5}, rng), random_tensor({5}, rng)});
  EXPECT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
}

TEST(Fuse, TrailingSumWithAxesAndKeepdims) {
  std::mt19937_64 rng(4);
  const std::vector<Tensor> points{random_tensor({2, 3, 4}, rng), random_tensor({3, 1}, rng)};
  for (bool keepdims : {false, true}) {
    auto outcome = expect_rule_preserves_values(
        kPhase, kSum,
        [keepdims](const Exprs& x) {
          return sum(square(x[0] - x[1]) * 0.5, {0, -1}, keepdims);
        },
        points);
    ASSERT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
    const NodePtr& root = fused_body(*outcome.rewritten).outputs[0];
    EXPECT_EQ(root->op_name(), "sum");
    EXPECT_EQ(root->attrs().get_ints("axes"), std::vector<std::int64_t>({0, 2}));
    EXPECT_EQ(root->attrs().get_int("keepdims"), keepdims);
    EXPECT_EQ(outcome.report.hits[kPhase][kChain], 0) << "the chain is part of the sum's region";
  }
  // Over all axes, of a single elementwise op: still one loop instead of two.
  auto all_axes = expect_rule_preserves_values(
      kPhase, kSum, [](const Exprs& x) { return sum(exp(x[0])); }, {points[0]});
  EXPECT_TRUE(is_fused(*all_axes.rewritten));
}

TEST(Fuse, TrailingMaxMinProd) {
  std::mt19937_64 rng(5);
  for (int which = 0; which < 3; ++which) {
    auto outcome = expect_rule_preserves_values(
        kPhase, kOtherReduction,
        [which](const Exprs& x) {
          Expr body = x[0] * x[1] + 0.25;
          return which == 0 ? max(body, {1}) : which == 1 ? min(body, {0}, true) : prod(body);
        },
        {random_tensor({3, 4}, rng), random_tensor({4}, rng)});
    EXPECT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
  }
}

TEST(Fuse, SharedNodeIsALeafOfEachRegionNotDuplicated) {
  Expr x = input("x", {DType::float64, {6}});
  Expr shared = exp(x) * 2.0;
  Expr a = log(shared) + 1.0;
  Expr b = sqrt(shared) * 3.0;
  RewriteReport report;
  const std::vector<NodePtr> fused = optimize({a.node(), b.node()}, {}, &report);
  ASSERT_TRUE(is_fused(*fused[0]) && is_fused(*fused[1])) << print_graph(fused);
  // Both regions read the one fused node computing the shared value.
  ASSERT_EQ(fused[0]->inputs().size(), 1u);
  ASSERT_EQ(fused[1]->inputs().size(), 1u);
  EXPECT_EQ(fused[0]->input(0), fused[1]->input(0));
  EXPECT_TRUE(is_fused(*fused[0]->input(0)));
  EXPECT_EQ(fused[0]->input(0)->type(), shared.type());
  EXPECT_EQ(fused_nodes(fused).size(), 3u);
  EXPECT_EQ(count_ops(fused, "exp"), 1);
  EXPECT_EQ(report.hits[kPhase][kChain], 3);
  std::mt19937_64 rng(6);
  expect_same_values({a.node(), b.node()}, fused, {{"x", random_tensor({6}, rng)}});
}

TEST(Fuse, GraphOutputsAndNonFusibleUsersBoundRegions) {
  Expr x = input("x", {DType::float64, {2, 3}});
  // exp(x) is an output itself: mul alone is left, a single op, and nothing fuses.
  Expr e = exp(x);
  std::vector<NodePtr> result = optimize({e.node(), (e * 2.0).node()});
  EXPECT_TRUE(fused_nodes(result).empty()) << print_graph(result);
  // A transpose between two single ops: neither side has two ops to fuse.
  result = optimize({exp(transpose(log(x))).node()});
  EXPECT_TRUE(fused_nodes(result).empty()) << print_graph(result);
  // A reduction alone, and a reduction whose input is used elsewhere, stay.
  result = optimize({sum(x).node()});
  EXPECT_TRUE(fused_nodes(result).empty());
  result = optimize({sum(e).node(), e.node()});
  EXPECT_TRUE(fused_nodes(result).empty()) << print_graph(result);
}

TEST(Fuse, SingleNodeAloneIsNotFused) {
  Expr x = input("x", {DType::float64, {3}});
  RewriteReport report;
  NodePtr result = optimize({exp(x).node()}, {}, &report).front();
  EXPECT_EQ(result->op_name(), "exp");
  EXPECT_EQ(report.hits[kPhase][kChain], 0);
}

TEST(Fuse, RegionsStopAtNonFusibleOpsAndResumeAbove) {
  std::mt19937_64 rng(7);
  auto outcome = expect_rule_preserves_values(
      kPhase, kChain,
      [](const Exprs& x) { return sin(matmul(exp(x[0]) * 2.0, x[1]) + 1.0) * x[1]; },
      {random_tensor({3, 3}, rng), random_tensor({3, 3}, rng)});
  const std::vector<NodePtr> found = fused_nodes({outcome.rewritten});
  ASSERT_EQ(found.size(), 2u) << print_graph(outcome.rewritten);
  EXPECT_EQ(outcome.rewritten, found[1]);
  EXPECT_EQ(outcome.rewritten->input(0)->op_name(), "matmul");
}

TEST(Fuse, ReachesInsideScanBodies) {
  Expr xs = input("xs", {DType::float64, {5, 3}});
  Expr init = input("init", {DType::float64, {3}});
  ScanResult loop = scan(
      [](const Exprs& slices, const Exprs& carries) {
        Expr next = carries[0] * exp(slices[0]) * 0.5 + 1.0;
        return ScanStep{{next}, {sum(square(next))}};
      },
      {xs}, {init});
  const std::vector<NodePtr> before{loop.carries[0].node(), loop.outputs[0].node()};
  RewriteReport report;
  const std::vector<NodePtr> after = optimize(before, {}, &report);
  const NodePtr scan_node = after[0]->input(0);
  ASSERT_EQ(scan_node->op_name(), "scan");
  const std::vector<NodePtr> body_fused =
      fused_nodes(scan_node->attrs().get_subgraph("body")->outputs);
  // next is a carry (an output of the body) and read by the sum: its chain and the sum's region
  // fuse separately.
  EXPECT_EQ(body_fused.size(), 2u) << print_graph(scan_node->attrs().get_subgraph("body")->outputs);
  EXPECT_EQ(report.hits[kPhase][kChain], 1);
  EXPECT_EQ(report.hits[kPhase][kSum], 1);
  std::mt19937_64 rng(8);
  expect_same_values(before, after,
                     {{"xs", random_tensor({5, 3}, rng)}, {"init", random_tensor({3}, rng)}});
}

TEST(Fuse, GradientOfANormalLogDensity) {
  // logp = sum(-0.5 * ((y - mu) / sigma)^2 - log(sigma)), differentiated, then optimized.
  Expr y = input("y", {DType::float64, {8}});
  Expr mu = input("mu", {DType::float64, {}});
  Expr sigma = input("sigma", {DType::float64, {}});
  Expr z = (y - mu) / sigma;
  Expr logp = sum(-0.5 * pow(z, 2.0) - log(sigma));
  const Exprs gradients = grad(logp, {mu, sigma});
  const std::vector<NodePtr> before{logp.node(), gradients[0].node(), gradients[1].node()};
  RewriteReport report;
  const std::vector<NodePtr> after = optimize(before, {}, &report);
  EXPECT_FALSE(fused_nodes(after).empty()) << print_graph(after);
  EXPECT_GT(report.hits[kPhase][kSum], 0) << print_graph(after);
  EXPECT_EQ(after[0]->op_name(), "fused") << print_graph(after);
  std::mt19937_64 rng(9);
  for (int trial = 0; trial < 3; ++trial) {
    expect_same_values(before, after,
                       {{"y", random_tensor({8}, rng, -3, 3)},
                        {"mu", random_tensor({}, rng)},
                        {"sigma", random_tensor({}, rng, 0.5, 2.0)}});
  }
  // The hand-derived gradients, as an independent check of the fused graph's values.
  const Tensor yv = random_tensor({8}, rng, -3, 3);
  const double m = 0.3, s = 1.7;
  const std::vector<Tensor> values =
      evaluate(after, {{"y", yv}, {"mu", Tensor::scalar(m)}, {"sigma", Tensor::scalar(s)}});
  double d_mu = 0.0, d_sigma = 0.0;
  for (std::int64_t i = 0; i < 8; ++i) {
    const double r = yv.at(i) - m;
    d_mu += r / (s * s);
    d_sigma += r * r / (s * s * s) - 1.0 / s;
  }
  EXPECT_NEAR(values[1].at(0), d_mu, 1e-12);
  EXPECT_NEAR(values[2].at(0), d_sigma, 1e-12);
}

TEST(Fuse, StaticSumToBecomesASumThatEndsARegion) {
  std::mt19937_64 rng(10);
  // Leading axes removed, a stretched axis kept as 1, an axis of 1 on both sides left alone.
  auto outcome = expect_rule_preserves_values(
      kPhase, kStaticSumTo, [](const Exprs& x) { return sum_to_like(exp(x[0]) * x[1], x[2]); },
      {random_tensor({2, 3, 4, 1}, rng), random_tensor({4, 1}, rng),
       random_tensor({3, 1, 1}, rng)});
  EXPECT_EQ(outcome.rewritten->shape(), Shape({3, 1, 1}));
  EXPECT_EQ(outcome.report.hits[kPhase][kSum], 1) << print_graph(outcome.rewritten);
  // Only the leading axes: a plain sum, fused.
  outcome = expect_rule_preserves_values(
      kPhase, kStaticSumTo, [](const Exprs& x) { return sum_to_like(square(x[0] - x[1]), x[1]); },
      {random_tensor({5}, rng), random_tensor({}, rng)});
  EXPECT_TRUE(is_fused(*outcome.rewritten)) << print_graph(outcome.rewritten);
  // Unknown shapes keep sum_to, which checks them when it runs.
  Expr u = input("u", {DType::float64, {kUnknownDim}});
  NodePtr kept = optimize({sum_to_like(exp(u), input("s", {DType::float64, {}})).node()}).front();
  EXPECT_EQ(kept->op_name(), "sum_to");
}

TEST(Fuse, UsesOfAStaticShapeDoNotBlockARegion) {
  // exp(x) * y is also read by broadcast_like, reshape_like and zeros_like, for its shape only.
  Expr x = input("x", {DType::float64, {2, 3}});
  Expr y = input("y", {DType::float64, {3}});
  Expr inner = exp(x) * y;
  Expr value = sum(log1p(square(inner)));
  Expr small = input("small", {DType::float64, {3}});
  const std::vector<NodePtr> before{value.node(), broadcast_like(small, inner).node(),
                                    reshape_like(x * 2.0, inner).node(),
                                    (zeros_like(inner) + small).node()};
  const std::vector<NodePtr> after = optimize(before);
  ASSERT_TRUE(is_fused(*after[0])) << print_graph(after);
  EXPECT_EQ(after[0]->inputs().size(), 2u) << print_graph(after);
  EXPECT_EQ(after[1]->op_name(), "broadcast_to");
  EXPECT_EQ(count_ops(after, "exp"), 1);
  std::mt19937_64 rng(11);
  expect_same_values(before, after,
                     {{"x", random_tensor({2, 3}, rng)},
                      {"y", random_tensor({3}, rng)},
                      {"small", random_tensor({3}, rng)}});
  // With an unknown shape the value must exist to give its shape: it stays a tensor.
  Expr ux = input("ux", {DType::float64, {kUnknownDim}});
  Expr unknown_inner = exp(ux) * 2.0;
  const std::vector<NodePtr> kept =
      optimize({sum(log(unknown_inner)).node(), zeros_like(unknown_inner).node()});
  EXPECT_EQ(kept[1]->input(0), kept[0]->input(0)) << print_graph(kept);
  EXPECT_TRUE(is_fused(*kept[1]->input(0)));
}

TEST(Fuse, DisabledRulesAndPhase) {
  Expr x = input("x", {DType::float64, {4}});
  Expr y = sum(exp(x) * 2.0 + 1.0);
  RewriteOptions no_sum;
  no_sum.disabled_rules = {kSum};
  NodePtr result = optimize({y.node()}, no_sum).front();
  EXPECT_EQ(result->op_name(), "sum");
  EXPECT_TRUE(is_fused(*result->input(0)));
  RewriteOptions no_fuse;
  no_fuse.disabled_phases = {kPhase};
  EXPECT_TRUE(fused_nodes(optimize({y.node()}, no_fuse)).empty());
  RewriteOptions no_chain;
  no_chain.disabled_rules = {kChain};
  EXPECT_TRUE(fused_nodes(optimize({(exp(x) * 2.0).node()}, no_chain)).empty());
}

TEST(Fuse, OptimizingAgainChangesNothing) {
  Expr x = input("x", {DType::float64, {4}});
  Expr y = input("y", {DType::float64, {4}});
  Expr e = exp(x) * y;
  const std::vector<NodePtr> once = optimize({sum(e + 1.0).node(), (log(e) - y).node()});
  RewriteReport report;
  EXPECT_EQ(optimize(once, {}, &report), once);
  EXPECT_EQ(report.total_hits(), 0);
}

TEST(Fuse, ExplainPrintsTheFusedGraph) {
  Expr x = input("x", {DType::float64, {3}});
  RewriteOptions options;
  options.explain = true;
  std::ostringstream explain;
  options.explain_stream = &explain;
  optimize({(exp(x) * 2.0 + 1.0).node()}, options);
  const std::string text = explain.str();
  EXPECT_NE(text.find("== after fuse =="), std::string::npos) << text;
  EXPECT_NE(text.find("fused"), std::string::npos) << text;
  EXPECT_NE(text.find("<graph 1 in, 1 out>"), std::string::npos) << text;
  EXPECT_NE(text.find("fired 1x: fuse elementwise chain"), std::string::npos) << text;
}

}  // namespace
}  // namespace hypatia
