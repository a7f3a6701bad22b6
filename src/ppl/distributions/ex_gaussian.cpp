#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// Normal(mu, sigma) + Exponential(mean nu).
class ExGaussianDistribution final : public DistributionImpl {
 public:
  ExGaussianDistribution(Expr mu, Expr sigma, Expr nu)
      : mu_(std::move(mu)), sigma_(std::move(sigma)), nu_(std::move(nu)) {}

  std::string name() const override { return "ExGaussian"; }
  Shape default_shape() const override { return batch_shape({mu_, sigma_, nu_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_),
            parameters::positive("nu", nu_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return log_exponential_term(value) - log(nu_);
  }
  // P(X <= x) = Phi(z) - exp(s^2/2 - z s) Phi(z - s), with z = (x - mu)/sigma, s = sigma/nu.
  Expr logcdf(const Expr& value) const override {
    return log_sub_exp(normal_logcdf((value - mu_) / sigma_), log_exponential_term(value));
  }
  Expr logccdf(const Expr& value) const override {
    return log_add_exp(normal_logcdf((mu_ - value) / sigma_), log_exponential_term(value));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + sigma_ * rng.normal(shape) + nu_ * rng.exponential(shape);
  }

 private:
  // log(exp(s^2/2 - z s) Phi(z - s)). For z - s < 0 Phi is written through erfcx, Phi(w) =
  // erfcx(-w/sqrt 2) exp(-w^2/2) / 2, so the large exponent and the small Phi cancel
  // analytically: the term is -z^2/2 + log(erfcx((s - z)/sqrt 2) / 2). For w >= 0 nothing is
  // large. Each branch sees w clamped to its own side.
  Expr log_exponential_term(const Expr& value) const {
    Expr z = (value - mu_) / sigma_;
    Expr s = sigma_ / nu_;
    Expr w = z - s;
    Expr below = less(w, 0.0);
    Expr z_below = where(below, z, s - 1.0);
    Expr z_above = where(below, s, z);
    Expr via_erfcx = -0.5 * square(z_below) + log(0.5 * erfcx((s - z_below) / std::numbers::sqrt2));
    Expr direct = s * (0.5 * s - z_above) + normal_logcdf(z_above - s);
    return where(below, via_erfcx, direct);
  }

  Expr mu_;
  Expr sigma_;
  Expr nu_;
};

}  // namespace

Distribution ExGaussian(const Expr& mu, const Expr& sigma, const Expr& nu) {
  return make_distribution<ExGaussianDistribution>(mu, sigma, nu);
}

}  // namespace hypatia
