// Stabilize: forms whose naive evaluation loses precision, overflows or underflows, rewritten onto
// the ops made for them (log1p, expm1, log1mexp, softplus, sigmoid, logsumexp, normal_logcdf).
// Rules see their inputs already rewritten, so they compose: log(1 - exp(x)) first becomes
// log(-expm1(x)) and then log1mexp(x); log(1 + exp(x)) becomes log1p(exp(x)), then softplus(x).

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>

#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "rewrite/engine.hpp"
#include "rewrite/pattern.hpp"

namespace hypatia::rewrite {
namespace {

using std::int64_t;

Pattern one() {
  return constant_equal(1.0);
}

// `replacement` standing in for `e` only when it has exactly e's type: a rule must not drop a
// broadcast or a dtype promotion of the original.
Expr with_type_of(const Expr& e, const Expr& replacement) {
  return replacement.type() == e.type() ? replacement : Expr();
}

// -x, without stacking a second negation on an already negated x (canonicalize has run).
Expr negated(const Expr& x) {
  return x->op_name() == "neg" ? Expr(x->input(0)) : -x;
}

// ---- 1 + tiny and exp(tiny) round to 1 ----------------------------------------------------------

Expr log_of_one_plus(const Expr& e) {
  Expr x;
  if (match(e, op("log", {commutative("add", one(), any(x))}))) return with_type_of(e, log1p(x));
  return {};
}

Expr log_of_one_minus(const Expr& e) {
  Expr x;
  if (match(e, op("log", {op("sub", {one(), any(x)})}))) return with_type_of(e, log1p(negated(x)));
  return {};
}

Expr exp_minus_one(const Expr& e) {
  Expr x;
  if (match(e, op("sub", {op("exp", {any(x)}), one()})) ||
      match(e, commutative("add", op("exp", {any(x)}), constant_equal(-1.0)))) {
    return with_type_of(e, expm1(x));
  }
  return {};
}

Expr one_minus_exp(const Expr& e) {
  Expr x;
  if (match(e, op("sub", {one(), op("exp", {any(x)})}))) return with_type_of(e, -expm1(x));
  return {};
}

// log(1 - exp(x)) arrives here as log(-expm1(x)) (see one_minus_exp).
Expr log_of_one_minus_exp(const Expr& e) {
  Expr x;
  if (match(e, op("log", {op("neg", {op("expm1", {any(x)})})})) ||
      match(e, op("log1p", {op("neg", {op("exp", {any(x)})})}))) {
    return with_type_of(e, log1mexp(x));
  }
  return {};
}

// ---- The logistic family: exp overflows, 1 - sigmoid rounds to 0 --------------------------------

Expr one_minus_sigmoid(const Expr& e) {
  Expr x;
  if (match(e, op("sub", {one(), op("sigmoid", {any(x)})}))) {
    return with_type_of(e, sigmoid(negated(x)));
  }
  return {};
}

// log(1 - sigmoid(x)) arrives here as log(sigmoid(-x)) (see one_minus_sigmoid).
Expr log_of_sigmoid(const Expr& e) {
  Expr x;
  if (match(e, op("log", {op("sigmoid", {any(x)})}))) {
    return with_type_of(e, -softplus(negated(x)));
  }
  return {};
}

Expr log1p_of_minus_sigmoid(const Expr& e) {
  Expr x;
  if (match(e, op("log1p", {op("neg", {op("sigmoid", {any(x)})})}))) {
    return with_type_of(e, -softplus(x));
  }
  return {};
}

Expr log1p_of_exp(const Expr& e) {
  Expr x;
  if (match(e, op("log1p", {op("exp", {any(x)})}))) return with_type_of(e, softplus(x));
  return {};
}

// 1 / (1 + exp(x)) has the derivative exp(x) / (1 + exp(x))^2, inf / inf for large x.
Expr sigmoid_from_exp(const Expr& e) {
  Expr x;
  const Pattern one_plus_exp = commutative("add", one(), op("exp", {any(x)}));
  if (match(e, op("div", {one(), one_plus_exp})) || match(e, op("reciprocal", {one_plus_exp}))) {
    return with_type_of(e, sigmoid(negated(x)));
  }
  if (match(e,
            op("div", {op("exp", {any(x)}), commutative("add", one(), op("exp", {same_as(x)}))}))) {
    return with_type_of(e, sigmoid(x));
  }
  return {};
}

// ---- Sums of exponentials
// ------------------------------------------------------------------------

const std::vector<int64_t>& reduced_axes(const NodePtr& reduction) {
  return reduction->attrs().get_ints("axes");
}

bool keeps_dims(const NodePtr& reduction) {
  return reduction->attrs().get_int("keepdims") != 0;
}

Expr log_of_sum_exp(const Expr& e) {
  Expr x;
  if (!match(e, op("log", {op("sum", {op("exp", {any(x)})})}))) return {};
  const NodePtr& sum = e->input(0);
  return with_type_of(e, logsumexp(x, reduced_axes(sum), keeps_dims(sum)));
}

// The mean over a statically known number of elements n is the sum minus log(n).
Expr log_of_mean_exp(const Expr& e) {
  Expr x;
  if (!match(e, op("log", {op("mean", {op("exp", {any(x)})})}))) return {};
  const NodePtr& mean = e->input(0);
  double count = 1.0;
  for (int64_t axis : reduced_axes(mean)) {
    const int64_t dim = x.shape()[static_cast<std::size_t>(axis)];
    if (dim == kUnknownDim) return {};
    count *= static_cast<double>(dim);
  }
  return with_type_of(e, logsumexp(x, reduced_axes(mean), keeps_dims(mean)) - std::log(count));
}

// Softmax: exp(x) / sum(exp(x), axes) is inf / inf or 0 / 0 once x leaves about [-745, 709];
// exp(x - logsumexp(x, axes, keepdims=true)) is not. The sum reaches exp(x) through ops that only
// insert or broadcast dimensions (a keepdims=false sum expanded back, a gradient's broadcast_like),
// and in the gradient of a naive log(sum(exp(x))) as g * (1 / sum):
//   exp(x) * broadcast_like(expand_dims(g * reciprocal(sum(exp(x), axes)), axes), exp(x)).
// The rule follows those ops down to the sum, tracking which axis of x each dimension runs along,
// and fires only where every entry of the sum meets the slice of x it was summed from.

constexpr int64_t kNoAxis = -1;  // a size-1 dimension that runs along no axis of x

// For each dimension of a value, the axis of x it runs along.
using Origins = std::vector<int64_t>;

struct Denominator {
  NodePtr sum;     // sum(exp(x), axes, keepdims)
  NodePtr entry;   // where the sum enters the factor: sum, 1/sum, g/sum or g*(1/sum)
  Expr numerator;  // g; empty when the entry is sum or 1/sum
};

bool is_sum_of_exp_of(const NodePtr& node, const Expr& x) {
  return node->op_name() == "sum" && node->input(0)->op_name() == "exp" &&
         node->input(0)->input(0) == x.node();
}

bool is_reciprocal_of_sum(const NodePtr& node, const Expr& x) {
  return node->op_name() == "reciprocal" && is_sum_of_exp_of(node->input(0), x);
}

// The sum entering at `node`: exp(x) divided by the factor holds the sum itself; exp(x)
// multiplied by the factor holds 1/sum, g/sum or g*(1/sum).
std::optional<Denominator> entry_at(const NodePtr& node, const Expr& x, bool divides) {
  if (divides) {
    if (is_sum_of_exp_of(node, x)) return Denominator{node, node, {}};
    return std::nullopt;
  }
  if (is_reciprocal_of_sum(node, x)) return Denominator{node->input(0), node, {}};
  if (node->op_name() == "div" && is_sum_of_exp_of(node->input(1), x))
    return Denominator{node->input(1), node, node->input(0)};
  if (node->op_name() == "mul") {
    for (std::size_t side : {0, 1}) {
      if (is_reciprocal_of_sum(node->input(side), x))
        return Denominator{node->input(side)->input(0), node, node->input(1 - side)};
    }
  }
  return std::nullopt;
}

Origins sum_origins(const Node& sum) {
  const std::vector<int64_t>& axes = sum.attrs().get_ints("axes");
  const bool keepdims = sum.attrs().get_int("keepdims") != 0;
  Origins origins;
  for (int64_t axis = 0; axis < sum.input(0)->rank(); ++axis) {
    if (std::find(axes.begin(), axes.end(), axis) == axes.end()) {
      origins.push_back(axis);
    } else if (keepdims) {
      origins.push_back(kNoAxis);
    }
  }
  return origins;
}

// Numpy broadcasting to a higher rank adds leading dimensions.
void pad_to_rank(Origins& origins, int rank) {
  origins.insert(origins.begin(), static_cast<std::size_t>(rank) - origins.size(), kNoAxis);
}

// The origins of `path.front()`, a chain of expand_dims and broadcasts down to the entry.
Origins path_origins(const std::vector<NodePtr>& path, const Denominator& denominator) {
  Origins origins = sum_origins(*denominator.sum);
  pad_to_rank(origins, denominator.entry->rank());
  for (auto node = path.rbegin() + 1; node != path.rend(); ++node) {
    if ((*node)->op_name() == "expand_dims") {
      std::vector<int64_t> axes = (*node)->attrs().get_ints("axes");
      std::sort(axes.begin(), axes.end());
      for (int64_t axis : axes) origins.insert(origins.begin() + axis, kNoAxis);
    } else {
      pad_to_rank(origins, (*node)->rank());
    }
  }
  return origins;
}

// Whether each dimension of the factor, broadcast against x (aligned right), runs along the axis
// of x it came from.
bool lines_up(const Origins& origins, int x_rank) {
  const int64_t shift = x_rank - static_cast<int64_t>(origins.size());
  for (std::size_t d = 0; d < origins.size(); ++d) {
    if (origins[d] != kNoAxis && origins[d] != static_cast<int64_t>(d) + shift) return false;
  }
  return true;
}

bool only_moves_dims(const NodePtr& node) {
  const std::string& name = node->op_name();
  return name == "expand_dims" || name == "broadcast_like" || name == "broadcast_to";
}

Expr stable_softmax(const Expr& e, const Expr& x, const NodePtr& factor, bool divides) {
  std::vector<NodePtr> path{factor};  // dimension-moving ops down to where the sum enters
  std::optional<Denominator> denominator = entry_at(factor, x, divides);
  while (!denominator && only_moves_dims(path.back())) {
    path.push_back(path.back()->input(0));
    denominator = entry_at(path.back(), x, divides);
  }
  if (!denominator || !lines_up(path_origins(path, *denominator), x.rank())) return {};
  const Expr softmax = exp(x - logsumexp(x, reduced_axes(denominator->sum), true));
  if (!denominator->numerator) return with_type_of(e, softmax);
  if (denominator->numerator.type() != denominator->entry->type()) return {};
  const Expr scale = substitute(factor, {{denominator->entry.get(), denominator->numerator}});
  return with_type_of(e, scale * softmax);
}

Expr softmax_of_exp(const Expr& e) {
  if (e->op_name() == "div" && e->input(0)->op_name() == "exp")
    return stable_softmax(e, e->input(0)->input(0), e->input(1), true);
  if (e->op_name() != "mul") return {};
  for (std::size_t side : {0, 1}) {
    if (e->input(side)->op_name() != "exp") continue;
    if (Expr stable = stable_softmax(e, e->input(side)->input(0), e->input(1 - side), false))
      return stable;
  }
  return {};
}

// The log of the softmax above (canonicalize's log(exp(x)) -> x has run before it was built).
Expr log_of_softmax(const Expr& e) {
  Expr x;
  if (!match(e, op("log", {op("exp", {op("sub", {any(x), op("logsumexp", {same_as(x)})})})})))
    return {};
  return with_type_of(e, Expr(e->input(0)->input(0)));
}

// x - y, but 0 where x == y: equal infinities give 0 instead of NaN, and at a tie the gradient
// goes through the other branch alone.
Expr difference_or_zero_at_ties(const Expr& x, const Expr& y) {
  return where(equal(x, y), 0.0, x - y);
}

Expr log_of_exp_sum(const Expr& e) {
  Expr x, y;
  if (!match(e, op("log", {op("add", {op("exp", {any(x)}), op("exp", {any(y)})})}))) return {};
  return with_type_of(e, maximum(x, y) + softplus(-abs(difference_or_zero_at_ties(x, y))));
}

Expr log_of_exp_difference(const Expr& e) {
  Expr x, y;
  if (!match(e, op("log", {op("sub", {op("exp", {any(x)}), op("exp", {any(y)})})}))) return {};
  return with_type_of(e, x + log1mexp(difference_or_zero_at_ties(y, x)));
}

// exp(800) * exp(-800) is inf * 0.
Expr product_of_exps(const Expr& e) {
  Expr x, y;
  if (match(e, op("mul", {op("exp", {any(x)}), op("exp", {any(y)})})))
    return with_type_of(e, exp(x + y));
  if (match(e, op("div", {op("exp", {any(x)}), op("exp", {any(y)})})))
    return with_type_of(e, exp(x - y));
  return {};
}

// ---- Squares and the normal tail
// -----------------------------------------------------------------

// x * x overflows beyond 1e154 and underflows below 1e-162; the derivative of sqrt(x * x) is 0/0
// at x = 0.
Expr sqrt_of_square(const Expr& e) {
  Expr x;
  if (match(e, op("sqrt", {op("mul", {any(x), same_as(x)})})) ||
      match(e, op("sqrt", {op("square", {any(x)})}))) {
    return with_type_of(e, abs(x));
  }
  return {};
}

Expr one_minus_erf(const Expr& e) {
  Expr x;
  if (match(e, op("sub", {one(), op("erf", {any(x)})}))) return with_type_of(e, erfc(x));
  if (match(e, commutative("add", one(), op("erf", {any(x)}))))
    return with_type_of(e, erfc(negated(x)));
  return {};
}

// erfc underflows to 0 beyond x = 26.5; erfc(x) = 2 Phi(-sqrt(2) x), and log Phi has its own op.
Expr log_of_erfc(const Expr& e) {
  Expr x;
  if (!match(e, op("log", {op("erfc", {any(x)})}))) return {};
  return with_type_of(e, std::numbers::ln2 + normal_logcdf(x * -std::numbers::sqrt2));
}

}  // namespace

std::vector<Rule> stabilize_rules() {
  return {
      {"log(1+x) -> log1p(x)", log_of_one_plus},
      {"exp(x)-1 -> expm1(x)", exp_minus_one},
      {"1-exp(x) -> -expm1(x)", one_minus_exp},
      {"log(-expm1(x)), log1p(-exp(x)) -> log1mexp(x)", log_of_one_minus_exp},
      {"1-sigmoid(x) -> sigmoid(-x)", one_minus_sigmoid},
      {"log(sigmoid(x)) -> -softplus(-x)", log_of_sigmoid},
      {"log1p(-sigmoid(x)) -> -softplus(x)", log1p_of_minus_sigmoid},
      {"log1p(exp(x)) -> softplus(x)", log1p_of_exp},
      {"1/(1+exp(-x)), exp(x)/(1+exp(x)) -> sigmoid(x)", sigmoid_from_exp},
      {"log(sum(exp(x))) -> logsumexp(x)", log_of_sum_exp},
      {"log(mean(exp(x))) -> logsumexp(x) - log(n)", log_of_mean_exp},
      {"exp(x)/sum(exp(x)) -> exp(x - logsumexp(x))", softmax_of_exp},
      {"log(exp(x - logsumexp(x))) -> x - logsumexp(x)", log_of_softmax},
      {"log(exp(x)+exp(y)) -> max(x,y) + softplus(-|x-y|)", log_of_exp_sum},
      {"log(exp(x)-exp(y)) -> x + log1mexp(y-x)", log_of_exp_difference},
      {"exp(x)*exp(y) -> exp(x+y), exp(x)/exp(y) -> exp(x-y)", product_of_exps},
      {"sqrt(x*x) -> abs(x)", sqrt_of_square},
      {"1-erf(x) -> erfc(x), 1+erf(x) -> erfc(-x)", one_minus_erf},
      {"log(erfc(x)) -> log(2) + normal_logcdf(-sqrt(2) x)", log_of_erfc},
      {"log(1-x) -> log1p(-x)", log_of_one_minus},
  };
}

}  // namespace hypatia::rewrite
