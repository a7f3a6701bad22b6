#include <gtest/gtest.h>

#include <cmath>

#include "hypatia/hypatia.hpp"
#include "ops/fused.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using ops::fused_body;
using ops::make_fused;
using testing::random_tensor;

using testing::contains;
using testing::error_message;

// The fused node's value equals the unfused region's, computed by the interpreter op by op.
void expect_same_values(const NodePtr& unfused, const NodePtr& fused,
                        const std::unordered_map<std::string, Tensor>& values) {
  const Tensor expected = evaluate(unfused, values);
  const Tensor got = evaluate(fused, values);
  ASSERT_EQ(got.type(), expected.type());
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected.at(i))) {
      EXPECT_TRUE(std::isnan(got.at(i))) << "element " << i;
    } else {
      EXPECT_DOUBLE_EQ(got.at(i), expected.at(i)) << "element " << i;
    }
  }
}

TEST(Fused, ChainComputesTheRegion) {
  std::mt19937_64 rng(1);
  Expr x = input("x", {DType::float64, {5}});
  Expr y = input("y", {DType::float64, {5}});
  Expr root = exp(x) * y + 1.0;
  NodePtr fused = make_fused(root, {y.node(), x.node()});
  EXPECT_EQ(fused->op_name(), "fused");
  EXPECT_EQ(fused->type(), root.type());
  // Inputs in the order a walk from the root first reaches them, whatever order they were given.
  ASSERT_EQ(fused->inputs().size(), 2u);
  EXPECT_EQ(fused->input(0), x.node());
  EXPECT_EQ(fused->input(1), y.node());
  const Subgraph& body = fused_body(*fused);
  ASSERT_EQ(body.inputs.size(), 2u);
  EXPECT_EQ(body.inputs[0]->attrs().get_string("name"), "fused.in0");
  EXPECT_EQ(body.inputs[1]->attrs().get_string("name"), "fused.in1");
  ASSERT_EQ(body.outputs.size(), 1u);
  EXPECT_EQ(body.outputs[0]->op_name(), "add");
  expect_same_values(root, fused, {{"x", random_tensor({5}, rng)}, {"y", random_tensor({5}, rng)}});
}

TEST(Fused, EqualRegionsAreOneNodeAndShareTheirBody) {
  Expr x = input("x", {DType::float64, {3}});
  Expr z = input("z", {DType::float64, {3}});
  NodePtr a = make_fused(sin(x) * 2.0, {x.node()});
  EXPECT_EQ(make_fused(sin(x) * 2.0, {x.node()}), a);
  NodePtr b = make_fused(sin(z) * 2.0, {z.node()});
  EXPECT_NE(b, a);
  EXPECT_EQ(fused_body(*b).outputs, fused_body(*a).outputs);
}

TEST(Fused, BroadcastingTreeWithComparisonsWhereAndCast) {
  std::mt19937_64 rng(2);
  Expr x = input("x", {DType::float64, {3, 1}});
  Expr y = input("y", {DType::float64, {4}});
  Expr i = input("i", {DType::int64, {}});
  Expr root = where(greater(x, y), sqrt(abs(x * y)), cast(i, DType::float64) - y);
  NodePtr fused = make_fused(root, {x.node(), y.node(), i.node()});
  EXPECT_EQ(fused->shape(), Shape({3, 4}));
  EXPECT_EQ(fused_body(*fused).inputs[2]->dtype(), DType::int64);
  expect_same_values(root, fused,
                     {{"x", random_tensor({3, 1}, rng)},
                      {"y", random_tensor({4}, rng)},
                      {"i", Tensor::scalar(3.0, DType::int64)}});
}

TEST(Fused, TrailingReductionsWithAxesAndKeepdims) {
  std::mt19937_64 rng(3);
  Expr x = input("x", {DType::float64, {2, 3, 4}});
  Expr y = input("y", {DType::float64, {4}});
  const std::unordered_map<std::string, Tensor> values{{"x", random_tensor({2, 3, 4}, rng)},
                                                       {"y", random_tensor({4}, rng)}};
  for (const Expr& root : {sum(square(x - y), {0, 2}, true), sum(exp(x) * y), max(x * y, {-1}),
                           min(x + y, {1}, true), prod(x - y, {0})}) {
    NodePtr fused = make_fused(root, {x.node(), y.node()});
    EXPECT_EQ(fused->type(), root.type());
    EXPECT_EQ(fused_body(*fused).outputs[0]->op_name(), root->op_name());
    expect_same_values(root, fused, values);
  }
}

TEST(Fused, SmallConstantsStayLargeOnesBecomeInputs) {
  Expr x = input("x", {DType::float64, {100}});
  Tensor small = Tensor::from_doubles({1.0, 2.0, 3.0, 4.0}, {4});
  Tensor large = Tensor::full(DType::float64, {100}, 0.5);
  NodePtr inline_only =
      make_fused(exp(reshape(x, {25, 4})) * constant(small) + 2.0, {reshape(x, {25, 4}).node()});
  EXPECT_EQ(inline_only->inputs().size(), 1u);
  NodePtr with_large = make_fused(x * constant(large) + 1.0, {x.node()});
  ASSERT_EQ(with_large->inputs().size(), 2u);
  EXPECT_TRUE(is_constant(*with_large->input(1)));
  std::mt19937_64 rng(4);
  expect_same_values(x * constant(large) + 1.0, with_large, {{"x", random_tensor({100}, rng)}});
}

