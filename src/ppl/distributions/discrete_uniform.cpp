// Equally likely integers lower, ..., upper (both included).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class DiscreteUniformDistribution final : public DistributionImpl {
 public:
  DiscreteUniformDistribution(Expr lower, Expr upper)
      : lower_(std::move(lower)), upper_(std::move(upper)) {}

  std::string name() const override { return "DiscreteUniform"; }
  Shape default_shape() const override { return batch_shape({lower_, upper_}); }
  Support support() const override { return {SupportKind::bounded_integers, lower_, upper_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::integer("lower", lower_), parameters::integer("upper", upper_),
            parameters::at_most("lower", lower_, "upper", upper_)};
  }
  // The mass does not depend on the value, but its shape does.
  Expr unchecked_logp(const Expr& value) const override {
    return broadcast_like(-log(count()), value + count());
  }
  Expr logcdf(const Expr& value) const override {
    return discrete::integer_logcdf(
        value, lower_, upper_, [&](const Expr& k) { return log(k - lower_ + 1.0) - log(count()); });
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr draw = lower_ + floor(rng.uniform(shape) * count());
    return cast(minimum(draw, upper_), DType::int64);
  }

 private:
  Expr count() const { return upper_ - lower_ + 1.0; }

  Expr lower_;
  Expr upper_;
};

}  // namespace

Distribution DiscreteUniform(const Expr& lower, const Expr& upper) {
  return make_distribution<DiscreteUniformDistribution>(lower, upper);
}

}  // namespace hypatia
