// Shape ops: broadcasting, expand_dims, squeeze, reshape, transpose, concatenate (stack and
// flatten are built from these), shape_of and filled tensors.

#include "hypatia/ops/shape.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "backend/native/lowering.hpp"
#include "hypatia/ops.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

// ---- Moving elements ------------------------------------------------------------------------
// Shape ops only move elements, so their kernels copy raw bytes: one code path serves every
// dtype, and int64 values beyond 2^53 stay exact.

std::byte* writable_bytes(Tensor& t) {
  switch (t.dtype()) {
    case DType::float64:
      return reinterpret_cast<std::byte*>(t.mutable_data<double>());
    case DType::float32:
      return reinterpret_cast<std::byte*>(t.mutable_data<float>());
    case DType::int64:
      return reinterpret_cast<std::byte*>(t.mutable_data<std::int64_t>());
    case DType::boolean:
      return reinterpret_cast<std::byte*>(t.mutable_data<std::uint8_t>());
  }
  return nullptr;
}

// A contiguous copy of a strided view of `x`: element (i_0, i_1, ...) of the result, shaped
// `shape`, is x's flat element `base + sum_k i_k * strides[k]`. Transposes (permuted strides),
// broadcasts (zero strides) and slices (an offset base) are all such views.
Tensor materialize_view(const Tensor& x, const Shape& shape,
                        const std::vector<std::int64_t>& strides, std::int64_t base = 0) {
  Tensor out(x.dtype(), shape);
  const std::size_t width = dtype_size(x.dtype());
  const std::byte* source = x.bytes();
  std::byte* target = writable_bytes(out);
  std::vector<std::int64_t> index(shape.size(), 0);
  std::int64_t offset = base;
  for (std::int64_t i = 0; i < out.size(); ++i) {
    std::memcpy(target + i * width, source + offset * width, width);
    // Advance the multi-index like an odometer, keeping `offset` in step with it.
    for (std::size_t d = shape.size(); d-- > 0;) {
      offset += strides[d];
      if (++index[d] < shape[d]) break;
      offset -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

// Strides reading a row-major tensor shaped `from` as if broadcast to `to` (dimensions aligned
// right; repeated dimensions read with stride 0).
std::vector<std::int64_t> broadcast_strides(const Shape& from, const Shape& to) {
  const std::vector<std::int64_t> own = row_major_strides(from);
  std::vector<std::int64_t> strides(to.size(), 0);
  const std::size_t lead = to.size() - from.size();
  for (std::size_t i = 0; i < from.size(); ++i) strides[lead + i] = from[i] == 1 ? 0 : own[i];
  return strides;
}

std::int64_t product(const Shape& shape, std::size_t begin, std::size_t end) {
  return std::accumulate(shape.begin() + begin, shape.begin() + end, std::int64_t{1},
                         std::multiplies<>());
}

// The entries of `values` in the order `permutation` names them.
template <typename T>
std::vector<T> permuted(const std::vector<T>& values,
                        const std::vector<std::int64_t>& permutation) {
  std::vector<T> out;
  for (std::int64_t p : permutation) out.push_back(values[p]);
  return out;
}

// ---- Shape bookkeeping ----------------------------------------------------------------------

// A requested shape as the user wrote it: "(-1, 3)" (shape_to_string would print -1 as "?").
std::string requested_to_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i > 0 ? ", " : "") + std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

std::string axis_list(const std::vector<std::int64_t>& axes) {
  std::string text = "[";
  for (std::size_t i = 0; i < axes.size(); ++i) {
    text += (i > 0 ? ", " : "") + std::to_string(axes[i]);
  }
  return text + "]";
}

// normalize_axis, with the inputs' shapes in the message.
std::int64_t checked_axis(const std::string& op, std::int64_t axis, int rank,
                          const std::vector<NodePtr>& inputs) {
  if (axis < -rank || axis >= rank) {
    fail(op,
         "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank) +
             " (expected an axis in [" + std::to_string(-rank) + ", " + std::to_string(rank - 1) +
             "])",
         inputs);
  }
  return normalize_axis(axis, rank, op);
}

// Axes normalized against `rank` and sorted; out-of-range and repeated axes are errors.
std::vector<std::int64_t> checked_axes(const std::string& op, const std::vector<std::int64_t>& axes,
                                       int rank, const std::vector<NodePtr>& inputs) {
  std::vector<std::int64_t> result;
  for (std::int64_t axis : axes) result.push_back(checked_axis(op, axis, rank, inputs));
  std::sort(result.begin(), result.end());
  if (std::adjacent_find(result.begin(), result.end()) != result.end()) {
    fail(op, "axes " + axis_list(axes) + " repeat an axis", inputs);
  }
  return result;
}

bool contains(const std::vector<std::int64_t>& values, std::int64_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// `shape` with size-1 dimensions at the sorted result positions `axes`.
Shape insert_unit_dims(const Shape& shape, const std::vector<std::int64_t>& axes) {
  Shape out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < shape.size() + axes.size(); ++i) {
    out.push_back(contains(axes, static_cast<std::int64_t>(i)) ? 1 : shape[next++]);
  }
  return out;
}

// `shape` without the dimensions `axes`.
Shape remove_dims(const Shape& shape, const std::vector<std::int64_t>& axes) {
  Shape out;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (!contains(axes, static_cast<std::int64_t>(i))) out.push_back(shape[i]);
  }
  return out;
}

// Two static sizes of one dimension that must agree: the known one, or nullopt when both are
// known and differ.
std::optional<std::int64_t> merge_dim(std::int64_t a, std::int64_t b) {
  if (a == kUnknownDim) return b;
  if (b == kUnknownDim || a == b) return a;
  return std::nullopt;
}

// `requested` with its -1 entry (if any) filled in for `count` elements; nullopt when that is
// impossible (numpy also refuses -1 next to a zero size, where any size would fit).
std::optional<Shape> resolve_reshape(Shape requested, std::int64_t count) {
  auto free = std::find(requested.begin(), requested.end(), -1);
  std::int64_t known = 1;
  for (std::int64_t d : requested) known *= d == -1 ? 1 : d;
  if (free == requested.end()) {
    if (known != count) return std::nullopt;
  } else {
    if (known == 0 || count % known != 0) return std::nullopt;
    *free = count / known;
  }
  return requested;
}

// ---- Native emitters -------------------------------------------------------------------------
// Views of contiguous data alias their input's buffer. Every other move is a loop nest over the
// elements written, whose loads (or stores) walk a buffer with affine strides: permuted for
// transposes, an offset along the axis for the pieces of a concatenation.

// offset + sum_k i_k * strides[k] for loop variables i_k.
native::Index strided_index(const std::vector<std::int64_t>& strides, std::int64_t offset = 0) {
  native::Index index;
  index.offset = offset;
  for (std::size_t k = 0; k < strides.size(); ++k) {
    if (strides[k] != 0) index.terms.emplace_back(static_cast<int>(k), strides[k]);
  }
  return index;
}

// target[target_index] = source[source_index] for every point of `extents` (converted to the
// target's dtype by the statement, as concatenation promotes).
void emit_strided_copy(native::Lowering& lowering, const Shape& extents, native::BufferId target,
                       native::Index target_index, native::BufferId source,
                       native::Index source_index) {
  native::LoopNest nest;
  nest.extents = extents;
  nest.body.push_back(
      {target, std::move(target_index),
       native::load(source, std::move(source_index), lowering.buffer_info(source).dtype)});
  lowering.emit(std::move(nest));
}

void lower_view(const NodePtr& node, native::Lowering& lowering) {
  lowering.define_alias(*node, lowering.input_buffer(*node, 0));
}

void lower_broadcast(const NodePtr& node, native::Lowering& lowering) {
  native::emit_elementwise(lowering, lowering.define(*node), {lowering.input_buffer(*node, 0)},
                           [](const std::vector<native::Scalar>& loaded) { return loaded[0]; });
}

void lower_transpose(const NodePtr& node, native::Lowering& lowering) {
  const std::vector<std::int64_t>& permutation = node->attrs().get_ints("permutation");
  const Shape& out_shape = node->shape();
  emit_strided_copy(
      lowering, out_shape, lowering.define(*node), strided_index(row_major_strides(out_shape)),
      lowering.input_buffer(*node, 0),
      strided_index(permuted(row_major_strides(node->input(0)->shape()), permutation)));
}

// Each piece is copied into its block of the output: the output's strides, offset along the axis.
void lower_concatenate(const NodePtr& node, native::Lowering& lowering) {
  const auto axis = static_cast<std::size_t>(node->attrs().get_int("axis"));
  const native::BufferId out = lowering.define(*node);
  const std::vector<std::int64_t> out_strides = row_major_strides(node->shape());
  std::int64_t start = 0;
  for (std::size_t i = 0; i < node->inputs().size(); ++i) {
    const Shape& piece = node->input(i)->shape();
    emit_strided_copy(lowering, piece, out, strided_index(out_strides, start * out_strides[axis]),
                      lowering.input_buffer(*node, i), strided_index(row_major_strides(piece)));
    start += piece[axis];
  }
}

void lower_concatenate_piece(const NodePtr& node, native::Lowering& lowering) {
  const auto axis = static_cast<std::size_t>(node->attrs().get_int("axis"));
  const auto index = static_cast<std::size_t>(node->attrs().get_int("index"));
  std::int64_t start = 0;
  for (std::size_t i = 1; i < index + 1; ++i) start += node->input(i)->shape()[axis];
  const std::vector<std::int64_t> whole_strides = row_major_strides(node->input(0)->shape());
  emit_strided_copy(lowering, node->shape(), lowering.define(*node),
                    strided_index(row_major_strides(node->shape())),
                    lowering.input_buffer(*node, 0),
                    strided_index(whole_strides, start * whole_strides[axis]));
}

// The shape is static once lowered: its entries are written as literals.
void lower_shape_of(const NodePtr& node, native::Lowering& lowering) {
  const Shape& shape = node->input(0)->shape();
  const native::BufferId out = lowering.define(*node);
  native::LoopNest nest;  // no loops: the body runs once
  for (std::size_t d = 0; d < shape.size(); ++d) {
    native::Index entry;
    entry.offset = static_cast<std::int64_t>(d);
    nest.body.push_back({out, entry, native::literal(static_cast<double>(shape[d]), DType::int64)});
  }
  lowering.emit(std::move(nest));
}

void lower_fill_like(const NodePtr& node, native::Lowering& lowering) {
  const native::BufferId out = lowering.define(*node);
  native::LoopNest nest;
  nest.extents = {num_elements(node->shape())};
  nest.body.push_back(
      {out, strided_index({1}), native::literal(node->attrs().get_double("value"), node->dtype())});
  lowering.emit(std::move(nest));
}

// ---- Broadcasting ---------------------------------------------------------------------------

// The static result of broadcasting input 0 (shaped `from`) to `to`; `to` may have unknown
// dimensions, which are checked when the op runs.
Shape broadcast_result(const std::string& op, const Shape& from, const Shape& to,
                       const std::vector<NodePtr>& inputs) {
  std::optional<Shape> joined = broadcast_static(from, to);
  bool fits = joined && from.size() <= to.size();
  for (std::size_t i = 0; fits && i < to.size(); ++i) {
    fits = to[i] == kUnknownDim || (*joined)[i] == to[i];
  }
  if (!fits) {
    fail(op, "shape " + shape_to_string(from) + " does not broadcast to " + shape_to_string(to),
         inputs);
  }
  return *joined;
}

Tensor broadcast_value(const std::string& op, const Tensor& x, const Shape& to,
                       const std::vector<Tensor>& inputs) {
  std::optional<Shape> joined = broadcast_concrete(x.shape(), to);
  if (x.shape().size() > to.size() || !joined || *joined != to) {
    fail_runtime(
        op, "shape " + shape_to_string(x.shape()) + " does not broadcast to " + shape_to_string(to),
        inputs);
  }
  return materialize_view(x, to, broadcast_strides(x.shape(), to));
}

const OpDef& broadcast_like_op() {
  static const OpDef op{
      .name = "broadcast_like",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("broadcast_like", inputs, 2);
        return {{inputs[0]->dtype(), broadcast_result("broadcast_like", inputs[0]->shape(),
                                                      inputs[1]->shape(), inputs)}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {broadcast_value("broadcast_like", inputs[0], inputs[1].shape(), inputs)};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {sum_to_like(grads[0], node->input(0)), nullptr};
      },
      .lower = lower_broadcast,
  };
  return op;
}

const OpDef& broadcast_to_op() {
  static const OpDef op{
      .name = "broadcast_to",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("broadcast_to", inputs, 1);
        return {{inputs[0]->dtype(), broadcast_result("broadcast_to", inputs[0]->shape(),
                                                      attrs.get_ints("shape"), inputs)}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {broadcast_value("broadcast_to", inputs[0], node.attrs().get_ints("shape"), inputs)};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {sum_to_like(grads[0], node->input(0))};
      },
      .lower = lower_broadcast,
  };
  return op;
}

// ---- Adding and removing size-1 dimensions --------------------------------------------------

const OpDef& expand_dims_op() {
  static const OpDef op{
      .name = "expand_dims",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("expand_dims", inputs, 1);
        return {{inputs[0]->dtype(), insert_unit_dims(inputs[0]->shape(), attrs.get_ints("axes"))}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {
            inputs[0].reshaped(insert_unit_dims(inputs[0].shape(), node.attrs().get_ints("axes")))};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {squeeze(grads[0], node->attrs().get_ints("axes"))};
      },
      .lower = lower_view,
  };
  return op;
}

const OpDef& squeeze_op() {
  static const OpDef op{
      .name = "squeeze",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("squeeze", inputs, 1);
        const Shape& shape = inputs[0]->shape();
        for (std::int64_t axis : attrs.get_ints("axes")) {
          if (shape[axis] != 1 && shape[axis] != kUnknownDim) {
            fail("squeeze",
                 "cannot squeeze axis " + std::to_string(axis) + " of size " +
                     std::to_string(shape[axis]) + " in shape " + shape_to_string(shape),
                 inputs);
          }
        }
        return {{inputs[0]->dtype(), remove_dims(shape, attrs.get_ints("axes"))}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const std::vector<std::int64_t>& axes = node.attrs().get_ints("axes");
        const Shape& shape = inputs[0].shape();
        for (std::int64_t axis : axes) {
          if (shape[axis] != 1) {
            fail_runtime("squeeze",
                         "cannot squeeze axis " + std::to_string(axis) + " of size " +
                             std::to_string(shape[axis]),
                         inputs);
          }
        }
        return {inputs[0].reshaped(remove_dims(shape, axes))};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {expand_dims(grads[0], node->attrs().get_ints("axes"))};
      },
      .lower = lower_view,
  };
  return op;
}

// ---- Reshaping ------------------------------------------------------------------------------

std::string cannot_reshape(const Shape& from, const Shape& requested) {
  return "cannot reshape " + shape_to_string(from) + " into " + requested_to_string(requested);
}

// Attribute "shape" holds the requested shape; a -1 entry is resolved from the element count.
const OpDef& reshape_op() {
  static const OpDef op{
      .name = "reshape",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("reshape", inputs, 1);
        const Shape& from = inputs[0]->shape();
        const Shape& requested = attrs.get_ints("shape");
        if (is_fully_known(from)) {
          std::optional<Shape> resolved = resolve_reshape(requested, num_elements(from));
          if (!resolved) {
            fail("reshape",
                 cannot_reshape(from, requested) + " (" + std::to_string(num_elements(from)) +
                     " elements)",
                 inputs);
          }
          return {{inputs[0]->dtype(), *resolved}};
        }
        // The element count is a multiple of the product of the known dimensions.
        std::int64_t step = 1;
        for (std::int64_t d : from) step *= d == kUnknownDim ? 1 : d;
        if (!contains(requested, -1)) {
          const std::int64_t count = num_elements(requested);
          if (step == 0 ? count != 0 : count % step != 0) {
            fail("reshape", cannot_reshape(from, requested), inputs);
          }
        }
        // A -1 entry is an unknown dimension of the result: kUnknownDim is -1 too.
        return {{inputs[0]->dtype(), requested}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Shape& requested = node.attrs().get_ints("shape");
        std::optional<Shape> resolved = resolve_reshape(requested, inputs[0].size());
        if (!resolved) {
          fail_runtime("reshape", cannot_reshape(inputs[0].shape(), requested), inputs);
        }
        return {inputs[0].reshaped(*resolved)};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {reshape_like(grads[0], node->input(0))};
      },
      .lower = lower_view,
  };
  return op;
}

const OpDef& reshape_like_op() {
  static const OpDef op{
      .name = "reshape_like",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("reshape_like", inputs, 2);
        const Shape& from = inputs[0]->shape();
        const Shape& to = inputs[1]->shape();
        if (is_fully_known(from) && is_fully_known(to) && num_elements(from) != num_elements(to)) {
          fail("reshape_like",
               "cannot reshape " + shape_to_string(from) + " into " + shape_to_string(to), inputs);
        }
        return {{inputs[0]->dtype(), to}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        if (inputs[0].size() != inputs[1].size()) {
          fail_runtime("reshape_like", "element counts differ", inputs);
        }
        return {inputs[0].reshaped(inputs[1].shape())};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {reshape_like(grads[0], node->input(0)), nullptr};
      },
      .lower = lower_view,
  };
  return op;
}

// ---- Transposing ----------------------------------------------------------------------------

std::vector<std::int64_t> inverse_permutation(const std::vector<std::int64_t>& permutation) {
  std::vector<std::int64_t> inverse(permutation.size());
  for (std::size_t i = 0; i < permutation.size(); ++i) {
    inverse[permutation[i]] = static_cast<std::int64_t>(i);
  }
  return inverse;
}

// Attribute "permutation" holds non-negative axes (normalized by the builder).
const OpDef& transpose_op() {
  static const OpDef op{
      .name = "transpose",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("transpose", inputs, 1);
        return {{inputs[0]->dtype(), permuted(inputs[0]->shape(), attrs.get_ints("permutation"))}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const std::vector<std::int64_t>& permutation = node.attrs().get_ints("permutation");
        const Tensor& x = inputs[0];
        return {materialize_view(x, permuted(x.shape(), permutation),
                                 permuted(row_major_strides(x.shape()), permutation))};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {transpose(grads[0], inverse_permutation(node->attrs().get_ints("permutation")))};
      },
      .lower = lower_transpose,
  };
  return op;
}

// ---- Concatenating --------------------------------------------------------------------------

const OpDef& concatenate_piece_op();  // concatenate's gradient, defined below

// The static shape of the concatenation of `inputs` along `axis`: sizes along the axis add up
// (unknown if any is unknown), all other dimensions must agree.
Shape concatenated_shape(const std::vector<NodePtr>& inputs, std::int64_t axis) {
  Shape shape = inputs[0]->shape();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const Shape& other = inputs[i]->shape();
    if (other.size() != shape.size()) {
      fail("concatenate",
           "input " + std::to_string(i) + " has rank " + std::to_string(other.size()) +
               " but input 0 has rank " + std::to_string(shape.size()),
           inputs);
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      if (static_cast<std::int64_t>(d) == axis) {
        const bool known = shape[d] != kUnknownDim && other[d] != kUnknownDim;
        shape[d] = known ? shape[d] + other[d] : kUnknownDim;
        continue;
      }
      std::optional<std::int64_t> merged = merge_dim(shape[d], other[d]);
      if (!merged) {
        fail("concatenate",
             "shapes " + shape_to_string(inputs[0]->shape()) + " and " + shape_to_string(other) +
                 " (input " + std::to_string(i) + ") differ in dimension " + std::to_string(d) +
                 ", which is not the concatenation axis " + std::to_string(axis),
             inputs);
      }
      shape[d] = *merged;
    }
  }
  return shape;
}

