// Indexing: basic slicing (steps, negative bounds, single positions), writes into a sliced region
// (set_subtensor, inc_subtensor), and integer-array indexing along an axis (gather) with its
// adjoint (scatter_add).

#include "hypatia/ops/index.hpp"

#include <algorithm>
#include <limits>

#include "backend/native/lowering.hpp"
#include "hypatia/ops.hpp"
#include "hypatia_runtime.h"
#include "ops/elementwise.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

// ---- Slice specs: validation, resolution against a dimension, and the node attribute.

// Bounds and steps beyond any dimension act alike, so they are clamped to this magnitude: the
// resolution arithmetic cannot overflow, and kAbsentBound cannot be mistaken for a user's value.
constexpr std::int64_t kHugeBound = std::int64_t{1} << 62;
constexpr std::int64_t kAbsentBound = std::numeric_limits<std::int64_t>::min();
enum SpecKind : std::int64_t { kSliceKind = 0, kIndexKind = 1 };
constexpr std::size_t kIntsPerSpec = 4;  // kind, start (or position), stop, step

// One axis of a region of a tensor: `count` positions start, start + step, ...; an axis picked by
// an Index has count 1 and is not kept in the region's shape.
struct AxisRange {
  std::int64_t start = 0;
  std::int64_t count = 0;
  std::int64_t step = 1;
  bool kept = true;
};

// Python's slice.indices followed by the length of the range: the clamped start and the number of
// positions on an axis of `size`.
AxisRange resolve_slice(const Slice& slice, std::int64_t size) {
  const std::int64_t step = slice.step.value_or(1);
  // Bounds clamp to [0, size] for a positive step and to [-1, size - 1] for a negative one, where
  // -1 stands for "before the first element".
  const std::int64_t lower = step < 0 ? -1 : 0;
  const std::int64_t upper = step < 0 ? size - 1 : size;
  auto clamp_bound = [&](std::optional<std::int64_t> bound, std::int64_t fallback) {
    if (!bound) return fallback;
    const std::int64_t b = *bound < 0 ? *bound + size : *bound;
    return std::clamp(b, lower, upper);
  };
  const std::int64_t start = clamp_bound(slice.start, step < 0 ? upper : lower);
  const std::int64_t stop = clamp_bound(slice.stop, step < 0 ? lower : upper);
  const std::int64_t span = step < 0 ? start - stop : stop - start;
  const std::int64_t stride = step < 0 ? -step : step;
  return {start, span > 0 ? (span - 1) / stride + 1 : 0, step, true};
}

// The position an Index names on an axis of `size`, or nullopt when it is out of range.
std::optional<std::int64_t> resolve_index(std::int64_t position, std::int64_t size) {
  const std::int64_t resolved = position < 0 ? position + size : position;
  if (resolved < 0 || resolved >= size) return std::nullopt;
  return resolved;
}

std::string out_of_range_message(std::int64_t position, std::size_t axis, std::int64_t size) {
  return "index " + std::to_string(position) + " is out of range for axis " + std::to_string(axis) +
         " of size " + std::to_string(size);
}

// Checks what can be checked before run time: the number of specs, steps, and Index positions on
// known dimensions. `inputs[0]` is the sliced tensor.
void check_specs(const std::string& op, const std::vector<NodePtr>& inputs,
                 const SliceSpecs& specs) {
  const Shape& shape = inputs[0]->shape();
  if (specs.size() > shape.size()) {
    fail(op,
         std::to_string(specs.size()) + " slice specs for a tensor of rank " +
             std::to_string(shape.size()),
         inputs);
  }
  for (std::size_t axis = 0; axis < specs.size(); ++axis) {
    if (const auto* slice = std::get_if<Slice>(&specs[axis])) {
      if (slice->step == 0) fail(op, "slice step is 0 on axis " + std::to_string(axis), inputs);
    } else {
      const std::int64_t position = std::get<Index>(specs[axis]).position;
      if (shape[axis] != kUnknownDim && !resolve_index(position, shape[axis])) {
        fail(op, out_of_range_message(position, axis, shape[axis]), inputs);
      }
    }
  }
}

