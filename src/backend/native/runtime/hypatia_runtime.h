#pragma once

// The runtime every generated translation unit includes, and the reference kernels share: scalar
// helpers defined inline (so generated loops inline and vectorize them) and declarations of the
// precompiled runtime library's functions (special functions, linear algebra, ...). One definition
// serves both backends, so the interpreter and compiled code agree to the last bit.

#include <cmath>
#include <cstdint>
#include <limits>

#include "hypatia_exp_log.h"

#define HR_NAN (std::numeric_limits<double>::quiet_NaN())
#define HR_INF (std::numeric_limits<double>::infinity())

// double -> int64 as numpy does on x86: truncation, and INT64_MIN for NaN and out-of-range values
// (a plain C++ conversion of those is undefined behaviour).
inline std::int64_t hr_to_int64(double x) {
  constexpr double kLimit = 9223372036854775808.0;  // 2^63
  if (!(x > -kLimit - 1024.0 && x < kLimit)) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(x);
}

// Maximum and minimum that propagate NaN, like numpy's maximum/minimum and max/min reductions.
template <typename T>
inline T hr_max(T a, T b) {
  if (a != a) return a;
  if (b != b) return b;
  return a < b ? b : a;
}
template <typename T>
inline T hr_min(T a, T b) {
  if (a != a) return a;
  if (b != b) return b;
  return b < a ? b : a;
}

// A generated program that a runtime function calls back (an ODE's right-hand side, ...), with the
// signature of every generated function. `inputs` and `outputs` hold its buffer pointers: the
// generated caller fills those bound to its own buffers, and the runtime function points the
// others at its own data before each call.
typedef int (*hr_program)(void* const* inputs, void* const* outputs, void* const* constants,
                          unsigned char* arena);
struct hr_callback {
  hr_program function;
  void** inputs;
  void** outputs;
  void* const* constants;
  unsigned char* arena;
};

inline bool hr_indices_in_range(const std::int64_t* indices, std::int64_t count,
                                std::int64_t size) {
  bool ok = true;
  for (std::int64_t i = 0; i < count; ++i) ok &= indices[i] >= -size && indices[i] < size;
  return ok;
}

// Negative indices count from the end (numpy); callers check the range first.
inline std::int64_t hr_wrap_index(std::int64_t index, std::int64_t size) {
  return index < 0 ? index + size : index;
}

// 1 / (1 + exp(-x)), with exp taken of a non-positive argument only so it cannot overflow.
// where(c, a, b) as a call, so both operands are evaluated unconditionally: GCC 12's if-conversion
// of `c ? load_a : load_b` in vectorized loops miscompiled such selects (wrong lanes) at -O3.
inline double hr_select(double condition, double if_true, double if_false) {
  return condition != 0 ? if_true : if_false;
}
inline std::int64_t hr_select_int(std::int64_t condition, std::int64_t if_true,
                                  std::int64_t if_false) {
  return condition != 0 ? if_true : if_false;
}

// Whether an argmax's candidate `x` takes over from the best so far: when greater, or NaN (the
// first NaN wins, and nothing takes over from one).
inline bool hr_argmax_takes_over(double best, double x) {
  return best == best && (x != x || x > best);
}

// A logsumexp from its maximum m and sum of exp(x - m): a non-finite maximum is the result itself.
inline double hr_logsumexp_finish(double maximum, double total) {
  return std::isfinite(maximum) ? maximum + std::log(total) : maximum;
}
// The same with hypatia_exp_log.h's log, for logsumexps of large inputs.
inline double hr_simd_logsumexp_finish(double maximum, double total) {
  return std::isfinite(maximum) ? maximum + hr_simd_log(total) : maximum;
}

