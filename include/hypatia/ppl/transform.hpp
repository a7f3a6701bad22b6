#pragma once

// Bijections between a variable's constrained support and an unconstrained real space, with the
// log-Jacobian samplers need. All three maps are graph builders, so they are differentiated,
// rewritten and compiled with the rest of the model.

#include <memory>
#include <optional>
#include <string>

#include "hypatia/expr.hpp"

namespace hypatia {

class Transform {
 public:
  virtual ~Transform() = default;

  virtual std::string name() const = 0;
  // The shape of the unconstrained value for a constrained value of `constrained` shape
  // (a simplex of K entries has K-1 free coordinates).
  virtual Shape unconstrained_shape(const Shape& constrained) const { return constrained; }
  // Unconstrained -> constrained.
  virtual Expr constrain(const Expr& unconstrained) const = 0;
  // Constrained -> unconstrained (initial values, user-given points).
  virtual Expr unconstrain(const Expr& constrained) const = 0;
  // log |det d constrain(u) / du|, summed to a float64 scalar.
  virtual Expr log_jacobian(const Expr& unconstrained) const = 0;
  // The same before the sum: one term per independent block of coordinates, for per-element log
  // densities (PyMC's sum=False). Elementwise maps keep the value's shape, maps along the last
  // axes drop those axes. The default, for maps that couple a whole value, is the summed scalar.
  virtual Expr log_jacobian_terms(const Expr& unconstrained) const {
    return log_jacobian(unconstrained);
  }
};

using TransformPtr = std::shared_ptr<const Transform>;

// x = exp(u): positive reals.
TransformPtr log_transform();
// Either bound may be absent: lower only is lower + exp(u), upper only upper - exp(u), both
// lower + (upper - lower) * sigmoid(u) (log-odds). Bounds may be graphs of other variables.
TransformPtr interval_transform(std::optional<Expr> lower, std::optional<Expr> upper);
// Probability vectors along the last axis (K entries from K-1 coordinates, stick-breaking).
TransformPtr simplex_transform();
// Strictly increasing vectors along the last axis: x0 = u0, x_k = x_{k-1} + exp(u_k).
TransformPtr ordered_transform();
// Strictly increasing positive vectors: x0 = exp(u0), x_k = x_{k-1} + exp(u_k).
TransformPtr positive_ordered_transform();
// Cholesky factors of correlation matrices (n x n from n(n-1)/2 coordinates).
TransformPtr corr_cholesky_transform();
// Correlation matrices C = L L^T, L from corr_cholesky_transform (for LKJCorr).
TransformPtr correlation_transform();
// The same correlation matrices packed as their n(n-1)/2 strictly upper entries, row by row
// (numpy's triu_indices(n, 1) order; PyMC's LKJCorr value), from the same coordinates.
TransformPtr packed_correlation_transform();
// Cholesky factors of covariance matrices: lower triangular with positive diagonal.
TransformPtr cov_cholesky_transform();
// Values that sum to zero over the last `n_axes` axes (n-1 free coordinates per axis).
TransformPtr zero_sum_transform(int n_axes = 1);

}  // namespace hypatia
