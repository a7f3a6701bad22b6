#include "ppl/distributions/multivariate.hpp"

#include <algorithm>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"

namespace hypatia::multivariate {

Shape batch_of(const Expr& x, int event_rank) {
  const auto kept = std::max<std::int64_t>(x.rank() - event_rank, 0);
  return Shape(x.shape().begin(), x.shape().begin() + kept);
}

Shape broadcast_batches(const std::vector<Shape>& shapes, const std::string& family) {
  Shape joint;
  for (const Shape& shape : shapes) {
    std::optional<Shape> next = broadcast_static(joint, shape);
    if (!next) {
      throw_shape_error(family + ": parameter batch shapes " + shape_to_string(joint) + " and " +
                        shape_to_string(shape) + " do not broadcast");
    }
    joint = *next;
  }
  return joint;
}

std::int64_t event_size(const Expr& x, const std::string& family, const std::string& parameter) {
  if (x.rank() == 0 || x.shape().back() == kUnknownDim) {
    throw_shape_error(family + ": the last axis of " + parameter + " " +
                      shape_to_string(x.shape()) + " must have a known length");
  }
  return x.shape().back();
}

void expect_square(const Expr& matrix, std::int64_t size, const std::string& family,
                   const std::string& parameter) {
  const Shape& shape = matrix.shape();
  if (matrix.rank() < 2 || shape[shape.size() - 2] != size || shape.back() != size) {
    throw_shape_error(family + ": " + parameter + " must be a " + std::to_string(size) + " x " +
                      std::to_string(size) + " matrix (with optional batch axes), got shape " +
                      shape_to_string(shape));
  }
}

ParameterCondition finite_vector(const std::string& name, const Expr& x) {
  Expr finite = logical_not(isnan(x) | isinf(x));
  return {name, x.rank() == 0 ? finite : all(finite, {-1}), "finite", x};
}

ParameterCondition symmetric_positive_definite(const std::string& name, const Expr& matrix,
                                               const Expr& factor) {
  Expr transposed = matrix_transpose(matrix);
  Expr symmetric =
      all(less_equal(abs(matrix - transposed), 1e-10 * (abs(matrix) + abs(transposed))), {-2, -1});
  Expr positive_definite = all(greater(diagonal(factor), 0.0), {-1});
  return {name, symmetric & positive_definite, "symmetric positive definite", matrix};
}

ParameterCondition cholesky_factor(const std::string& name, const Expr& factor) {
  return {name, all(greater(diagonal(factor), 0.0) & logical_not(isinf(diagonal(factor))), {-1}),
          "a Cholesky factor (positive finite diagonal)", factor};
}

Expr squared_norm_solved(const Expr& factor, const Expr& d) {
  Expr solved = squeeze(solve_triangular(factor, expand_dims(d, {-1})), {-1});
  return sum(square(solved), {-1});
}

Expr times_vectors(const Expr& matrix, const Expr& z) {
  return squeeze(matmul(matrix, expand_dims(z, {-1})), {-1});
}

}  // namespace hypatia::multivariate
