#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kLogTwoOverPi = std::log(2.0 / std::numbers::pi);

class HalfCauchyDistribution final : public DistributionImpl {
 public:
  explicit HalfCauchyDistribution(Expr beta) : beta_(std::move(beta)) {}

  std::string name() const override { return "HalfCauchy"; }
  Shape default_shape() const override { return batch_shape({beta_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return kLogTwoOverPi - log(beta_) - log1p(square(value / beta_));
  }
  Expr logcdf(const Expr& value) const override {
    return log(arctan(maximum(value, 0.0) / beta_)) - std::log(std::numbers::pi / 2.0);
  }
  // F = (2 / pi) arctan(x / beta) and S = (2 / pi) arctan(beta / x).
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    const double half_pi = 0.5 * std::numbers::pi;
    return where(less(log_p, log_q), beta_ * tan(half_pi * exp(log_p)),
                 beta_ / tan(half_pi * exp(log_q)));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return beta_ * abs(tan(std::numbers::pi * (rng.uniform(shape) - 0.5)));
  }

 private:
  Expr beta_;
};

}  // namespace

Distribution HalfCauchy(const Expr& beta) {
  return make_distribution<HalfCauchyDistribution>(beta);
}

}  // namespace hypatia
