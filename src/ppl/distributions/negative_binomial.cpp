// The negative binomial by mean and dispersion (mu, alpha), as PyMC, or by scipy's (n, p): both
// count failures before the n-th success with success probability p, where n = alpha and
// p = alpha / (alpha + mu). One implementation over n, log p and log(1 - p), each parameterization
// giving those in its most exact form.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

struct NegativeBinomialParameterization {
  std::string family;
  std::vector<Expr> parameters;  // as given, for the batch shape
  std::vector<ParameterCondition> conditions;
  Expr n;
  Expr mean;
  Expr p;
  Expr log_p;
  Expr log_q;  // log(1 - p)
};

class NegativeBinomialDistribution final : public DistributionImpl {
 public:
  explicit NegativeBinomialDistribution(NegativeBinomialParameterization parameters)
      : parameters_(std::move(parameters)) {}

  std::string name() const override { return parameters_.family; }
  Shape default_shape() const override { return batch_shape(parameters_.parameters); }
  Support support() const override { return {SupportKind::nonnegative_integers}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return parameters_.conditions;
  }
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::negative_binomial_logp(parameters_.n, value, parameters_.log_p,
                                            parameters_.log_q);
  }
  Expr logcdf(const Expr& value) const override {
    return discrete::negative_binomial_logcdf(parameters_.n, value, parameters_.p);
  }
  // A Poisson draw whose rate is Gamma(n) distributed with the given mean.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr rate = rng.gamma(parameters_.n, shape) * (parameters_.mean / parameters_.n);
    return cast(rng.poisson(rate, shape), DType::int64);
  }

 private:
  NegativeBinomialParameterization parameters_;
};

NegativeBinomialParameterization by_mean(const Expr& mu, const Expr& alpha) {
  return {.family = "NegativeBinomial",
          .parameters = {mu, alpha},
          .conditions = {parameters::positive("mu", mu), parameters::finite("mu", mu),
                         parameters::positive("alpha", alpha), parameters::finite("alpha", alpha)},
          .n = alpha,
          .mean = mu,
          .p = alpha / (alpha + mu),
          .log_p = -log1p(mu / alpha),
          .log_q = -log1p(alpha / mu)};
}

}  // namespace

Distribution NegativeBinomial(const Expr& mu, const Expr& alpha) {
  return make_distribution<NegativeBinomialDistribution>(by_mean(mu, alpha));
}

Distribution NegativeBinomialNP(const Expr& n, const Expr& p) {
  ParameterCondition p_in_range{"p", greater(p, 0.0) & less_equal(p, 1.0), "in (0, 1]", p};
  return make_distribution<NegativeBinomialDistribution>(NegativeBinomialParameterization{
      .family = "NegativeBinomialNP",
      .parameters = {n, p},
      .conditions = {parameters::positive("n", n), parameters::finite("n", n), p_in_range},
      .n = n,
      .mean = n * (1.0 - p) / p,
      .p = p,
      .log_p = log(p),
      .log_q = log1p(-p)});
}

std::shared_ptr<const DistributionImpl> discrete::unchecked_negative_binomial(const Expr& mu,
                                                                              const Expr& alpha) {
  return std::make_shared<const NegativeBinomialDistribution>(by_mean(mu, alpha));
}

}  // namespace hypatia
