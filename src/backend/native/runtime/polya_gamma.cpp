// log p(x | h, 0), the log density of the Polya-Gamma distribution PG(h, 0), and its derivatives
// in h and x. Boost has no such function, so this is hand-written. PG(h, 0) is the law of
// X = sum_k g_k / c_k with g_k ~ Gamma(h, 1) independent and c_k = 2 pi^2 (k - 1/2)^2; its Laplace
// transform is E exp(-t X) = cosh(sqrt(t / 2))^-h. Two representations cover x > 0:
//
// * Small x (x < 1 + h / 8): expanding cosh^-h = 2^h e^(-h u) (1 + e^(-2u))^-h, u = sqrt(t / 2),
//   and inverting term by term gives the alternating series
//     p = 2^(h-1) / Gamma(h) sum_n (-1)^n Gamma(n + h) / n! (2n + h) / sqrt(2 pi x^3)
//         exp(-(2n + h)^2 / (8x)),
//   summed as (its n = 0 term) * (1 + sum of term ratios). Its terms fall like exp(-n^2 / (2x)),
//   and it loses digits to cancellation only once x passes (h + 1) / (2 log h) or so.
// * Large x: X = Z + Y with Z = g_1 / c_1 ~ Gamma(h, rate pi^2 / 2) and Y the rest, so
//   p(x) = E f_Z(x - Y). Tilting Y by exp(c_1 Y) (which multiplies by prod_k (c_k / (c_k - c_1))^h
//   = (4 / pi)^h) makes it Y' = sum_{k >= 2} Gamma(h, rate 2 pi^2 k (k - 1)) and
//     p(x) = (2 pi)^h / Gamma(h) e^(-pi^2 x / 2) E[(x - Y')_+^(h - 1)].
//   Expanding (x - Y')^(h-1) about the mean mu = h / (2 pi^2) of Y' in powers of (Y' - mu) / d,
//   d = x - mu, gives sum_n (1 - h)_n m_n / (n! d^n) with m_n the central moments of Y', from its
//   cumulants kappa_j = h (j - 1)! T_j / (2 pi^2)^j, T_j = sum_{k >= 2} (k (k - 1))^-j. For integer
//   h the sum stops at n = h - 1; otherwise it is asymptotic, its terms shrinking geometrically
//   (ratio about 1 / (4 pi^2 d)) until n ~ 4 pi^2 d. Either way the only error is the mass of Y'
//   beyond x, about exp(-4 pi^2 d) (the slowest rate of Y' is c_2 - c_1 = 4 pi^2): below 1e-16 for
//   d > 1.
//
// The switch x = 1 + h / 8 was chosen by measurement against 50+-digit mpmath sums of the series
// (tests/python/test_distributions.py::test_polya_gamma_logp_matches_mpmath): over h in [0.5, 50]
// both forms agree with the reference to ~1e-13 in log p on either side of it.
//
// Derivatives come from the same sums carried out on (value, d/dh, d/dx) triples.

#include <array>
#include <boost/math/special_functions/digamma.hpp>
#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia_runtime.h"

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTiny = 1e-17;  // a term this small relative to the sum ends a series
constexpr int kMaxTerms = 400;

// A value with its derivatives in h and x.
struct Dual {
  double v = 0.0, dh = 0.0, dx = 0.0;
};

Dual operator+(Dual a, Dual b) {
  return {a.v + b.v, a.dh + b.dh, a.dx + b.dx};
}
Dual operator-(Dual a, Dual b) {
  return {a.v - b.v, a.dh - b.dh, a.dx - b.dx};
}
Dual operator*(Dual a, Dual b) {
  return {a.v * b.v, a.dh * b.v + a.v * b.dh, a.dx * b.v + a.v * b.dx};
}
Dual operator/(Dual a, Dual b) {
  const double q = a.v / b.v;
  return {q, (a.dh - q * b.dh) / b.v, (a.dx - q * b.dx) / b.v};
}
Dual operator+(Dual a, double b) {
  return {a.v + b, a.dh, a.dx};
}
Dual operator*(double a, Dual b) {
  return {a * b.v, a * b.dh, a * b.dx};
}
Dual exp(Dual a) {
  const double e = std::exp(a.v);
  return {e, e * a.dh, e * a.dx};
}
Dual log(Dual a) {
  return {std::log(a.v), a.dh / a.v, a.dx / a.v};
}
double size(Dual a) {
  return std::abs(a.v) + std::abs(a.dh) + std::abs(a.dx);
}

