// Axis bookkeeping and the slice layout shared by the reductions and the cumulative ops.

#include "ops/reduce_util.hpp"

#include <algorithm>

#include "hypatia/error.hpp"

namespace hypatia::ops {

std::string axes_problem(const Axes& axes, int rank) {
  std::vector<std::int64_t> seen;
  for (std::int64_t axis : axes) {
    if (axis < -rank || axis >= rank) {
      return "axis " + std::to_string(axis) + " is out of range for a tensor of rank " +
             std::to_string(rank) + " (expected an axis in [" + std::to_string(-rank) + ", " +
             std::to_string(rank - 1) + "])";
    }
    const std::int64_t normalized = axis < 0 ? axis + rank : axis;
    if (std::find(seen.begin(), seen.end(), normalized) != seen.end()) {
      return "axis " + std::to_string(axis) + " is repeated (it is axis " +
             std::to_string(normalized) + ")";
    }
    seen.push_back(normalized);
  }
  return "";
}

std::vector<int> normalize_axes(const Axes& axes, int rank, const std::string& op) {
  const std::string problem = axes_problem(axes, rank);
  if (!problem.empty()) throw_shape_error(op + ": " + problem);
  std::vector<int> result;
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) result.push_back(i);
    return result;
  }
  for (std::int64_t axis : axes) result.push_back(static_cast<int>(axis < 0 ? axis + rank : axis));
  std::sort(result.begin(), result.end());
  return result;
}

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) {
      out.push_back(shape[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

std::vector<int> attr_axes(const Node& node) {
  std::vector<int> axes;
  for (std::int64_t a : node.attrs().get_ints("axes")) axes.push_back(static_cast<int>(a));
  return axes;
}

ReductionLayout::ReductionLayout(const Shape& shape, const std::vector<int>& axes) {
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  std::vector<Dim> reduced_dims;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    const bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    (reduced ? reduced_dims : kept_dims_).push_back({shape[i], strides[i]});
    if (!reduced) outer_size_ *= shape[i];
  }
  // The offsets within a slice are the same for every slice, so they are listed once.
  slice_offsets_ = {0};
  for (const Dim& dim : reduced_dims) {
    std::vector<std::int64_t> next;
    next.reserve(slice_offsets_.size() * static_cast<std::size_t>(dim.size));
    for (std::int64_t outer : slice_offsets_) {
      for (std::int64_t i = 0; i < dim.size; ++i) next.push_back(outer + i * dim.stride);
    }
    slice_offsets_ = std::move(next);
  }
  const bool reduces_rows = !shape.empty() && std::find(axes.begin(), axes.end(), 0) != axes.end();
  if (reduces_rows && shape[0] >= HR_PARALLEL_MIN_ROWS) {
    chunk_elements_ = HR_CHUNK_ROWS * (inner_size() / shape[0]);
  }
  const int last = static_cast<int>(shape.size()) - 1;
  if (last >= 0 && std::find(axes.begin(), axes.end(), last) != axes.end() &&
      shape.back() >= HR_SUM_LANES_MIN_RUN) {
    lane_run_ = shape.back();
  }
}

std::int64_t ReductionLayout::slice_start(std::int64_t o) const {
  std::int64_t start = 0;
  for (std::size_t d = kept_dims_.size(); d-- > 0;) {
    start += (o % kept_dims_[d].size) * kept_dims_[d].stride;
    o /= kept_dims_[d].size;
  }
  return start;
}

// ---- Native emitters ---------------------------------------------------------------------------

namespace {

bool contains(const std::vector<int>& axes, int axis) {
  return std::find(axes.begin(), axes.end(), axis) != axes.end();
}

// Index terms (loop variable, stride) walking `dims` of `shape` row-major, loop variable k on
// variables[k]; dims of size 1 (loop variables always 0) are dropped.
native::Index row_major_over(const Shape& shape, const std::vector<int>& dims,
                             const std::vector<int>& variables) {
  native::Index index;
  std::int64_t stride = 1;
  for (std::size_t k = dims.size(); k-- > 0;) {
    const std::int64_t size = shape[static_cast<std::size_t>(dims[k])];
    if (size != 1) index.terms.insert(index.terms.begin(), {variables[k], stride});
    stride *= size;
  }
  return index;
}

}  // namespace

NativeReduction::NativeReduction(const native::Lowering& lowering, native::BufferId x,
                                 std::vector<int> axes)
    : x(x),
      dtype(lowering.buffer_info(x).dtype),
      shape(lowering.buffer_info(x).shape),
      axes(std::move(axes)) {
  for (int axis : this->axes) slice_size *= shape[static_cast<std::size_t>(axis)];
}

native::Scalar NativeReduction::x_element() const {
  return native::load(x, native::broadcast_index(shape, static_cast<int>(shape.size())), dtype);
}

native::Index NativeReduction::output_index() const {
  std::vector<int> kept;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (!contains(axes, d)) kept.push_back(d);
  }
  return row_major_over(shape, kept, kept);
}

native::Scalar NativeReduction::position_in_slice() const {
  const native::Index within = row_major_over(shape, axes, axes);
  native::Scalar position = native::literal(0.0, DType::int64);
  for (const auto& [variable, stride] : within.terms) {
    const std::string term = "{1} * " + std::to_string(stride);
    position = native::apply("add", "{0} + " + term, {position, native::loop_variable(variable)},
                             DType::int64, "{0} + " + term);
  }
  return position;
}

native::LoopNest NativeReduction::pass(std::vector<native::Statement> statements) const {
  native::LoopNest nest;
  nest.extents = shape;
  nest.body = std::move(statements);
  return nest;
}

native::LoopNest NativeReduction::over_slices(
    const std::function<std::vector<native::Statement>(const native::Index& output,
                                                       const native::Scalar& first)>& body) const {
  if (slice_size == 0)
    throw Error("native lowering: a reduction without identity got empty slices");
  native::LoopNest nest;
  std::vector<int> kept, variables;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (contains(axes, d)) continue;
    variables.push_back(static_cast<int>(kept.size()));
    kept.push_back(d);
    nest.extents.push_back(shape[static_cast<std::size_t>(d)]);
  }
  // The first element of a slice has every reduced dim at 0: x's strides over the kept dims only.
  native::Index first;
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const std::size_t d = static_cast<std::size_t>(kept[k]);
    if (shape[d] != 1) first.terms.emplace_back(variables[k], strides[d]);
  }
  Shape kept_shape(nest.extents.begin(), nest.extents.end());
  std::vector<int> all_kept(kept.size());
  for (std::size_t k = 0; k < kept.size(); ++k) all_kept[k] = static_cast<int>(k);
  nest.body = body(row_major_over(kept_shape, all_kept, all_kept), native::load(x, first, dtype));
  return nest;
}

