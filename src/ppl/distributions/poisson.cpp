#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class PoissonDistribution final : public DistributionImpl {
 public:
  explicit PoissonDistribution(Expr mu) : mu_(std::move(mu)) {}

  std::string name() const override { return "Poisson"; }
  Shape default_shape() const override { return batch_shape({mu_}); }
  Support support() const override { return {SupportKind::nonnegative_integers}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative("mu", mu_), parameters::finite("mu", mu_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::poisson_logp(mu_, value);
  }
  Expr logcdf(const Expr& value) const override { return discrete::poisson_logcdf(mu_, value); }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return cast(rng.poisson(mu_, shape), DType::int64);
  }

 private:
  Expr mu_;
};

}  // namespace

Distribution Poisson(const Expr& mu) {
  return make_distribution<PoissonDistribution>(mu);
}

std::shared_ptr<const DistributionImpl> discrete::unchecked_poisson(const Expr& mu) {
  return std::make_shared<const PoissonDistribution>(mu);
}

}  // namespace hypatia
