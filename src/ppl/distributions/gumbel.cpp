#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// Maximum-value Gumbel: P(X <= x) = exp(-exp(-(x - mu) / beta)).
class GumbelDistribution final : public DistributionImpl {
 public:
  GumbelDistribution(Expr mu, Expr beta) : mu_(std::move(mu)), beta_(std::move(beta)) {}

  std::string name() const override { return "Gumbel"; }
  Shape default_shape() const override { return batch_shape({mu_, beta_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("beta", beta_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    Expr z = (value - mu_) / beta_;
    return -z - exp(-z) - log(beta_);
  }
  Expr logcdf(const Expr& value) const override { return -exp((mu_ - value) / beta_); }
  Expr logccdf(const Expr& value) const override { return log1mexp(logcdf(value)); }
  // log F = -exp(-z); log_p is accurate in the upper tail too (there it is about -q).
  Expr quantile_of_logs(const Expr& log_p, const Expr&) const override {
    return mu_ - beta_ * log(-log_p);
  }
  // -log E is Gumbel for E a standard exponential.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ - beta_ * log(rng.exponential(shape));
  }

 private:
  Expr mu_;
  Expr beta_;
};

}  // namespace

Distribution Gumbel(const Expr& mu, const Expr& beta) {
  return make_distribution<GumbelDistribution>(mu, beta);
}

}  // namespace hypatia
