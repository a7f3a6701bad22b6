// Bounds on one or both sides. With both, the log-odds map keeps the whole real line in use; with
// one, an exponential offset from the bound. An infinite bound is no bound: a constant bound that
// is infinite everywhere is dropped, one infinite in some elements only gets a transform that
// picks the map per element.

#include <cmath>

#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {
namespace {

class LowerBoundTransform final : public Transform {
 public:
  explicit LowerBoundTransform(Expr lower) : lower_(std::move(lower)) {}
  std::string name() const override { return "lower_bound"; }
  Expr constrain(const Expr& u) const override { return lower_ + exp(u); }
  Expr unconstrain(const Expr& x) const override { return log(x - lower_); }
  Expr log_jacobian(const Expr& u) const override { return sum(u); }
  Expr log_jacobian_terms(const Expr& u) const override { return u; }

 private:
  Expr lower_;
};

class UpperBoundTransform final : public Transform {
 public:
  explicit UpperBoundTransform(Expr upper) : upper_(std::move(upper)) {}
  std::string name() const override { return "upper_bound"; }
  Expr constrain(const Expr& u) const override { return upper_ - exp(u); }
  Expr unconstrain(const Expr& x) const override { return log(upper_ - x); }
  Expr log_jacobian(const Expr& u) const override { return sum(u); }
  Expr log_jacobian_terms(const Expr& u) const override { return u; }

 private:
  Expr upper_;
};

class LogOddsTransform final : public Transform {
 public:
  LogOddsTransform(Expr lower, Expr upper) : lower_(std::move(lower)), upper_(std::move(upper)) {}
  std::string name() const override { return "logodds"; }
  Expr constrain(const Expr& u) const override { return lower_ + (upper_ - lower_) * sigmoid(u); }
  Expr unconstrain(const Expr& x) const override { return logit((x - lower_) / (upper_ - lower_)); }
  // d/du [l + (h - l) sigmoid(u)] = (h - l) sigmoid(u) sigmoid(-u).
  Expr log_jacobian(const Expr& u) const override { return sum(log_jacobian_terms(u)); }
  Expr log_jacobian_terms(const Expr& u) const override {
    return log(upper_ - lower_) - softplus(-u) - softplus(u);
  }

 private:
  Expr lower_;
  Expr upper_;
};

// Constant bounds, each infinite in some elements: per element the log-odds map where both bounds
// are finite, an exponential offset where one is, the identity where neither is. Each map sees
// stand-in bounds where it is not the one chosen (finite, lower < upper), so that the maps not
// taken stay finite and pass no NaN into gradients.
class PerElementBoundsTransform final : public Transform {
 public:
  PerElementBoundsTransform(const std::optional<Expr>& lower, const std::optional<Expr>& upper)
      : has_lower_(finite_where(lower)), has_upper_(finite_where(upper)) {
    const Expr lower_or_nan = lower ? *lower : Expr(NAN);
    const Expr upper_or_nan = upper ? *upper : Expr(NAN);
    lower_ = where(has_lower_, lower_or_nan, where(has_upper_, upper_or_nan - 1.0, 0.0));
    upper_ = where(has_upper_, upper_or_nan, lower_ + 1.0);
  }
  std::string name() const override { return "interval"; }
  Expr constrain(const Expr& u) const override {
    return choose(lower_ + (upper_ - lower_) * sigmoid(u), lower_ + exp(u), upper_ - exp(u), u);
  }
  Expr unconstrain(const Expr& x) const override {
    // Each map's argument is kept inside its domain where another map is chosen.
    const Expr inside = clip(x, lower_, upper_);
    return choose(logit((inside - lower_) / (upper_ - lower_)), log(maximum(x, lower_) - lower_),
                  log(upper_ - minimum(x, upper_)), x);
  }
  Expr log_jacobian(const Expr& u) const override { return sum(log_jacobian_terms(u)); }
  Expr log_jacobian_terms(const Expr& u) const override {
    return choose(log(upper_ - lower_) - softplus(-u) - softplus(u), u, u, zeros_like(u));
  }

 private:
  static Expr finite_where(const std::optional<Expr>& bound) {
    return bound ? logical_not(isinf(*bound) | isnan(*bound)) : Expr(constant(0.0, DType::boolean));
  }
  Expr choose(const Expr& both, const Expr& lower_only, const Expr& upper_only,
              const Expr& neither) const {
    return where(has_lower_ & has_upper_, both,
                 where(has_lower_, lower_only, where(has_upper_, upper_only, neither)));
  }

  Expr has_lower_;
  Expr has_upper_;
  Expr lower_;
  Expr upper_;
};

// How much of the variable a bound bounds: a bound given as a graph of variables counts as finite
// (it cannot be inspected before run time); a constant is inspected.
enum class BoundReach { nowhere, some_elements, everywhere };

BoundReach reach_of(const std::optional<Expr>& bound) {
  if (!bound) return BoundReach::nowhere;
  if (!free_inputs({bound->node()}).empty()) return BoundReach::everywhere;
  const Tensor value = evaluate(bound->node());
  std::int64_t finite = 0;
  for (std::int64_t i = 0; i < value.size(); ++i) finite += std::isfinite(value.at(i)) ? 1 : 0;
  if (finite == value.size()) return BoundReach::everywhere;
  return finite == 0 ? BoundReach::nowhere : BoundReach::some_elements;
}

}  // namespace

TransformPtr interval_transform(std::optional<Expr> lower, std::optional<Expr> upper) {
  const BoundReach lower_reach = reach_of(lower);
  const BoundReach upper_reach = reach_of(upper);
  if (lower_reach == BoundReach::some_elements || upper_reach == BoundReach::some_elements) {
    return std::make_shared<const PerElementBoundsTransform>(lower, upper);
  }
  if (lower_reach == BoundReach::nowhere) lower.reset();
  if (upper_reach == BoundReach::nowhere) upper.reset();
  if (lower && upper) return std::make_shared<const LogOddsTransform>(*lower, *upper);
  if (lower) return std::make_shared<const LowerBoundTransform>(*lower);
  if (upper) return std::make_shared<const UpperBoundTransform>(*upper);
  return nullptr;
}

}  // namespace hypatia