inline double hr_sigmoid(double x) {
  if (x >= 0.0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x, and for very negative
// x log1p keeps the tiny result exp(x) accurate.
inline double hr_softplus(double x) {
  return x > 0.0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// log(1 - exp(x)) for x <= 0 (NaN above). Mächler (2012): near 0, exp(x) is close to 1 and
// expm1 keeps 1 - exp(x) accurate; below -log 2, exp(x) is small and log1p keeps the result
// accurate.
inline double hr_log1mexp(double x) {
  constexpr double kLn2 = 0.693147180559945309417232121458176568;
  return x > -kLn2 ? std::log(-std::expm1(x)) : std::log1p(-std::exp(x));
}

// log(p / (1 - p)). Near p = 1/2 the result is small, and log(p) - log1p(-p) would cancel; there
// log1p((2p - 1) / (1 - p)) is accurate (2p - 1 is exact for p in [1/4, 1]).
inline double hr_logit(double p) {
  if (p >= 0.25 && p <= 0.75) return std::log1p((2.0 * p - 1.0) / (1.0 - p));
  return std::log(p) - std::log1p(-p);
}

// Round half to even, like numpy, independent of the floating-point rounding mode.
inline double hr_round_half_even(double x) {
  const double nearest = std::round(x);  // halves away from zero
  if (std::fabs(x - nearest) == 0.5) return 2.0 * std::round(0.5 * x);
  return nearest;
}

// --- The elementwise table's scalar functions (src/ops/elementwise*.cpp): each row's `eval` and
// its C++ form call the same helper. ---------------------------------------------------------

// numpy's minimum and maximum: NaN in either operand gives NaN; at a tie the second operand (so
// minimum(0.0, -0.0) is -0.0). Unlike hr_min/hr_max, which keep the first operand at a tie.
inline double hr_minimum(double a, double b) {
  return a != a || a < b ? a : b;
}
inline double hr_maximum(double a, double b) {
  return a != a || a > b ? a : b;
}
inline std::int64_t hr_minimum_int(std::int64_t a, std::int64_t b) {
  return a < b ? a : b;
}
inline std::int64_t hr_maximum_int(std::int64_t a, std::int64_t b) {
  return a > b ? a : b;
}
// clip(x, low, high) = minimum(maximum(x, low), high), as numpy.
inline double hr_clip(double x, double low, double high) {
  return hr_minimum(hr_maximum(x, low), high);
}
inline std::int64_t hr_clip_int(std::int64_t x, std::int64_t low, std::int64_t high) {
  return hr_minimum_int(hr_maximum_int(x, low), high);
}

// numpy's sign: NaN stays NaN, sign(-0.0) is +0.0.
inline double hr_sign(double x) {
  if (x > 0.0) return 1.0;
  if (x < 0.0) return -1.0;
  return x != x ? x : 0.0;
}
inline std::int64_t hr_sign_int(std::int64_t x) {
  return (x > 0) - (x < 0);
}

inline double hr_square(double x) {
  return x * x;
}

// Two's-complement wrap-around on overflow, like numpy's int64 (signed overflow is undefined in
// C++, unsigned arithmetic is not).
inline std::int64_t hr_wrapping_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
inline std::int64_t hr_wrapping_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
inline std::int64_t hr_wrapping_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

// abs and square of int64 wrap around like numpy's (abs(INT64_MIN) is INT64_MIN).
inline std::int64_t hr_wrapping_abs(std::int64_t x) {
  return x < 0 ? hr_wrapping_sub(0, x) : x;
}
inline std::int64_t hr_wrapping_square(std::int64_t x) {
  return hr_wrapping_mul(x, x);
}

// Special functions, defined in the runtime library (runtime/special.cpp, Boost-based): NaN
// outside the domain, +-inf at poles and on overflow, scipy.special's conventions at the edges.
extern "C" {
double hr_erf(double x);
double hr_erfc(double x);
double hr_erfcx(double x);  // exp(x^2) erfc(x)
double hr_erfinv(double x);
double hr_normal_logcdf(double x);  // log Phi(x)
double hr_lgamma(double x);
double hr_digamma(double x);
double hr_polygamma(double order, double x);
double hr_gammainc(double a, double x);           // regularized lower incomplete gamma P(a, x)
double hr_gammaincc(double a, double x);          // Q(a, x) = 1 - P(a, x)
double hr_gammainc_grad_a(double a, double x);    // dP(a, x)/da
double hr_betainc(double a, double b, double x);  // regularized incomplete beta I_x(a, b)
double hr_betainc_grad_a(double a, double b, double x);  // dI_x(a, b)/da
double hr_betainc_grad_b(double a, double b, double x);  // dI_x(a, b)/db
double hr_lbeta(double a, double b);                     // log B(a, b)
double hr_i0e(double x);                                 // exp(-|x|) I_0(x)
double hr_i1e(double x);                                 // exp(-|x|) I_1(x)
double hr_ive(double order, double x);                   // exp(-|x|) I_order(x), integer order
double hr_owens_t(double h, double a);                   // Owen's T(h, a)
// log p(x | h, 0) of the Polya-Gamma PG(h, 0) density, and its derivatives (polya_gamma.cpp).
double hr_polya_gamma_logpdf(double h, double x);
double hr_polya_gamma_logpdf_grad_h(double h, double x);
double hr_polya_gamma_logpdf_grad_x(double h, double x);
}

// Parallel chunks (runtime/parallel.cpp). A loop over a large extent runs as chunks of
// HR_CHUNK_ROWS outer iterations; the chunk size is a constant, never derived from the thread
// count, so each chunk computes the same bits whichever thread runs it, and reductions combine
// the chunks' partial results in chunk order afterwards. Loops shorter than HR_PARALLEL_MIN_ROWS
// stay one plain loop.
#define HR_CHUNK_ROWS 4096
#define HR_PARALLEL_MIN_ROWS (2 * HR_CHUNK_ROWS)
inline std::int64_t hr_chunk_count(std::int64_t rows) {
  return (rows + HR_CHUNK_ROWS - 1) / HR_CHUNK_ROWS;
}
// Sums in lanes. A float sum over a loop of at least HR_SUM_LANES_MIN_RUN iterations (the
// innermost loop, or one chunk of it) keeps HR_SUM_LANES running sums, iteration j adding into
// lane j % HR_SUM_LANES, and adds them up in hr_sum_lanes's fixed tree. Each lane's order is
// fixed, so the compiler may run the lanes as vector lanes of any width and the bits stay the
// same on every machine; one running sum would keep it from vectorizing the loop at all. The
// interpreter's sum kernels use the same order (ops/reduce_util.hpp).
#define HR_SUM_LANES 8
#define HR_SUM_LANES_MIN_RUN 16
#if defined(__clang__)
// The JIT calls the lane forms of hypatia_exp_log.h on a lane block's HR_SUM_LANES lanes.
static_assert(sizeof(hr_exp_log::Lanes) == HR_SUM_LANES * sizeof(double));
#endif
inline double hr_sum_lanes(const double* lanes) {
  return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
         ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}
extern "C" {
typedef void (*hr_chunk_function)(std::int64_t chunk, void* context);
// Calls chunk(c, context) for c in [0, chunks), on the calling thread's pool (see
// hr_thread_pool_enter in hypatia_parallel.h) or one after another without one. The calls write
// disjoint memory; their order of execution is unspecified.
void hr_parallel_for_chunks(std::int64_t chunks, hr_chunk_function chunk, void* context);
}