const OpDef& concatenate_op() {
  static const OpDef op{
      .name = "concatenate",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        if (inputs.empty()) fail("concatenate", "needs at least one input", inputs);
        DType dtype = inputs[0]->dtype();
        for (const NodePtr& x : inputs) dtype = promote_types(dtype, x->dtype());
        return {{dtype, concatenated_shape(inputs, attrs.get_int("axis"))}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const auto axis = static_cast<std::size_t>(node.attrs().get_int("axis"));
        Shape shape = inputs[0].shape();
        shape[axis] = 0;
        for (const Tensor& piece : inputs) {
          Shape others = piece.shape();
          others[axis] = 0;
          if (others != shape) {
            fail_runtime("concatenate",
                         "dimensions other than axis " + std::to_string(axis) + " differ", inputs);
          }
        }
        for (const Tensor& piece : inputs) shape[axis] += piece.shape()[axis];
        // Each piece fills a block of every row; a row is everything from the axis inwards.
        Tensor out(node.dtype(), shape);
        const std::size_t width = dtype_size(out.dtype());
        const std::int64_t rows = product(shape, 0, axis);
        const std::int64_t inner = product(shape, axis + 1, shape.size());
        const std::size_t out_row = width * shape[axis] * inner;
        std::byte* target = writable_bytes(out);
        for (const Tensor& input : inputs) {
          const Tensor piece = input.cast(out.dtype());
          const std::size_t piece_row = width * piece.shape()[axis] * inner;
          for (std::int64_t r = 0; r < rows; ++r) {
            std::memcpy(target + r * out_row, piece.bytes() + r * piece_row, piece_row);
          }
          target += piece_row;
        }
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        std::vector<NodePtr> pieces;
        std::vector<NodePtr> piece_inputs = {grads[0]};
        piece_inputs.insert(piece_inputs.end(), node->inputs().begin(), node->inputs().end());
        for (std::size_t i = 0; i < node->inputs().size(); ++i) {
          pieces.push_back(make_node(concatenate_piece_op(), piece_inputs,
                                     Attrs{{"axis", node->attrs().get_int("axis")},
                                           {"index", static_cast<std::int64_t>(i)}}));
        }
        return pieces;
      },
      .lower = lower_concatenate,
  };
  return op;
}