// T_j = sum_{k >= 2} (k (k - 1))^-j for j < kMaxTerms (T_0, T_1 unused but for T_1 = 1).
const std::array<double, kMaxTerms>& cumulant_sums() {
  static const std::array<double, kMaxTerms> sums = [] {
    std::array<double, kMaxTerms> t{};
    t[1] = 1.0;
    t[2] = kPi * kPi / 3.0 - 3.0;  // sum (1/(k-1) - 1/k)^2 = 2 zeta(2) - 3
    for (int j = 3; j < kMaxTerms; ++j) {
      // Terms fall like k^-2j; for j = 3 the tail beyond k is below k^-5 / 5.
      double s = 0.0;
      for (int k = 2; k < 20000; ++k) {
        const double term = std::pow(k * (k - 1.0), -j);
        s += term;
        if (term < 1e-20 * s) break;
      }
      t[j] = s;
    }
    return t;
  }();
  return sums;
}

Dual small_x(Dual h, Dual x) {
  const double log_two = std::numbers::ln2;
  const Dual lead = (h + -1.0) * Dual{log_two} + log(h) + Dual{-0.5 * std::log(2.0 * kPi)} -
                    1.5 * log(x) - (h * h) / (8.0 * x);
  Dual sum{1.0}, ratio{1.0};
  for (int n = 1; n < kMaxTerms; ++n) {
    const double nd = n;
    ratio = ratio * (-1.0 * (h + (nd - 1.0)) / Dual{nd}) *
            ((h + 2.0 * nd) / (h + (2.0 * nd - 2.0))) *
            exp(-1.0 * (h + (2.0 * nd - 1.0)) / (2.0 * x));
    sum = sum + ratio;
    // Past the largest term (the exponent beats the growth of Gamma(n + h) / n!) and negligible.
    const bool falling = (2.0 * nd + 1.0 + h.v) / (2.0 * x.v) > std::log(nd + h.v);
    if (falling && size(ratio) < kTiny * size(sum)) break;
  }
  return lead + log(sum);
}

Dual large_x(Dual h, Dual x) {
  const std::array<double, kMaxTerms>& t = cumulant_sums();
  const double two_pi_squared = 2.0 * kPi * kPi;
  const Dual d = x - (1.0 / two_pi_squared) * h;
  const Dual q = Dual{1.0} / (two_pi_squared * d);
  // w[j] = T_j q^j, so that the scaled central moments M_n = m_n / (n! d^n) follow
  // M_n = (h / n) sum_{j=2}^{n} w_j M_{n-j}.
  std::array<Dual, kMaxTerms> w{}, moments{};
  moments[0] = Dual{1.0};
  Dual power = q;
  Dual rising{1.0};  // (1 - h)_n = (1 - h)(2 - h)...(n - h)
  Dual total{1.0};
  double previous[2] = {kInf, kInf};
  for (int n = 1; n < kMaxTerms; ++n) {
    const double nd = n;
    power = power * q;
    if (n + 1 < kMaxTerms) w[n + 1] = t[n + 1] * power;
    Dual acc{};
    for (int j = 2; j <= n; ++j) acc = acc + w[j] * moments[n - j];
    moments[n] = (h / Dual{nd}) * acc;
    rising = rising * (Dual{nd} - h);
    const Dual term = rising * moments[n];
    const double magnitude = size(term);
    // The series is asymptotic: stop before its terms start to grow (comparing terms of the same
    // parity, since odd and even central moments differ in size).
    if (n > h.v + 2.0 && magnitude > previous[n % 2]) break;
    total = total + term;
    if (n > h.v + 2.0 && magnitude < kTiny * size(total)) break;
    if (magnitude > 0.0) previous[n % 2] = magnitude;  // the first central moment is 0
  }
  const Dual lgamma_h{std::lgamma(h.v), boost::math::digamma(h.v), 0.0};
  return Dual{std::log(2.0 * kPi)} * h - lgamma_h + (h + -1.0) * log(d) + (-0.5 * kPi * kPi) * x +
         log(total);
}

// log p(x | h, 0) with its derivatives; NaN for invalid h, -inf (derivatives 0) off x > 0.
Dual polya_gamma_logpdf(double h, double x) {
  if (std::isnan(h) || std::isnan(x) || !(h > 0.0) || std::isinf(h)) return {kNaN, kNaN, kNaN};
  if (!(x > 0.0) || std::isinf(x)) return {-kInf, 0.0, 0.0};
  const Dual hd{h, 1.0, 0.0}, xd{x, 0.0, 1.0};
  return x < 1.0 + h / 8.0 ? small_x(hd, xd) : large_x(hd, xd);
}

}  // namespace

extern "C" {

double hr_polya_gamma_logpdf(double h, double x) {
  return polya_gamma_logpdf(h, x).v;
}
double hr_polya_gamma_logpdf_grad_h(double h, double x) {
  return polya_gamma_logpdf(h, x).dh;
}
double hr_polya_gamma_logpdf_grad_x(double h, double x) {
  return polya_gamma_logpdf(h, x).dx;
}

}  // extern "C"
