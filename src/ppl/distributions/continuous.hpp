#pragma once

// Numerical building blocks shared by the continuous families' densities, CDFs and draws.

#include "hypatia/expr.hpp"

namespace hypatia {

class RandomStream;

// m * log(x), taken as 0 where m == 0 even at x = 0 (scipy's xlogy): this keeps densities such as
// Gamma(1, beta) or Beta(1, b) finite at the end of their support.
Expr xlogy(const Expr& m, const Expr& x);
// m * log1p(y), taken as 0 where m == 0 even at y = -1.
Expr xlog1py(const Expr& m, const Expr& y);

// log(exp(a) + exp(b)) without overflow; -inf where both are -inf.
Expr log_add_exp(const Expr& a, const Expr& b);
// log(exp(a) - exp(b)) for a >= b, without cancelling to 0; -inf where a == b.
Expr log_sub_exp(const Expr& a, const Expr& b);

// Student's t with nu degrees of freedom: the log density of the standardized value z (the
// normalizing constant through log B(nu/2, 1/2), which stays accurate for large nu where
// lgamma((nu+1)/2) - lgamma(nu/2) would cancel).
Expr student_t_standard_logp(const Expr& nu, const Expr& z);
// log P(|T| > |t|) and log P(|T| <= |t|). Each is computed
// from the incomplete beta function whose argument keeps it accurate where it is small.
Expr student_t_log_two_sided_tail(const Expr& nu, const Expr& t);
Expr student_t_log_central(const Expr& nu, const Expr& t);

// Gamma with shape alpha and rate beta: log density (value >= 0), log CDF and log survival
// function (any value; 0 and below count as 0). The CDFs are logs of the regularized incomplete
// gamma functions, so they give -inf where those underflow (probabilities below ~1e-308).
Expr gamma_logp(const Expr& alpha, const Expr& beta, const Expr& value);
Expr gamma_logcdf(const Expr& alpha, const Expr& beta, const Expr& value);
Expr gamma_logccdf(const Expr& alpha, const Expr& beta, const Expr& value);

// log(1 - exp(-exp(log_h))): the log CDF of a variable whose cumulative hazard (minus its log
// survival function) is exp(log_h), accurate also where exp(log_h) underflows.
Expr log_cdf_from_log_hazard(const Expr& log_h);

// The standard normal quantile function Phi^-1(p).
Expr normal_quantile(const Expr& p);
// Phi^-1(exp(log_p)) for log_p <= log(1/2), accurate far into the lower tail (log_p down to
// about -1e300), where p itself underflows.
Expr normal_quantile_of_log(const Expr& log_p);
// Phi^-1 at the probability given as log p and log(1 - p): the smaller one is inverted (the upper
// tail by symmetry), so both tails are accurate.
Expr normal_quantile_of_logs(const Expr& log_p, const Expr& log_q);

// log G for draws G ~ Gamma(alpha, rate 1) of `shape`. It stays finite where G itself underflows
// to 0, which small shapes make common (P(G < 1e-308) is 0.49 at alpha = 0.001), so ratios such
// as G1 / (G1 + G2) can be formed from it without 0 / 0.
Expr log_gamma_draws(RandomStream& rng, const Expr& alpha, const Shape& shape);

// Draws of Student's t with nu degrees of freedom, location 0 and scale 1, of `shape`: Z / sqrt(V /
// nu) with V ~ chi^2_nu, taken in logs. For small nu V often underflows to 0 (3% of the draws at
// nu = 0.01) while Z / sqrt(V / nu) is still a double; in logs the draw is infinite only where its
// magnitude truly exceeds the largest double.
Expr student_t_standard_draws(RandomStream& rng, const Expr& nu, const Shape& shape);

}  // namespace hypatia