// The part of a concatenation (input 0) that came from piece "index" of the pieces that follow
// it; the pieces are read only for their run-time sizes along "axis". Concatenation's gradient.
const OpDef& concatenate_piece_op() {
  static const OpDef op{
      .name = "concatenate_piece",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        const auto axis = static_cast<std::size_t>(attrs.get_int("axis"));
        const auto index = static_cast<std::size_t>(attrs.get_int("index"));
        if (inputs.size() < index + 2 || static_cast<std::size_t>(inputs[0]->rank()) <= axis) {
          fail("concatenate_piece", "expected a concatenation and its pieces", inputs);
        }
        Shape shape = inputs[0]->shape();
        shape[axis] = inputs[index + 1]->shape()[axis];
        return {{inputs[0]->dtype(), shape}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const auto axis = static_cast<std::size_t>(node.attrs().get_int("axis"));
        const auto index = static_cast<std::size_t>(node.attrs().get_int("index"));
        const Tensor& whole = inputs[0];
        std::int64_t start = 0;
        std::int64_t total = 0;
        for (std::size_t i = 1; i < inputs.size(); ++i) {
          if (i < index + 1) start += inputs[i].shape()[axis];
          total += inputs[i].shape()[axis];
        }
        if (total != whole.shape()[axis]) {
          fail_runtime("concatenate_piece", "the pieces do not add up to the concatenation",
                       inputs);
        }
        Shape shape = whole.shape();
        shape[axis] = inputs[index + 1].shape()[axis];
        const std::vector<std::int64_t> strides = row_major_strides(whole.shape());
        return {materialize_view(whole, shape, strides, start * strides[axis])};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        // The piece's gradient placed into zeros shaped like the whole concatenation.
        const Expr piece_grad = grads[0];
        const auto index = static_cast<std::size_t>(node->attrs().get_int("index"));
        Exprs parts;
        for (std::size_t i = 1; i < node->inputs().size(); ++i) {
          parts.push_back(i == index + 1 ? piece_grad
                                         : cast(zeros_like(node->input(i)), piece_grad.dtype()));
        }
        std::vector<NodePtr> result(node->inputs().size(), nullptr);
        result[0] = concatenate(parts, node->attrs().get_int("axis")).node();
        return result;
      },
      .lower = lower_concatenate_piece,
  };
  return op;
}

