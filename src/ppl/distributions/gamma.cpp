#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class GammaDistribution final : public DistributionImpl {
 public:
  GammaDistribution(Expr alpha, Expr beta) : alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "Gamma"; }
  Shape default_shape() const override { return batch_shape({alpha_, beta_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override { return gamma_logp(alpha_, beta_, value); }
  Expr logcdf(const Expr& value) const override { return gamma_logcdf(alpha_, beta_, value); }
  Expr logccdf(const Expr& value) const override { return gamma_logccdf(alpha_, beta_, value); }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return rng.gamma(alpha_, shape) / beta_;
  }

 private:
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution Gamma(const Expr& alpha, const Expr& beta) {
  return make_distribution<GammaDistribution>(alpha, beta);
}

}  // namespace hypatia
