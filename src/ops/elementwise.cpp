// The elementwise op machinery (type rule, broadcasting kernel, gradient) over the table of scalar
// functions, and the arithmetic rows of that table.

#include "ops/elementwise.hpp"

#include "backend/native/lowering.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <optional>

#include "hypatia/ops.hpp"
#include "hypatia_runtime.h"
#include "ops/core.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

// The promoted dtype of the operands that take part in promotion, with numpy 2's rule for Python
// scalars: a weak scalar (a C++ number) contributes its kind, not its width. A weak float makes
// integers and bools float64 but leaves float32 alone; a weak int makes bools int64. Weak scalars
// alone give int64 or float64.
DType promoted_operand_dtype(const ScalarFunction& fn, const std::vector<NodePtr>& inputs) {
  std::optional<DType> strong;
  std::optional<DType> weak;
  for (std::size_t i = fn.condition_first ? 1 : 0; i < inputs.size(); ++i) {
    if (std::find(fn.integer_inputs.begin(), fn.integer_inputs.end(), static_cast<int>(i)) !=
        fn.integer_inputs.end()) {
      continue;
    }
    std::optional<DType>& joined = is_weak_scalar(*inputs[i]) ? weak : strong;
    joined = joined ? promote_types(*joined, inputs[i]->dtype()) : inputs[i]->dtype();
  }
  if (!strong) return weak.value_or(DType::float64);
  if (!weak) return *strong;
  if (is_floating(*weak) && is_integral(*strong)) return DType::float64;
  if (*weak == DType::int64 && *strong == DType::boolean) return DType::int64;
  return *strong;
}

DType result_dtype(const ScalarFunction& fn, const std::vector<NodePtr>& inputs) {
  if (fn.result == ResultDType::boolean) return DType::boolean;
  const DType dtype = promoted_operand_dtype(fn, inputs);
  if (!is_integral(dtype)) return dtype;
  if (dtype == DType::boolean && fn.keeps_bool) return DType::boolean;
  const bool integer_result = fn.result == ResultDType::promote && fn.eval_int;
  return integer_result ? DType::int64 : DType::float64;
}

std::vector<TensorType> infer_elementwise(const ScalarFunction& fn,
                                          const std::vector<NodePtr>& inputs) {
  expect_arity(fn.name, inputs, static_cast<std::size_t>(fn.arity));
  for (int i : fn.integer_inputs) expect_integer(fn.name, inputs, static_cast<std::size_t>(i));
  if (fn.condition_first && inputs[0]->dtype() != DType::boolean) {
    fail(fn.name, "input 0 (the condition) must be bool", inputs);
  }
  Shape shape = inputs[0]->shape();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    std::optional<Shape> joined = broadcast_static(shape, inputs[i]->shape());
    if (!joined) {
      fail(fn.name,
           "shapes " + shape_to_string(shape) + " and " + shape_to_string(inputs[i]->shape()) +
               " (input " + std::to_string(i) + ") do not broadcast",
           inputs);
    }
    shape = *joined;
  }
  return {{result_dtype(fn, inputs), shape}};
}

// Integer rows compute on int64 when every input is an integer or a bool, so comparisons and
// arithmetic stay exact beyond 2^53.
bool all_integral(const std::vector<Tensor>& inputs) {
  return std::all_of(inputs.begin(), inputs.end(),
                     [](const Tensor& t) { return is_integral(t.dtype()); });
}

