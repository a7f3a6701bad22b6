#pragma once

// exp, log and log1p in plain double arithmetic: no table, no libm call, and no branch on the
// argument (the special cases are selects), so a loop of them vectorizes into adds and multiplies
// where a libm call per element stays scalar. Every step is an IEEE add, multiply, divide or bit
// operation, evaluated in the written order when compiled without contraction (as generated code
// and the runtime are), so a vector lane gives the same bits as the scalar code on every machine.
//
// Not yet used by generated code or the interpreter (issue 16): wired in for every exp / log /
// log1p, it made every suite model's gradient slower (bench/results/exp_log.txt). Their latency
// is about 1.6x libm's, and most uses are scalar or in loops that do not vectorize (the JIT's lane
// blocks call scalar functions per lane; GCC gives up on some masked selects). They are meant for
// loops that vectorize, with libm kept elsewhere, which needs the renderers' help first.
//
// The method is the textbook one (Tang; Cody and Waite): reduce the argument by multiples of log 2
// split in two parts so the reduction is exact, evaluate a series on the small remainder, and
// scale by a power of two. The series are Taylor's, with coefficients 1/n! and 2/(2n+1) that the
// compiler rounds correctly, taken far enough that truncation costs under 0.1 ulp. Error: under 1
// ulp over the whole range (tests/backend/native/runtime/exp_log_test.cpp measures it against
// long double); libm is correctly rounded almost everywhere, so results may differ from it in the
// last bit.

#include <bit>
#include <cstdint>
#include <limits>

// Always inlined: the compilers' size heuristics would otherwise keep a call to them where one
// feeds the other (log1p(exp(x))), and a call keeps a loop from vectorizing.
#define HR_ALWAYS_INLINE inline __attribute__((always_inline))

