#pragma once

// exp, log and log1p, and sigmoid and softplus built on them, in plain double arithmetic: no
// table, no libm call, and no branch on the argument (the special cases are selects), so a loop
// of them vectorizes into adds and multiplies where a libm call per element stays scalar. Every
// step is an IEEE add, multiply, divide or bit operation, evaluated in the written order when
// compiled without contraction (as generated code and the runtime are), so a vector lane gives the
// same bits as the scalar code on every machine.
//
// Generated code uses them for elementwise ops of at least HR_SIMD_MIN_ELEMENTS elements, and
// libm below (ops/elementwise.hpp decides per graph node, so the interpreter and every backend
// agree): their latency is about 1.6x libm's, which costs where a value is computed once or in a
// recursion, while a loop of them runs 3-5x faster than libm (bench/results/exp_log.txt).
// Compiled by clang, each has an overload on HR_SUM_LANES-lane vectors too: the JIT's lane blocks
// (reductions in lanes) call it on all lanes at once instead of once per lane.
//
// The method is the textbook one (Tang; Cody and Waite): reduce the argument by multiples of log 2
// split in two parts so the reduction is exact, evaluate a series on the small remainder, and
// scale by a power of two. The series are Taylor's, with coefficients 1/n! and 2/(2n+1) that the
// compiler rounds correctly, taken far enough that truncation costs under 0.1 ulp. Error: under 1
// ulp over the whole range (tests/backend/native/runtime/exp_log_test.cpp measures it against
// long double); libm is correctly rounded almost everywhere, so results may differ from it in the
// last bit.

#include <cstdint>
#include <limits>

// Always inlined: the compilers' size heuristics would otherwise keep a call to them where one
// feeds the other (log1p(exp(x))), and a call keeps a loop from vectorizing.
#define HR_ALWAYS_INLINE inline __attribute__((always_inline))

#define HR_SIMD_MIN_ELEMENTS 64

