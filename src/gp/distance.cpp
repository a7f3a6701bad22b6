// Scaled distances between the rows of two input matrices, the building block of the stationary
// kernels, and the argument checks every kernel shares.

#include "gp/checks.hpp"
#include "hypatia/error.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/index.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/reduce.hpp"
#include "hypatia/ops/shape.hpp"
#include "hypatia/shape.hpp"

#include <limits>

namespace hypatia::gp {

void check_inputs(const char* kernel, const Expr& x, const std::optional<Expr>& xs) {
  if (x.rank() != 2) {
    throw_shape_error(std::string(kernel) + ": X must be a matrix (n, input_dim), got shape " +
                      shape_to_string(x.shape()));
  }
  if (!xs) return;
  if (xs->rank() != 2) {
    throw_shape_error(std::string(kernel) + ": Xs must be a matrix (m, input_dim), got shape " +
                      shape_to_string(xs->shape()));
  }
  const auto columns = x.shape()[1];
  const auto other_columns = xs->shape()[1];
  if (columns != kUnknownDim && other_columns != kUnknownDim && columns != other_columns) {
    throw_shape_error(std::string(kernel) + ": X has shape " + shape_to_string(x.shape()) +
                      " and Xs shape " + shape_to_string(xs->shape()) +
                      "; they need the same number of columns");
  }
}

void check_per_dimension(const char* kernel, const char* what, const Expr& value, const Expr& x) {
  if (value.rank() == 0) return;
  const auto columns = x.shape()[1];
  if (value.rank() == 1) {
    const auto length = value.shape()[0];
    if (length == 1 || length == kUnknownDim || columns == kUnknownDim || length == columns) {
      return;
    }
  }
  throw_shape_error(std::string(kernel) + ": " + what + " has shape " +
                    shape_to_string(value.shape()) +
                    "; expected a scalar or one value per active " + "dimension (X has shape " +
                    shape_to_string(x.shape()) + ")");
}

void check_scalar(const char* kernel, const char* what, const Expr& value) {
  if (value.rank() == 0) return;
  throw_shape_error(std::string(kernel) + ": " + what + " must be a scalar, got shape " +
                    shape_to_string(value.shape()));
}

Expr first_column(const Expr& x) {
  return slice(x, 1, Index{0});
}

Expr scaled_square_distance(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  check_inputs("square distance", x, xs);
  check_per_dimension("square distance", "ls", ls, x);
  const Expr scaled = x / ls;
  const Expr scaled_norms = sum(square(scaled), {1});
  // Without xs the second operand is the same node, so x x^T and the norms are built once.
  const Expr other = xs ? *xs / ls : scaled;
  const Expr other_norms = xs ? sum(square(other), {1}) : scaled_norms;
  const Expr distance = -2.0 * matmul(scaled, matrix_transpose(other)) +
                        (expand_dims(scaled_norms, {1}) + expand_dims(other_norms, {0}));
  return clip(distance, 0.0, std::numeric_limits<double>::infinity());
}

Expr offset_distance(const Expr& square_distance) {
  return sqrt(square_distance + 1e-12);
}

}  // namespace hypatia::gp
