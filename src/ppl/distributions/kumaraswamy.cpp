#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// On [0, 1] with P(X > x) = (1 - x^a)^b.
class KumaraswamyDistribution final : public DistributionImpl {
 public:
  KumaraswamyDistribution(Expr a, Expr b) : a_(std::move(a)), b_(std::move(b)) {}

  std::string name() const override { return "Kumaraswamy"; }
  Shape default_shape() const override { return batch_shape({a_, b_}); }
  Support support() const override { return {SupportKind::unit_interval}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("a", a_), parameters::positive("b", b_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return log(a_) + log(b_) + xlogy(a_ - 1.0, value) + xlog1py(b_ - 1.0, -pow(value, a_));
  }
  // The cumulative hazard is -b log1p(-x^a), which is b x^a where x^a underflows.
  Expr logcdf(const Expr& value) const override {
    Expr log_power = a_ * log(clip(value, 0.0, 1.0));  // log x^a
    Expr small = less(log_power, -700.0);
    Expr log_hazard = where(small, log(b_) + minimum(log_power, -700.0),
                            log(-b_ * log1p(-exp(maximum(log_power, -700.0)))));
    return log_cdf_from_log_hazard(log_hazard);
  }
  Expr logccdf(const Expr& value) const override {
    return b_ * log1p(-pow(clip(value, 0.0, 1.0), a_));
  }
  // log S = b log(1 - x^a); log_q is accurate on both sides (near 0 it is about -p).
  Expr quantile_of_logs(const Expr&, const Expr& log_q) const override {
    return pow(-expm1(log_q / b_), 1.0 / a_);
  }
  // Inverse CDF with 1 - U = exp(-E): x = (1 - exp(-E/b))^(1/a).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return pow(-expm1(-rng.exponential(shape) / b_), 1.0 / a_);
  }

 private:
  Expr a_;
  Expr b_;
};

}  // namespace

Distribution Kumaraswamy(const Expr& a, const Expr& b) {
  return make_distribution<KumaraswamyDistribution>(a, b);
}

}  // namespace hypatia
