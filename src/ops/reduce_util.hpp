#pragma once

// Axis bookkeeping and the one loop shape shared by the reductions and the cumulative ops.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/native/lowering.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops/reduce.hpp"
#include "hypatia_runtime.h"

namespace hypatia::ops {

// Why `axes` are not valid axes of a rank-`rank` tensor ("axis 3 is out of range ..."), or an
// empty string when they are.
std::string axes_problem(const Axes& axes, int rank);
// Sorted, non-negative, unique axes; all axes when `axes` is empty. Throws naming `op`.
std::vector<int> normalize_axes(const Axes& axes, int rank, const std::string& op);
Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims);
std::vector<int> attr_axes(const Node& node);  // the node's "axes" attribute

// The dtype of a sum or product (numpy): int64 for int64 and bool inputs, else the input's.
inline DType integers_to_int64(DType dtype) {
  return is_integral(dtype) ? DType::int64 : dtype;
}

// Splits a row-major tensor into slices: output element `o` of a reduction over `axes` combines
// the input elements at slice_start(o) + slice_offsets[r] for r < inner_size, r running over the
// reduced dimensions in row-major order. A cumulative op uses the same slices with one axis.
class ReductionLayout {
 public:
  ReductionLayout(const Shape& shape, const std::vector<int>& axes);

  std::int64_t outer_size() const { return outer_size_; }
  std::int64_t inner_size() const { return static_cast<std::int64_t>(slice_offsets_.size()); }
  const std::vector<std::int64_t>& slice_offsets() const { return slice_offsets_; }
  std::int64_t slice_start(std::int64_t o) const;
  // Elements of a slice that one chunk of rows holds when the native backend runs the reduction's
  // pass in chunks (axis 0 reduced over at least HR_PARALLEL_MIN_ROWS rows), else 0.
  std::int64_t chunk_elements() const { return chunk_elements_; }
  // The length of the runs of consecutive elements a slice is summed in lanes over (the last
  // axis's, when it is reduced and at least HR_SUM_LANES_MIN_RUN long), else 0; see slice_total.
  std::int64_t lane_run() const { return lane_run_; }

  // Calls visit(o, start) for every slice.
  template <typename Visit>
  void for_each_slice(Visit&& visit) const {
    for (std::int64_t o = 0; o < outer_size_; ++o) visit(o, slice_start(o));
  }

 private:
  struct Dim {
    std::int64_t size;
    std::int64_t stride;
  };
  std::vector<Dim> kept_dims_;
  std::vector<std::int64_t> slice_offsets_;
  std::int64_t outer_size_ = 1;
  std::int64_t chunk_elements_ = 0;
  std::int64_t lane_run_ = 0;
};

// Element access in the type a kernel computes with: int64 for integer and boolean tensors (exact
// beyond 2^53, unlike the double path), double for floating ones.
template <typename T>
T read_element(const Tensor& x, std::int64_t i) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (x.dtype() == DType::int64) return x.data<std::int64_t>()[i];
    return static_cast<std::int64_t>(x.at(i));
  } else {
    return static_cast<T>(x.at(i));
  }
}

template <typename T>
void write_element(Tensor& out, std::int64_t i, T value) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (out.dtype() == DType::int64) {
      out.mutable_data<std::int64_t>()[i] = value;
      return;
    }
  }
  out.set(i, static_cast<double>(value));
}

// One slice of a tensor, read as T.
template <typename T>
class Slice {
 public:
  using value_type = T;
  Slice(const Tensor& x, std::int64_t start, const std::vector<std::int64_t>& offsets,
        std::int64_t chunk_elements = 0, std::int64_t lane_run = 0)
      : x_(x),
        start_(start),
        offsets_(offsets),
        chunk_elements_(chunk_elements),
        lane_run_(lane_run) {}
  std::int64_t size() const { return static_cast<std::int64_t>(offsets_.size()); }
  std::int64_t chunk_elements() const { return chunk_elements_; }  // see ReductionLayout
  std::int64_t lane_run() const { return lane_run_; }              // see ReductionLayout
  T operator[](std::int64_t r) const { return read_element<T>(x_, start_ + offsets_[r]); }
  std::int64_t flat_index(std::int64_t r) const { return start_ + offsets_[r]; }

 private:
  const Tensor& x_;
  std::int64_t start_;
  const std::vector<std::int64_t>& offsets_;
  std::int64_t chunk_elements_;
  std::int64_t lane_run_;
};

// Calls fn.template operator()<T>() with T = int64 for integer and boolean dtypes, double else.
template <typename Fn>
decltype(auto) with_compute_type(DType dtype, Fn&& fn) {
  if (is_integral(dtype)) return fn.template operator()<std::int64_t>();
  return fn.template operator()<double>();
}

