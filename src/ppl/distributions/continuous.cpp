#include "ppl/distributions/continuous.hpp"

#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia {

// The where() around the logarithm's argument keeps its gradient finite (0 * inf would be NaN)
// where m == 0 and the result is the constant 0.
Expr xlogy(const Expr& m, const Expr& x) {
  Expr vanishes = equal(m, 0.0);
  return where(vanishes, 0.0, m * log(where(vanishes, 1.0, x)));
}

Expr xlog1py(const Expr& m, const Expr& y) {
  Expr vanishes = equal(m, 0.0);
  return where(vanishes, 0.0, m * log1p(where(vanishes, 0.0, y)));
}

Expr log_add_exp(const Expr& a, const Expr& b) {
  // Equal arguments (both -inf included) would give inf - inf in the difference.
  Expr gap = where(equal(a, b), 0.0, -abs(a - b));
  return maximum(a, b) + log1p(exp(gap));
}

Expr log_sub_exp(const Expr& a, const Expr& b) {
  return a + log1mexp(b - a);
}

Expr student_t_standard_logp(const Expr& nu, const Expr& z) {
  return -lbeta(0.5 * nu, 0.5) - 0.5 * log(nu) - 0.5 * (nu + 1.0) * log1p(square(z) / nu);
}

// P(|T| > |t|) = I_{nu/(nu+t^2)}(nu/2, 1/2) and P(|T| <= |t|) = I_{t^2/(nu+t^2)}(1/2, nu/2). The
// first's argument lies below the mean nu/(nu+1) of its beta distribution exactly where t^2 > 1,
// making it the smaller tail: there it is taken directly, elsewhere the second, and the other is
// log1p of minus the small one (the ratio test nu vs t^2 would lose the tail for large nu). One
// incomplete beta function evaluates whichever is the smaller (its arguments chosen per element),
// so the CDF costs one evaluation, not two; each argument sees t^2 clamped to its own side, so
// the one not chosen stays finite and passes no NaN into the gradient.
namespace {

struct StudentTTails {
  Expr far;    // t^2 > 1
  Expr small;  // P(|T| > |t|) where far, P(|T| <= |t|) elsewhere
};

StudentTTails student_t_tails(const Expr& nu, const Expr& t) {
  Expr t2 = square(t);
  Expr far = greater(t2, 1.0);
  Expr t2_far = maximum(t2, 1.0);
  Expr t2_near = minimum(t2, 1.0);
  Expr half_nu = 0.5 * nu;
  return {far, betainc(where(far, half_nu, 0.5), where(far, 0.5, half_nu),
                       where(far, nu / (nu + t2_far), t2_near / (nu + t2_near)))};
}

}  // namespace

Expr student_t_log_two_sided_tail(const Expr& nu, const Expr& t) {
  StudentTTails tails = student_t_tails(nu, t);
  return where(tails.far, log(tails.small), log1p(-tails.small));
}

Expr student_t_log_central(const Expr& nu, const Expr& t) {
  StudentTTails tails = student_t_tails(nu, t);
  return where(tails.far, log1p(-tails.small), log(tails.small));
}

Expr gamma_logp(const Expr& alpha, const Expr& beta, const Expr& value) {
  return alpha * log(beta) - lgamma(alpha) + xlogy(alpha - 1.0, value) - beta * value;
}

Expr gamma_logcdf(const Expr& alpha, const Expr& beta, const Expr& value) {
  return log(gammainc(alpha, beta * maximum(value, 0.0)));
}

Expr gamma_logccdf(const Expr& alpha, const Expr& beta, const Expr& value) {
  return log(gammaincc(alpha, beta * maximum(value, 0.0)));
}

// Below log_h = -700 exp(log_h) would underflow, and 1 - exp(-h) = h (1 - h/2 + ...) is h to
// double precision; each branch sees log_h clamped to its own side.
Expr log_cdf_from_log_hazard(const Expr& log_h) {
  constexpr double kTiny = -700.0;
  Expr tiny = less(log_h, kTiny);
  return where(tiny, minimum(log_h, kTiny), log1mexp(-exp(maximum(log_h, kTiny))));
}

Expr normal_quantile(const Expr& p) {
  return std::numbers::sqrt2 * erfinv(2.0 * p - 1.0);
}

namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

// Below p = exp(kTailLogProbability), where erfinv(2p - 1) loses precision, Newton steps on
// log Phi(z) = log_p from the asymptote z^2 ~ -2 log p - log(-2 log p) - log 2 pi take over (three
// reach ~1e-12 relative error over the whole tail).
constexpr double kTailLogProbability = -6.9;  // p ~ 1e-3
constexpr int kNewtonSteps = 3;

}  // namespace

Expr normal_quantile_of_log(const Expr& log_p) {
  Expr tail_log_p = minimum(log_p, kTailLogProbability);
  Expr twice_minus_log_p = -2.0 * tail_log_p;
  Expr z = -sqrt(twice_minus_log_p - log(twice_minus_log_p) - 2.0 * kHalfLogTwoPi);
  for (int step = 0; step < kNewtonSteps; ++step) {
    Expr log_cdf = normal_logcdf(z);
    Expr log_density_over_cdf = -0.5 * square(z) - kHalfLogTwoPi - log_cdf;
    z = z - (log_cdf - tail_log_p) / exp(log_density_over_cdf);
  }
  return where(less(log_p, kTailLogProbability), z, normal_quantile(exp(log_p)));
}

Expr normal_quantile_of_logs(const Expr& log_p, const Expr& log_q) {
  return where(less(log_p, log_q), normal_quantile_of_log(log_p), -normal_quantile_of_log(log_q));
}

// G = G' U^(1/alpha) with G' ~ Gamma(alpha + 1) and U uniform (Stuart 1962), taken in logs.
Expr log_gamma_draws(RandomStream& rng, const Expr& alpha, const Shape& shape) {
  Expr boosted = rng.gamma(alpha + 1.0, shape);
  return log(boosted) + log(rng.uniform(shape)) / alpha;
}

// sign(Z) exp(log|Z| + (log(nu / 2) - log G) / 2) with V = 2 G, G ~ Gamma(nu / 2, 1); a Z of 0
// gives 0 (log|Z| = -inf), not 0 * inf.
Expr student_t_standard_draws(RandomStream& rng, const Expr& nu, const Shape& shape) {
  Expr log_gamma = log_gamma_draws(rng, 0.5 * nu, shape);
  Expr z = rng.normal(shape);
  return sign(z) * exp(log(abs(z)) + 0.5 * (log(0.5 * nu) - log_gamma));
}

}  // namespace hypatia
