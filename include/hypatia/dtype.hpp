#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hypatia {

// Element types of tensors. Booleans are stored one byte each.
enum class DType : std::uint8_t { float64, float32, int64, boolean };

std::string_view dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);
bool is_floating(DType dtype);
bool is_integral(DType dtype);  // int64 and bool: these carry no gradient.

// numpy's promotion lattice restricted to our types: bool < int64 < float32 < float64,
// except that int64 with float32 gives float64 (numpy does the same).
DType promote_types(DType a, DType b);

}  // namespace hypatia
