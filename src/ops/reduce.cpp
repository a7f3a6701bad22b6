// Reductions over a set of axes (sum, prod, mean, max, min, logsumexp, argmax, all, any) and
// sum_to_like, the op that undoes broadcasting in gradients. Every reduction is one row of the same
// shape: a dtype rule, a function reducing one slice, and a gradient rule.

#include "hypatia/ops/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "hypatia/ops.hpp"
#include "ops/elementwise.hpp"
#include "ops/op_util.hpp"
#include "ops/reduce_util.hpp"

namespace hypatia::ops {
namespace {

// Applies `reduce` (Slice<T> -> value) to each slice of `x` and stores the results in `out`.
template <typename T, typename ReduceSlice>
void reduce_slices(const Tensor& x, const ReductionLayout& layout, Tensor& out,
                   ReduceSlice&& reduce) {
  layout.for_each_slice([&](std::int64_t o, std::int64_t start) {
    write_element(out, o,
                  reduce(Slice<T>(x, start, layout.slice_offsets(), layout.chunk_elements(),
                                  layout.lane_run())));
  });
}

// ---- Reference kernels, one slice at a time -------------------------------------------------

// Index of the first element no other element beats; the first NaN wins over everything (numpy).
// The slice is not empty.
template <typename T, typename Beats>
std::int64_t extremum_index(const Slice<T>& slice, Beats beats) {
  std::int64_t best = 0;
  for (std::int64_t r = 1; r < slice.size() && !is_nan(slice[best]); ++r) {
    if (is_nan(slice[r]) || beats(slice[r], slice[best])) best = r;
  }
  return best;
}

constexpr auto slice_sum = []<typename T>(const Slice<T>& slice) { return slice_total(slice); };

constexpr auto slice_prod = []<typename T>(const Slice<T>& slice) {
  T total = 1;
  for (std::int64_t r = 0; r < slice.size(); ++r) total = wrapping_mul(total, slice[r]);
  return total;
};

constexpr auto slice_max = []<typename T>(const Slice<T>& slice) {
  return slice[extremum_index(slice, std::greater<T>())];
};

constexpr auto slice_min = []<typename T>(const Slice<T>& slice) {
  return slice[extremum_index(slice, std::less<T>())];
};

constexpr auto slice_argmax = []<typename T>(const Slice<T>& slice) {
  return extremum_index(slice, std::greater<T>());
};

constexpr auto slice_mean = [](const Slice<double>& slice) {
  return slice_sum(slice) / static_cast<double>(slice.size());
};

// Shifting by the maximum m keeps every exp(x - m) in [0, 1] with at least one term equal to 1.
// A non-finite maximum is the answer itself: +inf (with no NaN), -inf (all -inf), or NaN.
// With libm's exp and log, or (for inputs of at least HR_SIMD_MIN_ELEMENTS elements, as the
// elementwise rows) hypatia_exp_log.h's vectorizable ones.
template <double (*Exp)(double), double (*Log)(double)>
constexpr auto logsumexp_of = [](const Slice<double>& slice) {
  if (slice.size() == 0) return -std::numeric_limits<double>::infinity();
  const double m = slice_max(slice);
  if (!std::isfinite(m)) return m;
  double total = 0.0;
  for (std::int64_t r = 0; r < slice.size(); ++r) total += Exp(slice[r] - m);
  return m + Log(total);
};
double libm_exp(double x) {
  return std::exp(x);
}
double libm_log(double x) {
  return std::log(x);
}
constexpr auto slice_logsumexp = logsumexp_of<libm_exp, libm_log>;
constexpr auto simd_slice_logsumexp = logsumexp_of<hr_simd_exp, hr_simd_log>;

constexpr auto slice_all = [](const Slice<double>& slice) {
  for (std::int64_t r = 0; r < slice.size(); ++r) {
    if (slice[r] == 0.0) return false;
  }
  return true;
};

constexpr auto slice_any = [](const Slice<double>& slice) {
  for (std::int64_t r = 0; r < slice.size(); ++r) {
    if (slice[r] != 0.0) return true;
  }
  return false;
};

using ReductionKernel =
    std::function<void(const Tensor& x, const ReductionLayout& layout, Tensor& out)>;

// A kernel computing in int64 for integer and boolean inputs (exact), in double otherwise.
template <typename ReduceSlice>
ReductionKernel typed_kernel(ReduceSlice reduce) {
  return [reduce](const Tensor& x, const ReductionLayout& layout, Tensor& out) {
    with_compute_type(x.dtype(), [&]<typename T>() { reduce_slices<T>(x, layout, out, reduce); });
  };
}

// A kernel computing in double whatever the input dtype.
template <typename ReduceSlice>
ReductionKernel double_kernel(ReduceSlice reduce) {
  return [reduce](const Tensor& x, const ReductionLayout& layout, Tensor& out) {
    reduce_slices<double>(x, layout, out, reduce);
  };
}

// ---- Gradient helpers -----------------------------------------------------------------------

std::vector<std::int64_t> node_axes(const NodePtr& node) {
  return node->attrs().get_ints("axes");
}

// A reduction's output (or its gradient) with the reduced axes present again as size-1 dims, so
// that it broadcasts against the input.
Expr with_reduced_dims(const NodePtr& node, const Expr& value) {
  if (node->attrs().get_int("keepdims") != 0) return value;
  return expand_dims(value, node_axes(node));
}

// The number of elements in each reduced slice, as a graph value broadcasting against the input:
// a constant when the reduced dims are known, else counted at run time.
Expr slice_size(const NodePtr& node) {
  const NodePtr& x = node->input(0);
  double count = 1.0;
  for (std::int64_t axis : node_axes(node)) {
    const std::int64_t dim = x->shape()[static_cast<std::size_t>(axis)];
    if (dim == kUnknownDim) return sum(ones_like(x), node_axes(node), true);
    count *= static_cast<double>(dim);
  }
  return Expr(count);
}

// `value` broadcast to the shape of the node's input 0. A statically known shape becomes an
// attribute (broadcast_to), so the gradient graph does not keep the forward input alive as a mere
// shape reference; only unknown dims need the run-time shape of the input (broadcast_like).
Expr broadcast_to_input(const NodePtr& node, const Expr& value) {
  const NodePtr& x = node->input(0);
  if (is_fully_known(x->shape())) return broadcast_to(value, x->shape());
  return broadcast_like(value, x);
}

std::vector<NodePtr> sum_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  return {broadcast_to_input(node, with_reduced_dims(node, grads[0]))};
}

std::vector<NodePtr> mean_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  return {broadcast_to_input(node, with_reduced_dims(node, grads[0]) / slice_size(node))};
}

