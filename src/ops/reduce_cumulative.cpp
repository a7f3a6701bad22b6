// Cumulative reductions along one axis: cumsum and cumprod, optionally running from the end.

#include "hypatia/ops.hpp"
#include "ops/op_util.hpp"
#include "ops/reduce_util.hpp"

namespace hypatia::ops {
namespace {

bool is_reverse(const Node& node) {
  return node.attrs().get_int("reverse") != 0;
}

// Writes the running combination of each slice along the axis into the same positions of `out`.
template <typename T, typename Combine>
void accumulate_slices(const Tensor& x, int axis, bool reverse, Tensor& out, Combine combine) {
  const ReductionLayout layout(x.shape(), {axis});
  const std::int64_t n = layout.inner_size();
  layout.for_each_slice([&](std::int64_t, std::int64_t start) {
    const Slice<T> slice(x, start, layout.slice_offsets());
    T running{};
    for (std::int64_t k = 0; k < n; ++k) {
      const std::int64_t r = reverse ? n - 1 - k : k;
      running = k == 0 ? slice[r] : combine(running, slice[r]);
      write_element(out, slice.flat_index(r), running);
    }
  });
}

std::vector<TensorType> infer_cumulative(const std::string& op, const std::vector<NodePtr>& inputs,
                                         const Attrs& attrs) {
  expect_arity(op, inputs, 1);
  const std::string problem = axes_problem({attrs.get_int("axis")}, inputs[0]->rank());
  if (!problem.empty()) fail(op, problem, inputs);
  const TensorType& x = inputs[0]->type();
  return {{integers_to_int64(x.dtype), x.shape}};
}

// The native emitter: a copy of the first element of each slice along the axis, then a loop nest
// over the remaining positions along the axis computing running[p] = combine(running[p - 1], x[p])
// (p running backwards when reversed; any nesting of the other dims keeps p in order per slice).
// The running values live in int64 or double as in the reference kernel; float32 outputs round
// from a double temporary.
void lower_cumulative(const NodePtr& node, native::Lowering& lowering, NativeCombine combine) {
  const native::BufferId x = lowering.input_buffer(*node, 0);
  const native::BufferId out = lowering.define(*node);
  const Shape shape = node->shape();
  const int axis = static_cast<int>(node->attrs().get_int("axis"));
  const std::int64_t n = shape[static_cast<std::size_t>(axis)];
  if (num_elements(shape) == 0) return;
  const DType type = accumulator_dtype(node->input(0)->dtype());
  const native::BufferId running = accumulator_for(lowering, out, type);

  const int rank = static_cast<int>(shape.size());
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  const std::int64_t stride = strides[static_cast<std::size_t>(axis)];
  // The element at position `first + step * k` along the axis, k being the axis' loop variable.
  const auto along_axis = [&](std::int64_t first, std::int64_t step) {
    native::Index index;
    for (int d = 0; d < rank; ++d) {
      if (d != axis && shape[static_cast<std::size_t>(d)] != 1) {
        index.terms.emplace_back(d, strides[static_cast<std::size_t>(d)]);
      }
    }
    index.offset = first * stride;
    if (step != 0) index.terms.emplace_back(axis, step * stride);
    return index;
  };
  const bool reverse = is_reverse(*node);
  const DType x_dtype = node->input(0)->dtype();

  native::LoopNest start;
  start.extents = shape;
  start.extents[static_cast<std::size_t>(axis)] = 1;
  const native::Index first = along_axis(reverse ? n - 1 : 0, 0);
  start.body.push_back({running, first, native::load(x, first, x_dtype)});
  lowering.emit(std::move(start));

  if (n > 1) {
    native::LoopNest rest;
    rest.extents = shape;
    rest.extents[static_cast<std::size_t>(axis)] = n - 1;
    const native::Index here = reverse ? along_axis(n - 2, -1) : along_axis(1, 1);
    const native::Index previous = reverse ? along_axis(n - 1, -1) : along_axis(0, 1);
    rest.body.push_back(
        {running, here,
         combine(native::load(running, previous, type), native::load(x, here, x_dtype), type)});
    lowering.emit(std::move(rest));
  }
  finish_accumulator(lowering, out, running);
}

// `combine` is a generic callable (T, T) -> T, run in int64 for integer inputs, double otherwise.
// `native_combine` is its native form.
template <typename Combine>
OpDef make_cumulative_op(const std::string& name, Combine combine, NativeCombine native_combine,
                         OpDef::GradFn grad) {
  OpDef op;
  op.name = name;
  op.infer = [name](const std::vector<NodePtr>& inputs, const Attrs& attrs) {
    return infer_cumulative(name, inputs, attrs);
  };
  op.kernel = [combine](const Node& node, const std::vector<Tensor>& inputs) {
    const Tensor& x = inputs[0];
    Tensor out(node.dtype(), x.shape());
    const int axis = static_cast<int>(node.attrs().get_int("axis"));
    with_compute_type(x.dtype(), [&]<typename T>() {
      accumulate_slices<T>(x, axis, is_reverse(node), out, combine);
    });
    return std::vector<Tensor>{out};
  };
  op.grad = std::move(grad);
  op.lower = [native_combine](const NodePtr& node, native::Lowering& lowering) {
    lower_cumulative(node, lowering, native_combine);
  };
  return op;
}

// Each element feeds every later running sum, so its gradient is the sum of the later output
// gradients: a cumsum running the other way.
std::vector<NodePtr> cumsum_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  return {cumsum(grads[0], node->attrs().get_int("axis"), !is_reverse(*node))};
}

// With y = cumprod(x) and g its gradient, d/dx_k = sum over i >= k of g_i * prod_{j <= i, j != k}
// x_j (indices in the scan direction). Let z be the first zero of x along the scan:
//   k < z:  x_k != 0, so the sum is (reverse cumsum of g * y)_k / x_k;
//   k = z:  the products skip x_z: the reverse cumsum of g * cumprod(x with x_z set to 1);
//   k > z:  every product contains x_z = 0, so the gradient is 0.
// Exact for any number of zeros, and nothing is ever divided by zero.
std::vector<NodePtr> cumprod_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const Expr x = node->input(0);
  const Expr g = grads[0];
  const std::int64_t axis = node->attrs().get_int("axis");
  const bool reverse = is_reverse(*node);
  const Expr is_zero = equal(x, 0.0);
  const Expr zeros_so_far = cumsum(is_zero, axis, reverse);
  const Expr before_first_zero = equal(zeros_so_far, 0.0);
  const Expr is_first_zero = equal(where(is_zero, zeros_so_far, 0.0), 1.0);
  const Expr safe_x = where(before_first_zero, x, 1.0);
  const Expr skipping_first_zero = cumprod(where(is_first_zero, 1.0, x), axis, reverse);
  const Expr before = cumsum(g * Expr(node), axis, !reverse) / safe_x;
  const Expr at_first_zero = cumsum(g * skipping_first_zero, axis, !reverse);
  return {where(before_first_zero, before, where(is_first_zero, at_first_zero, 0.0))};
}

const OpDef& cumsum_op() {
  static const OpDef op = make_cumulative_op(
      "cumsum", []<typename T>(T a, T b) { return wrapping_add(a, b); }, native_add, cumsum_grad);
  return op;
}

const OpDef& cumprod_op() {
  static const OpDef op = make_cumulative_op(
      "cumprod", []<typename T>(T a, T b) { return wrapping_mul(a, b); }, native_multiply,
      cumprod_grad);
  return op;
}

Expr cumulative(const OpDef& op, const Expr& x, std::int64_t axis, bool reverse) {
  const std::string problem = axes_problem({axis}, x.rank());
  if (!problem.empty()) fail(op.name, problem, {x.node()});
  const std::int64_t normalized = axis < 0 ? axis + x.rank() : axis;
  return make_node(op, {x.node()}, Attrs{{"axis", normalized}, {"reverse", std::int64_t{reverse}}});
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr cumsum(const Expr& x, std::int64_t axis, bool reverse) {
  return ops::cumulative(ops::cumsum_op(), x, axis, reverse);
}
Expr cumprod(const Expr& x, std::int64_t axis, bool reverse) {
  return ops::cumulative(ops::cumprod_op(), x, axis, reverse);
}

}  // namespace hypatia