bool is_whole_axis(const SliceSpec& spec) {
  const auto* slice = std::get_if<Slice>(&spec);
  return slice && !slice->start && !slice->stop && slice->step.value_or(1) == 1;
}

// The one spelling of a resolved range: x[0:5] and x[:] on a length-5 axis, or x[9:0:-1] and
// x[4:0:-1], become the same spec.
Slice spell_range(const AxisRange& range, std::int64_t size) {
  if (range.count == size && range.step == 1) return Slice{};
  if (range.count == 0) return Slice{0, 0, std::nullopt};
  const std::int64_t past_last = range.start + range.count * range.step;
  return Slice{range.start, past_last < 0 ? std::nullopt : std::optional(past_last),
               range.step == 1 ? std::nullopt : std::optional(range.step)};
}

std::optional<std::int64_t> clamp_huge(std::optional<std::int64_t> bound) {
  if (!bound) return bound;
  return std::clamp(*bound, -kHugeBound, kHugeBound);
}

// Specs that select the same elements become equal (so their nodes hash-cons): ranges on known
// dimensions are resolved, Index positions made non-negative, and whole trailing axes dropped.
// The specs must have passed check_specs.
SliceSpecs canonical_specs(const SliceSpecs& specs, const Shape& shape) {
  SliceSpecs result;
  for (std::size_t axis = 0; axis < specs.size(); ++axis) {
    const std::int64_t size = shape[axis];
    if (const auto* index = std::get_if<Index>(&specs[axis])) {
      result.push_back(size == kUnknownDim ? *index : Index{*resolve_index(index->position, size)});
      continue;
    }
    const Slice& slice = std::get<Slice>(specs[axis]);
    Slice clamped{clamp_huge(slice.start), clamp_huge(slice.stop), clamp_huge(slice.step)};
    if (clamped.step == 1) clamped.step = std::nullopt;
    result.push_back(size == kUnknownDim ? clamped
                                         : spell_range(resolve_slice(clamped, size), size));
  }
  while (!result.empty() && is_whole_axis(result.back())) result.pop_back();
  return result;
}

std::int64_t encode_bound(std::optional<std::int64_t> bound) {
  return bound.value_or(kAbsentBound);
}
std::optional<std::int64_t> decode_bound(std::int64_t value) {
  return value == kAbsentBound ? std::nullopt : std::optional(value);
}

std::vector<std::int64_t> encode_specs(const SliceSpecs& specs) {
  std::vector<std::int64_t> ints;
  for (const SliceSpec& spec : specs) {
    if (const auto* index = std::get_if<Index>(&spec)) {
      ints.insert(ints.end(), {kIndexKind, index->position, kAbsentBound, kAbsentBound});
    } else {
      const Slice& s = std::get<Slice>(spec);
      ints.insert(ints.end(),
                  {kSliceKind, encode_bound(s.start), encode_bound(s.stop), encode_bound(s.step)});
    }
  }
  return ints;
}

SliceSpecs decode_specs(const Attrs& attrs) {
  const std::vector<std::int64_t>& ints = attrs.get_ints("specs");
  SliceSpecs specs;
  for (std::size_t i = 0; i + kIntsPerSpec <= ints.size(); i += kIntsPerSpec) {
    if (ints[i] == kIndexKind) {
      specs.push_back(Index{ints[i + 1]});
    } else {
      specs.push_back(
          Slice{decode_bound(ints[i + 1]), decode_bound(ints[i + 2]), decode_bound(ints[i + 3])});
    }
  }
  return specs;
}

// The static shape of x[specs...]: unknown where the sliced dimension is unknown.
Shape sliced_shape(const Shape& shape, const SliceSpecs& specs) {
  Shape result;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (axis >= specs.size()) {
      result.push_back(shape[axis]);
    } else if (const auto* slice = std::get_if<Slice>(&specs[axis])) {
      result.push_back(shape[axis] == kUnknownDim ? kUnknownDim
                                                  : resolve_slice(*slice, shape[axis]).count);
    }
  }
  return result;
}

// The region x[specs...] of a concrete tensor: a range for every axis, and the region's shape.
struct Region {
  std::vector<AxisRange> axes;
  Shape shape;
};

