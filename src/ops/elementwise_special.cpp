// Rows of the scalar function table for special functions. Each row's value is the runtime
// library's function hr_<name> (src/backend/native/runtime/special.cpp, Boost-based): the reference
// kernel calls it and generated code calls it, so both backends agree bit for bit.
//
// Five rows ("gammainc_grad_a", "betainc_grad_a", "betainc_grad_b", "polya_gamma_logpdf_grad_h",
// "polya_gamma_logpdf_grad_x") exist only for gradients: the derivatives of the incomplete gamma
// and beta functions in their parameters, and of the Polya-Gamma log density, have no closed form.
// They have no gradient of their own, so higher derivatives through them are unsupported.

#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia_runtime.h"
#include "ops/elementwise.hpp"

namespace hypatia::ops {
namespace {

constexpr double kInvSqrtPi = std::numbers::inv_sqrtpi;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kTwoOverSqrtPi = 2.0 * std::numbers::inv_sqrtpi;
constexpr double kLogSqrtTwoPi = 0.91893853320467274178;

// --- Gradient rules (graph ops only). ---------------------------------------------------------

Expr polygamma_of_order(std::int64_t order, const Expr& x) {
  return polygamma(constant(static_cast<double>(order), DType::int64), x);
}

Expr gaussian_kernel(const Expr& x) {  // 2/sqrt(pi) exp(-x^2), the derivative of erf
  return kTwoOverSqrtPi * exp(-(x * x));
}

// d/dx of the regularized lower incomplete gamma: x^(a-1) e^-x / Gamma(a).
Expr gamma_density(const Expr& a, const Expr& x) {
  return exp((a - 1.0) * log(x) - x - lgamma(a));
}

Exprs gammainc_grad(const Exprs& in, const Expr&, const Expr& g) {
  return {g * apply_elementwise("gammainc_grad_a", {in[0], in[1]}),
          g * gamma_density(in[0], in[1])};
}

Exprs gammaincc_grad(const Exprs& in, const Expr&, const Expr& g) {
  Exprs lower = gammainc_grad(in, Expr(), g);
  return {-lower[0], -lower[1]};
}

Exprs betainc_grad(const Exprs& in, const Expr&, const Expr& g) {
  const Expr &a = in[0], &b = in[1], &x = in[2];
  Expr density = exp((a - 1.0) * log(x) + (b - 1.0) * log(1.0 - x) - lbeta(a, b));
  return {g * apply_elementwise("betainc_grad_a", in), g * apply_elementwise("betainc_grad_b", in),
          g * density};
}

Exprs lbeta_grad(const Exprs& in, const Expr&, const Expr& g) {
  Expr digamma_sum = digamma(in[0] + in[1]);
  return {g * (digamma(in[0]) - digamma_sum), g * (digamma(in[1]) - digamma_sum)};
}

// i0e' = i1e - sign(x) i0e, with sign(0) = 0 at the kink.
Exprs i0e_grad(const Exprs& in, const Expr& out, const Expr& g) {
  return {g * (i1e(in[0]) - sign(in[0]) * out)};
}

// i1e' = i0e - i1e/x - sign(x) i1e, whose limit at 0 is 1/2; the division uses a safe
// denominator so that differentiating again stays finite at 0.
Exprs i1e_grad(const Exprs& in, const Expr& out, const Expr& g) {
  const Expr& x = in[0];
  Expr at_zero = equal(x, 0.0);
  Expr safe_x = where(at_zero, ones_like(x), x);
  Expr away_from_zero = i0e(x) - out / safe_x - sign(x) * out;
  return {g * where(at_zero, full_like(away_from_zero, 0.5), away_from_zero)};
}

// (log Phi)' = phi / Phi: for x < 0 as sqrt(2/pi) / erfcx(-x/sqrt2), which neither cancels nor
// underflows however far left; for x >= 0 as exp(log phi - log Phi), where log Phi is small.
// Each branch gets a harmless stand-in argument where the other is selected, so that no inf
// (erfcx(-x/sqrt2) for large x, exp(-log Phi) for very negative x) meets a zero gradient when
// differentiating again.
Exprs normal_logcdf_grad(const Exprs& in, const Expr&, const Expr& g) {
  const Expr& x = in[0];
  Expr right = greater_equal(x, 0.0);
  Expr x_left = where(right, zeros_like(x), x);
  Expr x_right = where(right, x, zeros_like(x));
  Expr left_slope = std::sqrt(2.0 / std::numbers::pi) / erfcx(-x_left * kInvSqrt2);
  Expr right_slope = exp(-0.5 * (x_right * x_right) - kLogSqrtTwoPi - normal_logcdf(x_right));
  return {g * where(right, right_slope, left_slope)};
}

// dT/dh = -phi(h) erf(a h / sqrt 2) / 2 and dT/da = exp(-h^2 (1 + a^2) / 2) / (2 pi (1 + a^2)).
Exprs owens_t_grad(const Exprs& in, const Expr&, const Expr& g) {
  const Expr &h = in[0], &a = in[1];
  Expr half_h_squared = 0.5 * (h * h);
  Expr one_plus_a_squared = 1.0 + a * a;
  Expr d_h = -0.5 * exp(-half_h_squared - kLogSqrtTwoPi) * erf(a * h * kInvSqrt2);
  Expr d_a =
      exp(-half_h_squared * one_plus_a_squared) / (2.0 * std::numbers::pi * one_plus_a_squared);
  return {g * d_h, g * d_a};
}

// The Polya-Gamma log density's derivatives are computed with its value (runtime/polya_gamma.cpp).
Exprs polya_gamma_logpdf_grad(const Exprs& in, const Expr&, const Expr& g) {
  return {g * apply_elementwise("polya_gamma_logpdf_grad_h", in),
          g * apply_elementwise("polya_gamma_logpdf_grad_x", in)};
}

using GradRule = std::function<Exprs(const Exprs&, const Expr&, const Expr&)>;

// A floating-result row of the given arity whose value is the runtime function hr_<name> (`eval`
// calls it; the C++ form names it).
ScalarFunction row(std::string name, int arity, std::function<double(const double*)> eval,
                   GradRule grad) {
  ScalarFunction fn;
  fn.cpp = "hr_" + name + "(";
  for (int i = 0; i < arity; ++i) fn.cpp += (i ? ", {" : "{") + std::to_string(i) + "}";
  fn.cpp += ")";
  fn.name = std::move(name);
  fn.arity = arity;
  fn.eval = std::move(eval);
  fn.grad = std::move(grad);
  return fn;
}

ScalarFunction unary_row(std::string name, double (*value)(double), GradRule grad) {
  return row(
      std::move(name), 1, [value](const double* x) { return value(x[0]); }, std::move(grad));
}

ScalarFunction binary_row(std::string name, double (*value)(double, double), GradRule grad) {
  return row(
      std::move(name), 2, [value](const double* x) { return value(x[0], x[1]); }, std::move(grad));
}

ScalarFunction ternary_row(std::string name, double (*value)(double, double, double),
                           GradRule grad) {
  return row(
      std::move(name), 3, [value](const double* x) { return value(x[0], x[1], x[2]); },
      std::move(grad));
}

}  // namespace

std::vector<ScalarFunction> special_functions() {
  std::vector<ScalarFunction> rows = {
      unary_row("erf", hr_erf,
                [](const Exprs& in, const Expr&, const Expr& g) {
                  return Exprs{g * gaussian_kernel(in[0])};
                }),
      unary_row("erfc", hr_erfc,
                [](const Exprs& in, const Expr&, const Expr& g) {
                  return Exprs{-(g * gaussian_kernel(in[0]))};
                }),
      // erfcx' = 2x erfcx - 2/sqrt(pi).
      unary_row("erfcx", hr_erfcx,
                [](const Exprs& in, const Expr& out, const Expr& g) {
                  return Exprs{g * (2.0 * in[0] * out - kTwoOverSqrtPi)};
                }),
      // erfinv' = sqrt(pi)/2 exp(erfinv^2).
      unary_row("erfinv", hr_erfinv,
                [](const Exprs&, const Expr& out, const Expr& g) {
                  return Exprs{g * ((0.5 / kInvSqrtPi) * exp(out * out))};
                }),
      unary_row("normal_logcdf", hr_normal_logcdf, normal_logcdf_grad),
      unary_row(
          "lgamma", hr_lgamma,
          [](const Exprs& in, const Expr&, const Expr& g) { return Exprs{g * digamma(in[0])}; }),
      unary_row("digamma", hr_digamma,
                [](const Exprs& in, const Expr&, const Expr& g) {
                  return Exprs{g * polygamma_of_order(1, in[0])};
                }),
      binary_row("gammainc", hr_gammainc, gammainc_grad),
      binary_row("gammaincc", hr_gammaincc, gammaincc_grad),
      binary_row("gammainc_grad_a", hr_gammainc_grad_a, nullptr),
      ternary_row("betainc", hr_betainc, betainc_grad),
      ternary_row("betainc_grad_a", hr_betainc_grad_a, nullptr),
      ternary_row("betainc_grad_b", hr_betainc_grad_b, nullptr),
      binary_row("lbeta", hr_lbeta, lbeta_grad),
      unary_row("i0e", hr_i0e, i0e_grad),
      unary_row("i1e", hr_i1e, i1e_grad),
      binary_row("owens_t", hr_owens_t, owens_t_grad),
      binary_row("polya_gamma_logpdf", hr_polya_gamma_logpdf, polya_gamma_logpdf_grad),
      binary_row("polya_gamma_logpdf_grad_h", hr_polya_gamma_logpdf_grad_h, nullptr),
      binary_row("polya_gamma_logpdf_grad_x", hr_polya_gamma_logpdf_grad_x, nullptr),
  };
  // The order is an int64 input without a gradient; polygamma(n)' = polygamma(n + 1).
  ScalarFunction polygamma_row =
      binary_row("polygamma", hr_polygamma, [](const Exprs& in, const Expr&, const Expr& g) {
        const Expr& order = in[0];
        return Exprs{Expr(), g * polygamma(order + constant(1.0, order.dtype()), in[1])};
      });
  polygamma_row.integer_inputs = {0};
  rows.push_back(std::move(polygamma_row));
  // ive(n, x)' = (ive(n - 1, x) + ive(n + 1, x)) / 2 - sign(x) ive(n, x), from
  // I_n' = (I_{n-1} + I_{n+1}) / 2; written with ive itself, so it differentiates again. The order
  // is an int64 input without a gradient.
  ScalarFunction ive_row =
      binary_row("ive", hr_ive, [](const Exprs& in, const Expr& out, const Expr& g) {
        const Expr &order = in[0], &x = in[1];
        const Expr one = constant(1.0, order.dtype());
        return Exprs{Expr(),
                     g * (0.5 * (ive(order - one, x) + ive(order + one, x)) - sign(x) * out)};
      });
  ive_row.integer_inputs = {0};
  rows.push_back(std::move(ive_row));
  return rows;
}

}  // namespace hypatia::ops

