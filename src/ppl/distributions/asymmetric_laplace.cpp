// AsymmetricLaplace(kappa, mu, b): density exp(-kappa z) above mu and exp(z / kappa) below it
// (z = (x - mu) / b), normalized by b (kappa + 1 / kappa); kappa = 1 is the Laplace distribution.
// PyMC's and scipy's laplace_asymmetric parameterization.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class AsymmetricLaplaceDistribution final : public DistributionImpl {
 public:
  AsymmetricLaplaceDistribution(Expr kappa, Expr mu, Expr b)
      : kappa_(std::move(kappa)), mu_(std::move(mu)), b_(std::move(b)) {}

  std::string name() const override { return "AsymmetricLaplace"; }
  Shape default_shape() const override { return batch_shape({kappa_, mu_, b_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("kappa", kappa_), parameters::finite("mu", mu_),
            parameters::positive("b", b_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr z = (value - mu_) / b_;
    const Expr exponent = where(less(z, 0.0), z / kappa_, -kappa_ * z);
    return exponent - log(b_) - log(kappa_ + 1.0 / kappa_);
  }
  // F = kappa^2 / (1 + kappa^2) exp(z / kappa) below mu; S = exp(-kappa z) / (1 + kappa^2) above.
  // Each side sees z clamped to its own half line, so the side not taken cannot overflow.
  Expr logcdf(const Expr& value) const override {
    const Expr z = (value - mu_) / b_;
    const Expr below = log_lower_share() + minimum(z, 0.0) / kappa_;
    const Expr above = log1p(-exp(log_upper_share() - kappa_ * maximum(z, 0.0)));
    return where(less(z, 0.0), below, above);
  }
  Expr logccdf(const Expr& value) const override {
    const Expr z = (value - mu_) / b_;
    const Expr below = log1p(-exp(log_lower_share() + minimum(z, 0.0) / kappa_));
    const Expr above = log_upper_share() - kappa_ * maximum(z, 0.0);
    return where(less(z, 0.0), below, above);
  }
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    const Expr below = mu_ + b_ * kappa_ * (log_p - log_lower_share());
    const Expr above = mu_ - b_ / kappa_ * (log_q - log_upper_share());
    return where(less(log_p, log_lower_share()), below, above);
  }
  // E1 / kappa - kappa E2 for standard exponentials: rate kappa above 0, rate 1 / kappa below.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + b_ * (rng.exponential(shape) / kappa_ - kappa_ * rng.exponential(shape));
  }

 private:
  // log P(X < mu) = log(kappa^2 / (1 + kappa^2)) and log P(X > mu) = -log(1 + kappa^2).
  Expr log_lower_share() const { return 2.0 * log(kappa_) - log1p(square(kappa_)); }
  Expr log_upper_share() const { return -log1p(square(kappa_)); }

  Expr kappa_;
  Expr mu_;
  Expr b_;
};

}  // namespace

Distribution AsymmetricLaplace(const Expr& kappa, const Expr& mu, const Expr& b) {
  return make_distribution<AsymmetricLaplaceDistribution>(kappa, mu, b);
}

}  // namespace hypatia
