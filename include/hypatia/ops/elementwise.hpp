#pragma once

#include "hypatia/expr.hpp"

namespace hypatia {

// Elementwise ops broadcast their operands like numpy. Integer and boolean operands of the
// floating functions (exp, log, ...) are promoted to float64; the integer-exact functions (add,
// sub, mul, neg, abs, sign, minimum, maximum, clip, square, floor, ceil, round) keep int64, and
// overflow wraps around as in numpy. A C++ number operand is a "weak" scalar, as in numpy 2: it
// keeps the tensor's dtype unless its kind is higher (int64 + 1 is int64, float32 * 2.5 float32,
// int64 * 2.5 float64, bool + 1 int64).

// Arithmetic.
Expr add(const Expr& a, const Expr& b);
Expr sub(const Expr& a, const Expr& b);
Expr mul(const Expr& a, const Expr& b);
Expr div(const Expr& a, const Expr& b);  // true division: integers give float64
Expr neg(const Expr& x);
Expr pow(const Expr& base, const Expr& exponent);
Expr abs(const Expr& x);   // gradient 0 at x = 0
Expr sign(const Expr& x);  // sign(NaN) = NaN, sign(-0.0) = 0.0
// NaN in either operand gives NaN. At a tie the gradient is split evenly between the operands.
Expr minimum(const Expr& a, const Expr& b);
Expr maximum(const Expr& a, const Expr& b);
// minimum(maximum(x, low), high). The gradient goes to x on the closed interval [low, high], to a
// bound where x lies beyond it.
Expr clip(const Expr& x, const Expr& low, const Expr& high);
Expr cast(const Expr& x, DType dtype);

// Comparisons and logic (boolean results). The logical ops accept any dtype and, like numpy,
// treat nonzero values (NaN included) as true.
Expr equal(const Expr& a, const Expr& b);
Expr not_equal(const Expr& a, const Expr& b);
Expr less(const Expr& a, const Expr& b);
Expr less_equal(const Expr& a, const Expr& b);
Expr greater(const Expr& a, const Expr& b);
Expr greater_equal(const Expr& a, const Expr& b);
Expr logical_and(const Expr& a, const Expr& b);
Expr logical_or(const Expr& a, const Expr& b);
Expr logical_not(const Expr& x);
// Elementwise and / or of bool graphs (both sides are always evaluated).
Expr operator&(const Expr& a, const Expr& b);
Expr operator|(const Expr& a, const Expr& b);
// The condition must be bool. where, minimum, maximum and clip of bool operands are bool.
Expr where(const Expr& condition, const Expr& if_true, const Expr& if_false);
Expr isnan(const Expr& x);
Expr isinf(const Expr& x);

// Math.
Expr exp(const Expr& x);
Expr expm1(const Expr& x);
Expr log(const Expr& x);
Expr log1p(const Expr& x);
Expr sqrt(const Expr& x);  // gradient inf at x = 0
Expr square(const Expr& x);
Expr reciprocal(const Expr& x);
Expr sin(const Expr& x);
Expr cos(const Expr& x);
Expr tan(const Expr& x);
Expr tanh(const Expr& x);
Expr sinh(const Expr& x);
Expr cosh(const Expr& x);
Expr arcsin(const Expr& x);
Expr arccos(const Expr& x);
Expr arctan(const Expr& x);
Expr arctan2(const Expr& y, const Expr& x);
Expr sigmoid(const Expr& x);   // 1 / (1 + exp(-x)), accurate in both tails
Expr softplus(const Expr& x);  // log(1 + exp(x)), without overflow
Expr log1mexp(const Expr& x);  // log(1 - exp(x)) for x <= 0 (NaN above), accurate near 0 too
Expr logit(const Expr& p);     // log(p / (1 - p))
Expr floor(const Expr& x);
Expr ceil(const Expr& x);
Expr round(const Expr& x);  // half to even, like numpy

// Special functions (Boost.Math inside).
Expr erf(const Expr& x);
Expr erfc(const Expr& x);
Expr erfcx(const Expr& x);  // exp(x^2) erfc(x)
Expr erfinv(const Expr& x);
Expr normal_logcdf(const Expr& x);  // log Phi(x), accurate in both tails
Expr lgamma(const Expr& x);
Expr digamma(const Expr& x);
Expr polygamma(const Expr& order, const Expr& x);
Expr gammainc(const Expr& a, const Expr& x);                // regularized lower P(a, x)
Expr gammaincc(const Expr& a, const Expr& x);               // regularized upper Q(a, x)
Expr betainc(const Expr& a, const Expr& b, const Expr& x);  // regularized I_x(a, b)
Expr lbeta(const Expr& a, const Expr& b);
Expr i0e(const Expr& x);  // exp(-|x|) I0(x)
Expr i1e(const Expr& x);  // exp(-|x|) I1(x)
// exp(-|x|) I_order(x) for an int64 order (scipy's ive); differentiable in x only.
Expr ive(const Expr& order, const Expr& x);
// Owen's T(h, a) = 1/(2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx (skew-normal CDF).
Expr owens_t(const Expr& h, const Expr& a);
// log p(x | h, 0), the log density of the Polya-Gamma distribution PG(h, 0) at x > 0 (h > 0);
// differentiable in h and x (first derivatives only).
Expr polya_gamma_logpdf(const Expr& h, const Expr& x);

}  // namespace hypatia
