#pragma once

// Axis bookkeeping shared by the reductions and the cumulative ops.

#include <string>
#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/ops/reduce.hpp"

namespace hypatia::ops {

// Sorted, non-negative, unique axes; all axes when `axes` is empty. Throws naming `op`.
std::vector<int> normalize_axes(const Axes& axes, int rank, const std::string& op);
Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims);
std::vector<int> attr_axes(const Node& node);  // the node's "axes" attribute

// Splits a row-major tensor into kept and reduced dimensions: output element `o` reduces the
// input elements at offset(kept_dims, o) + offset(reduced_dims, r) for r < inner_size.
struct ReductionLayout {
  struct Dim {
    std::int64_t size;
    std::int64_t stride;
  };
  ReductionLayout(const Shape& shape, const std::vector<int>& axes);
  static std::int64_t offset(const std::vector<Dim>& dims, std::int64_t flat);

  std::vector<Dim> kept_dims;
  std::vector<Dim> reduced_dims;
  std::int64_t outer_size;
  std::int64_t inner_size;
};

}  // namespace hypatia::ops
