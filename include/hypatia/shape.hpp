#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/dtype.hpp"

namespace hypatia {

// A dimension whose size is only known at run time.
inline constexpr std::int64_t kUnknownDim = -1;

// Dimensions of a tensor, outermost first. A static shape may hold kUnknownDim entries.
using Shape = std::vector<std::int64_t>;

std::string shape_to_string(const Shape& shape);  // "(8, ?, 3)"
bool is_fully_known(const Shape& shape);
std::int64_t num_elements(const Shape& shape);  // requires a fully known shape

// numpy broadcasting of two static shapes. An unknown dimension never broadcasts against a known
// dimension other than 1: (?,) with (3,) gives (3,) and is checked at run time. Returns nullopt
// when the shapes cannot broadcast.
std::optional<Shape> broadcast_static(const Shape& a, const Shape& b);

// numpy broadcasting of concrete shapes; nullopt when they do not broadcast.
std::optional<Shape> broadcast_concrete(const Shape& a, const Shape& b);

// Whether a concrete shape is an instance of a static one (same rank, equal known dimensions).
bool matches(const Shape& static_shape, const Shape& concrete_shape);

// Normalizes an axis (negative counts from the end) for a tensor of `rank` dimensions; throws
// ShapeError naming `op` when it is out of range.
int normalize_axis(std::int64_t axis, int rank, const std::string& op);

// The static type of a graph value.
struct TensorType {
  DType dtype = DType::float64;
  Shape shape;

  int rank() const { return static_cast<int>(shape.size()); }
  bool operator==(const TensorType&) const = default;
};

std::string type_to_string(const TensorType& type);  // "float64(8, ?)"

}  // namespace hypatia
