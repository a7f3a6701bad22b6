#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class ExponentialDistribution final : public DistributionImpl {
 public:
  explicit ExponentialDistribution(Expr lam) : lam_(std::move(lam)) {}

  std::string name() const override { return "Exponential"; }
  Shape default_shape() const override { return batch_shape({lam_}); }
  Support support() const override { return {SupportKind::nonnegative}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("lam", lam_)};
  }
  Expr unchecked_logp(const Expr& value) const override { return log(lam_) - lam_ * value; }
  Expr logcdf(const Expr& value) const override { return log1mexp(-lam_ * maximum(value, 0.0)); }
  Expr logccdf(const Expr& value) const override { return -lam_ * maximum(value, 0.0); }
  // S(x) = exp(-lam x); log_q is accurate on both sides (near 0 it is about -p).
  Expr quantile_of_logs(const Expr&, const Expr& log_q) const override { return -log_q / lam_; }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return rng.exponential(shape) / lam_;
  }

 private:
  Expr lam_;
};

}  // namespace

Distribution Exponential(const Expr& lam) {
  return make_distribution<ExponentialDistribution>(lam);
}

}  // namespace hypatia
