#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// |T| for T a Student's t with location 0 and scale sigma.
class HalfStudentTDistribution final : public DistributionImpl {
 public:
  HalfStudentTDistribution(Expr nu, Expr sigma) : nu_(std::move(nu)), sigma_(std::move(sigma)) {}

  std::string name() const override { return "HalfStudentT"; }
  Shape default_shape() const override { return batch_shape({nu_, sigma_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("nu", nu_), parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return std::numbers::ln2 + student_t_standard_logp(nu_, value / sigma_) - log(sigma_);
  }
  Expr logcdf(const Expr& value) const override {
    return student_t_log_central(nu_, maximum(value, 0.0) / sigma_);
  }
  Expr logccdf(const Expr& value) const override {
    return student_t_log_two_sided_tail(nu_, maximum(value, 0.0) / sigma_);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return sigma_ * abs(student_t_standard_draws(rng, nu_, shape));
  }

 private:
  Expr nu_;
  Expr sigma_;
};

}  // namespace

Distribution HalfStudentT(const Expr& nu, const Expr& sigma) {
  return make_distribution<HalfStudentTDistribution>(nu, sigma);
}

}  // namespace hypatia
