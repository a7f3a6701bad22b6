// Rows of the scalar function table for elementary math: exponentials and logarithms, powers,
// trigonometric and hyperbolic functions, the logistic family, and rounding.

#include <cmath>

#include "hypatia/ops.hpp"
#include "hypatia_runtime.h"
#include "ops/elementwise.hpp"

namespace hypatia::ops {
namespace {

using std::int64_t;

int64_t identity_int(int64_t x) {
  return x;
}

// arctan2(y, x): d/dy = x / (x^2 + y^2), d/dx = -y / (x^2 + y^2).
Exprs arctan2_grad(const Exprs& in, const Expr&, const Expr& g) {
  const Expr& y = in[0];
  const Expr& x = in[1];
  Expr scale = g / (square(x) + square(y));
  return {scale * x, neg(scale * y)};
}

}  // namespace

std::vector<ScalarFunction> math_functions() {
  using E = const Expr&;
  return {
      with_simd(
          with_cpp(differentiable_unary(
                       "exp", [](double x) { return std::exp(x); }, [](E, E out) { return out; }),
                   "std::exp({0})"),
          hr_simd_exp, "hr_simd_exp({0})"),
      with_cpp(
          differentiable_unary(
              "expm1", [](double x) { return std::expm1(x); }, [](E, E out) { return out + 1.0; }),
          "std::expm1({0})"),
      with_simd(with_cpp(differentiable_unary(
                             "log", [](double x) { return std::log(x); },
                             [](E x, E) { return reciprocal(x); }),
                         "std::log({0})"),
                hr_simd_log, "hr_simd_log({0})"),
      with_simd(with_cpp(differentiable_unary(
                             "log1p", [](double x) { return std::log1p(x); },
                             [](E x, E) { return reciprocal(1.0 + x); }),
                         "std::log1p({0})"),
                hr_simd_log1p, "hr_simd_log1p({0})"),
      // At 0 the derivative is 0.5 / 0 = inf, like the math.
      with_cpp(
          differentiable_unary(
              "sqrt", [](double x) { return std::sqrt(x); }, [](E, E out) { return 0.5 / out; }),
          "std::sqrt({0})"),
      with_cpp(differentiable_unary(
                   "square", hr_square, [](E x, E) { return 2.0 * x; }, ResultDType::promote,
                   hr_wrapping_square),
               "hr_square({0})", "hr_wrapping_square({0})"),
      with_cpp(differentiable_unary(
                   "reciprocal", [](double x) { return 1.0 / x; },
                   [](E, E out) { return -square(out); }),
               "1.0 / {0}"),
      with_cpp(differentiable_unary(
                   "sin", [](double x) { return std::sin(x); }, [](E x, E) { return cos(x); }),
               "std::sin({0})"),
      with_cpp(differentiable_unary(
                   "cos", [](double x) { return std::cos(x); }, [](E x, E) { return -sin(x); }),
               "std::cos({0})"),
      with_cpp(differentiable_unary(
                   "tan", [](double x) { return std::tan(x); },
                   [](E, E out) { return 1.0 + square(out); }),
               "std::tan({0})"),
      // 1 / cosh^2 rather than 1 - tanh^2, which is 0 instead of tiny for |x| > 19.
      with_cpp(differentiable_unary(
                   "tanh", [](double x) { return std::tanh(x); },
                   [](E x, E) { return square(reciprocal(cosh(x))); }),
               "std::tanh({0})"),
      with_cpp(differentiable_unary(
                   "sinh", [](double x) { return std::sinh(x); }, [](E x, E) { return cosh(x); }),
               "std::sinh({0})"),
      with_cpp(differentiable_unary(
                   "cosh", [](double x) { return std::cosh(x); }, [](E x, E) { return sinh(x); }),
               "std::cosh({0})"),
      // (1 - x)(1 + x) rather than 1 - x^2, which loses digits near |x| = 1.
      with_cpp(differentiable_unary(
                   "arcsin", [](double x) { return std::asin(x); },
                   [](E x, E) { return reciprocal(sqrt((1.0 - x) * (1.0 + x))); }),
               "std::asin({0})"),
      with_cpp(differentiable_unary(
                   "arccos", [](double x) { return std::acos(x); },
                   [](E x, E) { return -reciprocal(sqrt((1.0 - x) * (1.0 + x))); }),
               "std::acos({0})"),
      with_cpp(differentiable_unary(
                   "arctan", [](double x) { return std::atan(x); },
                   [](E x, E) { return reciprocal(1.0 + square(x)); }),
               "std::atan({0})"),
      {.name = "arctan2",
       .arity = 2,
       .eval = [](const double* a) { return std::atan2(a[0], a[1]); },
       .eval_int = {},
       .grad = arctan2_grad,
       .cpp = "std::atan2({0}, {1})"},
      // sigmoid' = sigmoid(x) sigmoid(-x), accurate in both tails (1 - sigmoid(x) is not).
      with_simd(with_cpp(differentiable_unary("sigmoid", hr_sigmoid,
                                              [](E x, E out) { return out * sigmoid(-x); }),
                         "hr_sigmoid({0})"),
                hr_simd_sigmoid, "hr_simd_sigmoid({0})"),
      with_simd(
          with_cpp(differentiable_unary("softplus", hr_softplus, [](E x, E) { return sigmoid(x); }),
                   "hr_softplus({0})"),
          hr_simd_softplus, "hr_simd_softplus({0})"),
      // d/dx log(1 - exp(x)) = -exp(x) / (1 - exp(x)) = -1 / expm1(-x).
      with_cpp(differentiable_unary("log1mexp", hr_log1mexp,
                                    [](E x, E) { return -reciprocal(expm1(-x)); }),
               "hr_log1mexp({0})"),
      with_cpp(
          differentiable_unary("logit", hr_logit, [](E p, E) { return reciprocal(p * (1.0 - p)); }),
          "hr_logit({0})"),
      with_cpp(piecewise_constant_unary(
                   "floor", [](double x) { return std::floor(x); }, identity_int),
               "std::floor({0})", "{0}"),
      with_cpp(piecewise_constant_unary(
                   "ceil", [](double x) { return std::ceil(x); }, identity_int),
               "std::ceil({0})", "{0}"),
      with_cpp(piecewise_constant_unary("round", hr_round_half_even, identity_int),
               "hr_round_half_even({0})", "{0}"),
  };
}

}  // namespace hypatia::ops

