#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hypatia/dtype.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::float64;
};
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::float32;
};
template <>
struct DTypeOf<std::int64_t> {
  static constexpr DType value = DType::int64;
};
template <>
struct DTypeOf<std::uint8_t> {
  static constexpr DType value = DType::boolean;
};

// A concrete value: dtype, concrete shape, and a contiguous row-major buffer. Copies share the
// buffer, so passing tensors around is cheap; a tensor is treated as immutable once a kernel has
// returned it.
class Tensor {
 public:
  Tensor();                          // a float64 scalar 0
  Tensor(DType dtype, Shape shape);  // zero-filled

  static Tensor scalar(double value, DType dtype = DType::float64);
  static Tensor from_doubles(const std::vector<double>& values, Shape shape,
                             DType dtype = DType::float64);
  static Tensor from_ints(const std::vector<std::int64_t>& values, Shape shape);
  static Tensor from_bools(const std::vector<bool>& values, Shape shape);
  static Tensor full(DType dtype, Shape shape, double value);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  std::int64_t size() const { return size_; }
  TensorType type() const { return {dtype_, shape_}; }

  template <typename T>
  const T* data() const {
    check_dtype(DTypeOf<T>::value);
    return static_cast<const T*>(static_cast<const void*>(storage_.get()));
  }
  template <typename T>
  T* mutable_data() {
    check_dtype(DTypeOf<T>::value);
    return static_cast<T*>(static_cast<void*>(storage_.get()));
  }
  const std::byte* bytes() const { return storage_.get(); }
  std::size_t byte_size() const;

  // Element access through double, for any dtype (reference kernels and tests). Storing into int64
  // truncates toward zero; NaN and values outside the int64 range store INT64_MIN (as numpy on
  // x86 does). cast converts the same way.
  double at(std::int64_t flat_index) const;
  void set(std::int64_t flat_index, double value);
  std::vector<double> to_doubles() const;

  // Same dtype and shape and equal bytes (NaNs with equal bits compare equal).
  bool identical(const Tensor& other) const;
  std::size_t hash() const;

  Tensor reshaped(Shape shape) const;  // shares the buffer
  Tensor cast(DType dtype) const;
  Tensor copy() const;

  std::string to_string(int max_elements = 20) const;

 private:
  void check_dtype(DType expected) const;

  DType dtype_;
  Shape shape_;
  std::int64_t size_;
  std::shared_ptr<std::byte[]> storage_;
};

// Row-major strides (in elements) of a concrete shape.
std::vector<std::int64_t> row_major_strides(const Shape& shape);

}  // namespace hypatia