// d prod / d x_i is the product of the other elements. With no zero in the slice that is
// prod / x_i; with exactly one zero only that element gets a nonzero gradient, the product of the
// nonzero elements; with two or more zeros every such product contains a zero, so all get 0. The
// result is exact in each case, with no division by zero.
std::vector<NodePtr> prod_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const Expr x = node->input(0);
  const Axes axes = node_axes(node);
  const Expr is_zero = equal(x, 0.0);
  const Expr nonzero_x = where(is_zero, 1.0, x);
  const Expr nonzero_product = prod(nonzero_x, axes, true);
  const Expr zero_count = sum(is_zero, axes, true);
  const Expr if_zero = where(equal(zero_count, 1.0), nonzero_product, 0.0);
  const Expr if_nonzero = where(equal(zero_count, 0.0), nonzero_product / nonzero_x, 0.0);
  return {with_reduced_dims(node, grads[0]) * where(is_zero, if_zero, if_nonzero)};
}

// The gradient goes to the elements equal to the result, split evenly when several tie. A NaN
// result matches no element, so a slice holding NaN passes no gradient.
std::vector<NodePtr> extremum_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const Expr x = node->input(0);
  const Expr is_extremum = equal(x, with_reduced_dims(node, node));
  const Expr tie_count = sum(cast(is_extremum, x.dtype()), node_axes(node), true);
  return {where(is_extremum, with_reduced_dims(node, grads[0]) / tie_count, 0.0)};
}

// The softmax weights exp(x - out), normalized so they sum to 1 exactly. Elements equal to the
// output get exp(0) explicitly, so that the infinite cases give finite weights instead of inf -
// inf: the weight is split evenly among +inf entries, or among all entries of an all -inf slice,
// and -inf entries next to finite ones get 0. Built from the output alone, the rule needs no max
// node (which would reject empty slices).
std::vector<NodePtr> logsumexp_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const Expr x = node->input(0);
  const Axes axes = node_axes(node);
  const Expr out = with_reduced_dims(node, node);
  const Expr shifted = exp(where(equal(x, out), 0.0, x - out));
  const Expr weights = shifted / sum(shifted, axes, true);
  return {with_reduced_dims(node, grads[0]) * weights};
}

