#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// Gamma(nu/2, rate 1/2).
class ChiSquaredDistribution final : public DistributionImpl {
 public:
  explicit ChiSquaredDistribution(Expr nu) : nu_(std::move(nu)) {}

  std::string name() const override { return "ChiSquared"; }
  Shape default_shape() const override { return batch_shape({nu_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("nu", nu_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return gamma_logp(0.5 * nu_, Expr(0.5), value);
  }
  Expr logcdf(const Expr& value) const override {
    return gamma_logcdf(0.5 * nu_, Expr(0.5), value);
  }
  Expr logccdf(const Expr& value) const override {
    return gamma_logccdf(0.5 * nu_, Expr(0.5), value);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return 2.0 * rng.gamma(0.5 * nu_, shape);
  }

 private:
  Expr nu_;
};

}  // namespace

Distribution ChiSquared(const Expr& nu) {
  return make_distribution<ChiSquaredDistribution>(nu);
}

}  // namespace hypatia