native::LoopNest fill(const native::Lowering& lowering, native::BufferId buffer,
                      const std::function<native::Scalar(const native::Index& at)>& value) {
  const native::Index flat{0, {{0, 1}}, nullptr, 0};
  native::LoopNest nest;
  nest.extents = {lowering.buffer_info(buffer).size()};
  nest.body.push_back({buffer, flat, value(flat)});
  return nest;
}

native::Scalar native_add(native::Scalar a, native::Scalar b, DType dtype) {
  return native::apply("add", "{0} + {1}", {std::move(a), std::move(b)}, dtype,
                       "hr_wrapping_add({0}, {1})");
}

native::Scalar native_multiply(native::Scalar a, native::Scalar b, DType dtype) {
  return native::apply("multiply", "{0} * {1}", {std::move(a), std::move(b)}, dtype,
                       "hr_wrapping_mul({0}, {1})");
}

native::BufferId accumulator_for(native::Lowering& lowering, native::BufferId out, DType dtype) {
  if (lowering.buffer_info(out).dtype == dtype) return out;
  const Shape shape = lowering.buffer_info(out).shape;
  return lowering.temporary(dtype, shape);
}

void finish_accumulator(native::Lowering& lowering, native::BufferId out,
                        native::BufferId accumulator) {
  if (accumulator != out) native::emit_copy(lowering, out, accumulator);
}

}  // namespace hypatia::ops
