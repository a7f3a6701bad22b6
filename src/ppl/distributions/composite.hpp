#pragma once

// Helpers for the families built from other distributions: the combinators (Mixture, Truncated,
// Censored) and the time series (GaussianRandomWalk, AR, GARCH11).

#include <optional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::composite {

// The numpy broadcast of static shapes; a ShapeError naming `family` when they do not broadcast.
Shape broadcast_shapes(const std::string& family, const std::vector<Shape>& shapes);

// `xs` broadcast to their common shape, e.g. to stack them along a new axis.
Exprs broadcast_together(const Exprs& xs);

// A component's parameter conditions, named "<role>.<parameter>". A combinator forwards them so
// that an invalid component parameter makes its whole log density -inf (a mixture would
// otherwise silently drop that component).
std::vector<ParameterCondition> forwarded_conditions(const std::string& role,
                                                     const Distribution& component);

// Throws unless `component` is univariate (event_rank 0).
void require_univariate(const std::string& family, const std::string& role,
                        const Distribution& component);

// The bounds of a scalar support kind: 0 for the positive and nonnegative reals, [0, 1] for the
// unit interval, the given bounds of an interval; nullopt where the support is unbounded.
std::optional<Expr> support_lower(const Support& support);
std::optional<Expr> support_upper(const Support& support);

// The tighter of a requested bound and the base support's own (either may be absent).
std::optional<Expr> tighter_lower(const std::optional<Expr>& requested,
                                  const std::optional<Expr>& own);
std::optional<Expr> tighter_upper(const std::optional<Expr>& requested,
                                  const std::optional<Expr>& own);

// What Truncated and Censored share: a univariate continuous base distribution and a lower bound,
// an upper bound or both, with the support and parameter conditions those make.
class BoundedBase : public DistributionImpl {
 public:
  std::string name() const override { return family_ + "(" + base_.name() + ")"; }
  Shape default_shape() const override;
  // The bounds, tightened by the base's own support (an Exponential bounded above lives on
  // [0, upper]), so the default transform maps onto exactly where the density is positive.
  Support support() const override;
  std::vector<ParameterCondition> parameter_conditions() const override;

 protected:
  // `bounded` says what the family does, for the error a discrete base gets ("truncated").
  BoundedBase(std::string family, const std::string& bounded, Distribution base,
              std::optional<Expr> lower, std::optional<Expr> upper);

  // `value` as float64, moved onto the bounds where it lies beyond them.
  Expr clamp(const Expr& value) const;

  std::string family_;
  Distribution base_;
  std::optional<Expr> lower_;
  std::optional<Expr> upper_;
};

}  // namespace hypatia::composite
