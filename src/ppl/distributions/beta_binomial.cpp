#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class BetaBinomialDistribution final : public DistributionImpl {
 public:
  BetaBinomialDistribution(Expr n, Expr alpha, Expr beta)
      : n_(std::move(n)), alpha_(std::move(alpha)), beta_(std::move(beta)) {}

  std::string name() const override { return "BetaBinomial"; }
  Shape default_shape() const override { return batch_shape({n_, alpha_, beta_}); }
  Support support() const override { return {SupportKind::bounded_integers, Expr(0.0), n_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative_integer("n", n_), parameters::positive("alpha", alpha_),
            parameters::positive("beta", beta_)};
  }
  // C(n, k) B(k + alpha, n - k + beta) / B(alpha, beta).
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::log_binomial_coefficient(n_, value) +
           lbeta(value + alpha_, n_ - value + beta_) - lbeta(alpha_, beta_);
  }
  // A binomial draw with a Beta(alpha, beta) probability, the Beta as G1 / (G1 + G2) formed in
  // logs (small shapes' gamma draws underflow to 0, and 0 / 0 is no probability).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr successes = log_gamma_draws(rng, alpha_, shape);
    Expr failures = log_gamma_draws(rng, beta_, shape);
    return cast(rng.binomial(n_, sigmoid(successes - failures), shape), DType::int64);
  }

 private:
  Expr n_;
  Expr alpha_;
  Expr beta_;
};

}  // namespace

Distribution BetaBinomial(const Expr& n, const Expr& alpha, const Expr& beta) {
  return make_distribution<BetaBinomialDistribution>(n, alpha, beta);
}

}  // namespace hypatia
