#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// Indexing follows numpy. A slice is described by one SliceSpec per leading axis; axes past the
// last spec are taken whole.
//
//   x[1::2, -1]    slice(x, {Slice{1, std::nullopt, 2}, Index{-1}})
//   x[::-1]        slice(x, {Slice{.step = -1}})
//   x[:, 3]        slice(x, 1, Index{3})          (the axis form: earlier axes taken whole)
//
// Slice bounds behave like Python's: negative values count from the end, out-of-range bounds are
// clamped, a missing bound means "from the first (last, for a negative step) element" or "to the
// end (the beginning)", and a range that selects nothing gives an empty axis. A zero step is an
// error. An Index removes its axis; negative positions count from the end and out-of-range
// positions are an error (at build time when the dimension is known, at run time otherwise).
// Dimensions unknown at build time give unknown result dimensions.

// x[start:stop:step] along one axis.
struct Slice {
  std::optional<std::int64_t> start = std::nullopt;
  std::optional<std::int64_t> stop = std::nullopt;
  std::optional<std::int64_t> step = std::nullopt;
};

// x[position] along one axis: the axis is removed.
struct Index {
  std::int64_t position;
};

using SliceSpec = std::variant<Slice, Index>;
using SliceSpecs = std::vector<SliceSpec>;

// Basic slicing, x[specs...]. Gradient: inc_subtensor into zeros.
Expr slice(const Expr& x, const SliceSpecs& specs);
// Slicing of a single axis (negative counts from the end), every other axis taken whole.
Expr slice(const Expr& x, std::int64_t axis, const SliceSpec& spec);

// x with the region x[specs...] replaced by (set) or incremented by (inc) `value`, which
// broadcasts to the region's shape. `value` takes x's dtype when that loses nothing (or when it is
// a C++ number); other dtypes are an error.
Expr set_subtensor(const Expr& x, const SliceSpecs& specs, const Expr& value);
Expr inc_subtensor(const Expr& x, const SliceSpecs& specs, const Expr& value);

// Integer-array indexing along `axis` (numpy's take, theta[idx]): `indices` is an int64 tensor of
// any shape and the result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. Negative
// indices count from the end; out-of-range indices are a run-time error.
// Gradient: scatter_add into zeros.
Expr gather(const Expr& x, const Expr& indices, std::int64_t axis = 0);

// `base` with `updates` added at `indices` along `axis`; repeated indices accumulate (numpy's
// np.add.at). `updates` broadcasts to base.shape[:axis] + indices.shape + base.shape[axis+1:],
// the shape gather(base, indices, axis) would have; its dtype is fitted to base's like
// set_subtensor's value. scatter_add(zeros_like(x), i, g, a) is the gradient of gather(x, i, a).
Expr scatter_add(const Expr& base, const Expr& indices, const Expr& updates, std::int64_t axis = 0);

}  // namespace hypatia
