#include "hypatia/shape.hpp"

#include <algorithm>

#include "hypatia/error.hpp"

namespace hypatia {

std::string shape_to_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += shape[i] == kUnknownDim ? "?" : std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

bool is_fully_known(const Shape& shape) {
  return std::none_of(shape.begin(), shape.end(), [](std::int64_t d) { return d == kUnknownDim; });
}

std::int64_t num_elements(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t d : shape) count *= d;
  return count;
}

namespace {

// Right-aligned dimension i of `shape` when broadcasting to `rank` dimensions (1 when absent).
std::int64_t aligned_dim(const Shape& shape, std::size_t rank, std::size_t i) {
  const std::size_t offset = rank - shape.size();
  return i < offset ? 1 : shape[i - offset];
}

}  // namespace

std::optional<Shape> broadcast_static(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = aligned_dim(a, rank, i);
    const std::int64_t db = aligned_dim(b, rank, i);
    if (da == 1) {
      result[i] = db;
    } else if (db == 1 || da == db) {
      result[i] = da;
    } else if (da == kUnknownDim) {
      result[i] = db;
    } else if (db == kUnknownDim) {
      result[i] = da;
    } else {
      return std::nullopt;
    }
  }
  return result;
}

std::optional<Shape> broadcast_concrete(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = aligned_dim(a, rank, i);
    const std::int64_t db = aligned_dim(b, rank, i);
    if (da != db && da != 1 && db != 1) return std::nullopt;
    result[i] = da == 1 ? db : da;
  }
  return result;
}

bool matches(const Shape& static_shape, const Shape& concrete_shape) {
  if (static_shape.size() != concrete_shape.size()) return false;
  for (std::size_t i = 0; i < static_shape.size(); ++i) {
    if (static_shape[i] != kUnknownDim && static_shape[i] != concrete_shape[i]) return false;
  }
  return true;
}

int normalize_axis(std::int64_t axis, int rank, const std::string& op) {
  if (axis < -rank || axis >= rank) {
    throw_shape_error(op + ": axis " + std::to_string(axis) +
                      " is out of range for a tensor of rank " + std::to_string(rank) +
                      " (expected an axis in [" + std::to_string(-rank) + ", " +
                      std::to_string(rank - 1) + "])");
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

std::string type_to_string(const TensorType& type) {
  return std::string(dtype_name(type.dtype)) + shape_to_string(type.shape);
}

}  // namespace hypatia
