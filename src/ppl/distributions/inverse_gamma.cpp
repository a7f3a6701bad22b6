#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// 1/X for X ~ Gamma(alpha, rate beta); beta is the scale of the result.
class InverseGammaDistribution final : public DistributionImpl {
 public:
  InverseGammaDistribution(Expr alpha, Expr beta)
      : alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "InverseGamma"; }
  Shape default_shape() const override { return batch_shape({alpha_, beta_}); }
  Support support() const override { return {SupportKind::positive}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return alpha_ * log(beta_) - lgamma(alpha_) - (alpha_ + 1.0) * log(value) - beta_ / value;
  }
  // P(X <= x) = P(Gamma(alpha, 1) >= beta / x); x <= 0 gives beta / 0 = inf, probability 0.
  Expr logcdf(const Expr& value) const override {
    return log(gammaincc(alpha_, beta_ / maximum(value, 0.0)));
  }
  Expr logccdf(const Expr& value) const override {
    return log(gammainc(alpha_, beta_ / maximum(value, 0.0)));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return beta_ / rng.gamma(alpha_, shape);
  }

 private:
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution InverseGamma(const Expr& alpha, const Expr& beta) {
  return make_distribution<InverseGammaDistribution>(alpha, beta);
}

}  // namespace hypatia
