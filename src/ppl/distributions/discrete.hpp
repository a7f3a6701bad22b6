#pragma once

// Log-mass pieces shared by the discrete families. Values may be int64 or float64 graphs; every
// helper assumes a value inside the support unless it says otherwise.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::discrete {

// count * log_term, and 0 where count is 0, so that a point mass (p = 0 or 1) has log mass 0
// rather than 0 * -inf = NaN.
Expr count_times(const Expr& count, const Expr& log_term);

// log C(n, k) = -log(n + 1) - log B(n - k + 1, k + 1), accurate for huge n and k.
Expr log_binomial_coefficient(const Expr& n, const Expr& k);

// log P(X <= value) of an integer variable on lower, ..., upper (no upper: unbounded) from
// `logcdf_at`, the log CDF at integers k in lower, ..., upper - 1: -inf below lower, 0 from upper
// (or +inf) on. `logcdf_at` only ever sees such k, so its special functions stay in their domain.
Expr integer_logcdf(const Expr& value, const Expr& lower, const std::optional<Expr>& upper,
                    const std::function<Expr(const Expr& k)>& logcdf_at);

// log [C(n, k) p^k q^(n-k)] from log p and log q (q = 1 - p), so the logit form stays exact.
Expr binomial_logp(const Expr& n, const Expr& value, const Expr& log_p, const Expr& log_q);
// log P(X <= value) = log I_q(n - k, k + 1) with k = floor(value): -inf below 0, 0 from n on.
Expr binomial_logcdf(const Expr& n, const Expr& value, const Expr& q);

// The number of failures before the n-th success, success probability p (scipy's nbinom; n real).
Expr negative_binomial_logp(const Expr& n, const Expr& value, const Expr& log_p, const Expr& log_q);
// log P(X <= value) = log I_p(n, k + 1) with k = floor(value): -inf below 0.
Expr negative_binomial_logcdf(const Expr& n, const Expr& value, const Expr& p);

Expr poisson_logp(const Expr& mu, const Expr& value);
// log P(X <= value) = log Q(k + 1, mu) with k = floor(value): -inf below 0.
Expr poisson_logcdf(const Expr& mu, const Expr& value);

// log(exp(a) + exp(b)) without overflow; -inf when both are -inf.
Expr log_add_exp(const Expr& a, const Expr& b);

// x[..., value] along x's last axis, broadcasting value against x's other axes; 0 where value is
// not one of 0, ..., K-1. Built from comparisons, so its gradient reaches only the chosen entry.
Expr take_last_axis(const Expr& x, const Expr& value);

// The size of `parameter`'s last axis (categories, cutpoints), which must be known when the model
// is built; throws an Error naming the family otherwise.
std::int64_t last_axis_size(const Expr& parameter, const std::string& family,
                            const std::string& parameter_name);

// The batch shape of scalar parameters together with a parameter whose last axis is a vector
// (probabilities, cutpoints): the broadcast of the scalars and the vector's leading axes.
Shape batch_shape_with_vector(const std::vector<Expr>& scalars, const Expr& vector_parameter);

// The base families of the zero-inflated ones, built without the build-time parameter check so
// that the zero-inflated family checks them under its own name.
std::shared_ptr<const DistributionImpl> unchecked_poisson(const Expr& mu);
std::shared_ptr<const DistributionImpl> unchecked_binomial(const Expr& n, const Expr& p);
std::shared_ptr<const DistributionImpl> unchecked_negative_binomial(const Expr& mu,
                                                                    const Expr& alpha);

}  // namespace hypatia::discrete
