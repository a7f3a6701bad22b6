// The rewrite engine (src/rewrite/engine.cpp) remembers each node's rewrite by the node's address.
// A replacement that is itself rewritten away is freed at once, and the allocator tends to hand
// its memory to the very next node built, so an entry left under that address would pass the new
// node off as the old one. These rules make that happen on every iteration: the result must be
// the graph the rules describe.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "hypatia/hypatia.hpp"
#include "rewrite/engine.hpp"

namespace hypatia {
namespace {

// A rule replacing op `from` by `to` of the same input.
rewrite::Rule replace_op(const std::string& from, Expr (*to)(const Expr&)) {
  return {from + " -> replacement", [from, to](const Expr& e) {
            return e.node()->op_name() == from ? to(Expr(e.node()->input(0))) : Expr();
          }};
}

TEST(RewriteEngine, ReplacementsRewrittenAwayAreNotMistakenForNodesBuiltLater) {
  // exp(x) -> sin(x) -> cos(x): sin(x) lives only until cos(x) replaces it. tanh(y) -> neg(y) is
  // built right after (in the same sweep); mistaken for sin(x), it would become cos(x).
  const rewrite::Phase phase{
      "test", {replace_op("exp", sin), replace_op("sin", cos), replace_op("tanh", neg)}};
  for (int round = 0; round < 20; ++round) {
    const Expr x = input("x" + std::to_string(round), {DType::float64, {3}});
    const Expr y = input("y" + std::to_string(round), {DType::float64, {3}});
    std::map<std::string, int> hits;
    const NodePtr result =
        rewrite::run_phase({(exp(x) + tanh(y)).node()}, phase, RewriteOptions{}, hits).front();
    ASSERT_EQ(result->op_name(), "add");
    EXPECT_EQ(result->input(0)->op_name(), "cos") << "round " << round;
    EXPECT_EQ(result->input(0)->input(0), x.node()) << "round " << round;
    EXPECT_EQ(result->input(1)->op_name(), "neg") << "round " << round;
    EXPECT_EQ(result->input(1)->input(0), y.node()) << "round " << round;
  }
}

}  // namespace
}  // namespace hypatia
