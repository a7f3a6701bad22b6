#include "ppl/transforms/triangular.hpp"

#include <cmath>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/transforms/axes.hpp"

namespace hypatia::triangular {
namespace {

std::int64_t last_column(std::int64_t row, Diagonal diagonal) {
  return diagonal == Diagonal::included ? row : row - 1;
}

// (..., n, n) -> (..., n * n); at most one batch dimension may be unknown.
Expr merge_last_two_axes(const Expr& matrix, std::int64_t n) {
  Shape shape(matrix.shape().begin(), matrix.shape().end() - 2);
  bool unknown_seen = false;
  for (std::int64_t& dim : shape) {
    if (dim != kUnknownDim) continue;
    if (unknown_seen) throw_shape_error("triangular packing: more than one unknown batch dim");
    unknown_seen = true;
  }
  shape.push_back(n * n);
  return reshape(matrix, shape);
}

}  // namespace

std::int64_t packed_size(std::int64_t n, Diagonal diagonal) {
  return diagonal == Diagonal::included ? n * (n + 1) / 2 : n * (n - 1) / 2;
}

std::int64_t matrix_size(std::int64_t packed, Diagonal diagonal, const std::string& who) {
  // packed = n(n-1)/2 (or n(n+1)/2) solved for n, then checked exactly.
  const double root = std::sqrt(1.0 + 8.0 * static_cast<double>(packed));
  const auto n = static_cast<std::int64_t>(
      std::llround(diagonal == Diagonal::included ? (root - 1.0) / 2.0 : (root + 1.0) / 2.0));
  if (packed < 0 || packed_size(n, diagonal) != packed) {
    throw Error(who + ": " + std::to_string(packed) + " values do not fill the " +
                (diagonal == Diagonal::included ? "lower" : "strictly lower") +
                " triangle of a square matrix");
  }
  return n;
}

Shape packed_shape(const Shape& matrix_shape, Diagonal diagonal, const std::string& who) {
  const std::size_t rank = matrix_shape.size();
  if (rank < 2 || matrix_shape[rank - 1] != matrix_shape[rank - 2] ||
      matrix_shape.back() == kUnknownDim) {
    throw Error(who + ": expected square matrices of known size, got shape " +
                shape_to_string(matrix_shape));
  }
  Shape shape(matrix_shape.begin(), matrix_shape.end() - 2);
  shape.push_back(packed_size(matrix_shape.back(), diagonal));
  return shape;
}

Expr pack(const Expr& matrix, Diagonal diagonal) {
  const std::int64_t n = transforms::known_last_dim(matrix, "triangular packing");
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j <= last_column(i, diagonal); ++j) positions.push_back(i * n + j);
  }
  const auto count = static_cast<std::int64_t>(positions.size());
  return gather(merge_last_two_axes(matrix, n), constant(Tensor::from_ints(positions, {count})),
                -1);
}

Expr unpack(const Expr& packed, std::int64_t n, Diagonal diagonal) {
  const std::int64_t count = packed_size(n, diagonal);
  // Entries outside the triangle read an appended zero.
  Expr padded = concatenate({packed, zeros_like(sum(packed, {-1}, true))}, -1);
  std::vector<std::int64_t> source(static_cast<std::size_t>(n * n), count);
  std::int64_t next = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j <= last_column(i, diagonal); ++j) source[i * n + j] = next++;
  }
  return gather(padded, constant(Tensor::from_ints(source, {n, n})), -1);
}

Expr pack_upper(const Expr& matrix) {
  const std::int64_t n = transforms::known_last_dim(matrix, "triangular packing");
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = i + 1; j < n; ++j) positions.push_back(i * n + j);
  }
  const auto count = static_cast<std::int64_t>(positions.size());
  return gather(merge_last_two_axes(matrix, n), constant(Tensor::from_ints(positions, {count})),
                -1);
}

Expr unpack_upper_symmetric(const Expr& packed, std::int64_t n, double diagonal_value) {
  const std::int64_t count = packed_size(n, Diagonal::excluded);
  // The diagonal reads an appended `diagonal_value`.
  Expr padded = concatenate({packed, full_like(sum(packed, {-1}, true), diagonal_value)}, -1);
  std::vector<std::int64_t> source(static_cast<std::size_t>(n * n), count);
  std::int64_t next = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = i + 1; j < n; ++j) {
      source[i * n + j] = next;
      source[j * n + i] = next++;
    }
  }
  return gather(padded, constant(Tensor::from_ints(source, {n, n})), -1);
}

Expr strictly_lower_mask(std::int64_t n) {
  std::vector<bool> mask(static_cast<std::size_t>(n * n));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < i; ++j) mask[i * n + j] = true;
  }
  return constant(Tensor::from_bools(mask, {n, n}));
}

}  // namespace hypatia::triangular
