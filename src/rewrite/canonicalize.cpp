// Canonicalize: constant folding, algebraic identities, shape simplifications.

#include "hypatia/ops.hpp"
#include "rewrite/engine.hpp"
#include "rewrite/pattern.hpp"

namespace hypatia::rewrite {
namespace {

// Folding makes a constant of the result; beyond this many elements the graph would carry a large
// tensor that is cheaper to recompute (a broadcast of a scalar, say).
constexpr std::int64_t kMaxFoldedElements = 1 << 16;

Expr fold_constants(const Expr& e) {
  const Node& node = *e.node();
  if (node.inputs().empty() || node.is_tuple() || node.op().reads_tuple) return {};
  std::vector<Tensor> values;
  for (const NodePtr& input : node.inputs()) {
    if (!is_constant(*input)) return {};
    values.push_back(constant_value(*input));
  }
  if (!is_fully_known(node.shape()) || num_elements(node.shape()) > kMaxFoldedElements) return {};
  return constant(node.op().kernel(node, values).front());
}

// `x` standing in for `e` only when it has exactly e's type (no broadcast or promotion lost).
Expr if_same_type(const Expr& e, const Expr& x) {
  return x && x.type() == e.type() ? x : Expr();
}

Expr multiply_by_one(const Expr& e) {
  Expr x;
  if (match(e, commutative("mul", any(x), constant_equal(1.0)))) return if_same_type(e, x);
  if (match(e, op("div", {any(x), constant_equal(1.0)}))) return if_same_type(e, x);
  if (match(e, op("pow", {any(x), constant_equal(1.0)}))) return if_same_type(e, x);
  return {};
}

Expr add_zero(const Expr& e) {
  Expr x;
  if (match(e, commutative("add", any(x), constant_equal(0.0)))) return if_same_type(e, x);
  if (match(e, op("sub", {any(x), constant_equal(0.0)}))) return if_same_type(e, x);
  return {};
}

Expr subtract_self(const Expr& e) {
  Expr x;
  // x - x is 0 for every finite x; the rule trades NaN for inf inputs for a cheaper graph, as
  // every symbolic-math system does.
  if (match(e, op("sub", {any(x), same_as(x)})) && x.type() == e.type()) return zeros_like(x);
  return {};
}

Expr double_negation(const Expr& e) {
  Expr x;
  if (match(e, op("neg", {op("neg", {any(x)})}))) return x;
  return {};
}

Expr log_of_exp(const Expr& e) {
  Expr x;
  if (match(e, op("log", {op("exp", {any(x)})})) && x.dtype() == e.dtype()) return x;
  return {};
}

Expr exp_of_log(const Expr& e) {
  Expr x;
  if (match(e, op("exp", {op("log", {any(x)})})) && known_nonnegative(x) &&
      x.dtype() == e.dtype()) {
    return x;
  }
  return {};
}

// Gradient bookkeeping ops whose run-time shape reference is statically the same shape.
Expr redundant_broadcast(const Expr& e) {
  Expr x, like;
  const bool broadcast = match(e, op("broadcast_like", {any(x), any(like)})) ||
                         match(e, op("sum_to", {any(x), any(like)}));
  if (broadcast && x.shape() == e.shape() && is_fully_known(x.shape())) return x;
  return {};
}

}  // namespace

std::vector<Rule> canonicalize_rules() {
  return {
      {"fold constants", fold_constants},
      {"x*1 -> x, x/1 -> x, x**1 -> x", multiply_by_one},
      {"x+0 -> x, x-0 -> x", add_zero},
      {"x-x -> 0", subtract_self},
      {"--x -> x", double_negation},
      {"log(exp(x)) -> x", log_of_exp},
      {"exp(log(x)) -> x for x >= 0", exp_of_log},
      {"broadcast/sum_to of the same static shape -> x", redundant_broadcast},
  };
}

}  // namespace hypatia::rewrite
