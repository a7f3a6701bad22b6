#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kLogPi = std::log(std::numbers::pi);

class CauchyDistribution final : public DistributionImpl {
 public:
  CauchyDistribution(Expr alpha, Expr beta) : alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "Cauchy"; }
  Shape default_shape() const override { return batch_shape({alpha_, beta_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("alpha", alpha_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return -kLogPi - log(beta_) - log1p(square((value - alpha_) / beta_));
  }
  // P(X <= x) = 1/2 + arctan(z)/pi = arctan2(1, -z)/pi: the second form does not cancel in the
  // lower tail, where arctan(z) approaches -pi/2.
  Expr logcdf(const Expr& value) const override {
    return log(arctan2(Expr(1.0), (alpha_ - value) / beta_)) - kLogPi;
  }
  Expr logccdf(const Expr& value) const override {
    return log(arctan2(Expr(1.0), (value - alpha_) / beta_)) - kLogPi;
  }
  // tan(pi (p - 1/2)) = -1 / tan(pi p): the second form keeps the precision of a small p.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return where(less(log_p, log_q), alpha_ - beta_ / tan(std::numbers::pi * exp(log_p)),
                 alpha_ + beta_ / tan(std::numbers::pi * exp(log_q)));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return alpha_ + beta_ * tan(std::numbers::pi * (rng.uniform(shape) - 0.5));
  }

 private:
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution Cauchy(const Expr& alpha, const Expr& beta) {
  return make_distribution<CauchyDistribution>(alpha, beta);
}

}  // namespace hypatia