// Addition and multiplication that wrap around on int64 overflow like numpy (signed overflow is
// undefined in C++, so the integer path goes through unsigned arithmetic).
template <typename T>
T wrapping_add(T a, T b) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    return static_cast<T>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
  } else {
    return a + b;
  }
}
template <typename T>
T wrapping_mul(T a, T b) {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    return static_cast<T>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
  } else {
    return a * b;
  }
}

// The sum of elements [begin, end) of a slice in HR_SUM_LANES lanes, element begin + j adding
// into lane j % HR_SUM_LANES (see hr_sum_lanes).
template <typename T>
double lane_sum(const Slice<T>& slice, std::int64_t begin, std::int64_t end) {
  double lanes[HR_SUM_LANES] = {};
  for (std::int64_t r = begin; r < end; ++r) lanes[(r - begin) % HR_SUM_LANES] += slice[r];
  return hr_sum_lanes(lanes);
}

// The sum of a slice in the native backend's order. When the slice is cut into chunks of rows
// (LoopNest::parallel_rows), a running sum per chunk, the chunks' sums added in chunk order to a
// running total; else one running sum. Float slices whose layout has a lane run
// (LoopNest::sum_lanes) add each run, or each part of a run within one chunk, as one lane_sum.
// The same bits for any number of threads and any vector width.
template <typename T>
T slice_total(const Slice<T>& slice) {
  const std::int64_t size = slice.size();
  const std::int64_t step = slice.chunk_elements() > 0 ? slice.chunk_elements() : size;
  const std::int64_t run = slice.lane_run();
  T total = 0;  // 0 + the one running sum of an unchunked slice is that sum, bit for bit
  for (std::int64_t begin = 0; begin < size; begin += step) {
    const std::int64_t end = std::min(begin + step, size);
    T partial = 0;
    if constexpr (std::is_floating_point_v<T>) {
      for (std::int64_t piece = begin; run > 0 && piece < end;) {
        const std::int64_t piece_end = std::min(end, (piece / run + 1) * run);
        partial += lane_sum(slice, piece, piece_end);
        piece = piece_end;
      }
    }
    if (run == 0 || !std::is_floating_point_v<T>) {
      for (std::int64_t r = begin; r < end; ++r) partial = wrapping_add(partial, slice[r]);
    }
    total = wrapping_add(total, partial);
  }
  return total;
}

template <typename T>
bool is_nan(T value) {
  if constexpr (std::is_floating_point_v<T>) {
    return std::isnan(value);
  } else {
    return false;
  }
}

// ---- Native emitters ---------------------------------------------------------------------------

// A reduction of buffer `x` over `axes`, seen by the native emitters. A pass over x is one loop
// nest over x's shape (a loop variable per dim). Each output element then combines its slice in
// row-major order of the reduced dims, the reference kernels' order, whatever the nesting of the
// kept dims, so results agree to the bit while the compiler vectorizes over inner kept dims.
struct NativeReduction {
  NativeReduction(const native::Lowering& lowering, native::BufferId x, std::vector<int> axes);

  // The element of x the pass is at.
  native::Scalar x_element() const;
  // The element (row-major over the kept dims) of an output of the reduction that it feeds.
  native::Index output_index() const;
  // Its row-major position within its slice (as argmax reports it).
  native::Scalar position_in_slice() const;
  // The pass: `statements` run for every element of x.
  native::LoopNest pass(std::vector<native::Statement> statements) const;
  // A loop nest over the output elements with `first` bound to each slice's first element of x
  // (slices must not be empty).
  native::LoopNest over_slices(
      const std::function<std::vector<native::Statement>(const native::Index& output,
                                                         const native::Scalar& first)>& body) const;

  native::BufferId x;
  DType dtype;
  Shape shape;
  std::vector<int> axes;
  std::int64_t slice_size = 1;
};

// The type a reduction accumulates in: int64 for integers and bools (exact), double for floats.
inline DType accumulator_dtype(DType dtype) {
  return is_integral(dtype) ? DType::int64 : DType::float64;
}

// buffer[k] = value(k) for every element k of `buffer` (value gets the flat index).
native::LoopNest fill(const native::Lowering& lowering, native::BufferId buffer,
                      const std::function<native::Scalar(const native::Index& at)>& value);

// a + b and a * b: over int64 they wrap around on overflow like the reference kernels.
using NativeCombine = native::Scalar (*)(native::Scalar a, native::Scalar b, DType dtype);
native::Scalar native_add(native::Scalar a, native::Scalar b, DType dtype);
native::Scalar native_multiply(native::Scalar a, native::Scalar b, DType dtype);

// The buffer an emitter accumulates `node`'s output in: the output itself when it has the
// accumulator's dtype, else a float64 temporary (float32 results round once, at the end, as in the
// reference kernels). finish_accumulator copies such a temporary into the output.
native::BufferId accumulator_for(native::Lowering& lowering, native::BufferId out, DType dtype);
void finish_accumulator(native::Lowering& lowering, native::BufferId out,
                        native::BufferId accumulator);

}  // namespace hypatia::ops