// ---- Shapes and filled tensors --------------------------------------------------------------

const OpDef& shape_of_op() {
  static const OpDef op{
      .name = "shape_of",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("shape_of", inputs, 1);
        return {{DType::int64, {inputs[0]->rank()}}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {Tensor::from_ints(inputs[0].shape(), {inputs[0].rank()})};
      },
      .grad = {},
      .zero_grad = true,  // depends on the sizes of its input, never on its values
      .lower = lower_shape_of,
  };
  return op;
}

const OpDef& fill_like_op() {
  static const OpDef op{
      .name = "fill_like",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("fill_like", inputs, 1);
        return {inputs[0]->type()};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {Tensor::full(node.dtype(), inputs[0].shape(), node.attrs().get_double("value"))};
      },
      .grad = {},
      .zero_grad = true,
      .lower = lower_fill_like,
  };
  return op;
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr broadcast_like(const Expr& x, const Expr& like) {
  if (x.shape() == like.shape() && is_fully_known(x.shape())) return x;
  return make_node(ops::broadcast_like_op(), {x.node(), like.node()});
}

Expr broadcast_to(const Expr& x, const Shape& shape) {
  if (std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d < 0; })) {
    ops::fail("broadcast_to",
              "the target " + ops::requested_to_string(shape) + " must be a concrete shape",
              {x.node()});
  }
  if (x.shape() == shape) return x;
  return make_node(ops::broadcast_to_op(), {x.node()}, Attrs{{"shape", shape}});
}

