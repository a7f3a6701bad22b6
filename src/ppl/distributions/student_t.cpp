#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class StudentTDistribution final : public DistributionImpl {
 public:
  StudentTDistribution(Expr nu, Expr mu, Expr sigma)
      : nu_(std::move(nu)), mu_(std::move(mu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "StudentT"; }
  Shape default_shape() const override { return batch_shape({nu_, mu_, sigma_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("nu", nu_), parameters::finite("mu", mu_),
            parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return student_t_standard_logp(nu_, (value - mu_) / sigma_) - log(sigma_);
  }
  Expr logcdf(const Expr& value) const override { return standard_logcdf((value - mu_) / sigma_); }
  Expr logccdf(const Expr& value) const override { return standard_logcdf((mu_ - value) / sigma_); }
  // mu + sigma Z / sqrt(V / nu) with V ~ chi^2_nu = 2 Gamma(nu/2, 1).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr chi_square_over_nu = 2.0 * rng.gamma(0.5 * nu_, shape) / nu_;
    return mu_ + sigma_ * rng.normal(shape) / sqrt(chi_square_over_nu);
  }

 private:
  // Below 0 the CDF is half the two-sided tail; above, 1 minus that half.
  Expr standard_logcdf(const Expr& t) const {
    Expr log_half_tail = student_t_log_two_sided_tail(nu_, t) - std::numbers::ln2;
    return where(less_equal(t, 0.0), log_half_tail, log1mexp(log_half_tail));
  }

  Expr nu_;
  Expr mu_;
  Expr sigma_;
};

}  // namespace

Distribution StudentT(const Expr& nu, const Expr& mu, const Expr& sigma) {
  return make_distribution<StudentTDistribution>(nu, mu, sigma);
}

}  // namespace hypatia
