// The hurdle families (PyMC's definitions): a zero with probability 1 - psi, otherwise a draw
// of the base family conditioned on being nonzero. For the discrete bases (Poisson, negative
// binomial) that is the base truncated to 1, 2, ...: log p(x) = log psi + log p_base(x) -
// log(1 - p_base(0)). For the continuous bases (gamma, log-normal) it is, as in PyMC, the base
// truncated below at the float64 machine epsilon, so values in (0, eps) have density 0.

#include <functional>
#include <limits>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

// A zero-truncated Poisson draw: the first arrival of a unit-rate Poisson process on [0, mu],
// given that there is one, is Exp(1) truncated to [0, mu]; the rest is Poisson(mu - arrival).
Expr zero_truncated_poisson_draws(RandomStream& rng, const Expr& mu, const Shape& shape) {
  const Expr arrival = -log1p(rng.uniform(shape) * expm1(-mu));
  return 1.0 + rng.poisson(maximum(mu - arrival, 0.0), shape);
}

using Draws = std::function<Expr(RandomStream&, const Shape&)>;

// A zero-truncated negative binomial draw (n successes, success probability p) by inverting its
// CDF: u uniform in (P(0), 1), then the least x with F(x) >= u, found by doubling an upper bound
// (at most 2^48, about 2.8e14) and bisecting between it and 0; F(x) = I_p(n, x + 1), in logs.
Expr zero_truncated_negative_binomial_draws(RandomStream& rng, const Expr& n, const Expr& p,
                                            const Shape& shape) {
  constexpr int kDoublings = 48;
  constexpr int kBisections = 50;
  const auto logcdf = [&](const Expr& x) { return discrete::negative_binomial_logcdf(n, x, p); };
  const Expr log_p0 = n * log(p);
  const Expr log_u = log_add_exp(log_p0, log(rng.uniform(shape)) + log1mexp(log_p0));
  Expr high = broadcast_to(Expr(1.0), shape);
  for (int i = 0; i < kDoublings; ++i) high = where(less(logcdf(high), log_u), 2.0 * high, high);
  Expr low = zeros_like(high);  // F(low) < u <= F(high)
  for (int i = 0; i < kBisections; ++i) {
    const Expr middle = floor(0.5 * (low + high));
    const Expr below = less(logcdf(middle), log_u);
    low = where(below, middle, low);
    high = where(below, high, middle);
  }
  return high;
}

class DiscreteHurdleDistribution final : public DistributionImpl {
 public:
  // `parameters`: psi and the base's parameters, for the batch shape; `conditions`: beyond the
  // base's own; `nonzero_draws`: draws of the zero-truncated base (none: no random draws).
  DiscreteHurdleDistribution(std::string family, std::shared_ptr<const DistributionImpl> base,
                             std::vector<Expr> parameters,
                             std::vector<ParameterCondition> conditions, Draws nonzero_draws)
      : family_(std::move(family)),
        psi_(parameters.front()),
        base_(std::move(base)),
        parameters_(std::move(parameters)),
        conditions_(std::move(conditions)),
        nonzero_draws_(std::move(nonzero_draws)) {}

  std::string name() const override { return family_; }
  Shape default_shape() const override { return batch_shape(parameters_); }
  Support support() const override { return {SupportKind::nonnegative_integers}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {parameters::probability("psi", psi_)};
    for (ParameterCondition& condition : base_->parameter_conditions()) {
      conditions.push_back(std::move(condition));
    }
    conditions.insert(conditions.end(), conditions_.begin(), conditions_.end());
    return conditions;
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr nonzero = log(psi_) + base_->unchecked_logp(value) - log_nonzero();
    return where(equal(value, 0), log1p(-psi_), nonzero);
  }
  // P(X <= x) = 1 - psi + psi (F(x) - p(0)) / (1 - p(0)) from 0 on.
  Expr logcdf(const Expr& value) const override {
    const Expr at_zero = base_log_mass_at_zero();
    const Expr above =
        log(psi_) + log_sub_exp(maximum(base_->logcdf(value), at_zero), at_zero) - log_nonzero();
    return where(less(value, 0.0), kNegativeInfinity, log_add_exp(log1p(-psi_), above));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    if (!nonzero_draws_) return DistributionImpl::random(rng, shape);
    const Expr nonzero = nonzero_draws_(rng, shape);
    return cast(where(less(rng.uniform(shape), psi_), nonzero, zeros_like(nonzero)), DType::int64);
  }