std::vector<Tensor> run_elementwise(const ScalarFunction& fn, const Node& node,
                                    const std::vector<Tensor>& inputs) {
  Shape shape = inputs[0].shape();
  std::vector<Shape> shapes{shape};
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    std::optional<Shape> joined = broadcast_concrete(shape, inputs[i].shape());
    if (!joined) fail_runtime(fn.name, "shapes do not broadcast", inputs);
    shape = *joined;
    shapes.push_back(inputs[i].shape());
  }
  Tensor out(node.dtype(), shape);
  BroadcastWalker walker(shape, shapes);
  const bool integer_path = fn.eval_int && out.dtype() != DType::float64 &&
                            out.dtype() != DType::float32 && all_integral(inputs);
  const bool simd = uses_simd_form(fn, node);
  std::vector<double> args(inputs.size());
  std::vector<std::int64_t> int_args(inputs.size());
  for (std::int64_t i = 0; i < walker.size(); ++i) {
    const std::vector<std::int64_t>& offsets = walker.offsets(i);
    if (integer_path) {
      for (std::size_t k = 0; k < inputs.size(); ++k) {
        int_args[k] = inputs[k].dtype() == DType::int64
                          ? inputs[k].data<std::int64_t>()[offsets[k]]
                          : static_cast<std::int64_t>(inputs[k].at(offsets[k]));
      }
      const std::int64_t value = fn.eval_int(int_args.data());
      if (out.dtype() == DType::int64) {
        out.mutable_data<std::int64_t>()[i] = value;
      } else {
        out.set(i, static_cast<double>(value));
      }
    } else if (simd) {
      out.set(i, fn.simd_eval(inputs[0].at(offsets[0])));
    } else {
      for (std::size_t k = 0; k < inputs.size(); ++k) args[k] = inputs[k].at(offsets[k]);
      out.set(i, fn.eval(args.data()));
    }
  }
  return {out};
}

std::vector<NodePtr> grad_elementwise(const ScalarFunction& fn, const NodePtr& node,
                                      const std::vector<NodePtr>& output_grads) {
  const std::size_t arity = node->inputs().size();
  if (fn.zero_grad || !fn.grad) return std::vector<NodePtr>(arity);
  Exprs grads = fn.grad(as_exprs(node->inputs()), Expr(node), Expr(output_grads.at(0)));
  grads.resize(arity);
  return as_nodes(grads);
}

// One loop nest over the output, the scalar function applied to broadcast loads of the inputs.
void lower_elementwise(const NodePtr& node, native::Lowering& lowering) {
  std::vector<native::BufferId> inputs;
  for (std::size_t i = 0; i < node->inputs().size(); ++i)
    inputs.push_back(lowering.input_buffer(*node, i));
  native::emit_elementwise(
      lowering, lowering.define(*node), inputs,
      [&node](const std::vector<native::Scalar>& loaded) { return lower_scalar(*node, loaded); });
}

OpDef make_elementwise_op(const ScalarFunction& fn) {
  OpDef op;
  op.name = fn.name;
  op.infer = [&fn](const std::vector<NodePtr>& inputs, const Attrs&) {
    return infer_elementwise(fn, inputs);
  };
  op.kernel = [&fn](const Node& node, const std::vector<Tensor>& inputs) {
    return run_elementwise(fn, node, inputs);
  };
  if (fn.grad || fn.zero_grad) {
    op.grad = [&fn](const NodePtr& node, const std::vector<NodePtr>& output_grads) {
      return grad_elementwise(fn, node, output_grads);
    };
  }
  op.zero_grad = fn.zero_grad;
  op.lower = lower_elementwise;
  return op;
}

// exponent - 1, still a weak scalar when the exponent is one, so the slope of a float32 x^2 stays
// float32.
Expr exponent_minus_one(const Expr& exponent) {
  if (!is_weak_scalar(*exponent.node())) return exponent - 1.0;
  const Tensor& value = constant_value(*exponent.node());
  return constant(value.at(0) - 1.0, value.dtype());
}

// pow's derivative in the base is exponent * base^(exponent-1), taken as 0 where exponent == 0
// (x^0 is constant; the formula would give 0 * inf at base 0); in the exponent, log(base) * out,
// taken as 0 where base == 0 so that 0^y (y > 0) has a finite gradient.
Exprs pow_grad(const Exprs& x, const Expr& out, const Expr& g) {
  const Expr& base = x[0];
  const Expr& exponent = x[1];
  Expr slope = exponent * pow(base, exponent_minus_one(exponent));
  Expr d_base = g * where(equal(exponent, 0.0), zeros_like(slope), slope);
  Expr safe_log = log(where(equal(base, 0.0), ones_like(base), base));
  Expr d_exponent = g * out * safe_log;
  if (is_integral(exponent.dtype())) return {d_base, Expr()};
  return {d_base, d_exponent};
}

