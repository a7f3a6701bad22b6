#pragma once

// Argument checks shared by the covariance builders: they run when the graph is built, so a
// mismatch is a ShapeError naming the argument and both shapes instead of a broadcasting error
// deep inside the kernel's graph.

#include <optional>
#include <string>

#include "hypatia/expr.hpp"

namespace hypatia::gp {

// x is (n, d); xs, when given, is (m, d) with the same d.
void check_inputs(const char* kernel, const Expr& x, const std::optional<Expr>& xs);
// `value` (named `what`) is a scalar or a vector of length 1 or of x's column count.
void check_per_dimension(const char* kernel, const char* what, const Expr& value, const Expr& x);
// `value` (named `what`) is a scalar.
void check_scalar(const char* kernel, const char* what, const Expr& value);

// xs when given, else x.
inline const Expr& second_input(const Expr& x, const std::optional<Expr>& xs) {
  return xs ? *xs : x;
}

// The first column of x as an (n,) vector: the cheapest thing with one entry per row, from which
// kernels that ignore the inputs' values build their results.
Expr first_column(const Expr& x);

}  // namespace hypatia::gp
