#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// log(Phi(b) - Phi(a)) for standardized bounds a <= b (absent: -inf / +inf). When both bounds lie
// in one tail the difference is taken between that tail's probabilities, which are not close to
// 1, so the subtraction does not cancel.
Expr log_normal_mass(const std::optional<Expr>& a, const std::optional<Expr>& b) {
  if (!a && !b) return 0.0;
  if (!a) return normal_logcdf(*b);
  if (!b) return normal_logcdf(-*a);
  Expr upper_tail = log_sub_exp(normal_logcdf(-*a), normal_logcdf(-*b));
  Expr lower_tail = log_sub_exp(normal_logcdf(*b), normal_logcdf(*a));
  Expr straddling = log1p(-(exp(normal_logcdf(*a)) + exp(normal_logcdf(-*b))));
  return where(greater_equal(*a, 0.0), upper_tail,
               where(less_equal(*b, 0.0), lower_tail, straddling));
}

Expr clamp(const Expr& x, const std::optional<Expr>& low, const std::optional<Expr>& high) {
  Expr clamped = x;
  if (low) clamped = maximum(clamped, *low);
  if (high) clamped = minimum(clamped, *high);
  return clamped;
}

class TruncatedNormalDistribution final : public DistributionImpl {
 public:
  TruncatedNormalDistribution(Expr mu, Expr sigma, std::optional<Expr> lower,
                              std::optional<Expr> upper)
      : mu_(std::move(mu)),
        sigma_(std::move(sigma)),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {}

  std::string name() const override { return "TruncatedNormal"; }
  Shape default_shape() const override {
    std::vector<Expr> parameters = {mu_, sigma_};
    if (lower_) parameters.push_back(*lower_);
    if (upper_) parameters.push_back(*upper_);
    return batch_shape(parameters);
  }
  Support support() const override { return {SupportKind::interval, lower_, upper_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {parameters::finite("mu", mu_),
                                                  parameters::positive("sigma", sigma_)};
    if (lower_ && upper_) {
      conditions.push_back(parameters::less_than("lower", *lower_, "upper", *upper_));
    }
    return conditions;
  }
  Expr unchecked_logp(const Expr& value) const override {
    Expr z = standardize(value);
    return -0.5 * square(z) - log(sigma_) - kHalfLogTwoPi - log_mass();
  }
  Expr logcdf(const Expr& value) const override {
    return log_normal_mass(standardized_lower(), clamped(value)) - log_mass();
  }
  Expr logccdf(const Expr& value) const override {
    return log_normal_mass(clamped(value), standardized_upper()) - log_mass();
  }
  // Inverse CDF. An interval in the upper tail is mirrored into the lower one first, so that
  // the uniform is mapped through CDF values far from 1. The target CDF value
  // p_low + U (p_high - p_low) is formed in log space, since far out in the tail it drops below
  // double precision's epsilon (where erfinv(2p - 1) sees -1) or underflows.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr a = lower_ ? standardize(*lower_) : Expr(-kInfinity);
    Expr b = upper_ ? standardize(*upper_) : Expr(kInfinity);
    Expr mirrored = greater(a, 0.0);
    Expr low = where(mirrored, -b, a);
    Expr high = where(mirrored, -a, b);
    Expr log_p_low = normal_logcdf(low);
    Expr log_p_high = normal_logcdf(high);
    Expr u = rng.uniform(shape);
    Expr log_p = log_p_high + log(u + (1.0 - u) * exp(log_p_low - log_p_high));
    Expr z = clip(normal_quantile_of_log(log_p), low, high);
    return mu_ + sigma_ * where(mirrored, -z, z);
  }

 private:
  Expr standardize(const Expr& x) const { return (x - mu_) / sigma_; }
  std::optional<Expr> standardized_lower() const {
    return lower_ ? std::optional<Expr>(standardize(*lower_)) : std::nullopt;
  }
  std::optional<Expr> standardized_upper() const {
    return upper_ ? std::optional<Expr>(standardize(*upper_)) : std::nullopt;
  }
  Expr clamped(const Expr& value) const {
    return clamp(standardize(value), standardized_lower(), standardized_upper());
  }
  Expr log_mass() const { return log_normal_mass(standardized_lower(), standardized_upper()); }

  Expr mu_;
  Expr sigma_;
  std::optional<Expr> lower_;
  std::optional<Expr> upper_;
};

}  // namespace

Distribution TruncatedNormal(const Expr& mu, const Expr& sigma, std::optional<Expr> lower,
                             std::optional<Expr> upper) {
  return make_distribution<TruncatedNormalDistribution>(mu, sigma, std::move(lower),
                                                        std::move(upper));
}

}  // namespace hypatia