const OpDef& cast_op() {
  static const OpDef op{
      .name = "cast",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        expect_arity("cast", inputs, 1);
        return {{attrs.get_dtype("dtype"), inputs[0]->shape()}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>& inputs) -> std::vector<Tensor> {
        return {inputs[0].cast(node.dtype())};
      },
      // Only a floating-to-floating cast passes a gradient; the driver drops it for integers.
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {cast(grads[0], node->input(0)->dtype())};
      },
      .lower = lower_elementwise,
  };
  return op;
}

// The gradient of minimum/maximum flows to the operand that was chosen; at a tie (a == b) it is
// split evenly between them, so the two shares still add up to the output gradient and the rule
// is symmetric in a and b (as in JAX and PyTorch). NaN operands get none.
Exprs selection_grad(const Expr& a_chosen, const Expr& b_chosen, const Expr& tie, const Expr& g) {
  Expr zero = zeros_like(g);
  Expr half = where(tie, 0.5 * g, zero);
  return {where(a_chosen, g, half), where(b_chosen, g, half)};
}

// clip(x, low, high) = minimum(maximum(x, low), high). The gradient goes to x on the closed
// interval low <= x <= high (touching a bound does not stop it, as in PyTorch's clamp), to high
// where the result is high and x is above it (or low > high), and to low where x is below low.
// Exactly one input receives the output gradient at each point (none where anything is NaN).
Exprs clip_grad(const Exprs& in, const Expr&, const Expr& g) {
  const Expr& x = in[0];
  const Expr& low = in[1];
  const Expr& high = in[2];
  Expr zero = zeros_like(g);
  Expr inside = logical_and(greater_equal(x, low), less_equal(x, high));
  Expr below = logical_and(less(x, low), less_equal(low, high));
  Expr above = greater(maximum(x, low), high);
  return {where(inside, g, zero), where(below, g, zero), where(above, g, zero)};
}

// A comparison row: the predicate on doubles, and on int64 so large integers compare exactly.
// `cpp_operator` is the predicate's C++ operator.
template <typename Predicate>
ScalarFunction comparison(std::string name, const std::string& cpp_operator) {
  const std::string cpp = "{0} " + cpp_operator + " {1}";
  return {.name = std::move(name),
          .arity = 2,
          .result = ResultDType::boolean,
          .eval = [](const double* a) { return Predicate{}(a[0], a[1]) ? 1.0 : 0.0; },
          .eval_int = [](const std::int64_t* a) -> std::int64_t { return Predicate{}(a[0], a[1]); },
          .grad = {},
          .zero_grad = true,
          .cpp = cpp,
          .cpp_int = cpp};
}

// A logical row. Operands of any dtype are truth values the numpy way: nonzero (NaN included) is
// true. `cpp_operator` is the connective's non-short-circuit C++ operator (& or |), so both
// operands are evaluated (see native::apply).
template <typename Connective>
ScalarFunction logical(std::string name, const std::string& cpp_operator) {
  const std::string cpp = "({0} != 0) " + cpp_operator + " ({1} != 0)";
  return {
      .name = std::move(name),
      .arity = 2,
      .result = ResultDType::boolean,
      .eval = [](const double* a) { return Connective{}(a[0] != 0.0, a[1] != 0.0) ? 1.0 : 0.0; },
      .eval_int = [](const std::int64_t* a) -> std::int64_t {
        return Connective{}(a[0] != 0, a[1] != 0);
      },
      .grad = {},
      .zero_grad = true,
      .cpp = cpp,
      .cpp_int = cpp};
}

}  // namespace