namespace hypatia {

using ops::apply_elementwise;

Expr erf(const Expr& x) {
  return apply_elementwise("erf", {x});
}
Expr erfc(const Expr& x) {
  return apply_elementwise("erfc", {x});
}
Expr erfcx(const Expr& x) {
  return apply_elementwise("erfcx", {x});
}
Expr erfinv(const Expr& x) {
  return apply_elementwise("erfinv", {x});
}
Expr normal_logcdf(const Expr& x) {
  return apply_elementwise("normal_logcdf", {x});
}
Expr lgamma(const Expr& x) {
  return apply_elementwise("lgamma", {x});
}
Expr digamma(const Expr& x) {
  return apply_elementwise("digamma", {x});
}
Expr polygamma(const Expr& order, const Expr& x) {
  return apply_elementwise("polygamma", {order, x});
}
Expr gammainc(const Expr& a, const Expr& x) {
  return apply_elementwise("gammainc", {a, x});
}
Expr gammaincc(const Expr& a, const Expr& x) {
  return apply_elementwise("gammaincc", {a, x});
}
Expr betainc(const Expr& a, const Expr& b, const Expr& x) {
  return apply_elementwise("betainc", {a, b, x});
}
Expr lbeta(const Expr& a, const Expr& b) {
  return apply_elementwise("lbeta", {a, b});
}
Expr owens_t(const Expr& h, const Expr& a) {
  return apply_elementwise("owens_t", {h, a});
}
Expr polya_gamma_logpdf(const Expr& h, const Expr& x) {
  return apply_elementwise("polya_gamma_logpdf", {h, x});
}
Expr i0e(const Expr& x) {
  return apply_elementwise("i0e", {x});
}
Expr i1e(const Expr& x) {
  return apply_elementwise("i1e", {x});
}
Expr ive(const Expr& order, const Expr& x) {
  return apply_elementwise("ive", {order, x});
}

}  // namespace hypatia
