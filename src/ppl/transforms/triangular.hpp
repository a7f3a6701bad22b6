#pragma once

// Packing of the lower triangle of square matrices (the last two axes) into a vector (the last
// axis), row by row as Stan orders it: (1,0), (2,0), (2,1), ... (with the diagonal:
// (0,0), (1,0), (1,1), (2,0), ...). Shared by the Cholesky-factor transforms and families.

#include <cstdint>
#include <string>

#include "hypatia/expr.hpp"

namespace hypatia::triangular {

enum class Diagonal { excluded, included };

// Entries of the lower triangle of an n x n matrix.
std::int64_t packed_size(std::int64_t n, Diagonal diagonal);
// The n whose triangle has `packed` entries; throws an Error naming `who` when there is none.
std::int64_t matrix_size(std::int64_t packed, Diagonal diagonal, const std::string& who);

// The shape (..., packed_size) of the packed form of matrices of shape (..., n, n).
Shape packed_shape(const Shape& matrix_shape, Diagonal diagonal, const std::string& who);

// (..., n, n) -> (..., packed_size): the triangle's entries, row by row.
Expr pack(const Expr& matrix, Diagonal diagonal);
// (..., packed_size) -> (..., n, n): the triangle filled row by row, zeros elsewhere.
Expr unpack(const Expr& packed, std::int64_t n, Diagonal diagonal);

// The strictly upper triangle's entries of (..., n, n), row by row (numpy's triu_indices(n, 1)
// order: (0,1), (0,2), ..., (0,n-1), (1,2), ...): how PyMC packs a correlation matrix.
Expr pack_upper(const Expr& matrix);
// (..., n(n-1)/2) from pack_upper -> (..., n, n): the symmetric matrix with those entries above
// and below the diagonal and `diagonal_value` on it.
Expr unpack_upper_symmetric(const Expr& packed, std::int64_t n, double diagonal_value);

// The n x n boolean mask of the strictly lower triangle, as a constant.
Expr strictly_lower_mask(std::int64_t n);

}  // namespace hypatia::triangular