Expr expand_dims(const Expr& x, const std::vector<std::int64_t>& axes) {
  const int out_rank = x.rank() + static_cast<int>(axes.size());
  std::vector<std::int64_t> normalized =
      ops::checked_axes("expand_dims", axes, out_rank, {x.node()});
  if (axes.empty()) return x;
  return make_node(ops::expand_dims_op(), {x.node()}, Attrs{{"axes", normalized}});
}

Expr squeeze(const Expr& x, const Axes& axes) {
  std::vector<std::int64_t> normalized;
  if (axes.empty()) {
    for (int i = 0; i < x.rank(); ++i) {
      if (x.shape()[i] == 1) normalized.push_back(i);
    }
  } else {
    normalized = ops::checked_axes("squeeze", axes, x.rank(), {x.node()});
  }
  if (normalized.empty()) return x;
  return make_node(ops::squeeze_op(), {x.node()}, Attrs{{"axes", normalized}});
}

Expr reshape(const Expr& x, const Shape& shape) {
  const auto inferred = std::count(shape.begin(), shape.end(), -1);
  const bool negative = std::any_of(shape.begin(), shape.end(), [](auto d) { return d < -1; });
  if (inferred > 1 || negative) {
    ops::fail("reshape",
              "the new shape " + ops::requested_to_string(shape) +
                  " may hold one -1 and otherwise sizes >= 0",
              {x.node()});
  }
  // With a known input the -1 is resolved here, so equal reshapes share one node.
  Shape requested = shape;
  if (is_fully_known(x.shape())) {
    requested = ops::resolve_reshape(shape, num_elements(x.shape())).value_or(shape);
    if (requested == x.shape()) return x;
  }
  return make_node(ops::reshape_op(), {x.node()}, Attrs{{"shape", requested}});
}

