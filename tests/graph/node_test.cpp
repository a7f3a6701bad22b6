#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "hypatia/hypatia.hpp"

namespace hypatia {
namespace {

TEST(Node, StructurallyEqualGraphsAreOneObject) {
  Expr x = input("x", {DType::float64, {3}});
  Expr a = exp(x * 2.0) + x;
  Expr b = exp(x * 2.0) + x;
  EXPECT_EQ(a.node(), b.node());
  EXPECT_NE((x * 2.0).node(), (x * 3.0).node());
  // Constants intern by value, inputs by name and type.
  EXPECT_EQ(constant(Tensor::from_doubles({1, 2}, {2})),
            constant(Tensor::from_doubles({1, 2}, {2})));
  EXPECT_EQ(input("x", {DType::float64, {3}}), x.node());
  EXPECT_NE(input("x", {DType::float32, {3}}), x.node());
}

TEST(Node, UnusedNodesAreReleased) {
  const std::size_t before = live_node_count();
  {
    Expr y = input("released", {DType::float64, {2}});
    Expr z = log(y) * y;
    EXPECT_GT(live_node_count(), before);
  }
  EXPECT_EQ(live_node_count(), before);
}

TEST(Node, ShapeMismatchNamesOpPositionsAndShapes) {
  Expr a = input("a", {DType::float64, {3}});
  Expr b = input("b", {DType::float64, {4}});
  try {
    (void)(a + b);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("add"), std::string::npos) << message;
    EXPECT_NE(message.find("input 0 float64(3,)"), std::string::npos) << message;
    EXPECT_NE(message.find("input 1 float64(4,)"), std::string::npos) << message;
  }
}

TEST(Node, ProvenancePrefixesErrors) {
  Expr a = input("a", {DType::float64, {3}});
  Expr b = input("b", {DType::float64, {2}});
  ProvenanceScope scope("theta_raw: normal");
  try {
    (void)(a * b);
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("theta_raw: normal: mul:", 0), 0u) << e.what();
  }
}

TEST(Graph, TopologicalOrderPutsInputsFirst) {
  Expr x = input("x", {DType::float64, {}});
  Expr y = exp(x) + log(x);
  std::vector<NodePtr> order = topological_order({y.node()});
  auto position = [&order](const NodePtr& n) {
    return std::find(order.begin(), order.end(), n) - order.begin();
  };
  EXPECT_EQ(order.back(), y.node());
  EXPECT_LT(position(x.node()), position(exp(x).node()));
  EXPECT_LT(position(exp(x).node()), position(y.node()));
  EXPECT_EQ(order.size(), 4u);  // x, exp, log, add
  EXPECT_EQ(free_inputs({y.node()}), std::vector<NodePtr>({x.node()}));
}

TEST(Graph, SubstituteRebuildsOnlyWhatChanged) {
  Expr x = input("x", {DType::float64, {2}});
  Expr w = input("w", {DType::float64, {2}});
  Expr unchanged = exp(w);
  Expr y = x * 3.0 + unchanged;
  Expr replacement = log(w);
  NodePtr rebuilt = substitute(y.node(), {{x.node().get(), replacement.node()}});
  EXPECT_EQ(rebuilt, (log(w) * 3.0 + exp(w)).node());
  Tensor value = evaluate(rebuilt, {{"w", Tensor::from_doubles({1.0, 2.0}, {2})}});
  EXPECT_DOUBLE_EQ(value.at(1), std::log(2.0) * 3.0 + std::exp(2.0));
  EXPECT_THROW(substitute(y.node(), {{x.node().get(), input("i", {DType::int64, {2}})}}),
               ShapeError);
}

TEST(Graph, PrinterShowsSharedSubgraphsOnce) {
  Expr x = input("x", {DType::float64, {3}});
  Expr shared = exp(x);
  Expr y = shared * shared + shared;
  const std::string text = print_graph(y.node());
  const std::string id = "%" + std::to_string(shared->id());
  EXPECT_NE(text.find(id + " = exp : float64(3,)"), std::string::npos) << text;
  // Defined once, then referred to by id twice.
  std::size_t count = 0;
  for (std::size_t pos = text.find(id); pos != std::string::npos; pos = text.find(id, pos + 1))
    ++count;
  EXPECT_EQ(count, 3u) << text;
  EXPECT_NE(text.find("input \"x\" : float64(3,)"), std::string::npos) << text;
}

// A scan's body is printed under the scan node: its inputs, then its outputs as a listing.
TEST(Graph, PrinterShowsSubgraphBodies) {
  Expr xs = input("xs", {DType::float64, {4}});
  Expr h0 = input("h0", {DType::float64, {}});
  ScanResult r = scan(
      [](const Exprs& x, const Exprs& h) {
        return ScanStep{{h[0] * 0.5 + exp(x[0])}, {}};
      },
      {xs}, {h0});
  const std::string text = print_graph(r.carries[0].node());
  const auto line_of = [&](const std::string& part) {
    const std::size_t pos = text.find(part);
    EXPECT_NE(pos, std::string::npos) << "'" << part << "' not in:\n" << text;
    return pos;
  };
  const std::size_t scan_line = line_of("scan[");
  const std::size_t body_line = line_of("\n    body:\n");
  const std::size_t out_line = line_of("out 0: add : float64()");
  EXPECT_LT(scan_line, body_line);
  EXPECT_LT(body_line, out_line);
  // The body's inputs (placeholders for the slice and the carry) are listed with their types,
  // and its listing reaches down to them.
  EXPECT_GE(std::count(text.begin(), text.end(), '\n'), 8) << text;
  line_of("in input \"");
  line_of("exp : float64()");
  line_of("mul : float64()");
  // The outer inputs still follow the scan.
  EXPECT_GT(line_of("input \"xs\" : float64(4,)"), body_line);
}

}  // namespace
}  // namespace hypatia
