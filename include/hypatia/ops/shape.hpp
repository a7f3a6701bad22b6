#pragma once

#include <cstdint>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/ops/reduce.hpp"

namespace hypatia {

// Broadcasts `x` to the run-time shape of `like` (numpy rules); dtype stays x's.
Expr broadcast_like(const Expr& x, const Expr& like);

// Broadcasts `x` to the concrete shape `shape` (numpy rules: x's dimensions align right and
// size-1 dimensions repeat); dtype stays x's.
Expr broadcast_to(const Expr& x, const Shape& shape);

// Inserts size-1 dimensions at `axes` (positions in the result; negative counts from its end).
Expr expand_dims(const Expr& x, const std::vector<std::int64_t>& axes);

// Removes the size-1 dimensions `axes` (negative counts from the end); empty means every
// dimension statically known to have size 1. Squeezing a dimension that is not 1 is an error.
Expr squeeze(const Expr& x, const Axes& axes = {});

// The elements of `x` in row-major order, laid out as `shape`. One entry may be -1: it is inferred
// from the element count (unknown when x has unknown dimensions), like numpy.
Expr reshape(const Expr& x, const Shape& shape);

// `x` reshaped to the run-time shape of `like` (same element count); dtype stays x's. Gradients
// of reshapes use it to restore their input's shape.
Expr reshape_like(const Expr& x, const Expr& like);

// `x` as a 1-d vector, in row-major order.
Expr flatten(const Expr& x);

// Permutes the axes: result dimension i is x's dimension permutation[i]. Empty reverses the axes;
// negative entries count from the end.
Expr transpose(const Expr& x, const std::vector<std::int64_t>& permutation = {});

// Joins `xs` along an existing axis. Dtypes are promoted; all other dimensions must agree.
Expr concatenate(const Exprs& xs, std::int64_t axis = 0);

// Joins equally shaped `xs` along a new axis `axis` (a position in the result).
Expr stack(const Exprs& xs, std::int64_t axis = 0);

// The run-time shape of `x` as an int64 vector (a constant when the shape is known statically).
Expr shape_of(const Expr& x);

// A tensor shaped like `like` with dtype `like`'s, every element `value`.
Expr full_like(const Expr& like, double value);
Expr zeros_like(const Expr& like);
Expr ones_like(const Expr& like);

}  // namespace hypatia