// Resolves specs against a concrete shape. An Index out of range (possible only where the
// dimension was unknown at build time) is passed to `out_of_range(message)`, which throws.
template <typename Throw>
Region resolve_region(const SliceSpecs& specs, const Shape& shape, Throw out_of_range) {
  Region region;
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    const SliceSpec spec = axis < specs.size() ? specs[axis] : SliceSpec{Slice{}};
    AxisRange range;
    if (const auto* index = std::get_if<Index>(&spec)) {
      std::optional<std::int64_t> position = resolve_index(index->position, shape[axis]);
      if (!position) out_of_range(out_of_range_message(index->position, axis, shape[axis]));
      range = {position.value_or(0), 1, 1, false};
    } else {
      range = resolve_slice(std::get<Slice>(spec), shape[axis]);
    }
    region.axes.push_back(range);
    if (range.kept) region.shape.push_back(range.count);
  }
  return region;
}

// The region of values[0] at run time; an Index out of range is a RuntimeError naming `op`.
Region resolve_region(const std::string& op, const SliceSpecs& specs,
                      const std::vector<Tensor>& values) {
  return resolve_region(specs, values[0].shape(),
                        [&](const std::string& message) { fail_runtime(op, message, values); });
}

// The flat offset in a row-major tensor of `shape` of each element of the region, in the region's
// row-major order.
std::vector<std::int64_t> region_offsets(const Region& region, const Shape& shape) {
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  std::vector<std::int64_t> offsets{0};
  for (std::size_t axis = 0; axis < region.axes.size(); ++axis) {
    const AxisRange& range = region.axes[axis];
    std::vector<std::int64_t> next;
    next.reserve(offsets.size() * static_cast<std::size_t>(range.count));
    for (std::int64_t base : offsets) {
      for (std::int64_t k = 0; k < range.count; ++k) {
        next.push_back(base + (range.start + k * range.step) * strides[axis]);
      }
    }
    offsets = std::move(next);
  }
  return offsets;
}

// ---- Helpers shared by the writing ops.

// Whether `from` broadcasts to exactly `to` (numpy rules). Unknown dimensions are accepted: the
// kernel checks them on concrete shapes with this same function.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const std::size_t lead = to.size() - from.size();
  for (std::size_t i = 0; i < from.size(); ++i) {
    const std::int64_t f = from[i], t = to[lead + i];
    if (f != 1 && f != t && f != kUnknownDim && t != kUnknownDim) return false;
  }
  return true;
}

// Input `value` of `inputs` converted to the dtype of input `target` when that loses nothing, or
// when it is a C++ number (written like numpy writes a Python scalar); any other dtype is an error
// naming `op`.
Expr fit_value_dtype(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t target,
                     std::size_t value) {
  const DType want = inputs[target]->dtype();
  const DType have = inputs[value]->dtype();
  if (have == want) return inputs[value];
  if (!is_weak_scalar(*inputs[value]) && promote_types(want, have) != want) {
    fail(op,
         "cannot write " + std::string(dtype_name(have)) + " values (input " +
             std::to_string(value) + ") into a tensor of dtype " + std::string(dtype_name(want)),
         inputs);
  }
  return cast(inputs[value], want);
}

void expect_same_dtype(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t a,
                       std::size_t b) {
  if (inputs[a]->dtype() != inputs[b]->dtype()) {
    fail(op, "inputs " + std::to_string(a) + " and " + std::to_string(b) + " must have one dtype",
         inputs);
  }
}

// ---- Native emitters shared by the indexing ops.

// target[index] += value, adding like the reference kernels: in the target's dtype, booleans
// staying 0 or 1. Statements run in loop order, so repeated targets accumulate.
native::Statement accumulate(native::BufferId target, DType dtype, const native::Index& index,
                             native::Scalar value) {
  if (dtype != DType::boolean) {
    return {target, index, std::move(value), native::Statement::Update::add};
  }
  native::Scalar sum = native::apply(
      "add", "{0} + {1}", {native::load(target, index, dtype), value}, dtype, "{0} + {1}");
  return {target, index, sum};
}