Expr reshape_like(const Expr& x, const Expr& like) {
  if (x.shape() == like.shape() && is_fully_known(x.shape())) return x;
  return make_node(ops::reshape_like_op(), {x.node(), like.node()});
}

Expr flatten(const Expr& x) {
  return reshape(x, {-1});
}

Expr transpose(const Expr& x, const std::vector<std::int64_t>& permutation) {
  std::vector<std::int64_t> axes;
  if (permutation.empty()) {
    for (int i = x.rank(); i-- > 0;) axes.push_back(i);
  } else {
    for (std::int64_t p : permutation)
      axes.push_back(ops::checked_axis("transpose", p, x.rank(), {x.node()}));
  }
  std::vector<std::int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::int64_t> identity(x.rank());
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) {
    ops::fail("transpose",
              ops::axis_list(permutation) + " is not a permutation of the " +
                  std::to_string(x.rank()) + " axes",
              {x.node()});
  }
  if (axes == identity) return x;
  return make_node(ops::transpose_op(), {x.node()}, Attrs{{"permutation", axes}});
}

Expr concatenate(const Exprs& xs, std::int64_t axis) {
  const std::vector<NodePtr> nodes = ops::as_nodes(xs);
  if (xs.empty()) ops::fail("concatenate", "needs at least one input", nodes);
  if (std::any_of(xs.begin(), xs.end(), [](const Expr& x) { return x.rank() == 0; })) {
    ops::fail("concatenate", "zero-dimensional inputs cannot be concatenated", nodes);
  }
  const std::int64_t normalized = ops::checked_axis("concatenate", axis, xs[0].rank(), nodes);
  if (xs.size() == 1) return xs[0];
  return make_node(ops::concatenate_op(), nodes, Attrs{{"axis", normalized}});
}

