#pragma once

#include <cstdint>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// Axes of a reduction: empty means all axes; negative axes count from the end; an axis given twice
// is an error. With keepdims the reduced axes stay as size-1 dimensions.
using Axes = std::vector<std::int64_t>;

// Result dtypes follow numpy: sum and prod of int64 or bool give int64 (computed exactly, wrapping
// on overflow); mean and logsumexp of them give float64; max and min keep the dtype.
Expr sum(const Expr& x, const Axes& axes = {}, bool keepdims = false);
Expr prod(const Expr& x, const Axes& axes = {}, bool keepdims = false);
Expr mean(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// NaN propagates. An empty slice is an error (there is no identity). The gradient is split evenly
// among the elements equal to the extremum (ties share it), as in JAX.
Expr max(const Expr& x, const Axes& axes = {}, bool keepdims = false);
Expr min(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// log(sum(exp(x))) computed around the maximum, so it neither overflows nor underflows: a slice of
// all -inf gives -inf, a +inf entry gives +inf, NaN gives NaN, an empty slice gives -inf.
Expr logsumexp(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// int64 index of the first maximal element (a NaN counts as maximal, like numpy). Over several
// axes the index is flat, row-major over the reduced axes in increasing order. No gradient.
Expr argmax(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// Boolean: whether every / some element is nonzero (NaN counts as nonzero).
Expr all(const Expr& x, const Axes& axes = {}, bool keepdims = false);
Expr any(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// Running sum / product along `axis`, same shape as x (int64 for integer and bool inputs). With
// `reverse` the running total starts from the end of the axis (reverse cumsum is cumsum's
// gradient).
Expr cumsum(const Expr& x, std::int64_t axis, bool reverse = false);
Expr cumprod(const Expr& x, std::int64_t axis, bool reverse = false);

// Sums `x` down to the run-time shape of `like` (undoing numpy broadcasting); the dtype stays x's.
Expr sum_to_like(const Expr& x, const Expr& like);

}  // namespace hypatia
