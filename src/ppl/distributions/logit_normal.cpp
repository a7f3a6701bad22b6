// LogitNormal(mu, sigma): x in (0, 1) with logit(x) ~ Normal(mu, sigma). Its density is the
// normal density of logit(x) times the Jacobian 1 / (x (1 - x)).

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
constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

class LogitNormalDistribution final : public DistributionImpl {
 public:
  LogitNormalDistribution(Expr mu, Expr sigma) : mu_(std::move(mu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "LogitNormal"; }
  Shape default_shape() const override { return batch_shape({mu_, sigma_}); }
  Support support() const override { return {SupportKind::unit_interval}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_)};
  }
  // The density is 0 at both ends (the normal density of +-inf), not inf - inf.
  Expr unchecked_logp(const Expr& value) const override {
    const Expr inside = greater(value, 0.0) & less(value, 1.0);
    const Expr x = where(inside, value, 0.5);
    const Expr z = (log(x) - log1p(-x) - mu_) / sigma_;
    return where(inside, -0.5 * square(z) - log(sigma_) - kHalfLogTwoPi - log(x) - log1p(-x),
                 kNegativeInfinity);
  }
  Expr logcdf(const Expr& value) const override { return normal_logcdf(standardized(value)); }
  Expr logccdf(const Expr& value) const override { return normal_logcdf(-standardized(value)); }
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return sigmoid(mu_ + sigma_ * normal_quantile_of_logs(log_p, log_q));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return sigmoid(mu_ + sigma_ * rng.normal(shape));
  }

 private:
  // (logit(x) - mu) / sigma, with x clamped to [0, 1] (-inf and +inf at the ends).
  Expr standardized(const Expr& value) const {
    const Expr x = clip(value, 0.0, 1.0);
    return (log(x) - log1p(-x) - mu_) / sigma_;
  }

  Expr mu_;
  Expr sigma_;
};

}  // namespace

Distribution LogitNormal(const Expr& mu, const Expr& sigma) {
  return make_distribution<LogitNormalDistribution>(mu, sigma);
}

}  // namespace hypatia
