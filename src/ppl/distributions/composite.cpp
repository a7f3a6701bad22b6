#include "ppl/distributions/composite.hpp"

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia::composite {

Shape broadcast_shapes(const std::string& family, const std::vector<Shape>& shapes) {
  Shape joint;
  for (const Shape& shape : shapes) {
    std::optional<Shape> next = broadcast_static(joint, shape);
    if (!next) {
      throw_shape_error(family + ": shapes " + shape_to_string(joint) + " and " +
                        shape_to_string(shape) + " do not broadcast");
    }
    joint = *next;
  }
  return joint;
}

Exprs broadcast_together(const Exprs& xs) {
  std::vector<Shape> shapes;
  for (const Expr& x : xs) shapes.push_back(x.shape());
  const Shape joint = broadcast_shapes("broadcast", shapes);
  Exprs broadcast;
  for (const Expr& x : xs) {
    if (is_fully_known(joint)) {
      broadcast.push_back(broadcast_to(x, joint));
      continue;
    }
    // Unknown dimensions: broadcast against every other operand at run time.
    Expr y = x;
    for (const Expr& other : xs) y = broadcast_like(y, other);
    broadcast.push_back(y);
  }
  return broadcast;
}

std::vector<ParameterCondition> forwarded_conditions(const std::string& role,
                                                     const Distribution& component) {
  std::vector<ParameterCondition> conditions = component.impl().parameter_conditions();
  for (ParameterCondition& condition : conditions) {
    condition.parameter = role + "." + condition.parameter;
  }
  return conditions;
}

void require_univariate(const std::string& family, const std::string& role,
                        const Distribution& component) {
  if (component.event_rank() == 0) return;
  throw Error(family + ": " + role + " must be a univariate distribution, but " + component.name() +
              " has event rank " + std::to_string(component.event_rank()));
}

std::optional<Expr> support_lower(const Support& support) {
  switch (support.kind) {
    case SupportKind::positive:
    case SupportKind::nonnegative:
    case SupportKind::unit_interval:
      return Expr(0.0);
    case SupportKind::interval:
    case SupportKind::point:
      return support.lower;
    default:
      return std::nullopt;
  }
}

std::optional<Expr> support_upper(const Support& support) {
  switch (support.kind) {
    case SupportKind::unit_interval:
      return Expr(1.0);
    case SupportKind::interval:
    case SupportKind::point:
      return support.upper;
    default:
      return std::nullopt;
  }
}

std::optional<Expr> tighter_lower(const std::optional<Expr>& requested,
                                  const std::optional<Expr>& own) {
  if (requested && own) return maximum(*requested, *own);
  return requested ? requested : own;
}

std::optional<Expr> tighter_upper(const std::optional<Expr>& requested,
                                  const std::optional<Expr>& own) {
  if (requested && own) return minimum(*requested, *own);
  return requested ? requested : own;
}

BoundedBase::BoundedBase(std::string family, const std::string& bounded, Distribution base,
                         std::optional<Expr> lower, std::optional<Expr> upper)
    : family_(std::move(family)),
      base_(std::move(base)),
      lower_(std::move(lower)),
      upper_(std::move(upper)) {
  require_univariate(family_, "the base distribution", base_);
  if (base_.is_discrete()) {
    throw Error(family_ + ": the base distribution " + base_.name() +
                " is discrete; only continuous distributions can be " + bounded);
  }
  if (!lower_ && !upper_) throw Error(family_ + ": give a lower bound, an upper bound or both");
  (void)base_.logcdf(lower_ ? *lower_ : *upper_);  // a base without a CDF fails now, by name
}

Shape BoundedBase::default_shape() const {
  std::vector<Shape> shapes = {base_.default_shape()};
  if (lower_) shapes.push_back(lower_->shape());
  if (upper_) shapes.push_back(upper_->shape());
  return broadcast_shapes(name(), shapes);
}

Support BoundedBase::support() const {
  const Support own = base_.support();
  return {SupportKind::interval, tighter_lower(lower_, support_lower(own)),
          tighter_upper(upper_, support_upper(own))};
}

std::vector<ParameterCondition> BoundedBase::parameter_conditions() const {
  std::vector<ParameterCondition> conditions = forwarded_conditions("base", base_);
  if (lower_ && upper_) {
    conditions.push_back(parameters::less_than("lower", *lower_, "upper", *upper_));
  }
  return conditions;
}

Expr BoundedBase::clamp(const Expr& value) const {
  Expr inside = cast(value, DType::float64);
  if (lower_) inside = maximum(inside, *lower_);
  if (upper_) inside = minimum(inside, *upper_);
  return inside;
}

}  // namespace hypatia::composite
