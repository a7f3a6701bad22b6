#pragma once

#include <cstdint>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// Broadcasts `x` to the run-time shape of `like` (numpy rules); dtype stays x's.
Expr broadcast_like(const Expr& x, const Expr& like);

// Inserts size-1 dimensions at `axes` (positions in the result; negative counts from its end).
Expr expand_dims(const Expr& x, const std::vector<std::int64_t>& axes);

// A tensor shaped like `like` with dtype `like`'s, every element `value`.
Expr full_like(const Expr& like, double value);
Expr zeros_like(const Expr& like);
Expr ones_like(const Expr& like);

}  // namespace hypatia
