#pragma once

// Helpers shared by the time-series families (GaussianRandomWalk, AR, GARCH11), whose value is a
// whole series along the last axis.

#include <cstdint>
#include <string>

#include "hypatia/expr.hpp"

namespace hypatia::time_series {

// Throws a ShapeError naming `family` unless `shape` (a value's or a draw's) is a series of
// `length` entries along its last axis.
void check_length(const std::string& family, const Shape& shape, std::int64_t length);

// `shape` without its last (series) axis.
Shape batch_of(const Shape& shape);

// Scan iterates over the leading axis: moves the series axis to the front, and back.
Expr time_major(const Expr& series);
Expr time_minor(const Expr& steps);

// `x` with a trailing size-1 axis, so a per-series parameter broadcasts along the series.
Expr per_step(const Expr& x);

// Normal log density with standard deviation sigma, elementwise (valid parameters assumed).
Expr normal_logpdf(const Expr& x, const Expr& mu, const Expr& sigma);

}  // namespace hypatia::time_series