// The region x[specs...] of the node's input 0; every shape is known when lowering, so an Index
// out of range is a build-time ShapeError naming the op.
Region lowered_region(const Node& node) {
  return resolve_region(
      decode_specs(node.attrs()), node.input(0)->shape(),
      [&](const std::string& message) { fail(node.op_name(), message, node.inputs()); });
}

// Element (i_0, i_1, ...) of the region (one loop variable per kept axis) as an affine index into
// the row-major tensor of `shape` it was cut from: negative steps give negative strides.
native::Index region_index(const Region& region, const Shape& shape) {
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  native::Index index;
  int variable = 0;
  for (std::size_t axis = 0; axis < region.axes.size(); ++axis) {
    const AxisRange& range = region.axes[axis];
    index.offset += range.start * strides[axis];
    if (!range.kept) continue;
    if (range.step * strides[axis] != 0) {
      index.terms.emplace_back(variable, range.step * strides[axis]);
    }
    ++variable;
  }
  return index;
}

void lower_slice(const NodePtr& node, native::Lowering& lowering) {
  const Region region = lowered_region(*node);
  native::LoopNest nest;
  nest.extents = region.shape;
  nest.body.push_back({lowering.define(*node),
                       native::broadcast_index(region.shape, static_cast<int>(region.shape.size())),
                       native::load(lowering.input_buffer(*node, 0),
                                    region_index(region, node->input(0)->shape()), node->dtype())});
  lowering.emit(std::move(nest));
}

// ---- slice, set_subtensor, inc_subtensor

std::vector<TensorType> infer_slice(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  expect_arity("slice", inputs, 1);
  const SliceSpecs specs = decode_specs(attrs);
  check_specs("slice", inputs, specs);
  return {{inputs[0]->dtype(), sliced_shape(inputs[0]->shape(), specs)}};
}

const OpDef& slice_op() {
  static const OpDef op{
      .name = "slice",
      .infer = infer_slice,
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Region region = resolve_region("slice", decode_specs(node.attrs()), inputs);
        const std::vector<std::int64_t> offsets = region_offsets(region, inputs[0].shape());
        Tensor out(inputs[0].dtype(), region.shape);
        for (std::size_t i = 0; i < offsets.size(); ++i) {
          out.set(static_cast<std::int64_t>(i), inputs[0].at(offsets[i]));
        }
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {inc_subtensor(zeros_like(node->input(0)), decode_specs(node->attrs()), grads[0])};
      },
      .lower = lower_slice,
  };
  return op;
}

// set_subtensor replaces the region, inc_subtensor adds to it; everything else is shared.
enum class Update { replace, increment };

// A copy of x, then one loop over the region writing (or adding) the broadcast value.
void lower_subtensor_update(const NodePtr& node, native::Lowering& lowering, Update mode) {
  const Region region = lowered_region(*node);
  const native::BufferId out = lowering.define(*node);
  native::emit_copy(lowering, out, lowering.input_buffer(*node, 0));
  const int rank = static_cast<int>(region.shape.size());
  native::Scalar value =
      native::load(lowering.input_buffer(*node, 1),
                   native::broadcast_index(node->input(1)->shape(), rank), node->dtype());
  const native::Index target = region_index(region, node->shape());
  native::LoopNest nest;
  nest.extents = region.shape;
  nest.body.push_back(mode == Update::increment
                          ? accumulate(out, node->dtype(), target, std::move(value))
                          : native::Statement{out, target, std::move(value)});
  lowering.emit(std::move(nest));
}