namespace hr_exp_log {

// The unsigned integers holding a Real's bits: one for double, a vector of them for lanes.
template <class Real>
struct BitsOf {
  using type = std::uint64_t;
};
#if defined(__clang__)
typedef double Lanes __attribute__((ext_vector_type(8)));
typedef std::uint64_t LaneBits __attribute__((ext_vector_type(8)));
template <>
struct BitsOf<Lanes> {
  using type = LaneBits;
};
#endif
template <class Real>
HR_ALWAYS_INLINE typename BitsOf<Real>::type to_bits(Real x) {
  return __builtin_bit_cast(typename BitsOf<Real>::type, x);
}
template <class Real>
HR_ALWAYS_INLINE Real from_bits(typename BitsOf<Real>::type bits) {
  return __builtin_bit_cast(Real, bits);
}
template <class Real>
HR_ALWAYS_INLINE Real absolute(Real x) {
  return from_bits<Real>(to_bits(x) & 0x7fffffffffffffffull);
}

// log 2 = kLn2Hi + kLn2Lo, kLn2Hi with 37 significant bits: k * kLn2Hi is exact for |k| < 2^16.
inline constexpr double kLn2Hi = 0x1.62e42fee00000p-1;
inline constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
inline constexpr double kLog2e = 0x1.71547652b82fep+0;
// Adding 1.5 * 2^52 rounds a double of magnitude below 2^51 to an integer, held in the low bits.
inline constexpr double kRoundingShift = 0x1.8p52;
inline constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;

// 2^n for an integer-valued n in [-1022, 1023], built from its exponent bits.
template <class Real>
HR_ALWAYS_INLINE Real two_to(Real n) {
  const auto biased = to_bits(n + (kRoundingShift + 1023.0)) - to_bits(kRoundingShift);
  return from_bits<Real>(biased << 52);
}

// x = 2^e m with m in [sqrt(1/2), sqrt(2)), for finite positive normal x: the exponent field read
// as a double (OR-ing it into 2^52's mantissa), the mantissa with exponent 0 in [1, 2), halved
// above sqrt(2).
template <class Real>
struct Split {
  Real exponent;
  Real mantissa;
};
template <class Real>
HR_ALWAYS_INLINE Split<Real> split(Real x) {
  const auto bits = to_bits(x);
  const Real field = from_bits<Real>((bits >> 52) | 0x4330000000000000ull) - 0x1p52;
  const Real unit = from_bits<Real>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  const auto above = unit > kSqrt2;
  return {field - 1023.0 + (above ? 1.0 : 0.0), above ? 0.5 * unit : unit};
}

// log(1 + f) - f + f^2/2 - ... in the form log(1 + f) = f - (h - s (h + R)) with h = f^2 / 2,
// s = f / (2 + f) and R = 2 s^2/3 + 2 s^4/5 + ...: log(1 + f) = 2 atanh(s), and 2s = f - h + s h.
// For |f| <= sqrt(2) - 1, s^2 <= 0.0295: ten terms of R leave a truncation error below 1e-18.
// Returns log(1 + f) + e log 2 + correction, the small parts added before the large ones.
template <class Real>
HR_ALWAYS_INLINE Real log_kernel(Real f, Real e, Real correction) {
  const Real s = f / (2.0 + f);
  const Real z = s * s;
  const Real z2 = z * z;
  const Real z4 = z2 * z2;
  const Real z8 = z4 * z4;
  // Estrin's scheme: the same terms as Horner's rule with a shorter chain of dependent steps.
  const Real pairs0 = (2.0 / 3.0 + 2.0 / 5.0 * z) + (2.0 / 7.0 + 2.0 / 9.0 * z) * z2;
  const Real pairs1 = (2.0 / 11.0 + 2.0 / 13.0 * z) + (2.0 / 15.0 + 2.0 / 17.0 * z) * z2;
  const Real pairs2 = 2.0 / 19.0 + 2.0 / 21.0 * z;
  const Real series = z * ((pairs0 + pairs1 * z4) + pairs2 * z8);
  const Real half_square = 0.5 * f * f;
  return e * kLn2Hi -
         ((half_square - (s * (half_square + series) + (e * kLn2Lo + correction))) - f);
}

template <class Real>
HR_ALWAYS_INLINE Real exp_of(Real x) {
  // Beyond these, exp overflows or underflows anyway; clamping keeps k within the range two_to
  // handles. NaN fails both comparisons and stays NaN.
  x = x < -746.0 ? -746.0 : x;
  x = x > 710.0 ? 710.0 : x;
  // x = k log 2 + r with k = round(x / log 2), |r| <= log(2) / 2: high is exact, and r plus
  // r_error is high - low to twice double precision (the error of rounding r goes into the sum).
  const Real k = (x * kLog2e + kRoundingShift) - kRoundingShift;
  const Real high = x - k * kLn2Hi;
  const Real low = k * kLn2Lo;
  const Real r = high - low;
  const Real r_error = (high - r) - low;
  // exp(r) = 1 + r + r^2 P(r), P's terms 1/n! up to n = 13 (truncation below 0.1 ulp).
  const Real r2 = r * r;
  const Real r4 = r2 * r2;
  const Real r8 = r4 * r4;
  const Real pairs0 = (1.0 / 2.0 + 1.0 / 6.0 * r) + (1.0 / 24.0 + 1.0 / 120.0 * r) * r2;
  const Real pairs1 = (1.0 / 720.0 + 1.0 / 5040.0 * r) + (1.0 / 40320.0 + 1.0 / 362880.0 * r) * r2;
  const Real pairs2 =
      (1.0 / 3628800.0 + 1.0 / 39916800.0 * r) + (1.0 / 479001600.0 + 1.0 / 6227020800.0 * r) * r2;
  const Real tail = r_error + r2 * ((pairs0 + pairs1 * r4) + pairs2 * r8);
  // 1 + r rounded, and the rounding's error exactly (|r| < 1), added to the small tail first: one
  // rounding of consequence remains, the last.
  const Real one_plus_r = 1.0 + r;
  const Real one_plus_r_error = (1.0 - one_plus_r) + r;
  const Real exp_r = one_plus_r + (one_plus_r_error + tail);
  // 2^k in two factors, each a normal number, so the one rounding of a subnormal result happens
  // in the last product and 2^1024 (for results just below the overflow threshold) is reachable.
  const Real k_half = (k * 0.5 + kRoundingShift) - kRoundingShift;
  return exp_r * two_to(k_half) * two_to(k - k_half);
}

template <class Real>
HR_ALWAYS_INLINE Real log_of(Real x) {
  // Subnormals are scaled into the normal range first.
  const auto subnormal = x < 0x1p-1022;
  const Split<Real> parts = split(subnormal ? x * 0x1p54 : x);
  const Real result =
      log_kernel<Real>(parts.mantissa - 1.0, parts.exponent - (subnormal ? 54.0 : 0.0), 0.0);
  const Real infinity = std::numeric_limits<double>::infinity();
  const Real finite_or_zero = x == 0.0 ? -infinity : result;
  const Real positive = x == infinity ? x : finite_or_zero;
  return x >= 0.0 ? positive : std::numeric_limits<double>::quiet_NaN();
}

template <class Real>
HR_ALWAYS_INLINE Real log1p_of(Real x) {
  // log(1 + x) = log(u) + log(1 + c) with u = 1 + x rounded and c = (1 + x - u) / u; the rounding
  // error 1 + x - u is exact in the form that fits u's range. Where u = 2^0 m, f = x itself
  // (there is nothing to correct).
  const Real u = 1.0 + x;
  const Split<Real> parts = split(u);
  const auto unscaled = parts.exponent == 0.0;
  const Real error = u >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0);
  const Real correction = unscaled ? 0.0 : error / u;
  const Real result =
      log_kernel<Real>(unscaled ? x : parts.mantissa - 1.0, parts.exponent, correction);
  const Real infinity = std::numeric_limits<double>::infinity();
  // One comparison per select: GCC 12 does not vectorize a select between two conditions.
  const Real finite = x == infinity ? x : result;
  const Real signed_zero = x == 0.0 ? x : finite;  // log1p(-0) is -0
  const Real above_minus_one = x == -1.0 ? -infinity : signed_zero;
  return x >= -1.0 ? above_minus_one : std::numeric_limits<double>::quiet_NaN();
}

