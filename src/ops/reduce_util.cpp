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
}

std::int64_t ReductionLayout::slice_start(std::int64_t o) const {
  std::int64_t start = 0;
  for (std::size_t d = kept_dims_.size(); d-- > 0;) {
    start += (o % kept_dims_[d].size) * kept_dims_[d].stride;
    o /= kept_dims_[d].size;
  }
  return start;
}

}  // namespace hypatia::ops
