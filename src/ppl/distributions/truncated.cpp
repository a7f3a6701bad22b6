// Truncated(base, lower, upper): a univariate continuous distribution restricted to
// [lower, upper] and renormalized by the mass it keeps there.

#include <limits>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

// log P(a < X <= b) for the base distribution; a missing bound is the end of the real line.
// Between two bounds the difference of CDFs cancels badly when both sit far in the upper tail
// (F(a) and F(b) both round to 1), so there it is taken as a difference of survival functions:
//   log(F(b) - F(a)) = log F(b) + log1mexp(log F(a) - log F(b))
//   log(S(a) - S(b)) = log S(a) + log1mexp(log S(b) - log S(a))
// The branch picks log1mexp's inputs rather than its output, so the branch not taken never makes
// an infinite derivative that would turn into NaN in the gradient.
Expr log_mass_between(const Distribution& base, const std::optional<Expr>& a,
                      const std::optional<Expr>& b) {
  if (!a) return base.logcdf(*b);
  if (!b) return base.logccdf(*a);
  const Expr log_cdf_a = base.logcdf(*a);
  const Expr upper_tail = greater(log_cdf_a, -std::numbers::ln2);
  const Expr larger = where(upper_tail, base.logccdf(*a), base.logcdf(*b));
  const Expr smaller = where(upper_tail, base.logccdf(*b), log_cdf_a);
  // No mass up to b (below the base's support): -inf, not the NaN of -inf - -inf.
  const Expr empty = equal(larger, kNegativeInfinity);
  const Expr ratio = where(empty, -1.0, smaller - larger);
  return where(empty, kNegativeInfinity, larger + log1mexp(ratio));
}

class TruncatedDistribution final : public composite::BoundedBase {
 public:
  TruncatedDistribution(Distribution base, std::optional<Expr> lower, std::optional<Expr> upper)
      : BoundedBase("Truncated", "truncated", std::move(base), std::move(lower), std::move(upper)) {
  }

  Expr unchecked_logp(const Expr& value) const override {
    const Expr base_logp = base_.logp(value, {.check_support = true, .check_parameters = false});
    return base_logp - log_mass();
  }
  Expr logcdf(const Expr& value) const override {
    const Expr inside = clamp(value);
    Expr result = log_mass_between(base_, lower_, inside) - log_mass();
    if (lower_) result = where(less(value, *lower_), kNegativeInfinity, result);
    if (upper_) result = where(greater_equal(value, *upper_), 0.0, result);
    return result;
  }
  Expr logccdf(const Expr& value) const override {
    const Expr inside = clamp(value);
    Expr result = log_mass_between(base_, inside, upper_) - log_mass();
    if (lower_) result = where(less_equal(value, *lower_), 0.0, result);
    if (upper_) result = where(greater(value, *upper_), kNegativeInfinity, result);
    return result;
  }
  // The base's quantile at the base's own CDF value F(a) + p M (M the mass kept), which is also
  // S(b) + q M in survival terms. Each sum of positive terms is accurate in its own tail; the
  // smaller of the two is passed on as computed and the larger derived from it, so an interval
  // far in either tail of the base maps onto probabilities the base resolves.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    const Expr log_mass_kept = log_mass();
    const Expr base_log_p = log_add_exp(log_cdf_below(), log_p + log_mass_kept);
    const Expr base_log_q = log_add_exp(log_ccdf_above(), log_q + log_mass_kept);
    const Expr lower_tail = less(base_log_p, base_log_q);
    const Expr quantile =
        base_.quantile_of_logs(where(lower_tail, base_log_p, log1mexp(base_log_q)),
                               where(lower_tail, log1mexp(base_log_p), base_log_q));
    return clamp(quantile);
  }
  // Inverse CDF sampling: the base's quantile at a uniform probability within [F(a), F(b)].
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr u = rng.uniform(shape);
    return quantile_of_logs(log(u), log1p(-u));
  }

 private:
  Expr log_mass() const { return log_mass_between(base_, lower_, upper_); }
  // log F(a) and log S(b) of the base: the mass cut off on either side (none without a bound).
  Expr log_cdf_below() const { return lower_ ? base_.logcdf(*lower_) : Expr(kNegativeInfinity); }
  Expr log_ccdf_above() const { return upper_ ? base_.logccdf(*upper_) : Expr(kNegativeInfinity); }
};

}  // namespace

Distribution Truncated(const Distribution& base, std::optional<Expr> lower,
                       std::optional<Expr> upper) {
  return make_distribution<TruncatedDistribution>(base, std::move(lower), std::move(upper));
}

}  // namespace hypatia