ScalarFunction differentiable_unary(std::string name, UnaryValue value, UnaryDerivative derivative,
                                    ResultDType result, UnaryIntValue int_value) {
  ScalarFunction fn;
  fn.name = std::move(name);
  fn.result = result;
  fn.eval = [value](const double* a) { return value(a[0]); };
  if (int_value) fn.eval_int = [int_value](const std::int64_t* a) { return int_value(a[0]); };
  fn.grad = [derivative](const Exprs& x, const Expr& out, const Expr& g) {
    return Exprs{g * derivative(x[0], out)};
  };
  return fn;
}

ScalarFunction piecewise_constant_unary(std::string name, UnaryValue value, UnaryIntValue int_value,
                                        ResultDType result) {
  ScalarFunction fn;
  fn.name = std::move(name);
  fn.result = result;
  fn.zero_grad = true;
  fn.eval = [value](const double* a) { return value(a[0]); };
  if (int_value) fn.eval_int = [int_value](const std::int64_t* a) { return int_value(a[0]); };
  return fn;
}

native::Scalar lower_scalar(const Node& node, std::vector<native::Scalar> args) {
  if (node.op_name() == "cast")
    return native::apply("cast", "{0}", std::move(args), node.dtype(), "{0}");
  const ScalarFunction& fn = scalar_function(node.op_name());
  if (fn.cpp.empty()) {
    throw Error("native backend: elementwise op '" + fn.name + "' has no C++ emitter");
  }
  const std::string& cpp = uses_simd_form(fn, node) ? fn.simd_cpp : fn.cpp;
  return native::apply(fn.name, cpp, std::move(args), node.dtype(), fn.cpp_int);
}

bool reaches_simd_size(const Shape& static_shape) {
  return is_fully_known(static_shape) && num_elements(static_shape) >= HR_SIMD_MIN_ELEMENTS;
}

bool uses_simd_form(const ScalarFunction& fn, const Node& node) {
  return fn.simd_eval != nullptr && reaches_simd_size(node.shape());
}

bool is_weak_scalar(const Node& node) {
  return is_constant(node) && node.rank() == 0 &&
         (node.dtype() == DType::float64 || node.dtype() == DType::int64);
}

