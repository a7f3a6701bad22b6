// Triangular(lower, c, upper): density rising linearly from 0 at lower to its peak 2 / (upper -
// lower) at c, then falling linearly to 0 at upper.

#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class TriangularDistribution final : public DistributionImpl {
 public:
  TriangularDistribution(Expr lower, Expr c, Expr upper)
      : lower_(std::move(lower)), c_(std::move(c)), upper_(std::move(upper)) {}

  std::string name() const override { return "Triangular"; }
  Shape default_shape() const override { return batch_shape({lower_, c_, upper_}); }
  Support support() const override {
    return {.kind = SupportKind::interval, .lower = lower_, .upper = upper_};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("lower", lower_), parameters::finite("upper", upper_),
            parameters::less_than("lower", lower_, "upper", upper_),
            parameters::at_most("lower", lower_, "c", c_),
            parameters::at_most("c", c_, "upper", upper_)};
  }
  // log 2 + log(x - lower) - log(upper - lower) - log(c - lower) below c, the mirror image above;
  // at c itself the peak, which also covers c at either end.
  Expr unchecked_logp(const Expr& value) const override {
    const Expr log_peak = std::numbers::ln2 - log(upper_ - lower_);
    const Expr rising = log_peak + log(value - lower_) - log(c_ - lower_);
    const Expr falling = log_peak + log(upper_ - value) - log(upper_ - c_);
    return where(less(value, c_), rising, where(greater(value, c_), falling, log_peak));
  }
  // F = (x - lower)^2 / ((upper - lower)(c - lower)) up to c, 1 - the mirror image above.
  Expr logcdf(const Expr& value) const override {
    const Expr x = clip(value, lower_, upper_);
    const Expr width = upper_ - lower_;
    const Expr rising = 2.0 * log(x - lower_) - log(width) - log(c_ - lower_);
    const Expr falling = log1p(-square(upper_ - x) / (width * (upper_ - c_)));
    return where(less(x, c_), rising,
                 where(greater(x, c_), falling, log(c_ - lower_) - log(width)));
  }
  Expr logccdf(const Expr& value) const override {
    const Expr x = clip(value, lower_, upper_);
    const Expr width = upper_ - lower_;
    const Expr rising = log1p(-square(x - lower_) / (width * (c_ - lower_)));
    const Expr falling = 2.0 * log(upper_ - x) - log(width) - log(upper_ - c_);
    return where(less(x, c_), rising,
                 where(greater(x, c_), falling, log(upper_ - c_) - log(width)));
  }
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    const Expr width = upper_ - lower_;
    const Expr rising = lower_ + sqrt(exp(log_p) * width * (c_ - lower_));
    const Expr falling = upper_ - sqrt(exp(log_q) * width * (upper_ - c_));
    return where(less(exp(log_p), (c_ - lower_) / width), rising, falling);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr p = rng.uniform(shape);
    const Expr width = upper_ - lower_;
    const Expr rising = lower_ + sqrt(p * width * (c_ - lower_));
    const Expr falling = upper_ - sqrt((1.0 - p) * width * (upper_ - c_));
    return where(less(p, (c_ - lower_) / width), rising, falling);
  }

 private:
  Expr lower_;
  Expr c_;
  Expr upper_;
};

}  // namespace

Distribution Triangular(const Expr& lower, const Expr& c, const Expr& upper) {
  return make_distribution<TriangularDistribution>(lower, c, upper);
}

}  // namespace hypatia
