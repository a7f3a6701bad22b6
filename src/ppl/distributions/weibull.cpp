#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// Shape alpha, scale beta: P(X > x) = exp(-(x/beta)^alpha).
class WeibullDistribution final : public DistributionImpl {
 public:
  WeibullDistribution(Expr alpha, Expr beta) : alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "Weibull"; }
  Shape default_shape() const override { return batch_shape({alpha_, beta_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    Expr scaled = value / beta_;
    return log(alpha_) - log(beta_) + xlogy(alpha_ - 1.0, scaled) - pow(scaled, alpha_);
  }
  Expr logcdf(const Expr& value) const override {
    return log_cdf_from_log_hazard(alpha_ * log(maximum(value, 0.0) / beta_));
  }
  Expr logccdf(const Expr& value) const override {
    return -pow(maximum(value, 0.0) / beta_, alpha_);
  }
  // log S = -(x / beta)^alpha; log_q is accurate on both sides (near 0 it is about -p).
  Expr quantile_of_logs(const Expr&, const Expr& log_q) const override {
    return beta_ * pow(-log_q, 1.0 / alpha_);
  }
  // Inverse survival function of a standard exponential draw.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return beta_ * pow(rng.exponential(shape), 1.0 / alpha_);
  }

 private:
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution Weibull(const Expr& alpha, const Expr& beta) {
  return make_distribution<WeibullDistribution>(alpha, beta);
}

}  // namespace hypatia
