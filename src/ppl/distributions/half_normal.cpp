#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoOverPi = 0.5 * std::log(2.0 / std::numbers::pi);

class HalfNormalDistribution final : public DistributionImpl {
 public:
  explicit HalfNormalDistribution(Expr sigma) : sigma_(std::move(sigma)) {}

  std::string name() const override { return "HalfNormal"; }
  Shape default_shape() const override { return batch_shape({sigma_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return kHalfLogTwoOverPi - log(sigma_) - 0.5 * square(value / sigma_);
  }
  // P(X <= x) = erf(x / (sigma sqrt 2)).
  Expr logcdf(const Expr& value) const override {
    return log(erf(maximum(value, 0.0) / (sigma_ * std::numbers::sqrt2)));
  }
  Expr logccdf(const Expr& value) const override {
    return log(erfc(maximum(value, 0.0) / (sigma_ * std::numbers::sqrt2)));
  }
  // F = erf(x / (sigma sqrt 2)) below the median; S = 2 Phi(-x / sigma) above.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return where(less(log_p, log_q), sigma_ * std::numbers::sqrt2 * erfinv(exp(log_p)),
                 -sigma_ * normal_quantile_of_log(log_q - std::numbers::ln2));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return sigma_ * abs(rng.normal(shape));
  }

 private:
  Expr sigma_;
};

}  // namespace

Distribution HalfNormal(const Expr& sigma) {
  return make_distribution<HalfNormalDistribution>(sigma);
}

}  // namespace hypatia
