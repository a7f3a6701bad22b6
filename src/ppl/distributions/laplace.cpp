#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// log P(Z <= z) for the standard Laplace: z - log 2 below 0, log(1 - exp(-z)/2) above. Each side
// sees z clamped to its own half line, so the side not taken cannot overflow.
Expr standard_laplace_logcdf(const Expr& z) {
  Expr below = minimum(z, 0.0) - std::numbers::ln2;
  Expr above = log1p(-0.5 * exp(-maximum(z, 0.0)));
  return where(less(z, 0.0), below, above);
}

class LaplaceDistribution final : public DistributionImpl {
 public:
  LaplaceDistribution(Expr mu, Expr b) : mu_(std::move(mu)), b_(std::move(b)) {}

  std::string name() const override { return "Laplace"; }
  Shape default_shape() const override { return batch_shape({mu_, b_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("b", b_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return -std::numbers::ln2 - log(b_) - abs(value - mu_) / b_;
  }
  Expr logcdf(const Expr& value) const override {
    return standard_laplace_logcdf((value - mu_) / b_);
  }
  Expr logccdf(const Expr& value) const override {
    return standard_laplace_logcdf((mu_ - value) / b_);
  }
  // F = exp(z) / 2 below the median, S = exp(-z) / 2 above.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return where(less(log_p, log_q), mu_ + b_ * (log_p + std::numbers::ln2),
                 mu_ - b_ * (log_q + std::numbers::ln2));
  }
  // The difference of two standard exponentials is standard Laplace.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + b_ * (rng.exponential(shape) - rng.exponential(shape));
  }

 private:
  Expr mu_;
  Expr b_;
};

}  // namespace

Distribution Laplace(const Expr& mu, const Expr& b) {
  return make_distribution<LaplaceDistribution>(mu, b);
}

}  // namespace hypatia