namespace hr_exp_log {

// log 2 = kLn2Hi + kLn2Lo, kLn2Hi with 37 significant bits: k * kLn2Hi is exact for |k| < 2^16.
inline constexpr double kLn2Hi = 0x1.62e42fee00000p-1;
inline constexpr double kLn2Lo = 0x1.a39ef35793c76p-33;
inline constexpr double kLog2e = 0x1.71547652b82fep+0;
// Adding 1.5 * 2^52 rounds a double of magnitude below 2^51 to an integer, held in the low bits.
inline constexpr double kRoundingShift = 0x1.8p52;
inline constexpr double kSqrt2 = 0x1.6a09e667f3bcdp+0;

// 2^n for an integer-valued n in [-1022, 1023], built from its exponent bits.
HR_ALWAYS_INLINE double two_to(double n) {
  const std::uint64_t biased = std::bit_cast<std::uint64_t>(n + (kRoundingShift + 1023.0)) -
                               std::bit_cast<std::uint64_t>(kRoundingShift);
  return std::bit_cast<double>(biased << 52);
}

// x = 2^e m with m in [sqrt(1/2), sqrt(2)), for finite positive normal x: the exponent field read
// as a double (OR-ing it into 2^52's mantissa), the mantissa with exponent 0 in [1, 2), halved
// above sqrt(2).
struct Split {
  double exponent;
  double mantissa;
};
HR_ALWAYS_INLINE Split split(double x) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  const double field = std::bit_cast<double>((bits >> 52) | 0x4330000000000000ull) - 0x1p52;
  const double unit = std::bit_cast<double>((bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
  const bool above = unit > kSqrt2;
  return {field - 1023.0 + (above ? 1.0 : 0.0), above ? 0.5 * unit : unit};
}

// log(1 + f) - f + f^2/2 - ... in the form log(1 + f) = f - (h - s (h + R)) with h = f^2 / 2,
// s = f / (2 + f) and R = 2 s^2/3 + 2 s^4/5 + ...: log(1 + f) = 2 atanh(s), and 2s = f - h + s h.
// For |f| <= sqrt(2) - 1, s^2 <= 0.0295: ten terms of R leave a truncation error below 1e-18.
// Returns log(1 + f) + e log 2 + correction, the small parts added before the large ones.
HR_ALWAYS_INLINE double log_kernel(double f, double e, double correction) {
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double z2 = z * z;
  const double z4 = z2 * z2;
  const double z8 = z4 * z4;
  // Estrin's scheme: the same terms as Horner's rule with a shorter chain of dependent steps.
  const double pairs0 = (2.0 / 3.0 + 2.0 / 5.0 * z) + (2.0 / 7.0 + 2.0 / 9.0 * z) * z2;
  const double pairs1 = (2.0 / 11.0 + 2.0 / 13.0 * z) + (2.0 / 15.0 + 2.0 / 17.0 * z) * z2;
  const double pairs2 = 2.0 / 19.0 + 2.0 / 21.0 * z;
  const double series = z * ((pairs0 + pairs1 * z4) + pairs2 * z8);
  const double half_square = 0.5 * f * f;
  return e * kLn2Hi -
         ((half_square - (s * (half_square + series) + (e * kLn2Lo + correction))) - f);
}

}  // namespace hr_exp_log

HR_ALWAYS_INLINE double hr_exp(double x) {
  using namespace hr_exp_log;
  // Beyond these, exp overflows or underflows anyway; clamping keeps k within the range two_to
  // handles. NaN fails both comparisons and stays NaN.
  x = x < -746.0 ? -746.0 : x;
  x = x > 710.0 ? 710.0 : x;
  // x = k log 2 + r with k = round(x / log 2), |r| <= log(2) / 2: high is exact, and r plus
  // r_error is high - low to twice double precision (the error of rounding r goes into the sum).
  const double k = (x * kLog2e + kRoundingShift) - kRoundingShift;
  const double high = x - k * kLn2Hi;
  const double low = k * kLn2Lo;
  const double r = high - low;
  const double r_error = (high - r) - low;
  // exp(r) = 1 + r + r^2 P(r), P's terms 1/n! up to n = 13 (truncation below 0.1 ulp).
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  const double pairs0 = (1.0 / 2.0 + 1.0 / 6.0 * r) + (1.0 / 24.0 + 1.0 / 120.0 * r) * r2;
  const double pairs1 =
      (1.0 / 720.0 + 1.0 / 5040.0 * r) + (1.0 / 40320.0 + 1.0 / 362880.0 * r) * r2;
  const double pairs2 =
      (1.0 / 3628800.0 + 1.0 / 39916800.0 * r) + (1.0 / 479001600.0 + 1.0 / 6227020800.0 * r) * r2;
  const double tail = r_error + r2 * ((pairs0 + pairs1 * r4) + pairs2 * r8);
  // 1 + r rounded, and the rounding's error exactly (|r| < 1), added to the small tail first: one
  // rounding of consequence remains, the last.
  const double one_plus_r = 1.0 + r;
  const double one_plus_r_error = (1.0 - one_plus_r) + r;
  const double exp_r = one_plus_r + (one_plus_r_error + tail);
  // 2^k in two factors, each a normal number, so the one rounding of a subnormal result happens
  // in the last product and 2^1024 (for results just below the overflow threshold) is reachable.
  const double k_half = (k * 0.5 + kRoundingShift) - kRoundingShift;
  return exp_r * two_to(k_half) * two_to(k - k_half);
}

HR_ALWAYS_INLINE double hr_log(double x) {
  using namespace hr_exp_log;
  // Subnormals are scaled into the normal range first.
  const bool subnormal = x < 0x1p-1022;
  const Split parts = split(subnormal ? x * 0x1p54 : x);
  const double result =
      log_kernel(parts.mantissa - 1.0, parts.exponent - (subnormal ? 54.0 : 0.0), 0.0);
  const double infinity = std::numeric_limits<double>::infinity();
  const double finite_or_zero = x == 0.0 ? -infinity : result;
  const double positive = x == infinity ? x : finite_or_zero;
  return x >= 0.0 ? positive : std::numeric_limits<double>::quiet_NaN();
}

HR_ALWAYS_INLINE double hr_log1p(double x) {
  using namespace hr_exp_log;
  // log(1 + x) = log(u) + log(1 + c) with u = 1 + x rounded and c = (1 + x - u) / u; the rounding
  // error 1 + x - u is exact in the form that fits u's range. Where u = 2^0 m, f = x itself
  // (there is nothing to correct).
  const double u = 1.0 + x;
  const Split parts = split(u);
  const bool unscaled = parts.exponent == 0.0;
  const double error = u >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0);
  const double correction = unscaled ? 0.0 : error / u;
  const double result = log_kernel(unscaled ? x : parts.mantissa - 1.0, parts.exponent, correction);
  const double infinity = std::numeric_limits<double>::infinity();
  // One comparison per select: GCC 12 does not vectorize a select between two conditions.
  const double finite = x == infinity ? x : result;
  const double signed_zero = x == 0.0 ? x : finite;  // log1p(-0) is -0
  const double above_minus_one = x == -1.0 ? -infinity : signed_zero;
  return x >= -1.0 ? above_minus_one : std::numeric_limits<double>::quiet_NaN();
}