TEST(Fused, UnknownDimsAndRunTimeErrorsInTheBody) {
  Expr x = input("x", {DType::float64, {kUnknownDim}});
  Expr y = input("y", {DType::float64, {kUnknownDim}});
  NodePtr fused = make_fused(log(x) + y * 2.0, {x.node(), y.node()});
  EXPECT_EQ(fused->shape(), Shape({kUnknownDim}));
  std::mt19937_64 rng(5);
  expect_same_values(log(x) + y * 2.0, fused,
                     {{"x", random_tensor({6}, rng, 0.1, 2.0)}, {"y", random_tensor({6}, rng)}});
  const std::string message = error_message([&] {
    evaluate(fused, {{"x", random_tensor({3}, rng, 0.1, 2.0)}, {"y", random_tensor({4}, rng)}});
  });
  EXPECT_TRUE(contains(message, "fused: in the body")) << message;
  EXPECT_TRUE(contains(message, "(3,)")) << message;
}

TEST(Fused, BuildingErrorsNameTheOffendingNode) {
  Expr a = input("a", {DType::float64, {3, 3}});
  Expr b = input("b", {DType::float64, {3, 3}});
  // The region would run through a matmul that is not a leaf.
  std::string message = error_message([&] { make_fused(exp(matmul(a, b)) + 1.0, {a, b}); });
  EXPECT_TRUE(contains(message, "fused")) << message;
  EXPECT_TRUE(contains(message, "'matmul' float64(3, 3)")) << message;
  // A reduction only as the root.
  message = error_message([&] { make_fused(exp(sum(a, {0})) + 1.0, {a.node()}); });
  EXPECT_TRUE(contains(message, "'sum' float64(3,)")) << message;
  // A root that is itself a leaf, or not an op a region can end with.
  message = error_message([&] { make_fused(a, {a.node()}); });
  EXPECT_TRUE(contains(message, "cannot head a fused region")) << message;
  message = error_message([&] { make_fused(transpose(exp(a)), {a.node()}); });
  EXPECT_TRUE(contains(message, "'transpose'")) << message;
  // A trailing reduction of a leaf has no elementwise work to fuse.
  message = error_message([&] { make_fused(sum(a), {a.node()}); });
  EXPECT_TRUE(contains(message, "cannot head a fused region")) << message;
}

TEST(Fused, TypeRuleChecksTheBody) {
  Expr x = input("x", {DType::float64, {3}});
  NodePtr good = make_fused(exp(x) + 1.0, {x.node()});
  const Attrs& attrs = good->attrs();
  // Inputs that do not fit the placeholders.
  std::string message = error_message([&] {
    make_node(ops::fused_op(), {input("w", {DType::float64, {4}})}, attrs);
  });
  EXPECT_TRUE(contains(message, "fused: input 0 is float64(4,)")) << message;
  EXPECT_TRUE(contains(message, "float64(3,)")) << message;
  message = error_message([&] { make_node(ops::fused_op(), {}, attrs); });
  EXPECT_TRUE(contains(message, "takes 1 inputs, but 0 were given")) << message;
  // A body with a node that is not elementwise, or with two outputs.
  NodePtr p = input("fused.in0", {DType::float64, {3}});
  auto scanning = std::make_shared<const Subgraph>(Subgraph{{p}, {exp(cumsum(p, 0)).node()}});
  message = error_message([&] { make_node(ops::fused_op(), {x.node()}, {{"body", scanning}}); });
  EXPECT_TRUE(contains(message, "the body contains 'cumsum' float64(3,)")) << message;
  auto two = std::make_shared<const Subgraph>(Subgraph{{p}, {exp(p).node(), log(p).node()}});
  message = error_message([&] { make_node(ops::fused_op(), {x.node()}, {{"body", two}}); });
  EXPECT_TRUE(contains(message, "the body has 2 outputs")) << message;
}

TEST(Fused, HasNoGradientRule) {
  // Fusion runs after differentiation; a gradient through a fused node is a clear error.
  Expr x = input("x", {DType::float64, {3}});
  Expr fused = make_fused(exp(x) * 2.0, {x.node()});
  const std::string message = error_message([&] { grad(sum(fused), x); });
  EXPECT_TRUE(contains(message, "'fused' has no gradient rule")) << message;
}

TEST(Fused, PrintsWithItsBodyAttribute) {
  Expr x = input("x", {DType::float64, {3}});
  Expr y = input("y", {DType::float64, {3}});
  const std::string listing = print_graph(make_fused(sum(exp(x) * y), {x.node(), y.node()}));
  EXPECT_TRUE(contains(listing, "fused")) << listing;
  EXPECT_TRUE(contains(listing, "<graph 2 in, 1 out>")) << listing;
}

}  // namespace
}  // namespace hypatia
