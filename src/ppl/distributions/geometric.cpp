// The number of trials up to and including the first success (support 1, 2, ..., as PyMC).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class GeometricDistribution final : public DistributionImpl {
 public:
  explicit GeometricDistribution(Expr p) : p_(std::move(p)) {}

  std::string name() const override { return "Geometric"; }
  Shape default_shape() const override { return batch_shape({p_}); }
  Support support() const override { return {SupportKind::bounded_integers, Expr(1.0)}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {{"p", greater(p_, 0.0) & less_equal(p_, 1.0), "in (0, 1]", p_}};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::count_times(value - 1, log1p(-p_)) + log(p_);
  }
  // P(X <= k) = 1 - (1 - p)^k.
  Expr logcdf(const Expr& value) const override {
    return discrete::integer_logcdf(value, Expr(1.0), std::nullopt,
                                    [&](const Expr& k) { return log1mexp(k * log1p(-p_)); });
  }
  // P(ceil(E / lambda) > k) = exp(-k lambda) = (1 - p)^k for E ~ Exponential(1) and
  // lambda = -log(1 - p); a draw E = 0 still counts one trial.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr trials = ceil(rng.exponential(shape) / -log1p(-p_));
    return cast(maximum(trials, 1.0), DType::int64);
  }

 private:
  Expr p_;
};

}  // namespace

Distribution Geometric(const Expr& p) {
  return make_distribution<GeometricDistribution>(p);
}

}  // namespace hypatia
