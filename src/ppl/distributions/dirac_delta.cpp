// DiracDelta(c): all mass at c. The log density is 0 at c and -inf elsewhere (the support check
// does the -inf). An integer c makes it discrete, a real c continuous; either way a free variable
// with it has nothing to sample, so the model keeps it as the constant c (see Model::rv).

#include <limits>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

class DiracDeltaDistribution final : public DistributionImpl {
 public:
  explicit DiracDeltaDistribution(Expr c) : c_(std::move(c)) {}

  std::string name() const override { return "DiracDelta"; }
  Shape default_shape() const override { return c_.shape(); }
  Support support() const override {
    return {.kind = SupportKind::point, .lower = c_, .upper = c_};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("c", c_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return zeros_like(cast(value, DType::float64) + cast(c_, DType::float64));
  }
  Expr logcdf(const Expr& value) const override {
    return where(greater_equal(value, c_), 0.0, kNegativeInfinity);
  }
  Expr logccdf(const Expr& value) const override {
    return where(less(value, c_), 0.0, kNegativeInfinity);
  }
  Expr random(RandomStream&, const Shape& shape) const override { return broadcast_to(c_, shape); }

 private:
  Expr c_;
};

}  // namespace

Distribution DiracDelta(const Expr& c) {
  return make_distribution<DiracDeltaDistribution>(c);
}

}  // namespace hypatia
