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
    return student_t_standard_logp(nu_, standardize(value)) - log(sigma_);
  }
  Expr logcdf(const Expr& value) const override {
    const Expr t = standardize(value);
    return where(less_equal(t, 0.0), log_half_tail(t), log1mexp(log_half_tail(t)));
  }
  Expr logccdf(const Expr& value) const override {
    const Expr t = standardize(value);
    return where(greater_equal(t, 0.0), log_half_tail(t), log1mexp(log_half_tail(t)));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + sigma_ * student_t_standard_draws(rng, nu_, shape);
  }

 private:
  Expr standardize(const Expr& value) const { return (value - mu_) / sigma_; }
  // log P(T > |t|): below 0 the CDF is this half of the two-sided tail, above 0 the survival
  // function is. The log CDF and log survival function at one value share it (one evaluation of
  // the incomplete beta function serves both).
  Expr log_half_tail(const Expr& t) const {
    return student_t_log_two_sided_tail(nu_, t) - std::numbers::ln2;
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