// ---- Native emitters -------------------------------------------------------------------------
// Each computes what the slice kernels above compute, in the same order: an initialization loop
// nest over the output, then passes over x (see NativeReduction).

using native::BufferId;
using native::Scalar;
using native::Statement;

// Folds each slice into a buffer of dtype `type` starting from `identity`: the output itself when
// it has that dtype, else a temporary (returned) that the caller finishes into the output.
BufferId emit_fold(native::Lowering& lowering, const NativeReduction& r, BufferId out, DType type,
                   double identity, NativeCombine combine) {
  const BufferId acc = accumulator_for(lowering, out, type);
  lowering.emit(
      fill(lowering, acc, [&](const native::Index&) { return native::literal(identity, type); }));
  const native::Index at = r.output_index();
  if (combine == native_add && type == DType::float64) {
    // A float sum may run in chunks of rows and in lanes, in slice_total's order.
    native::LoopNest pass = r.pass({{acc, at, r.x_element(), Statement::Update::add}});
    pass.parallel_rows = true;
    pass.sum_lanes = true;
    lowering.emit(std::move(pass));
    return acc;
  }
  lowering.emit(r.pass({{acc, at, combine(native::load(acc, at, type), r.x_element(), type)}}));
  return acc;
}

void emit_sum(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  const DType type = accumulator_dtype(r.dtype);
  finish_accumulator(lowering, out, emit_fold(lowering, r, out, type, 0.0, native_add));
}

void emit_prod(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  const DType type = accumulator_dtype(r.dtype);
  finish_accumulator(lowering, out, emit_fold(lowering, r, out, type, 1.0, native_multiply));
}

// The double sum divided by the slice size (0 / 0 = NaN for empty slices, like the reference).
void emit_mean(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  const BufferId total = emit_fold(lowering, r, out, DType::float64, 0.0, native_add);
  const double count = static_cast<double>(r.slice_size);
  lowering.emit(fill(lowering, out, [&](const native::Index& at) {
    return native::apply("divide", "{0} / {1}",
                         {native::load(total, at, DType::float64), native::literal(count)},
                         DType::float64);
  }));
}

// Starts from each slice's first element; the update (hr_max / hr_min) keeps the first of equal
// elements and propagates the first NaN, as extremum_index does.
void emit_extremum(native::Lowering& lowering, const NativeReduction& r, BufferId out,
                   Statement::Update update) {
  lowering.emit(r.over_slices([&](const native::Index& at, const Scalar& first) {
    return std::vector<Statement>{{out, at, first}};
  }));
  lowering.emit(r.pass({{out, r.output_index(), r.x_element(), update}}));
}

void emit_max(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_extremum(lowering, r, out, Statement::Update::maximum);
}

void emit_min(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_extremum(lowering, r, out, Statement::Update::minimum);
}

// Tracks the maximum so far next to its position; a later element takes over when it is greater
// or NaN, and nothing takes over from a NaN (the first NaN wins).
void emit_argmax(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  const Shape out_shape = lowering.buffer_info(out).shape;
  const BufferId best = lowering.temporary(r.dtype, out_shape);
  lowering.emit(r.over_slices([&](const native::Index& at, const Scalar& first) {
    return std::vector<Statement>{{best, at, first}, {out, at, native::literal(0.0, DType::int64)}};
  }));
  const native::Index at = r.output_index();
  const Scalar takes_over =
      native::apply("argmax_takes_over", "hr_argmax_takes_over({0}, {1})",
                    {native::load(best, at, r.dtype), r.x_element()}, DType::boolean, "{1} > {0}");
  const Scalar position = native::select(takes_over, r.position_in_slice(),
                                         native::load(out, at, DType::int64), DType::int64);
  lowering.emit(
      r.pass({{out, at, position}, {best, at, r.x_element(), Statement::Update::maximum}}));
}

