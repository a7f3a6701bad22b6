// Rice(nu, sigma): the length of a 2-d normal vector with mean length nu and per-axis standard
// deviation sigma. Density x / sigma^2 exp(-(x^2 + nu^2) / (2 sigma^2)) I0(x nu / sigma^2), taken
// through the scaled Bessel function i0e (I0(t) = i0e(t) e^t) so that it cannot overflow:
// log p = log x - 2 log sigma - (x - nu)^2 / (2 sigma^2) + log i0e(x nu / sigma^2).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class RiceDistribution final : public DistributionImpl {
 public:
  RiceDistribution(Expr nu, Expr sigma) : nu_(std::move(nu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "Rice"; }
  Shape default_shape() const override { return batch_shape({nu_, sigma_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative("nu", nu_), parameters::finite("nu", nu_),
            parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr variance = square(sigma_);
    return log(value) - log(variance) - square(value - nu_) / (2.0 * variance) +
           log(i0e(value * nu_ / variance));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr along = nu_ + sigma_ * rng.normal(shape);
    const Expr across = sigma_ * rng.normal(shape);
    return sqrt(square(along) + square(across));
  }

 private:
  Expr nu_;
  Expr sigma_;
};

}  // namespace

Distribution Rice(const Expr& nu, const Expr& sigma) {
  return make_distribution<RiceDistribution>(nu, sigma);
}

}  // namespace hypatia