OpDef subtensor_update_def(const std::string& name, Update mode) {
  return OpDef{
      .name = name,
      .infer = [name](const std::vector<NodePtr>& inputs,
                      const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity(name, inputs, 2);
        expect_same_dtype(name, inputs, 0, 1);
        const SliceSpecs specs = decode_specs(attrs);
        check_specs(name, inputs, specs);
        const Shape region = sliced_shape(inputs[0]->shape(), specs);
        if (!broadcasts_to(inputs[1]->shape(), region)) {
          fail(name,
               "the value (input 1) does not broadcast to the region's shape " +
                   shape_to_string(region),
               inputs);
        }
        return {inputs[0]->type()};
      },
      .kernel = [name, mode](const Node& node,
                             const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& value = inputs[1];
        const Region region = resolve_region(name, decode_specs(node.attrs()), inputs);
        if (!broadcasts_to(value.shape(), region.shape)) {
          fail_runtime(name,
                       "the value (input 1) does not broadcast to the region's shape " +
                           shape_to_string(region.shape),
                       inputs);
        }
        Tensor out = inputs[0].copy();
        const std::vector<std::int64_t> offsets = region_offsets(region, out.shape());
        BroadcastWalker walker(region.shape, {value.shape()});
        for (std::size_t i = 0; i < offsets.size(); ++i) {
          const double v = value.at(walker.offsets(static_cast<std::int64_t>(i))[0]);
          out.set(offsets[i], mode == Update::increment ? out.at(offsets[i]) + v : v);
        }
        return {out};
      },
      .grad = [mode](const NodePtr& node,
                     const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        const SliceSpecs specs = decode_specs(node->attrs());
        const Expr g = grads[0];
        // A replaced region no longer depends on x; the value's gradient is the region's, summed
        // back to the value's shape by the driver.
        const Expr x_grad = mode == Update::increment ? g : set_subtensor(g, specs, 0.0);
        return {x_grad.node(), slice(g, specs).node()};
      },
      .lower = [mode](const NodePtr& node,
                      native::Lowering& lowering) { lower_subtensor_update(node, lowering, mode); },
  };
}

const OpDef& set_subtensor_op() {
  static const OpDef op = subtensor_update_def("set_subtensor", Update::replace);
  return op;
}

const OpDef& inc_subtensor_op() {
  static const OpDef op = subtensor_update_def("inc_subtensor", Update::increment);
  return op;
}

// ---- gather, scatter_add

// A row-major tensor seen as (outer, size, inner) around one axis.
struct AxisSplit {
  std::int64_t outer = 1;
  std::int64_t size = 1;
  std::int64_t inner = 1;
};

AxisSplit split_at(const Shape& shape, int axis) {
  AxisSplit split;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (d < axis) split.outer *= shape[d];
    if (d > axis) split.inner *= shape[d];
  }
  split.size = shape[axis];
  return split;
}

// x.shape[:axis] + indices.shape + x.shape[axis+1:]: the shape of gather's result, and of
// scatter_add's updates.
Shape gathered_shape(const Shape& shape, const Shape& indices, int axis) {
  Shape result(shape.begin(), shape.begin() + axis);
  result.insert(result.end(), indices.begin(), indices.end());
  result.insert(result.end(), shape.begin() + axis + 1, shape.end());
  return result;
}

// `axis` of input 0 made non-negative; out of range is an error naming `op` and the shapes.
int checked_axis(const std::string& op, std::int64_t axis, const std::vector<NodePtr>& inputs) {
  const int rank = inputs[0]->rank();
  if (axis < -rank || axis >= rank) {
    fail(op,
         "axis " + std::to_string(axis) + " is out of range for input 0 of rank " +
             std::to_string(rank),
         inputs);
  }
  return normalize_axis(axis, rank, op);
}

int attr_axis(const Attrs& attrs) {
  return static_cast<int>(attrs.get_int("axis"));
}

// The positions the int64 values[1] names along `axis` of values[0], negative ones counted from
// the end; an out-of-range index is a RuntimeError naming `op`, the index and the axis size.
std::vector<std::int64_t> resolve_positions(const std::string& op,
                                            const std::vector<Tensor>& values, int axis) {
  const std::int64_t size = values[0].shape()[static_cast<std::size_t>(axis)];
  const Tensor& indices = values[1];
  const std::int64_t* raw = indices.data<std::int64_t>();
  std::vector<std::int64_t> positions;
  positions.reserve(static_cast<std::size_t>(indices.size()));
  for (std::int64_t j = 0; j < indices.size(); ++j) {
    std::optional<std::int64_t> position = resolve_index(raw[j], size);
    if (!position) {
      fail_runtime(op, out_of_range_message(raw[j], static_cast<std::size_t>(axis), size), values);
    }
    positions.push_back(*position);
  }
  return positions;
}