std::vector<ScalarFunction> arithmetic_functions() {
  using std::int64_t;
  return {
      {.name = "add",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] + a[1]; },
       .eval_int = [](const int64_t* a) { return hr_wrapping_add(a[0], a[1]); },
       .grad =
           [](const Exprs&, const Expr&, const Expr& g) {
             return Exprs{g, g};
           },
       .cpp = "{0} + {1}",
       .cpp_int = "hr_wrapping_add({0}, {1})"},
      {.name = "sub",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] - a[1]; },
       .eval_int = [](const int64_t* a) { return hr_wrapping_sub(a[0], a[1]); },
       .grad =
           [](const Exprs&, const Expr&, const Expr& g) {
             return Exprs{g, neg(g)};
           },
       .cpp = "{0} - {1}",
       .cpp_int = "hr_wrapping_sub({0}, {1})"},
      {.name = "mul",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] * a[1]; },
       .eval_int = [](const int64_t* a) { return hr_wrapping_mul(a[0], a[1]); },
       .grad =
           [](const Exprs& x, const Expr&, const Expr& g) {
             return Exprs{g * x[1], g * x[0]};
           },
       .cpp = "{0} * {1}",
       .cpp_int = "hr_wrapping_mul({0}, {1})"},
      {.name = "div",
       .arity = 2,
       .result = ResultDType::floating,
       .eval = [](const double* a) { return a[0] / a[1]; },
       .eval_int = {},
       .grad =
           [](const Exprs& x, const Expr& out, const Expr& g) {
             return Exprs{g / x[1], neg(g * out / x[1])};
           },
       .cpp = "{0} / {1}"},
      {.name = "pow",
       .arity = 2,
       .result = ResultDType::floating,
       .eval = [](const double* a) { return std::pow(a[0], a[1]); },
       .eval_int = {},
       .grad = pow_grad,
       .cpp = "std::pow({0}, {1})"},
      {.name = "neg",
       .arity = 1,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return -a[0]; },
       .eval_int = [](const int64_t* a) { return hr_wrapping_sub(0, a[0]); },
       .grad = [](const Exprs&, const Expr&, const Expr& g) { return Exprs{neg(g)}; },
       .cpp = "-{0}",
       .cpp_int = "hr_wrapping_sub(0, {0})"},
      // abs'(0) is taken as sign(0) = 0, the midpoint of the subgradient.
      with_cpp(differentiable_unary(
                   "abs", [](double x) { return std::fabs(x); },
                   [](const Expr& x, const Expr&) { return sign(x); }, ResultDType::promote,
                   hr_wrapping_abs),
               "std::fabs({0})", "hr_wrapping_abs({0})"),
      with_cpp(piecewise_constant_unary("sign", hr_sign, hr_sign_int), "hr_sign({0})",
               "hr_sign_int({0})"),
      {.name = "minimum",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return hr_minimum(a[0], a[1]); },
       .eval_int = [](const int64_t* a) { return hr_minimum_int(a[0], a[1]); },
       .grad =
           [](const Exprs& x, const Expr&, const Expr& g) {
             return selection_grad(less(x[0], x[1]), less(x[1], x[0]), equal(x[0], x[1]), g);
           },
       .keeps_bool = true,
       .cpp = "hr_minimum({0}, {1})",
       .cpp_int = "hr_minimum_int({0}, {1})"},
      {.name = "maximum",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return hr_maximum(a[0], a[1]); },
       .eval_int = [](const int64_t* a) { return hr_maximum_int(a[0], a[1]); },
       .grad =
           [](const Exprs& x, const Expr&, const Expr& g) {
             return selection_grad(greater(x[0], x[1]), greater(x[1], x[0]), equal(x[0], x[1]), g);
           },
       .keeps_bool = true,
       .cpp = "hr_maximum({0}, {1})",
       .cpp_int = "hr_maximum_int({0}, {1})"},
      {.name = "clip",
       .arity = 3,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return hr_clip(a[0], a[1], a[2]); },
       .eval_int = [](const int64_t* a) { return hr_clip_int(a[0], a[1], a[2]); },
       .grad = clip_grad,
       .keeps_bool = true,
       .cpp = "hr_clip({0}, {1}, {2})",
       .cpp_int = "hr_clip_int({0}, {1}, {2})"},
      comparison<std::equal_to<>>("equal", "=="),
      comparison<std::not_equal_to<>>("not_equal", "!="),
      comparison<std::less<>>("less", "<"),
      comparison<std::less_equal<>>("less_equal", "<="),
      comparison<std::greater<>>("greater", ">"),
      comparison<std::greater_equal<>>("greater_equal", ">="),
      logical<std::logical_and<>>("logical_and", "&"),
      logical<std::logical_or<>>("logical_or", "|"),
      with_cpp(piecewise_constant_unary(
                   "logical_not", [](double x) { return x == 0.0 ? 1.0 : 0.0; },
                   [](int64_t x) -> int64_t { return x == 0; }, ResultDType::boolean),
               "{0} == 0", "{0} == 0"),
      with_cpp(piecewise_constant_unary(
                   "isnan", [](double x) { return std::isnan(x) ? 1.0 : 0.0; },
                   [](int64_t) -> int64_t { return 0; }, ResultDType::boolean),
               "std::isnan({0})", "0"),
      with_cpp(piecewise_constant_unary(
                   "isinf", [](double x) { return std::isinf(x) ? 1.0 : 0.0; },
                   [](int64_t) -> int64_t { return 0; }, ResultDType::boolean),
               "std::isinf({0})", "0"),
      {.name = "where",
       .arity = 3,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] != 0.0 ? a[1] : a[2]; },
       .eval_int = [](const int64_t* a) { return a[0] != 0 ? a[1] : a[2]; },
       .grad =
           [](const Exprs& x, const Expr&, const Expr& g) {
             Expr zero = zeros_like(g);
             return Exprs{Expr(), where(x[0], g, zero), where(x[0], zero, g)};
           },
       .zero_grad = false,
       .integer_inputs = {},
       .condition_first = true,
       .keeps_bool = true,
       .cpp = "hr_select({0}, {1}, {2})",
       .cpp_int = "hr_select_int({0}, {1}, {2})"},
  };
}

