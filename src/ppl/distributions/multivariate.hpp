#pragma once

// Helpers shared by the multivariate families: batch and event shapes, conditions on matrix
// parameters, and the Gaussian quadratic forms through a Cholesky factor.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::multivariate {

// x's shape without its last `event_rank` axes (a lower-rank x is all event).
Shape batch_of(const Expr& x, int event_rank);
// The numpy broadcast of batch shapes; a ShapeError naming `family` when they do not broadcast.
Shape broadcast_batches(const std::vector<Shape>& shapes, const std::string& family);
// The last axis's length, which must be known when the graph is built.
std::int64_t event_size(const Expr& x, const std::string& family, const std::string& parameter);
// Checks that `matrix` is square over its last two axes of size `size`.
void expect_square(const Expr& matrix, std::int64_t size, const std::string& family,
                   const std::string& parameter);

// Every entry along the last axis finite.
ParameterCondition finite_vector(const std::string& name, const Expr& x);
// Symmetric (to rounding) with a Cholesky factor: `factor` is cholesky(matrix), NaN when the
// matrix is not positive definite.
ParameterCondition symmetric_positive_definite(const std::string& name, const Expr& matrix,
                                               const Expr& factor);
// A Cholesky factor: strictly positive diagonal (only the lower triangle is read).
ParameterCondition cholesky_factor(const std::string& name, const Expr& factor);

// |L^-1 d|^2 over the last axis: the Mahalanobis distance of d (..., k) for covariance L L^T.
Expr squared_norm_solved(const Expr& factor, const Expr& d);
// L z for vectors z (..., k).
Expr times_vectors(const Expr& matrix, const Expr& z);

}  // namespace hypatia::multivariate
