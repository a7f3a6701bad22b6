// Rows of the scalar function table for elementary math: exponentials and logarithms, powers,
// trigonometric and hyperbolic functions, the logistic family, and rounding.

#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "ops/elementwise.hpp"

namespace hypatia::ops {
namespace {

using std::int64_t;

// 1 / (1 + exp(-x)), with exp taken of a non-positive argument only so it cannot overflow.
double sigmoid_value(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x, and for very negative
// x log1p keeps the tiny result exp(x) accurate.
double softplus_value(double x) {
  return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// log(1 - exp(x)) for x <= 0 (NaN above). Mächler (2012): near 0, exp(x) is close to 1 and
// expm1 keeps 1 - exp(x) accurate; below -log 2, exp(x) is small and log1p keeps the result
// accurate.
double log1mexp_value(double x) {
  return x > -std::numbers::ln2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

// log(p / (1 - p)). Near p = 1/2 the result is small, and log(p) - log1p(-p) would cancel; there
// log1p((2p - 1) / (1 - p)) is accurate (2p - 1 is exact for p in [1/4, 1]).
double logit_value(double p) {
  if (p >= 0.25 && p <= 0.75) return std::log1p((2.0 * p - 1.0) / (1.0 - p));
  return std::log(p) - std::log1p(-p);
}

// Round half to even, like numpy, independent of the floating-point rounding mode.
double round_half_even(double x) {
  const double nearest = std::round(x);  // halves away from zero
  if (std::fabs(x - nearest) == 0.5) return 2.0 * std::round(0.5 * x);
  return nearest;
}

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
      with_cpp(differentiable_unary(
                   "exp", [](double x) { return std::exp(x); }, [](E, E out) { return out; }),
               "std::exp({0})"),
      differentiable_unary(
          "expm1", [](double x) { return std::expm1(x); }, [](E, E out) { return out + 1.0; }),
      with_cpp(differentiable_unary(
                   "log", [](double x) { return std::log(x); }, [](E x, E) { return reciprocal(x); }),
               "std::log({0})"),
      differentiable_unary(
          "log1p", [](double x) { return std::log1p(x); },
          [](E x, E) { return reciprocal(1.0 + x); }),
      // At 0 the derivative is 0.5 / 0 = inf, like the math.
      differentiable_unary(
          "sqrt", [](double x) { return std::sqrt(x); }, [](E, E out) { return 0.5 / out; }),
      differentiable_unary(
          "square", [](double x) { return x * x; }, [](E x, E) { return 2.0 * x; },
          ResultDType::promote, [](int64_t x) { return wrapping_mul(x, x); }),
      differentiable_unary(
          "reciprocal", [](double x) { return 1.0 / x; }, [](E, E out) { return -square(out); }),
      differentiable_unary(
          "sin", [](double x) { return std::sin(x); }, [](E x, E) { return cos(x); }),
      differentiable_unary(
          "cos", [](double x) { return std::cos(x); }, [](E x, E) { return -sin(x); }),
      differentiable_unary(
          "tan", [](double x) { return std::tan(x); }, [](E, E out) { return 1.0 + square(out); }),
      // 1 / cosh^2 rather than 1 - tanh^2, which is 0 instead of tiny for |x| > 19.
      differentiable_unary(
          "tanh", [](double x) { return std::tanh(x); },
          [](E x, E) { return square(reciprocal(cosh(x))); }),
      differentiable_unary(
          "sinh", [](double x) { return std::sinh(x); }, [](E x, E) { return cosh(x); }),
      differentiable_unary(
          "cosh", [](double x) { return std::cosh(x); }, [](E x, E) { return sinh(x); }),
      // (1 - x)(1 + x) rather than 1 - x^2, which loses digits near |x| = 1.
      differentiable_unary(
          "arcsin", [](double x) { return std::asin(x); },
          [](E x, E) { return reciprocal(sqrt((1.0 - x) * (1.0 + x))); }),
      differentiable_unary(
          "arccos", [](double x) { return std::acos(x); },
          [](E x, E) { return -reciprocal(sqrt((1.0 - x) * (1.0 + x))); }),
      differentiable_unary(
          "arctan", [](double x) { return std::atan(x); },
          [](E x, E) { return reciprocal(1.0 + square(x)); }),
      {.name = "arctan2",
       .arity = 2,
       .eval = [](const double* a) { return std::atan2(a[0], a[1]); },
       .eval_int = {},
       .grad = arctan2_grad},
      // sigmoid' = sigmoid(x) sigmoid(-x), accurate in both tails (1 - sigmoid(x) is not).
      differentiable_unary("sigmoid", sigmoid_value, [](E x, E out) { return out * sigmoid(-x); }),
      differentiable_unary("softplus", softplus_value, [](E x, E) { return sigmoid(x); }),
      // d/dx log(1 - exp(x)) = -exp(x) / (1 - exp(x)) = -1 / expm1(-x).
      differentiable_unary("log1mexp", log1mexp_value,
                           [](E x, E) { return -reciprocal(expm1(-x)); }),
      differentiable_unary("logit", logit_value, [](E p, E) { return reciprocal(p * (1.0 - p)); }),
      piecewise_constant_unary(
          "floor", [](double x) { return std::floor(x); }, identity_int),
      piecewise_constant_unary(
          "ceil", [](double x) { return std::ceil(x); }, identity_int),
      piecewise_constant_unary("round", round_half_even, identity_int),
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
