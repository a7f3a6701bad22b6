// Censored(base, lower, upper): values of a univariate continuous distribution at or beyond a
// bound are recorded at the bound, which then carries the whole tail's probability.

#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

class CensoredDistribution final : public DistributionImpl {
 public:
  CensoredDistribution(Distribution base, std::optional<Expr> lower, std::optional<Expr> upper)
      : base_(std::move(base)), lower_(std::move(lower)), upper_(std::move(upper)) {
    composite::require_univariate("Censored", "the base distribution", base_);
    if (base_.is_discrete()) {
      throw Error("Censored: the base distribution " + base_.name() +
                  " is discrete; only continuous distributions can be censored for now");
    }
    if (!lower_ && !upper_) throw Error("Censored: give a lower bound, an upper bound or both");
    (void)base_.logcdf(lower_ ? *lower_ : *upper_);  // a base without a CDF fails now, by name
  }

  std::string name() const override { return "Censored(" + base_.name() + ")"; }
  Shape default_shape() const override {
    std::vector<Shape> shapes = {base_.default_shape()};
    if (lower_) shapes.push_back(lower_->shape());
    if (upper_) shapes.push_back(upper_->shape());
    return composite::broadcast_shapes(name(), shapes);
  }
  Support support() const override {
    const Support own = base_.support();
    return {SupportKind::interval, composite::tighter_lower(lower_, composite::support_lower(own)),
            composite::tighter_upper(upper_, composite::support_upper(own))};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = composite::forwarded_conditions("base", base_);
    if (lower_ && upper_) {
      conditions.push_back(parameters::less_than("lower", *lower_, "upper", *upper_));
    }
    return conditions;
  }
  // The density inside; at a bound, the probability of the tail beyond it.
  Expr unchecked_logp(const Expr& value) const override {
    Expr result = base_.logp(value, {.check_support = true, .check_parameters = false});
    if (lower_) result = where(equal(value, *lower_), base_.logcdf(*lower_), result);
    if (upper_) result = where(equal(value, *upper_), base_.logccdf(*upper_), result);
    return result;
  }
  // The base CDF inside [lower, upper): the mass at the lower bound is F(lower) already.
  Expr logcdf(const Expr& value) const override {
    Expr result = base_.logcdf(clamp(value));
    if (lower_) result = where(less(value, *lower_), kNegativeInfinity, result);
    if (upper_) result = where(greater_equal(value, *upper_), 0.0, result);
    return result;
  }
  Expr logccdf(const Expr& value) const override {
    Expr result = base_.logccdf(clamp(value));
    if (lower_) result = where(less(value, *lower_), 0.0, result);
    if (upper_) result = where(greater_equal(value, *upper_), kNegativeInfinity, result);
    return result;
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return clamp(base_.random(rng, shape));
  }

 private:
  Expr clamp(const Expr& value) const {
    Expr inside = cast(value, DType::float64);
    if (lower_) inside = maximum(inside, *lower_);
    if (upper_) inside = minimum(inside, *upper_);
    return inside;
  }

  Distribution base_;
  std::optional<Expr> lower_;
  std::optional<Expr> upper_;
};

}  // namespace

Distribution Censored(const Distribution& base, std::optional<Expr> lower,
                      std::optional<Expr> upper) {
  return make_distribution<CensoredDistribution>(base, std::move(lower), std::move(upper));
}

}  // namespace hypatia