const std::vector<ScalarFunction>& scalar_function_table() {
  static const std::vector<ScalarFunction> table = [] {
    std::vector<ScalarFunction> all = arithmetic_functions();
    for (auto family : {math_functions, special_functions}) {
      std::vector<ScalarFunction> rows = family();
      all.insert(all.end(), std::make_move_iterator(rows.begin()),
                 std::make_move_iterator(rows.end()));
    }
    return all;
  }();
  return table;
}

const ScalarFunction& scalar_function(const std::string& name) {
  for (const ScalarFunction& fn : scalar_function_table()) {
    if (fn.name == name) return fn;
  }
  throw Error("no elementwise function named '" + name + "'");
}

const OpDef& elementwise_op(const std::string& name) {
  static const std::map<std::string, OpDef> ops = [] {
    std::map<std::string, OpDef> built;
    for (const ScalarFunction& fn : scalar_function_table())
      built.emplace(fn.name, make_elementwise_op(fn));
    return built;
  }();
  auto it = ops.find(name);
  if (it == ops.end()) throw Error("no elementwise op named '" + name + "'");
  return it->second;
}

Expr apply_elementwise(const std::string& name, const Exprs& args) {
  return make_node(elementwise_op(name), as_nodes(args));
}

}  // namespace hypatia::ops

namespace hypatia {

HYPATIA_DEFINE_BINARY_BUILDER(add)
HYPATIA_DEFINE_BINARY_BUILDER(sub)
HYPATIA_DEFINE_BINARY_BUILDER(mul)
HYPATIA_DEFINE_BINARY_BUILDER(div)
HYPATIA_DEFINE_BINARY_BUILDER(pow)
HYPATIA_DEFINE_BINARY_BUILDER(minimum)
HYPATIA_DEFINE_BINARY_BUILDER(maximum)
HYPATIA_DEFINE_BINARY_BUILDER(equal)
HYPATIA_DEFINE_BINARY_BUILDER(not_equal)
HYPATIA_DEFINE_BINARY_BUILDER(less)
HYPATIA_DEFINE_BINARY_BUILDER(less_equal)
HYPATIA_DEFINE_BINARY_BUILDER(greater)
HYPATIA_DEFINE_BINARY_BUILDER(greater_equal)
HYPATIA_DEFINE_BINARY_BUILDER(logical_and)
HYPATIA_DEFINE_BINARY_BUILDER(logical_or)
HYPATIA_DEFINE_UNARY_BUILDER(neg)
HYPATIA_DEFINE_UNARY_BUILDER(abs)
HYPATIA_DEFINE_UNARY_BUILDER(sign)
HYPATIA_DEFINE_UNARY_BUILDER(logical_not)
HYPATIA_DEFINE_UNARY_BUILDER(isnan)
HYPATIA_DEFINE_UNARY_BUILDER(isinf)

Expr operator&(const Expr& a, const Expr& b) {
  return logical_and(a, b);
}

Expr operator|(const Expr& a, const Expr& b) {
  return logical_or(a, b);
}

Expr clip(const Expr& x, const Expr& low, const Expr& high) {
  return ops::apply_elementwise("clip", {x, low, high});
}
Expr where(const Expr& condition, const Expr& if_true, const Expr& if_false) {
  return ops::apply_elementwise("where", {condition, if_true, if_false});
}
Expr cast(const Expr& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return make_node(ops::cast_op(), {x.node()}, Attrs{{"dtype", dtype}});
}

Expr operator+(const Expr& a, const Expr& b) {
  return add(a, b);
}
Expr operator-(const Expr& a, const Expr& b) {
  return sub(a, b);
}
Expr operator*(const Expr& a, const Expr& b) {
  return mul(a, b);
}
Expr operator/(const Expr& a, const Expr& b) {
  return div(a, b);
}
Expr operator-(const Expr& a) {
  return neg(a);
}

}  // namespace hypatia