// A max pass, a pass summing exp(x - max), and m + log(total); a non-finite maximum (+inf, all
// -inf or NaN, and -inf for empty slices) is the result itself, as in logsumexp_of. `exp_form`
// and `finish_form` are the C++ forms of exp(x - max) and of the last step: libm's, or the
// vectorizable ones.
void emit_logsumexp_with(native::Lowering& lowering, const NativeReduction& r, BufferId out,
                         const char* exp_form, const char* finish_form) {
  const Shape out_shape = lowering.buffer_info(out).shape;
  const BufferId maximum = lowering.temporary(DType::float64, out_shape);
  const BufferId total = lowering.temporary(DType::float64, out_shape);
  lowering.emit(fill(lowering, maximum, [](const native::Index&) {
    return native::literal(-std::numeric_limits<double>::infinity());
  }));
  lowering.emit(fill(lowering, total, [](const native::Index&) { return native::literal(0.0); }));
  const native::Index at = r.output_index();
  lowering.emit(r.pass({{maximum, at, r.x_element(), Statement::Update::maximum}}));
  const Scalar shifted_exp = native::apply(
      "exp", exp_form, {r.x_element(), native::load(maximum, at, DType::float64)}, DType::float64);
  lowering.emit(
      r.pass({{total, at,
               native_add(native::load(total, at, DType::float64), shifted_exp, DType::float64)}}));
  lowering.emit(fill(lowering, out, [&](const native::Index& k) {
    return native::apply(
        "logsumexp", finish_form,
        {native::load(maximum, k, DType::float64), native::load(total, k, DType::float64)},
        DType::float64);
  }));
}

void emit_logsumexp(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_logsumexp_with(lowering, r, out, "std::exp({0} - {1})", "hr_logsumexp_finish({0}, {1})");
}

void emit_simd_logsumexp(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_logsumexp_with(lowering, r, out, "hr_simd_exp({0} - {1})",
                      "hr_simd_logsumexp_finish({0}, {1})");
}

// all: the minimum of the elements as booleans, from true; any: their maximum, from false.
void emit_truth_fold(native::Lowering& lowering, const NativeReduction& r, BufferId out,
                     double identity, Statement::Update update) {
  lowering.emit(fill(lowering, out, [&](const native::Index&) {
    return native::literal(identity, DType::boolean);
  }));
  lowering.emit(r.pass({{out, r.output_index(), r.x_element(), update}}));
}

void emit_all(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_truth_fold(lowering, r, out, 1.0, Statement::Update::minimum);
}

void emit_any(native::Lowering& lowering, const NativeReduction& r, BufferId out) {
  emit_truth_fold(lowering, r, out, 0.0, Statement::Update::maximum);
}

using ReductionEmitter = void (*)(native::Lowering&, const NativeReduction&, BufferId out);

// ---- The reduction op shape -----------------------------------------------------------------

using DTypeRule = DType (*)(DType);
DType integers_to_float64(DType dtype) {
  return is_integral(dtype) ? DType::float64 : dtype;
}
DType same_dtype(DType dtype) {
  return dtype;
}
DType int64_result(DType) {
  return DType::int64;
}
DType bool_result(DType) {
  return DType::boolean;
}

struct Reduction {
  std::string name;
  DTypeRule result_dtype;
  ReductionKernel kernel;
  ReductionEmitter emit = nullptr;
  // Optional forms for inputs of at least HR_SIMD_MIN_ELEMENTS elements (static shape), as
  // ScalarFunction::simd_eval: chosen per node, so the interpreter and the backends agree.
  ReductionKernel simd_kernel = {};
  ReductionEmitter simd_emit = nullptr;
  OpDef::GradFn grad = {};
  bool needs_nonempty = false;  // no identity element: reducing an empty slice is an error
  bool zero_grad = false;
};

// The node's axes attribute, checked: builders always store sorted, in-range, unique axes.
std::vector<int> checked_axes(const std::string& op, const std::vector<NodePtr>& inputs,
                              const Attrs& attrs) {
  const std::vector<std::int64_t>& axes = attrs.get_ints("axes");
  const int rank = inputs[0]->rank();
  const std::string problem = axes_problem(axes, rank);
  if (!problem.empty()) fail(op, problem, inputs);
  if (!std::is_sorted(axes.begin(), axes.end()) || (!axes.empty() && axes.front() < 0)) {
    fail(op, "axes must be normalized (sorted, non-negative)", inputs);
  }
  return std::vector<int>(axes.begin(), axes.end());
}

