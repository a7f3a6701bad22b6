// Censored(base, lower, upper): values of a univariate continuous distribution at or beyond a
// bound are recorded at the bound, which then carries the whole tail's probability.

#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

class CensoredDistribution final : public composite::BoundedBase {
 public:
  CensoredDistribution(Distribution base, std::optional<Expr> lower, std::optional<Expr> upper)
      : BoundedBase("Censored", "censored for now", std::move(base), std::move(lower),
                    std::move(upper)) {}

  // The density inside; at a bound, the probability of the tail beyond it.
  Expr unchecked_logp(const Expr& value) const override {
    Expr result = base_.logp(value, {.check_support = true, .check_parameters = false});
    if (lower_) result = where(equal(value, *lower_), base_.logcdf(*lower_), result);
    if (upper_) result = where(equal(value, *upper_), base_.logccdf(*upper_), result);
    return result;
  }
  // The base CDF inside [lower, upper): the mass at the lower bound is F(lower) already.
  Expr logcdf(const Expr& value) const override {
    Expr result = base_.logcdf(clamp(value));
    if (lower_) result = where(less(value, *lower_), kNegativeInfinity, result);
    if (upper_) result = where(greater_equal(value, *upper_), 0.0, result);
    return result;
  }
  Expr logccdf(const Expr& value) const override {
    Expr result = base_.logccdf(clamp(value));
    if (lower_) result = where(less(value, *lower_), 0.0, result);
    if (upper_) result = where(greater_equal(value, *upper_), kNegativeInfinity, result);
    return result;
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return clamp(base_.random(rng, shape));
  }
};

}  // namespace

Distribution Censored(const Distribution& base, std::optional<Expr> lower,
                      std::optional<Expr> upper) {
  return make_distribution<CensoredDistribution>(base, std::move(lower), std::move(upper));
}

}  // namespace hypatia