// Calls visit(flat, offset) for each element of the gathered layout (outer, positions, inner):
// its flat index in that layout and the flat offset in the source of the element it names.
template <typename Visit>
void for_each_gathered(const AxisSplit& split, const std::vector<std::int64_t>& positions,
                       Visit visit) {
  std::int64_t flat = 0;
  for (std::int64_t o = 0; o < split.outer; ++o) {
    for (std::int64_t position : positions) {
      const std::int64_t base = (o * split.size + position) * split.inner;
      for (std::int64_t i = 0; i < split.inner; ++i) visit(flat++, base + i);
    }
  }
}

// A float64 scatter_add along axis 0 over at least HR_PARALLEL_MIN_ROWS index rows (a gradient of
// per-observation terms that gather group parameters) adds each chunk of HR_CHUNK_ROWS index rows
// into a zeroed partial of its own, and the partials into the base in chunk order, so the native
// loop can run its chunks on several threads with the same bits; both backends use this order.
// Only for small targets: each chunk's partial has the target's size.
bool scatters_in_chunks(DType dtype, int axis, const Shape& indices_shape, std::int64_t size) {
  return dtype == DType::float64 && axis == 0 && !indices_shape.empty() &&
         indices_shape[0] >= HR_PARALLEL_MIN_ROWS && size <= HR_CHUNK_ROWS;
}

// out += the updates of `layout` (`index_rows` index rows along axis 0) in scatters_in_chunks's
// order: each chunk's updates into a zeroed partial, the partials into `out` in chunk order.
template <typename Update>
void scatter_in_chunks(Tensor& out, const Shape& layout, std::int64_t index_rows,
                       const std::vector<std::int64_t>& positions, Update update) {
  const std::int64_t chunk_elements = HR_CHUNK_ROWS * (num_elements(layout) / index_rows);
  std::vector<double> partial(static_cast<std::size_t>(out.size()), 0.0);
  auto add_partial = [&] {
    for (std::int64_t j = 0; j < out.size(); ++j) {
      out.set(j, out.at(j) + partial[static_cast<std::size_t>(j)]);
      partial[static_cast<std::size_t>(j)] = 0.0;
    }
  };
  std::int64_t chunk = 0;
  for_each_gathered(split_at(out.shape(), 0), positions,
                    [&](std::int64_t flat, std::int64_t target) {
                      if (flat / chunk_elements != chunk) {
                        add_partial();
                        chunk = flat / chunk_elements;
                      }
                      partial[static_cast<std::size_t>(target)] += update(flat);
                    });
  add_partial();
}

// ---- Native emitters of gather and scatter_add: one loop nest over the gathered layout, whose
// index into x (or base) has the loaded, wrapped index as its indirect term. An IndexCheck first
// fails the call (a RuntimeError) when an index is out of range.

struct GatheredIndexing {
  Shape extents;          // the gathered layout
  native::Index x_index;  // the element of x named by the current index
};

GatheredIndexing gathered_indexing(const Shape& x_shape, native::BufferId indices,
                                   const Shape& indices_shape, int axis) {
  const std::vector<std::int64_t> x_strides = row_major_strides(x_shape);
  const int index_rank = static_cast<int>(indices_shape.size());
  GatheredIndexing result{gathered_shape(x_shape, indices_shape, axis), {}};
  for (int d = 0; d < static_cast<int>(x_shape.size()); ++d) {
    if (d == axis) continue;
    const int variable = d < axis ? d : d - 1 + index_rank;
    if (x_strides[d] != 0) result.x_index.terms.emplace_back(variable, x_strides[d]);
  }
  // The index tensor is walked by the loop variables axis .. axis + index_rank - 1.
  native::Index position;
  const std::vector<std::int64_t> index_strides = row_major_strides(indices_shape);
  for (int j = 0; j < index_rank; ++j) {
    if (indices_shape[j] != 1) position.terms.emplace_back(axis + j, index_strides[j]);
  }
  const std::int64_t size = x_shape[static_cast<std::size_t>(axis)];
  result.x_index.indirect =
      native::apply("wrap_index", "", {native::load(indices, position, DType::int64)}, DType::int64,
                    "hr_wrap_index({0}, " + std::to_string(size) + ")");
  result.x_index.indirect_stride = x_strides[static_cast<std::size_t>(axis)];
  return result;
}

