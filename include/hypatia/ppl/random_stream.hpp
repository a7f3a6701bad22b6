#pragma once

// The random-number state threaded through a forward-sampling graph. Each draw takes the current
// Philox state and replaces it with the advanced one, so draws are graph nodes like any other:
// the same seed gives the same draws on every backend and thread count.

#include "hypatia/expr.hpp"

namespace hypatia {

class RandomStream {
 public:
  explicit RandomStream(Expr state);

  // Standard draws of `shape`; parameters broadcast against `shape`.
  Expr uniform(const Shape& shape);
  Expr normal(const Shape& shape);
  Expr exponential(const Shape& shape);
  Expr gamma(const Expr& alpha, const Shape& shape);  // shape alpha, rate 1
  Expr poisson(const Expr& rate, const Shape& shape);
  Expr binomial(const Expr& n, const Expr& p, const Shape& shape);
  // Category indices (int64) with probabilities along the last axis of `p`; `shape` excludes it.
  Expr categorical(const Expr& p, const Shape& shape);

  const Expr& state() const { return state_; }

 private:
  Expr state_;
};

}  // namespace hypatia
