#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class BetaDistribution final : public DistributionImpl {
 public:
  BetaDistribution(Expr alpha, Expr beta) : alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "Beta"; }
  Shape default_shape() const override { return batch_shape({alpha_, beta_}); }
  Support support() const override { return {SupportKind::unit_interval}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return xlogy(alpha_ - 1.0, value) + xlog1py(beta_ - 1.0, -value) - lbeta(alpha_, beta_);
  }
  Expr logcdf(const Expr& value) const override {
    return log(betainc(alpha_, beta_, clip(value, 0.0, 1.0)));
  }
  // 1 - I_x(a, b) = I_{1-x}(b, a), which keeps the upper tail's precision.
  Expr logccdf(const Expr& value) const override {
    return log(betainc(beta_, alpha_, 1.0 - clip(value, 0.0, 1.0)));
  }
  // G1 / (G1 + G2) = sigmoid(log G1 - log G2), in logs so that small shapes, whose gamma draws
  // underflow to 0, do not give 0 / 0.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr first = log_gamma_draws(rng, alpha_, shape);
    Expr second = log_gamma_draws(rng, beta_, shape);
    return sigmoid(first - second);
  }

 private:
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution Beta(const Expr& alpha, const Expr& beta) {
  return make_distribution<BetaDistribution>(alpha, beta);
}

}  // namespace hypatia