 private:
  Expr base_log_mass_at_zero() const { return base_->unchecked_logp(Expr(0.0)); }
  Expr log_nonzero() const { return log1mexp(base_log_mass_at_zero()); }  // log(1 - p(0))

  std::string family_;
  Expr psi_;
  std::shared_ptr<const DistributionImpl> base_;
  std::vector<Expr> parameters_;
  std::vector<ParameterCondition> conditions_;
  Draws nonzero_draws_;
};

class ContinuousHurdleDistribution final : public DistributionImpl {
 public:
  // `make_base` builds the base family (after the parameter checks, which name this family);
  // `parameters`: psi and the base's parameters; `conditions`: the base's.
  ContinuousHurdleDistribution(std::string family, std::function<Distribution()> make_base,
                               std::vector<Expr> parameters,
                               std::vector<ParameterCondition> conditions)
      : family_(std::move(family)),
        psi_(parameters.front()),
        make_base_(std::move(make_base)),
        parameters_(std::move(parameters)),
        conditions_(std::move(conditions)) {
    conditions_.insert(conditions_.begin(), parameters::probability("psi", psi_));
  }

  std::string name() const override { return family_; }
  Shape default_shape() const override { return batch_shape(parameters_); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override { return conditions_; }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr nonzero =
        log(psi_) + nonzero_part().logp(value, {.check_support = true, .check_parameters = false});
    return where(equal(value, 0.0), log1p(-psi_), nonzero);
  }
  Expr logcdf(const Expr& value) const override {
    const Expr above = log(psi_) + nonzero_part().logcdf(maximum(value, kEpsilon));
    return where(less(value, 0.0), kNegativeInfinity, log_add_exp(log1p(-psi_), above));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr nonzero = nonzero_part().random(rng, shape);
    return where(less(rng.uniform(shape), psi_), nonzero, zeros_like(nonzero));
  }

 private:
  Distribution nonzero_part() const {
    return Truncated(make_base_(), Expr(kEpsilon), std::nullopt);
  }

  std::string family_;
  Expr psi_;
  std::function<Distribution()> make_base_;
  std::vector<Expr> parameters_;
  std::vector<ParameterCondition> conditions_;
};

}  // namespace

Distribution HurdlePoisson(const Expr& psi, const Expr& mu) {
  // A zero-truncated Poisson needs mu > 0 (at mu = 0 there is no nonzero mass to condition on).
  return make_distribution<DiscreteHurdleDistribution>(
      "HurdlePoisson", discrete::unchecked_poisson(mu), std::vector<Expr>{psi, mu},
      std::vector<ParameterCondition>{parameters::positive("mu", mu)},
      [mu](RandomStream& rng, const Shape& shape) {
        return zero_truncated_poisson_draws(rng, cast(mu, DType::float64), shape);
      });
}

Distribution HurdleNegativeBinomial(const Expr& psi, const Expr& mu, const Expr& alpha) {
  return make_distribution<DiscreteHurdleDistribution>(
      "HurdleNegativeBinomial", discrete::unchecked_negative_binomial(mu, alpha),
      std::vector<Expr>{psi, mu, alpha}, std::vector<ParameterCondition>{},
      [mu, alpha](RandomStream& rng, const Shape& shape) {
        const Expr n = cast(alpha, DType::float64);
        return zero_truncated_negative_binomial_draws(rng, n, n / (n + mu), shape);
      });
}

Distribution HurdleGamma(const Expr& psi, const Expr& alpha, const Expr& beta) {
  return make_distribution<ContinuousHurdleDistribution>(
      "HurdleGamma", [alpha, beta] { return Gamma(alpha, beta); },
      std::vector<Expr>{psi, alpha, beta},
      std::vector<ParameterCondition>{
          parameters::positive("alpha", alpha), parameters::finite("alpha", alpha),
          parameters::positive("beta", beta), parameters::finite("beta", beta)});
}

Distribution HurdleLogNormal(const Expr& psi, const Expr& mu, const Expr& sigma) {
  return make_distribution<ContinuousHurdleDistribution>(
      "HurdleLogNormal", [mu, sigma] { return LogNormal(mu, sigma); },
      std::vector<Expr>{psi, mu, sigma},
      std::vector<ParameterCondition>{parameters::finite("mu", mu),
                                      parameters::positive("sigma", sigma)});
}

}  // namespace hypatia
