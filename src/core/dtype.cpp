#include "hypatia/dtype.hpp"

namespace hypatia {

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::float64:
      return "float64";
    case DType::float32:
      return "float32";
    case DType::int64:
      return "int64";
    case DType::boolean:
      return "bool";
  }
  return "?";
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::float64:
      return 8;
    case DType::float32:
      return 4;
    case DType::int64:
      return 8;
    case DType::boolean:
      return 1;
  }
  return 0;
}

bool is_floating(DType dtype) {
  return dtype == DType::float64 || dtype == DType::float32;
}
bool is_integral(DType dtype) {
  return dtype == DType::int64 || dtype == DType::boolean;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::float64 || b == DType::float64) return DType::float64;
  if (a == DType::float32 || b == DType::float32) {
    DType other = a == DType::float32 ? b : a;
    return other == DType::int64 ? DType::float64 : DType::float32;
  }
  return DType::int64;  // int64 with bool
}

}  // namespace hypatia
