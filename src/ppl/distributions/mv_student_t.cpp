// The multivariate Student t with scale matrix Sigma (covariance Sigma nu / (nu - 2) for nu > 2):
// a normal with covariance Sigma divided by sqrt(W / nu), W ~ chi-squared(nu).

#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

const double kLogPi = std::log(std::numbers::pi);

class MvStudentTDistribution final : public DistributionImpl {
 public:
  MvStudentTDistribution(Expr nu, Expr mu, Expr scale)
      : nu_(std::move(nu)), mu_(std::move(mu)), scale_(std::move(scale)) {
    size_ = multivariate::event_size(scale_, name(), "scale");
    multivariate::expect_square(scale_, size_, name(), "scale");
    factor_ = cholesky(scale_);
  }

  std::string name() const override { return "MvStudentT"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = multivariate::broadcast_batches(
        {nu_.shape(), multivariate::batch_of(mu_, 1), multivariate::batch_of(scale_, 2)}, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("nu", nu_), multivariate::finite_vector("mu", mu_),
            multivariate::symmetric_positive_definite("scale", scale_, factor_)};
  }

  Expr unchecked_logp(const Expr& value) const override {
    const auto k = static_cast<double>(size_);
    Expr distance = multivariate::squared_norm_solved(factor_, value - mu_);
    Expr half_total = 0.5 * (nu_ + k);
    return lgamma(half_total) - lgamma(0.5 * nu_) - 0.5 * k * (log(nu_) + kLogPi) -
           sum(log(diagonal(factor_)), {-1}) - half_total * log1p(distance / nu_);
  }

  Expr random(RandomStream& rng, const Shape& shape) const override {
    Shape batch(shape.begin(), shape.end() - 1);
    Expr chi_squared_over_nu = 2.0 * rng.gamma(0.5 * nu_, batch) / nu_;
    Expr normal = multivariate::times_vectors(factor_, rng.normal(shape));
    return mu_ + normal / expand_dims(sqrt(chi_squared_over_nu), {-1});
  }

 private:
  Expr nu_;
  Expr mu_;
  Expr scale_;
  std::int64_t size_ = 0;
  Expr factor_;
};

}  // namespace

Distribution MvStudentT(const Expr& nu, const Expr& mu, const Expr& scale) {
  return make_distribution<MvStudentTDistribution>(nu, mu, scale);
}

}  // namespace hypatia
