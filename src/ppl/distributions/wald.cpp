#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);
constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

// The inverse Gaussian with mean mu and shape lam.
class WaldDistribution final : public DistributionImpl {
 public:
  WaldDistribution(Expr mu, Expr lam) : mu_(std::move(mu)), lam_(std::move(lam)) {}

  std::string name() const override { return "Wald"; }
  Shape default_shape() const override { return batch_shape({mu_, lam_}); }
  Support support() const override { return {SupportKind::positive}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("mu", mu_), parameters::positive("lam", lam_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return 0.5 * log(lam_) - kHalfLogTwoPi - 1.5 * log(value) -
           lam_ * square(value - mu_) / (2.0 * square(mu_) * value);
  }
  // P(X <= x) = Phi(r (x/mu - 1)) + exp(2 lam/mu) Phi(-r (x/mu + 1)), r = sqrt(lam/x), summed in
  // log space (exp(2 lam/mu) alone may overflow).
  Expr logcdf(const Expr& value) const override {
    CdfTerms terms = cdf_terms(value);
    return where(terms.positive, log_add_exp(terms.log_first, terms.log_second), kNegativeInfinity);
  }
  // 1 - P(X <= x) = Phi(-r (x/mu - 1)) - exp(2 lam/mu) Phi(-r (x/mu + 1)).
  Expr logccdf(const Expr& value) const override {
    CdfTerms terms = cdf_terms(value);
    return where(terms.positive, log_sub_exp(terms.log_first_complement, terms.log_second), 0.0);
  }
  // Michael, Schucany & Haas (1976): the smaller root x of the quadratic that the chi-square(1)
  // statistic y = lam (x - mu)^2 / (mu^2 x) solves, or mu^2 / x, with probability mu / (mu + x).
  // The root mu + mu (mu y - S) / (2 lam), S = sqrt(4 lam mu y + (mu y)^2), is rationalized to
  // 4 lam mu (mu y) / (S + mu y)^2, which does not cancel when mu y >> lam.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr mu_y = mu_ * square(rng.normal(shape));
    Expr s = sqrt(4.0 * lam_ * mu_y + square(mu_y));
    Expr root = where(greater(mu_y, 0.0), 4.0 * lam_ * mu_ * mu_y / square(s + mu_y), mu_);
    return where(less_equal(rng.uniform(shape) * (mu_ + root), mu_), root, square(mu_) / root);
  }

 private:
  struct CdfTerms {
    Expr positive;
    Expr log_first;
    Expr log_first_complement;
    Expr log_second;
  };
  // Values <= 0 get a stand-in of 1, so the terms stay finite where the result is a constant.
  CdfTerms cdf_terms(const Expr& value) const {
    Expr positive = greater(value, 0.0);
    Expr x = where(positive, value, 1.0);
    Expr r = sqrt(lam_ / x);
    Expr below_mean = r * (x / mu_ - 1.0);
    return {positive, normal_logcdf(below_mean), normal_logcdf(-below_mean),
            2.0 * lam_ / mu_ + normal_logcdf(-r * (x / mu_ + 1.0))};
  }

  Expr mu_;
  Expr lam_;
};

}  // namespace

Distribution Wald(const Expr& mu, const Expr& lam) {
  return make_distribution<WaldDistribution>(mu, lam);
}

}  // namespace hypatia
