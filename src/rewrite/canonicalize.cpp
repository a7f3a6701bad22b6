// Canonicalize: constant folding, algebraic identities, shape simplifications.

#include <algorithm>

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

// A select whose condition is a constant (true or false everywhere) or whose two branches are one
// node: distributions' parameter and support guards over constants leave these behind, and each
// would otherwise cost a pass over its operands, in the gradient as well.
Expr known_select(const Expr& e) {
  Expr condition, if_true, if_false;
  if (match(e, op("where", {constant_equal(1.0), any(if_true), any(if_false)}))) {
    return if_same_type(e, if_true);
  }
  if (match(e, op("where", {constant_equal(0.0), any(if_true), any(if_false)}))) {
    return if_same_type(e, if_false);
  }
  if (match(e, op("where", {any(condition), any(if_true), same_as(if_true)}))) {
    return if_same_type(e, if_true);
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

// transpose(transpose(x, p), q) is one transpose by the composed permutation (or x itself).
Expr transpose_chain(const Expr& e) {
  Expr inner, x;
  if (!match(e, op("transpose", {op("transpose", {any(x)})}))) return {};
  inner = e->input(0);
  const auto& outer_axes = e->attrs().get_ints("permutation");
  const auto& inner_axes = inner->attrs().get_ints("permutation");
  std::vector<std::int64_t> composed;
  for (std::int64_t axis : outer_axes)
    composed.push_back(inner_axes[static_cast<std::size_t>(axis)]);
  return transpose(x, composed);
}

// Reshapes of reshapes (and of views that only move size-1 axes) reshape the original once.
Expr reshape_chain(const Expr& e) {
  static const char* const kViews[] = {"reshape", "expand_dims", "squeeze"};
  if (e->op_name() != "reshape" && e->op_name() != "expand_dims" && e->op_name() != "squeeze") {
    return {};
  }
  const Expr inner = e->input(0);
  const bool inner_is_view = std::any_of(std::begin(kViews), std::end(kViews),
                                         [&inner](const char* v) { return inner->op_name() == v; });
  if (!inner_is_view || !is_fully_known(e.shape())) return {};
  return reshape(inner->input(0), e.shape());
}

// The shape of a value whose static shape is fully known is a constant.
Expr static_shape_of(const Expr& e) {
  Expr x;
  if (match(e, op("shape_of", {any(x)})) && is_fully_known(x.shape())) return shape_of(x);
  return {};
}

// Ops that read their second input only for its shape keep the whole subgraph that computes it
// alive (dead code for the values); with a fully known shape they need no reference at all.
Expr static_shape_reference(const Expr& e) {
  Expr x, like;
  if (!is_fully_known(e.shape())) return {};
  if (match(e, op("broadcast_like", {any(x), any(like)}))) return broadcast_to(x, e.shape());
  if (match(e, op("reshape_like", {any(x), any(like)}))) return reshape(x, e.shape());
  if (match(e, op("fill_like", {any(like)})) && !is_constant(*like.node())) {
    return constant(Tensor::full(e.dtype(), e.shape(), e->attrs().get_double("value")));
  }
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
      {"where(true, a, b) -> a, where(false, a, b) -> b, where(c, a, a) -> a", known_select},
      {"broadcast/sum_to of the same static shape -> x", redundant_broadcast},
      {"transpose(transpose(x)) -> transpose(x)", transpose_chain},
      {"reshape(reshape(x)) -> reshape(x)", reshape_chain},
      {"shape_of(x) of a static shape -> constant", static_shape_of},
      {"shape-only reference of a static shape -> static op", static_shape_reference},
  };
}

}  // namespace hypatia::rewrite
