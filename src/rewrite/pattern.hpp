#pragma once

// Small patterns over nodes for rewrite rules, so a rule reads like its name:
//   Expr x;
//   if (match(node, op("log", {op("exp", {any(x)})}))) return x;

#include <functional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia::rewrite {

class Pattern {
 public:
  using Matcher = std::function<bool(const NodePtr& node)>;
  explicit Pattern(Matcher matcher) : matcher_(std::move(matcher)) {}
  bool operator()(const NodePtr& node) const { return matcher_(node); }

 private:
  Matcher matcher_;
};

// Any node, bound to `capture`.
Pattern any(Expr& capture);
// A node that is the same object as an earlier capture (x - x).
Pattern same_as(const Expr& earlier);
// A constant whose every element equals `value`.
Pattern constant_equal(double value);
// A constant, bound to `capture`.
Pattern any_constant(Expr& capture);
// A node of op `name` whose inputs match `inputs` in order (an input count mismatch fails).
Pattern op(const std::string& name, std::vector<Pattern> inputs);
// A binary op of `name` whose inputs match (a, b) in either order.
Pattern commutative(const std::string& name, Pattern a, Pattern b);

inline bool match(const Expr& node, const Pattern& pattern) {
  return pattern(node.node());
}

// Whether every value of `x` is known to be >= 0 from how it is built (exp, sqrt, square, abs,
// softplus, sigmoid, non-negative constants, and sums, products and ratios of those).
bool known_nonnegative(const Expr& x);

}  // namespace hypatia::rewrite
