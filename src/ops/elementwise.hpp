#pragma once

// The table of scalar elementwise functions. Each row says everything about one function: its
// arity, how its result dtype follows from its inputs, its value on doubles (and on integers where
// integer arithmetic is exact), and its derivative written with graph ops. The elementwise op, the
// interpreter and (later) fusion and code generation all read this one table.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "backend/native/kernel_ir.hpp"
#include "hypatia/expr.hpp"
#include "hypatia/node.hpp"

namespace hypatia::ops {

enum class ResultDType {
  promote,   // promoted input dtype; integers stay integers when `eval_int` exists, else float64
  floating,  // promoted input dtype, integers and booleans become float64
  boolean,   // comparisons, logic, isnan
};

using UnaryValue = double (*)(double);

struct ScalarFunction {
  std::string name;
  int arity = 1;
  ResultDType result = ResultDType::floating;
  std::function<double(const double* args)> eval;
  std::function<std::int64_t(const std::int64_t* args)> eval_int;  // optional
  // Gradient of each input given the inputs, the op's output and the output's gradient. The
  // result may have the broadcast shape; an empty Expr means no gradient for that input.
  std::function<Exprs(const Exprs& inputs, const Expr& output, const Expr& output_grad)> grad;
  bool zero_grad = false;                // piecewise constant: the derivative is zero
  std::vector<int> integer_inputs = {};  // inputs that must be int64 (polygamma's order)
  bool condition_first = false;          // input 0 is a boolean condition, excluded from promotion
  // The result is one of the operands (where, minimum, maximum, clip): bool operands give bool,
  // as in numpy, rather than int64.
  bool keeps_bool = false;
  // The C++ forms the native backend renders, over {0}, {1}, ...: on doubles, and (optional) on
  // int64 arguments for rows with eval_int. They must compute exactly what eval/eval_int do.
  std::string cpp = {};
  std::string cpp_int = {};
  // Optional forms for nodes of at least HR_SIMD_MIN_ELEMENTS elements (hypatia_exp_log.h): the
  // same function to within an ulp, in arithmetic that vectorizes. Chosen per node by
  // uses_simd_form, so the interpreter and every backend give the same bits.
  UnaryValue simd_eval = nullptr;
  std::string simd_cpp = {};
};

// Short forms for the common kinds of row, so each row states only what is particular to it.
using UnaryIntValue = std::int64_t (*)(std::int64_t);
// d out / d x, written with graph ops from the input and the output.
using UnaryDerivative = Expr (*)(const Expr& x, const Expr& out);

// A differentiable one-input row: input gradient = output gradient * derivative(x, out).
ScalarFunction differentiable_unary(std::string name, UnaryValue value, UnaryDerivative derivative,
                                    ResultDType result = ResultDType::floating,
                                    UnaryIntValue int_value = nullptr);
// A piecewise-constant one-input row (floor, sign, ...): its gradient is zero.
ScalarFunction piecewise_constant_unary(std::string name, UnaryValue value,
                                        UnaryIntValue int_value = nullptr,
                                        ResultDType result = ResultDType::promote);

// `fn` with its C++ forms for the native backend.
inline ScalarFunction with_cpp(ScalarFunction fn, std::string cpp, std::string cpp_int = {}) {
  fn.cpp = std::move(cpp);
  fn.cpp_int = std::move(cpp_int);
  return fn;
}

// `fn` with its form for large nodes (see ScalarFunction::simd_eval).
inline ScalarFunction with_simd(ScalarFunction fn, UnaryValue value, std::string cpp) {
  fn.simd_eval = value;
  fn.simd_cpp = std::move(cpp);
  return fn;
}

// Whether a static shape holds at least HR_SIMD_MIN_ELEMENTS elements, where ops take
// hypatia_exp_log.h's vectorizable forms. Smaller ones (scalars, recursions' steps) keep libm,
// whose latency is lower; a shape known only at run time keeps it too, so the choice never
// depends on the data.
bool reaches_simd_size(const Shape& static_shape);
// Whether `node`, applying `fn`, computes with fn's SIMD form: fn has one and the node reaches
// the SIMD size.
bool uses_simd_form(const ScalarFunction& fn, const Node& node);

// The functions of each family file, gathered into the one table.
std::vector<ScalarFunction> arithmetic_functions();  // elementwise.cpp
std::vector<ScalarFunction> math_functions();        // elementwise_math.cpp
std::vector<ScalarFunction> special_functions();     // elementwise_special.cpp

const std::vector<ScalarFunction>& scalar_function_table();
const ScalarFunction& scalar_function(const std::string& name);

// The op of a table row, and the node applying it.
const OpDef& elementwise_op(const std::string& name);
Expr apply_elementwise(const std::string& name, const Exprs& args);

// The scalar expression computing an elementwise (or cast) node from its arguments' expressions,
// for the native backend's loops. Throws naming the op when it has no C++ form.
native::Scalar lower_scalar(const Node& node, std::vector<native::Scalar> args);

// Whether `node` is a rank-0 float64 or int64 constant: such a constant (a C++ literal) takes the
// dtype of the other operands unless its kind is higher (a float with integers), like numpy 2's
// Python scalars.
bool is_weak_scalar(const Node& node);

}  // namespace hypatia::ops

// Defines the public builder `name` (declared in hypatia/ops/elementwise.hpp) as the table row of
// the same name, so a builder is one line of an X-macro list rather than a copied function.
#define HYPATIA_DEFINE_UNARY_BUILDER(name)                \
  Expr name(const Expr& x) {                              \
    return ::hypatia::ops::apply_elementwise(#name, {x}); \
  }
#define HYPATIA_DEFINE_BINARY_BUILDER(name)                  \
  Expr name(const Expr& a, const Expr& b) {                  \
    return ::hypatia::ops::apply_elementwise(#name, {a, b}); \
  }