void emit_index_check(native::Lowering& lowering, const Node& node, native::BufferId indices) {
  const int axis = attr_axis(node.attrs());
  const std::int64_t size = node.input(0)->shape()[static_cast<std::size_t>(axis)];
  lowering.emit(native::IndexCheck{
      indices, size,
      node.op_name() + ": an index is out of range for axis " + std::to_string(axis) + " of size " +
          std::to_string(size) + " (valid indices are " + std::to_string(-size) + " to " +
          std::to_string(size - 1) + "); got " + describe_inputs(node.inputs())});
}

void lower_gather(const NodePtr& node, native::Lowering& lowering) {
  const native::BufferId indices = lowering.input_buffer(*node, 1);
  emit_index_check(lowering, *node, indices);
  const GatheredIndexing walk = gathered_indexing(
      node->input(0)->shape(), indices, node->input(1)->shape(), attr_axis(node->attrs()));
  const int rank = static_cast<int>(walk.extents.size());
  native::LoopNest nest;
  nest.extents = walk.extents;
  nest.body.push_back({lowering.define(*node), native::broadcast_index(walk.extents, rank),
                       native::load(lowering.input_buffer(*node, 0), walk.x_index, node->dtype())});
  nest.parallel_rows = true;  // each outer iteration writes its own rows of the result
  lowering.emit(std::move(nest));
}

// A copy of base, then the updates added in loop order (repeated indices accumulate).
void lower_scatter_add(const NodePtr& node, native::Lowering& lowering) {
  const native::BufferId indices = lowering.input_buffer(*node, 1);
  emit_index_check(lowering, *node, indices);
  const native::BufferId out = lowering.define(*node);
  native::emit_copy(lowering, out, lowering.input_buffer(*node, 0));
  const GatheredIndexing walk =
      gathered_indexing(node->shape(), indices, node->input(1)->shape(), attr_axis(node->attrs()));
  const int rank = static_cast<int>(walk.extents.size());
  native::Scalar update =
      native::load(lowering.input_buffer(*node, 2),
                   native::broadcast_index(node->input(2)->shape(), rank), node->dtype());
  native::LoopNest nest;
  nest.extents = walk.extents;
  nest.body.push_back(accumulate(out, node->dtype(), walk.x_index, std::move(update)));
  // Along a later axis each outer iteration updates its own rows of the result; along axis 0 the
  // rows run in chunks only with the partials' order the reference kernel shares.
  const int axis = attr_axis(node->attrs());
  nest.parallel_rows = axis > 0 || scatters_in_chunks(node->dtype(), axis, node->input(1)->shape(),
                                                      num_elements(node->shape()));
  lowering.emit(std::move(nest));
}

const OpDef& gather_op() {
  static const OpDef op{
      .name = "gather",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("gather", inputs, 2);
        expect_integer("gather", inputs, 1);
        const int axis = checked_axis("gather", attrs.get_int("axis"), inputs);
        return {{inputs[0]->dtype(), gathered_shape(inputs[0]->shape(), inputs[1]->shape(), axis)}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& x = inputs[0];
        const int axis = attr_axis(node.attrs());
        Tensor out(x.dtype(), gathered_shape(x.shape(), inputs[1].shape(), axis));
        for_each_gathered(
            split_at(x.shape(), axis), resolve_positions("gather", inputs, axis),
            [&](std::int64_t flat, std::int64_t source) { out.set(flat, x.at(source)); });
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        const Expr x = node->input(0);
        return {scatter_add(zeros_like(x), node->input(1), grads[0], attr_axis(node->attrs())),
                nullptr};
      },
      .lower = lower_gather,
  };
  return op;
}

