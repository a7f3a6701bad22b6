// Moyal(mu, sigma): density exp(-(z + exp(-z)) / 2) / (sigma sqrt(2 pi)), z = (x - mu) / sigma.
// exp(-z) is distributed as the square of a standard normal, which gives the CDF
// F = erfc(t), t = exp(-z / 2) / sqrt(2), and the draws mu - 2 sigma log|Z|.

#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class MoyalDistribution final : public DistributionImpl {
 public:
  MoyalDistribution(Expr mu, Expr sigma) : mu_(std::move(mu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "Moyal"; }
  Shape default_shape() const override { return batch_shape({mu_, sigma_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr z = (value - mu_) / sigma_;
    return -0.5 * (z + exp(-z)) - log(sigma_) - kHalfLogTwoPi;
  }
  // log erfc(t) = log erfcx(t) - t^2 stays finite far in the lower tail, where erfc underflows.
  Expr logcdf(const Expr& value) const override {
    const Expr t = scaled(value);
    return log(erfcx(t)) - square(t);
  }
  // log erf(t), through log1p(-erfc(t)) where erf(t) is close to 1.
  Expr logccdf(const Expr& value) const override {
    const Expr t = scaled(value);
    return where(greater(t, 1.0), log1p(-erfc(t)), log(erf(t)));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ - 2.0 * sigma_ * log(abs(rng.normal(shape)));
  }

 private:
  // t = exp(-z / 2) / sqrt(2).
  Expr scaled(const Expr& value) const {
    return exp(-0.5 * (value - mu_) / sigma_) / std::numbers::sqrt2;
  }

  Expr mu_;
  Expr sigma_;
};

}  // namespace

Distribution Moyal(const Expr& mu, const Expr& sigma) {
  return make_distribution<MoyalDistribution>(mu, sigma);
}

}  // namespace hypatia