std::vector<TensorType> infer_reduction(const Reduction& reduction,
                                        const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  expect_arity(reduction.name, inputs, 1);
  const std::vector<int> axes = checked_axes(reduction.name, inputs, attrs);
  const TensorType& x = inputs[0]->type();
  for (int axis : axes) {
    if (reduction.needs_nonempty && x.shape[static_cast<std::size_t>(axis)] == 0) {
      fail(reduction.name,
           "axis " + std::to_string(axis) + " has size 0 and " + reduction.name +
               " of an empty slice is undefined",
           inputs);
    }
  }
  return {{reduction.result_dtype(x.dtype),
           reduced_shape(x.shape, axes, attrs.get_int("keepdims") != 0)}};
}

std::vector<Tensor> run_reduction(const Reduction& reduction, const Node& node,
                                  const std::vector<Tensor>& inputs) {
  const Tensor& x = inputs[0];
  const std::vector<int> axes = attr_axes(node);
  ReductionLayout layout(x.shape(), axes);
  if (reduction.needs_nonempty && layout.inner_size() == 0) {
    fail_runtime(reduction.name, "cannot reduce an empty slice (it has no identity)", inputs);
  }
  Tensor out(node.dtype(), reduced_shape(x.shape(), axes, node.attrs().get_int("keepdims") != 0));
  (reduction.simd_kernel && reaches_simd_size(node.input(0)->shape())
       ? reduction.simd_kernel
       : reduction.kernel)(x, layout, out);
  return {out};
}

OpDef make_reduction_op(Reduction reduction) {
  OpDef op;
  op.name = reduction.name;
  op.grad = reduction.grad;
  op.zero_grad = reduction.zero_grad;
  op.infer = [reduction](const std::vector<NodePtr>& inputs, const Attrs& attrs) {
    return infer_reduction(reduction, inputs, attrs);
  };
  op.kernel = [reduction](const Node& node, const std::vector<Tensor>& inputs) {
    return run_reduction(reduction, node, inputs);
  };
  op.lower = [reduction](const NodePtr& node, native::Lowering& lowering) {
    const ReductionEmitter& emit = reduction.simd_emit && reaches_simd_size(node->input(0)->shape())
                                       ? reduction.simd_emit
                                       : reduction.emit;
    emit(lowering, NativeReduction(lowering, lowering.input_buffer(*node, 0), attr_axes(*node)),
         lowering.define(*node));
  };
  return op;
}

const OpDef& sum_op() {
  static const OpDef op = make_reduction_op({.name = "sum",
                                             .result_dtype = integers_to_int64,
                                             .kernel = typed_kernel(slice_sum),
                                             .emit = emit_sum,
                                             .grad = sum_grad});
  return op;
}

const OpDef& prod_op() {
  static const OpDef op = make_reduction_op({.name = "prod",
                                             .result_dtype = integers_to_int64,
                                             .kernel = typed_kernel(slice_prod),
                                             .emit = emit_prod,
                                             .grad = prod_grad});
  return op;
}

const OpDef& mean_op() {
  static const OpDef op = make_reduction_op({.name = "mean",
                                             .result_dtype = integers_to_float64,
                                             .kernel = double_kernel(slice_mean),
                                             .emit = emit_mean,
                                             .grad = mean_grad});
  return op;
}

const OpDef& max_op() {
  static const OpDef op = make_reduction_op({.name = "max",
                                             .result_dtype = same_dtype,
                                             .kernel = typed_kernel(slice_max),
                                             .emit = emit_max,
                                             .grad = extremum_grad,
                                             .needs_nonempty = true});
  return op;
}

const OpDef& min_op() {
  static const OpDef op = make_reduction_op({.name = "min",
                                             .result_dtype = same_dtype,
                                             .kernel = typed_kernel(slice_min),
                                             .emit = emit_min,
                                             .grad = extremum_grad,
                                             .needs_nonempty = true});
  return op;
}

const OpDef& logsumexp_op() {
  static const OpDef op = make_reduction_op({.name = "logsumexp",
                                             .result_dtype = integers_to_float64,
                                             .kernel = double_kernel(slice_logsumexp),
                                             .emit = emit_logsumexp,
                                             .simd_kernel = double_kernel(simd_slice_logsumexp),
                                             .simd_emit = emit_simd_logsumexp,
                                             .grad = logsumexp_grad});
  return op;
}