const OpDef& scatter_add_op() {
  static const OpDef op{
      .name = "scatter_add",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("scatter_add", inputs, 3);
        expect_integer("scatter_add", inputs, 1);
        expect_same_dtype("scatter_add", inputs, 0, 2);
        const int axis = checked_axis("scatter_add", attrs.get_int("axis"), inputs);
        const Shape layout = gathered_shape(inputs[0]->shape(), inputs[1]->shape(), axis);
        if (!broadcasts_to(inputs[2]->shape(), layout)) {
          fail("scatter_add",
               "the updates (input 2) do not broadcast to base.shape[:axis] + indices.shape + "
               "base.shape[axis+1:] = " +
                   shape_to_string(layout),
               inputs);
        }
        return {inputs[0]->type()};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& updates = inputs[2];
        const int axis = attr_axis(node.attrs());
        const Shape layout = gathered_shape(inputs[0].shape(), inputs[1].shape(), axis);
        if (!broadcasts_to(updates.shape(), layout)) {
          fail_runtime("scatter_add",
                       "the updates (input 2) do not broadcast to " + shape_to_string(layout),
                       inputs);
        }
        Tensor out = inputs[0].copy();
        BroadcastWalker walker(layout, {updates.shape()});
        const std::vector<std::int64_t> positions = resolve_positions("scatter_add", inputs, axis);
        if (scatters_in_chunks(out.dtype(), axis, inputs[1].shape(), out.size())) {
          scatter_in_chunks(out, layout, inputs[1].shape()[0], positions,
                            [&](std::int64_t flat) { return updates.at(walker.offsets(flat)[0]); });
          return {out};
        }
        for_each_gathered(split_at(out.shape(), axis), positions,
                          [&](std::int64_t flat, std::int64_t target) {
                            const double update = updates.at(walker.offsets(flat)[0]);
                            out.set(target, out.at(target) + update);
                          });
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {grads[0], nullptr, gather(grads[0], node->input(1), attr_axis(node->attrs()))};
      },
      .lower = lower_scatter_add,
  };
  return op;
}

NodePtr make_subtensor_update(const OpDef& op, const Expr& x, const SliceSpecs& specs,
                              const Expr& value) {
  const std::vector<NodePtr> inputs{x.node(), value.node()};
  check_specs(op.name, inputs, specs);
  const Expr fitted = fit_value_dtype(op.name, inputs, 0, 1);
  return make_node(op, {x.node(), fitted.node()},
                   Attrs{{"specs", encode_specs(canonical_specs(specs, x.shape()))}});
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr slice(const Expr& x, const SliceSpecs& specs) {
  ops::check_specs("slice", {x.node()}, specs);
  const SliceSpecs canonical = ops::canonical_specs(specs, x.shape());
  if (canonical.empty()) return x;
  return make_node(ops::slice_op(), {x.node()}, Attrs{{"specs", ops::encode_specs(canonical)}});
}

Expr slice(const Expr& x, std::int64_t axis, const SliceSpec& spec) {
  const int normalized = ops::checked_axis("slice", axis, {x.node()});
  SliceSpecs specs(static_cast<std::size_t>(normalized), Slice{});
  specs.push_back(spec);
  return slice(x, specs);
}

Expr set_subtensor(const Expr& x, const SliceSpecs& specs, const Expr& value) {
  return ops::make_subtensor_update(ops::set_subtensor_op(), x, specs, value);
}

Expr inc_subtensor(const Expr& x, const SliceSpecs& specs, const Expr& value) {
  return ops::make_subtensor_update(ops::inc_subtensor_op(), x, specs, value);
}

Expr gather(const Expr& x, const Expr& indices, std::int64_t axis) {
  const int normalized = ops::checked_axis("gather", axis, {x.node(), indices.node()});
  return make_node(ops::gather_op(), {x.node(), indices.node()},
                   Attrs{{"axis", std::int64_t{normalized}}});
}

Expr scatter_add(const Expr& base, const Expr& indices, const Expr& updates, std::int64_t axis) {
  const std::vector<NodePtr> inputs{base.node(), indices.node(), updates.node()};
  const int normalized = ops::checked_axis("scatter_add", axis, inputs);
  const Expr fitted = ops::fit_value_dtype("scatter_add", inputs, 0, 2);
  return make_node(ops::scatter_add_op(), {base.node(), indices.node(), fitted.node()},
                   Attrs{{"axis", std::int64_t{normalized}}});
}

}  // namespace hypatia