Expr stack(const Exprs& xs, std::int64_t axis) {
  const std::vector<NodePtr> nodes = ops::as_nodes(xs);
  if (xs.empty()) ops::fail("stack", "needs at least one input", nodes);
  for (const Expr& x : xs) {
    bool same = x.rank() == xs[0].rank();
    for (int d = 0; same && d < x.rank(); ++d) {
      same = ops::merge_dim(x.shape()[d], xs[0].shape()[d]).has_value();
    }
    if (!same) ops::fail("stack", "all inputs must have the same shape", nodes);
  }
  const std::int64_t position = ops::checked_axis("stack", axis, xs[0].rank() + 1, nodes);
  Exprs expanded;
  for (const Expr& x : xs) expanded.push_back(expand_dims(x, {position}));
  return concatenate(expanded, position);
}

Expr shape_of(const Expr& x) {
  if (is_fully_known(x.shape())) return constant(Tensor::from_ints(x.shape(), {x.rank()}));
  return make_node(ops::shape_of_op(), {x.node()});
}

Expr full_like(const Expr& like, double value) {
  return make_node(ops::fill_like_op(), {like.node()}, Attrs{{"value", value}});
}
Expr zeros_like(const Expr& like) {
  return full_like(like, 0.0);
}
Expr ones_like(const Expr& like) {
  return full_like(like, 1.0);
}

}  // namespace hypatia
