// SkewStudentT(a, b, mu, sigma): Jones and Faddy's skewed t (PyMC's parameterization). With
// t = (x - mu) / sigma and r = sqrt(a + b + t^2) the standard density is
//   (1 + t/r)^(a + 1/2) (1 - t/r)^(b + 1/2) / (2^(a + b - 1) B(a, b) sqrt(a + b)),
// a = b is Student's t with 2a degrees of freedom, and (1 + t/r) / 2 ~ Beta(a, b), which gives
// the CDF I_x(a, b) and the draws. 1 - |t|/r = (a + b) / (r (r + |t|)) keeps the small factor
// exact in the tails.

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

class SkewStudentTDistribution final : public DistributionImpl {
 public:
  SkewStudentTDistribution(Expr a, Expr b, Expr mu, Expr sigma)
      : a_(std::move(a)), b_(std::move(b)), mu_(std::move(mu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "SkewStudentT"; }
  Shape default_shape() const override { return batch_shape({a_, b_, mu_, sigma_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("a", a_), parameters::finite("a", a_),
            parameters::positive("b", b_), parameters::finite("b", b_),
            parameters::finite("mu", mu_), parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const auto [log_plus, log_minus] = log_halves(value);  // log(1 + t/r), log(1 - t/r)
    return (a_ + 0.5) * log_plus + (b_ + 0.5) * log_minus - (a_ + b_ - 1.0) * std::numbers::ln2 -
           lbeta(a_, b_) - 0.5 * log(a_ + b_) - log(sigma_);
  }
  Expr logcdf(const Expr& value) const override {
    const auto [log_plus, log_minus] = log_halves(value);
    return log(betainc(a_, b_, 0.5 * exp(log_plus)));
  }
  Expr logccdf(const Expr& value) const override {
    const auto [log_plus, log_minus] = log_halves(value);
    return log(betainc(b_, a_, 0.5 * exp(log_minus)));
  }
  // B ~ Beta(a, b) from two gamma draws (in logs), t = sqrt(a + b) (2B - 1) / (2 sqrt(B (1 - B))).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr log_g1 = log_gamma_draws(rng, a_, shape);
    const Expr log_g2 = log_gamma_draws(rng, b_, shape);
    const Expr log_total = log_add_exp(log_g1, log_g2);
    const Expr log_b1 = log_g1 - log_total, log_b2 = log_g2 - log_total;
    const Expr t =
        sqrt(a_ + b_) * (exp(log_b1) - exp(log_b2)) / (2.0 * exp(0.5 * (log_b1 + log_b2)));
    return mu_ + sigma_ * t;
  }

 private:
  // log(1 + t/r) and log(1 - t/r) for t = (x - mu) / sigma, the one near 0 taken without
  // cancellation; infinite t gives log 2 and -inf.
  std::pair<Expr, Expr> log_halves(const Expr& value) const {
    const Expr t = (value - mu_) / sigma_;
    const Expr s = abs(t);
    const Expr r = sqrt(a_ + b_ + square(s));
    const Expr finite = logical_not(isinf(s));
    const Expr large = where(finite, log(r + s) - log(r), std::numbers::ln2);
    const Expr small =
        where(finite, log(a_ + b_) - log(r + s) - log(r), -std::numeric_limits<double>::infinity());
    const Expr positive = greater_equal(t, 0.0);
    return {where(positive, large, small), where(positive, small, large)};
  }

  Expr a_;
  Expr b_;
  Expr mu_;
  Expr sigma_;
};

}  // namespace

Distribution SkewStudentT(const Expr& a, const Expr& b, const Expr& mu, const Expr& sigma) {
  return make_distribution<SkewStudentTDistribution>(a, b, mu, sigma);
}

}  // namespace hypatia
