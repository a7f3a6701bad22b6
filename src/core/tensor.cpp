#include "hypatia/tensor.hpp"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <sstream>

#include "hypatia/error.hpp"

namespace hypatia {
namespace {

std::shared_ptr<std::byte[]> allocate(DType dtype, std::int64_t count) {
  const std::size_t bytes =
      dtype_size(dtype) * static_cast<std::size_t>(std::max<std::int64_t>(count, 1));
  auto storage = std::shared_ptr<std::byte[]>(new std::byte[bytes]);
  std::memset(storage.get(), 0, bytes);
  return storage;
}

void check_concrete(const Shape& shape) {
  for (std::int64_t d : shape) {
    if (d < 0) {
      throw Error("Tensor: shape " + shape_to_string(shape) +
                  " has a negative or unknown dimension; a value needs concrete sizes");
    }
  }
}

// A double as int64 the way numpy does it on x86 (the cvttsd2si instruction): truncation toward
// zero, and INT64_MIN for NaN and for values outside the int64 range, where C++'s conversion is
// undefined behaviour.
std::int64_t double_to_int64(double value) {
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!(value >= -kTwoTo63 && value < kTwoTo63)) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(value);
}

}  // namespace

Tensor::Tensor() : Tensor(DType::float64, {}) {}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  check_concrete(shape_);
  size_ = num_elements(shape_);
  storage_ = allocate(dtype_, size_);
}

Tensor Tensor::scalar(double value, DType dtype) {
  return full(dtype, {}, value);
}

Tensor Tensor::full(DType dtype, Shape shape, double value) {
  Tensor t(dtype, std::move(shape));
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, value);
  return t;
}

Tensor Tensor::from_doubles(const std::vector<double>& values, Shape shape, DType dtype) {
  Tensor t(dtype, std::move(shape));
  if (static_cast<std::int64_t>(values.size()) != t.size()) {
    throw Error("Tensor::from_doubles: " + std::to_string(values.size()) +
                " values do not fill shape " + shape_to_string(t.shape()) + " (expected " +
                std::to_string(t.size()) + ")");
  }
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, values[i]);
  return t;
}

Tensor Tensor::from_ints(const std::vector<std::int64_t>& values, Shape shape) {
  Tensor t(DType::int64, std::move(shape));
  if (static_cast<std::int64_t>(values.size()) != t.size()) {
    throw Error("Tensor::from_ints: " + std::to_string(values.size()) +
                " values do not fill shape " + shape_to_string(t.shape()));
  }
  std::copy(values.begin(), values.end(), t.mutable_data<std::int64_t>());
  return t;
}

Tensor Tensor::from_bools(const std::vector<bool>& values, Shape shape) {
  Tensor t(DType::boolean, std::move(shape));
  if (static_cast<std::int64_t>(values.size()) != t.size()) {
    throw Error("Tensor::from_bools: " + std::to_string(values.size()) +
                " values do not fill shape " + shape_to_string(t.shape()));
  }
  for (std::int64_t i = 0; i < t.size(); ++i) t.mutable_data<std::uint8_t>()[i] = values[i];
  return t;
}

std::size_t Tensor::byte_size() const {
  return dtype_size(dtype_) * static_cast<std::size_t>(size_);
}

double Tensor::at(std::int64_t i) const {
  const void* p = storage_.get();
  switch (dtype_) {
    case DType::float64:
      return static_cast<const double*>(p)[i];
    case DType::float32:
      return static_cast<const float*>(p)[i];
    case DType::int64:
      return static_cast<double>(static_cast<const std::int64_t*>(p)[i]);
    case DType::boolean:
      return static_cast<const std::uint8_t*>(p)[i] != 0 ? 1.0 : 0.0;
  }
  return 0.0;
}

void Tensor::set(std::int64_t i, double value) {
  void* p = storage_.get();
  switch (dtype_) {
    case DType::float64:
      static_cast<double*>(p)[i] = value;
      break;
    case DType::float32:
      static_cast<float*>(p)[i] = static_cast<float>(value);
      break;
    case DType::int64:
      static_cast<std::int64_t*>(p)[i] = double_to_int64(value);
      break;
    case DType::boolean:
      static_cast<std::uint8_t*>(p)[i] = value != 0.0;
      break;
  }
}

std::vector<double> Tensor::to_doubles() const {
  std::vector<double> values(static_cast<std::size_t>(size_));
  for (std::int64_t i = 0; i < size_; ++i) values[i] = at(i);
  return values;
}

bool Tensor::identical(const Tensor& other) const {
  return dtype_ == other.dtype_ && shape_ == other.shape_ &&
         std::memcmp(bytes(), other.bytes(), byte_size()) == 0;
}

std::size_t Tensor::hash() const {
  std::size_t h = std::hash<int>()(static_cast<int>(dtype_));
  for (std::int64_t d : shape_) h = h * 1000003u ^ std::hash<std::int64_t>()(d);
  h ^= std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(bytes()), byte_size()));
  return h;
}

Tensor Tensor::reshaped(Shape shape) const {
  check_concrete(shape);
  if (num_elements(shape) != size_) {
    throw Error("Tensor::reshaped: cannot view " + std::to_string(size_) + " elements as shape " +
                shape_to_string(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::cast(DType dtype) const {
  if (dtype == dtype_) return *this;
  Tensor t(dtype, shape_);
  if (dtype == DType::int64 && dtype_ == DType::boolean) {
    for (std::int64_t i = 0; i < size_; ++i) t.mutable_data<std::int64_t>()[i] = at(i) != 0.0;
    return t;
  }
  for (std::int64_t i = 0; i < size_; ++i) t.set(i, at(i));
  return t;
}

Tensor Tensor::copy() const {
  Tensor t(dtype_, shape_);
  std::memcpy(t.storage_.get(), storage_.get(), byte_size());
  return t;
}

std::string Tensor::to_string(int max_elements) const {
  std::ostringstream out;
  out.precision(6);
  out << dtype_name(dtype_) << shape_to_string(shape_) << " [";
  for (std::int64_t i = 0; i < size_ && i < max_elements; ++i) {
    if (i > 0) out << ", ";
    if (dtype_ == DType::boolean) {
      out << (at(i) != 0.0 ? "true" : "false");
    } else if (dtype_ == DType::int64) {
      out << data<std::int64_t>()[i];
    } else {
      out << at(i);
    }
  }
  if (size_ > max_elements) out << ", ...";
  out << "]";
  return out.str();
}

void Tensor::check_dtype(DType expected) const {
  if (expected != dtype_) {
    throw Error("Tensor: buffer holds " + std::string(dtype_name(dtype_)) + ", accessed as " +
                std::string(dtype_name(expected)));
  }
}

std::vector<std::int64_t> row_major_strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

}  // namespace hypatia