namespace hypatia {

HYPATIA_DEFINE_UNARY_BUILDER(exp)
HYPATIA_DEFINE_UNARY_BUILDER(expm1)
HYPATIA_DEFINE_UNARY_BUILDER(log)
HYPATIA_DEFINE_UNARY_BUILDER(log1p)
HYPATIA_DEFINE_UNARY_BUILDER(sqrt)
HYPATIA_DEFINE_UNARY_BUILDER(square)
HYPATIA_DEFINE_UNARY_BUILDER(reciprocal)
HYPATIA_DEFINE_UNARY_BUILDER(sin)
HYPATIA_DEFINE_UNARY_BUILDER(cos)
HYPATIA_DEFINE_UNARY_BUILDER(tan)
HYPATIA_DEFINE_UNARY_BUILDER(tanh)
HYPATIA_DEFINE_UNARY_BUILDER(sinh)
HYPATIA_DEFINE_UNARY_BUILDER(cosh)
HYPATIA_DEFINE_UNARY_BUILDER(arcsin)
HYPATIA_DEFINE_UNARY_BUILDER(arccos)
HYPATIA_DEFINE_UNARY_BUILDER(arctan)
HYPATIA_DEFINE_BINARY_BUILDER(arctan2)
HYPATIA_DEFINE_UNARY_BUILDER(sigmoid)
HYPATIA_DEFINE_UNARY_BUILDER(softplus)
HYPATIA_DEFINE_UNARY_BUILDER(log1mexp)
HYPATIA_DEFINE_UNARY_BUILDER(logit)
HYPATIA_DEFINE_UNARY_BUILDER(floor)
HYPATIA_DEFINE_UNARY_BUILDER(ceil)
HYPATIA_DEFINE_UNARY_BUILDER(round)

}  // namespace hypatia
