#pragma once

#include <cstdint>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// Axes of a reduction: empty means all axes; negative axes count from the end.
using Axes = std::vector<std::int64_t>;

Expr sum(const Expr& x, const Axes& axes = {}, bool keepdims = false);

// Sums `x` down to the run-time shape of `like` (undoing numpy broadcasting); the dtype stays x's.
Expr sum_to_like(const Expr& x, const Expr& like);

}  // namespace hypatia
