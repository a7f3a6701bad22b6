// The elementwise op machinery (type rule, broadcasting kernel, gradient) over the table of scalar
// functions, and the arithmetic rows of that table.

#include "ops/elementwise.hpp"

#include <cmath>
#include <map>
#include <mutex>

#include "hypatia/ops.hpp"
#include "ops/core.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

DType result_dtype(const ScalarFunction& fn, const std::vector<NodePtr>& inputs) {
  if (fn.result == ResultDType::boolean) return DType::boolean;
  std::optional<DType> strong;
  bool weak_float = false;
  for (std::size_t i = fn.condition_first ? 1 : 0; i < inputs.size(); ++i) {
    if (std::find(fn.integer_inputs.begin(), fn.integer_inputs.end(), static_cast<int>(i)) !=
        fn.integer_inputs.end()) {
      continue;
    }
    if (is_weak_scalar(*inputs[i])) {
      weak_float = true;
      continue;
    }
    strong = strong ? promote_types(*strong, inputs[i]->dtype()) : inputs[i]->dtype();
  }
  DType dtype = strong.value_or(DType::float64);
  if (weak_float && is_integral(dtype)) dtype = DType::float64;
  if (is_integral(dtype)) {
    const bool integer_result = fn.result == ResultDType::promote && fn.eval_int;
    dtype = integer_result ? DType::int64 : DType::float64;
  }
  return dtype;
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
  const bool integer_path = out.dtype() == DType::int64 && fn.eval_int;
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
      out.mutable_data<std::int64_t>()[i] = fn.eval_int(int_args.data());
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
  return op;
}

Expr binary(const char* name, const Expr& a, const Expr& b) {
  return apply_elementwise(name, {a, b});
}
Expr unary(const char* name, const Expr& x) {
  return apply_elementwise(name, {x});
}

// pow's derivative in the base is exponent * base^(exponent-1); in the exponent, log(base) * out,
// taken as 0 where base == 0 so that 0^y (y > 0) has a finite gradient.
Exprs pow_grad(const Exprs& x, const Expr& out, const Expr& g) {
  const Expr& base = x[0];
  const Expr& exponent = x[1];
  Expr d_base = g * exponent * pow(base, exponent - 1.0);
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
  };
  return op;
}

}  // namespace

bool is_weak_scalar(const Node& node) {
  return is_constant(node) && node.dtype() == DType::float64 && node.rank() == 0;
}

std::vector<ScalarFunction> arithmetic_functions() {
  using std::int64_t;
  return {
      {.name = "add",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] + a[1]; },
       .eval_int = [](const int64_t* a) { return a[0] + a[1]; },
       .grad =
           [](const Exprs&, const Expr&, const Expr& g) {
             return Exprs{g, g};
           }},
      {.name = "sub",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] - a[1]; },
       .eval_int = [](const int64_t* a) { return a[0] - a[1]; },
       .grad =
           [](const Exprs&, const Expr&, const Expr& g) {
             return Exprs{g, neg(g)};
           }},
      {.name = "mul",
       .arity = 2,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return a[0] * a[1]; },
       .eval_int = [](const int64_t* a) { return a[0] * a[1]; },
       .grad =
           [](const Exprs& x, const Expr&, const Expr& g) {
             return Exprs{g * x[1], g * x[0]};
           }},
      {.name = "div",
       .arity = 2,
       .result = ResultDType::floating,
       .eval = [](const double* a) { return a[0] / a[1]; },
       .grad =
           [](const Exprs& x, const Expr& out, const Expr& g) {
             return Exprs{g / x[1], neg(g * out / x[1])};
           }},
      {.name = "neg",
       .arity = 1,
       .result = ResultDType::promote,
       .eval = [](const double* a) { return -a[0]; },
       .eval_int = [](const int64_t* a) { return -a[0]; },
       .grad = [](const Exprs&, const Expr&, const Expr& g) { return Exprs{neg(g)}; }},
      {.name = "pow",
       .arity = 2,
       .result = ResultDType::floating,
       .eval = [](const double* a) { return std::pow(a[0], a[1]); },
       .grad = pow_grad},
      {.name = "equal",
       .arity = 2,
       .result = ResultDType::boolean,
       .eval = [](const double* a) { return double(a[0] == a[1]); },
       .zero_grad = true},
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
       .condition_first = true},
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

using ops::apply_elementwise;

Expr add(const Expr& a, const Expr& b) {
  return ops::binary("add", a, b);
}
Expr sub(const Expr& a, const Expr& b) {
  return ops::binary("sub", a, b);
}
Expr mul(const Expr& a, const Expr& b) {
  return ops::binary("mul", a, b);
}
Expr div(const Expr& a, const Expr& b) {
  return ops::binary("div", a, b);
}
Expr neg(const Expr& x) {
  return ops::unary("neg", x);
}
Expr pow(const Expr& base, const Expr& exponent) {
  return ops::binary("pow", base, exponent);
}
Expr cast(const Expr& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return make_node(ops::cast_op(), {x.node()}, Attrs{{"dtype", dtype}});
}
Expr equal(const Expr& a, const Expr& b) {
  return ops::binary("equal", a, b);
}
Expr where(const Expr& condition, const Expr& if_true, const Expr& if_false) {
  return apply_elementwise("where", {condition, if_true, if_false});
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
