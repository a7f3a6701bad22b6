#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class UniformDistribution final : public DistributionImpl {
 public:
  UniformDistribution(Expr lower, Expr upper)
      : lower_(std::move(lower)), upper_(std::move(upper)) {}

  std::string name() const override { return "Uniform"; }
  Shape default_shape() const override { return batch_shape({lower_, upper_}); }
  Support support() const override { return {SupportKind::interval, lower_, upper_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("lower", lower_), parameters::finite("upper", upper_),
            parameters::less_than("lower", lower_, "upper", upper_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return zeros_like(value) - log(upper_ - lower_);
  }
  Expr logcdf(const Expr& value) const override {
    return log(clip(value, lower_, upper_) - lower_) - log(upper_ - lower_);
  }
  Expr logccdf(const Expr& value) const override {
    return log(upper_ - clip(value, lower_, upper_)) - log(upper_ - lower_);
  }
  // Measured from the nearer end, so that a tiny probability is not lost next to a large bound.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    Expr width = upper_ - lower_;
    return where(less(log_p, log_q), lower_ + width * exp(log_p), upper_ - width * exp(log_q));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return lower_ + (upper_ - lower_) * rng.uniform(shape);
  }

 private:
  Expr lower_;
  Expr upper_;
};

}  // namespace

Distribution Uniform(const Expr& lower, const Expr& upper) {
  return make_distribution<UniformDistribution>(lower, upper);
}

}  // namespace hypatia
