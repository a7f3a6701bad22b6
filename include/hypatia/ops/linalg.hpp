#pragma once

#include <cstdint>

#include "hypatia/expr.hpp"

namespace hypatia {

// Linear algebra. Matrix ops work on the last two axes; any leading axes are batch axes, which
// broadcast against each other like numpy's (so a (2, 1, 3, 4) stack times a (5, 4, 2) stack gives
// (2, 5, 3, 2)). Integer operands of the numeric ops are promoted to float64; two floating operands
// are promoted to their common dtype.
//
// Numerical failure is a value, never an exception, so a sampler can reject the proposal: the
// Cholesky factor of a matrix that is not positive definite is all NaN, and solving with or
// inverting a singular matrix gives inf/NaN entries. Shapes that do not fit (a non-square matrix,
// mismatched inner dimensions) are ShapeErrors when the graph is built.

// numpy's matmul: a 1-d left operand is a row vector and a 1-d right operand a column vector, the
// added axis removed from the result; rank-0 operands are an error.
Expr matmul(const Expr& a, const Expr& b);
// The inner product of two 1-d operands. Also accepts, like numpy's dot, a rank-0 operand (then
// the product a * b) and operands of rank at most 2 (then matmul). Higher ranks are an error: use
// matmul, whose batch semantics differ from numpy's dot.
Expr dot(const Expr& a, const Expr& b);
// The outer product of two 1-d operands: result(i, j) = a(i) * b(j).
Expr outer(const Expr& a, const Expr& b);
// Swaps the last two axes.
Expr matrix_transpose(const Expr& x);

// The lower Cholesky factor L of a symmetric positive definite a = L L^T (batch axes allowed).
// Only the lower triangle of a is read (so its gradient is lower triangular); a matrix that is not
// positive definite gives a factor full of NaN.
Expr cholesky(const Expr& a);
// x with a x = b for triangular a, reading only the lower (or upper) triangle of a. b is a vector
// (1-d, the result is then 1-d) or a matrix.
Expr solve_triangular(const Expr& a, const Expr& b, bool lower = true);
// x with a x = b for a general square a (LU with partial pivoting); b is a vector or a matrix.
Expr solve(const Expr& a, const Expr& b);
Expr inverse(const Expr& a);
// log |det a| (LU with partial pivoting); -inf for a singular matrix.
Expr logdet(const Expr& a);
// The sign of det a: -1, 0 or 1. Piecewise constant (zero gradient).
Expr det_sign(const Expr& a);
// log det (L L^T) = 2 sum log diag L, for a Cholesky factor L.
Expr cholesky_logdet(const Expr& l);

// The square matrix with x (its last axis) on the diagonal, zeros elsewhere.
Expr diag(const Expr& x);
// The diagonal of a square matrix (its last two axes), as the last axis of the result.
Expr diagonal(const Expr& x);
// The sum of the diagonal of a square matrix.
Expr trace(const Expr& x);
// The n x n identity, as a constant.
Expr eye(std::int64_t n, DType dtype = DType::float64);
// x with the entries above the k-th diagonal (tril) or below it (triu) set to zero; k = 0 is the
// main diagonal, k > 0 above it, k < 0 below it. Matrices need not be square.
Expr tril(const Expr& x, std::int64_t k = 0);
Expr triu(const Expr& x, std::int64_t k = 0);

}  // namespace hypatia