const OpDef& argmax_op() {
  static const OpDef op = make_reduction_op({.name = "argmax",
                                             .result_dtype = int64_result,
                                             .kernel = typed_kernel(slice_argmax),
                                             .emit = emit_argmax,
                                             .needs_nonempty = true,
                                             .zero_grad = true});
  return op;
}

const OpDef& all_op() {
  static const OpDef op = make_reduction_op({.name = "all",
                                             .result_dtype = bool_result,
                                             .kernel = double_kernel(slice_all),
                                             .emit = emit_all,
                                             .zero_grad = true});
  return op;
}

const OpDef& any_op() {
  static const OpDef op = make_reduction_op({.name = "any",
                                             .result_dtype = bool_result,
                                             .kernel = double_kernel(slice_any),
                                             .emit = emit_any,
                                             .zero_grad = true});
  return op;
}

// ---- sum_to ---------------------------------------------------------------------------------

// The axes of `from` that summing down to `to` removes or collapses to 1.
std::vector<int> summed_axes(const Shape& from, const Shape& to) {
  const std::size_t lead = from.size() - to.size();
  std::vector<int> axes;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (i < lead || (to[i - lead] == 1 && from[i] != 1)) axes.push_back(static_cast<int>(i));
  }
  return axes;
}

void lower_sum_to(const NodePtr& node, native::Lowering& lowering) {
  const Shape& from = node->input(0)->shape();
  const NativeReduction r(lowering, lowering.input_buffer(*node, 0),
                          summed_axes(from, node->input(1)->shape()));
  emit_sum(lowering, r, lowering.define(*node));
}

const OpDef& sum_to_op() {
  static const OpDef op{
      .name = "sum_to",
      .infer = [](const std::vector<NodePtr>& inputs, const Attrs&) -> std::vector<TensorType> {
        expect_arity("sum_to", inputs, 2);
        const Shape& from = inputs[0]->shape();
        const Shape& to = inputs[1]->shape();
        std::optional<Shape> joined = broadcast_static(from, to);
        if (to.size() > from.size() || !joined || joined->size() != from.size()) {
          fail("sum_to",
               "shape " + shape_to_string(to) + " does not broadcast to " + shape_to_string(from),
               inputs);
        }
        return {{inputs[0]->dtype(), to}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        const Tensor& x = inputs[0];
        const Shape& target = inputs[1].shape();
        std::optional<Shape> joined = broadcast_concrete(x.shape(), target);
        if (!joined || *joined != x.shape()) {
          fail_runtime("sum_to", "target shape does not broadcast to the source", inputs);
        }
        Tensor out(node.dtype(), target);
        ReductionLayout layout(x.shape(), summed_axes(x.shape(), target));
        typed_kernel(slice_sum)(x, layout, out);
        return {out};
      },
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {broadcast_to_input(node, grads[0]), nullptr};
      },
      .lower = lower_sum_to,
  };
  return op;
}

// Normalizes the axes (errors name the op and the input) and builds the node.
Expr reduce_with(const OpDef& op, const Expr& x, const Axes& axes, bool keepdims) {
  const std::string problem = axes_problem(axes, x.rank());
  if (!problem.empty()) fail(op.name, problem, {x.node()});
  const std::vector<int> normalized = normalize_axes(axes, x.rank(), op.name);
  return make_node(op, {x.node()},
                   Attrs{{"axes", std::vector<std::int64_t>(normalized.begin(), normalized.end())},
                         {"keepdims", std::int64_t{keepdims}}});
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr sum(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::sum_op(), x, axes, keepdims);
}
Expr prod(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::prod_op(), x, axes, keepdims);
}
Expr mean(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::mean_op(), x, axes, keepdims);
}
Expr max(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::max_op(), x, axes, keepdims);
}
Expr min(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::min_op(), x, axes, keepdims);
}
Expr logsumexp(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::logsumexp_op(), x, axes, keepdims);
}
Expr argmax(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::argmax_op(), x, axes, keepdims);
}
Expr all(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::all_op(), x, axes, keepdims);
}
Expr any(const Expr& x, const Axes& axes, bool keepdims) {
  return ops::reduce_with(ops::any_op(), x, axes, keepdims);
}

Expr sum_to_like(const Expr& x, const Expr& like) {
  if (x.shape() == like.shape() && is_fully_known(x.shape())) return x;
  return make_node(ops::sum_to_op(), {x.node(), like.node()});
}

}  // namespace hypatia
