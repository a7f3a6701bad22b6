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

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class NormalDistribution final : public DistributionImpl {
 public:
  NormalDistribution(Expr mu, Expr sigma) : mu_(std::move(mu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "Normal"; }
  Shape default_shape() const override { return batch_shape({mu_, sigma_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    Expr z = (value - mu_) / sigma_;
    return -0.5 * square(z) - log(sigma_) - kHalfLogTwoPi;
  }
  Expr logcdf(const Expr& value) const override { return normal_logcdf((value - mu_) / sigma_); }
  Expr logccdf(const Expr& value) const override { return normal_logcdf((mu_ - value) / sigma_); }
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return mu_ + sigma_ * normal_quantile_of_logs(log_p, log_q);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + sigma_ * rng.normal(shape);
  }

 private:
  Expr mu_;
  Expr sigma_;
};

}  // namespace

Distribution Normal(const Expr& mu, const Expr& sigma) {
  return make_distribution<NormalDistribution>(mu, sigma);
}

}  // namespace hypatia