// 1 / (1 + exp(-x)) as exp(x) / (1 + exp(x)) below 0: exp is taken of -|x| only, so it cannot
// overflow.
template <class Real>
HR_ALWAYS_INLINE Real sigmoid_of(Real x) {
  const Real e = exp_of(-absolute(x));
  return (x >= 0.0 ? 1.0 : e) / (1.0 + e);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x, and for very negative
// x log1p keeps the tiny result exp(x) accurate.
template <class Real>
HR_ALWAYS_INLINE Real softplus_of(Real x) {
  return (x > 0.0 ? x : 0.0) + log1p_of(exp_of(-absolute(x)));
}

}  // namespace hr_exp_log

// The forms generated code calls (C++ names need no namespace in templates).
HR_ALWAYS_INLINE double hr_simd_exp(double x) {
  return hr_exp_log::exp_of(x);
}
HR_ALWAYS_INLINE double hr_simd_log(double x) {
  return hr_exp_log::log_of(x);
}
HR_ALWAYS_INLINE double hr_simd_log1p(double x) {
  return hr_exp_log::log1p_of(x);
}
HR_ALWAYS_INLINE double hr_simd_sigmoid(double x) {
  return hr_exp_log::sigmoid_of(x);
}
HR_ALWAYS_INLINE double hr_simd_softplus(double x) {
  return hr_exp_log::softplus_of(x);
}
#if defined(__clang__)
HR_ALWAYS_INLINE hr_exp_log::Lanes hr_simd_exp(hr_exp_log::Lanes x) {
  return hr_exp_log::exp_of(x);
}
HR_ALWAYS_INLINE hr_exp_log::Lanes hr_simd_log(hr_exp_log::Lanes x) {
  return hr_exp_log::log_of(x);
}
HR_ALWAYS_INLINE hr_exp_log::Lanes hr_simd_log1p(hr_exp_log::Lanes x) {
  return hr_exp_log::log1p_of(x);
}
HR_ALWAYS_INLINE hr_exp_log::Lanes hr_simd_sigmoid(hr_exp_log::Lanes x) {
  return hr_exp_log::sigmoid_of(x);
}
HR_ALWAYS_INLINE hr_exp_log::Lanes hr_simd_softplus(hr_exp_log::Lanes x) {
  return hr_exp_log::softplus_of(x);
}
#endif
