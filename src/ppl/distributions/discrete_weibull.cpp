// DiscreteWeibull(q, beta): P(X >= x) = q^(x^beta) on 0, 1, 2, ..., so the mass is
// q^(x^beta) - q^((x+1)^beta), taken in logs as x^beta log q + log(1 - q^((x+1)^beta - x^beta)).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class DiscreteWeibullDistribution final : public DistributionImpl {
 public:
  DiscreteWeibullDistribution(Expr q, Expr beta) : q_(std::move(q)), beta_(std::move(beta)) {}

  std::string name() const override { return "DiscreteWeibull"; }
  Shape default_shape() const override { return batch_shape({q_, beta_}); }
  Support support() const override { return {SupportKind::nonnegative_integers}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {{"q", greater(q_, 0.0) & less(q_, 1.0), "in (0, 1)", q_},
            parameters::positive("beta", beta_),
            parameters::finite("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr x = cast(value, DType::float64);
    const Expr log_q = log(q_);
    // 0^beta = 0, with x = 0 kept out of pow so that d/d beta is 0 there rather than 0 * log 0.
    const Expr at_zero = equal(x, 0.0);
    const Expr here = where(at_zero, 0.0, pow(where(at_zero, 1.0, x), beta_));
    const Expr next = pow(x + 1.0, beta_);
    return here * log_q + log1mexp((next - here) * log_q);
  }
  // P(X <= k) = 1 - q^((k+1)^beta).
  Expr logcdf(const Expr& value) const override {
    return discrete::integer_logcdf(
        cast(value, DType::float64), Expr(0.0), std::nullopt,
        [&](const Expr& k) { return log1mexp(pow(k + 1.0, beta_) * log(q_)); });
  }
  // P(floor(T) >= x) = q^(x^beta) for T = (log U / log q)^(1 / beta).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr t = pow(log(rng.uniform(shape)) / log(q_), 1.0 / beta_);
    return cast(floor(t), DType::int64);
  }

 private:
  Expr q_;
  Expr beta_;
};

}  // namespace

Distribution DiscreteWeibull(const Expr& q, const Expr& beta) {
  return make_distribution<DiscreteWeibullDistribution>(q, beta);
}

}  // namespace hypatia
