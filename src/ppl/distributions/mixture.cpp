// Mixture(weights, components): a weighted mixture of univariate distributions, the weights along
// the last axis of `weights`, one component per weight.

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/composite.hpp"

namespace hypatia {
namespace {

constexpr double kSimplexTolerance = 1e-8;

bool is_nonnegative_real_kind(SupportKind kind) {
  return kind == SupportKind::positive || kind == SupportKind::nonnegative ||
         kind == SupportKind::unit_interval;
}

bool is_nonnegative_integer_kind(SupportKind kind) {
  return kind == SupportKind::nonnegative_integers || kind == SupportKind::binary;
}

Support bounded_union(SupportKind kind, const std::vector<Support>& supports) {
  Support joint{kind};
  joint.lower = supports.front().lower;
  joint.upper = supports.front().upper;
  for (const Support& support : supports) {
    if (joint.lower && support.lower) {
      if (!(*joint.lower == *support.lower)) joint.lower = minimum(*joint.lower, *support.lower);
    } else {
      joint.lower = std::nullopt;
    }
    if (joint.upper && support.upper) {
      if (!(*joint.upper == *support.upper)) joint.upper = maximum(*joint.upper, *support.upper);
    } else {
      joint.upper = std::nullopt;
    }
  }
  return joint;
}

// The union of the components' supports: their common kind when they share one, else the
// smallest enclosing kind (Exponential with HalfNormal stays nonnegative, Normal with Exponential
// is real). Where a component's own support excludes a value its log density is -inf, so the
// mixture's value is checked per component too.
Support mixture_support(const std::vector<Distribution>& components) {
  std::vector<Support> supports;
  for (const Distribution& component : components) supports.push_back(component.support());
  const bool discrete = supports.front().is_discrete();
  for (std::size_t k = 0; k < supports.size(); ++k) {
    if (supports[k].is_discrete() != discrete) {
      throw Error("Mixture: components mix discrete and continuous distributions (component 0 is " +
                  components[0].name() + ", component " + std::to_string(k) + " is " +
                  components[k].name() + ")");
    }
  }
  auto all_of_kind = [&](auto predicate) {
    for (const Support& support : supports) {
      if (!predicate(support.kind)) return false;
    }
    return true;
  };
  const SupportKind first = supports.front().kind;
  if (all_of_kind([&](SupportKind kind) { return kind == first; })) {
    if (first == SupportKind::interval || first == SupportKind::bounded_integers) {
      return bounded_union(first, supports);
    }
    return {first};
  }
  if (discrete) {
    if (all_of_kind(is_nonnegative_integer_kind)) return {SupportKind::nonnegative_integers};
    return {SupportKind::integers};
  }
  if (all_of_kind(is_nonnegative_real_kind)) return {SupportKind::nonnegative};
  return {SupportKind::real};
}

class MixtureDistribution final : public DistributionImpl {
 public:
  MixtureDistribution(Expr weights, std::vector<Distribution> components)
      : weights_(std::move(weights)), components_(std::move(components)) {
    if (components_.empty()) throw Error("Mixture: needs at least one component");
    for (std::size_t k = 0; k < components_.size(); ++k) {
      composite::require_univariate("Mixture", component_role(k), components_[k]);
    }
    const auto count = static_cast<std::int64_t>(components_.size());
    if (weights_.rank() == 0 ||
        (weights_.shape().back() != kUnknownDim && weights_.shape().back() != count)) {
      throw_shape_error("Mixture: weights of shape " + shape_to_string(weights_.shape()) +
                        " must have one entry per component along the last axis (" +
                        std::to_string(count) + " components)");
    }
    support_ = mixture_support(components_);
  }

  std::string name() const override { return "Mixture"; }
  Shape default_shape() const override {
    Shape weights_batch = weights_.shape();
    weights_batch.pop_back();
    std::vector<Shape> shapes = {weights_batch};
    for (const Distribution& component : components_) {
      shapes.push_back(component.default_shape());
    }
    return composite::broadcast_shapes("Mixture", shapes);
  }
  Support support() const override { return support_; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {
        {"weights",
         all(greater_equal(weights_, 0.0), {-1}) &
             less_equal(abs(sum(weights_, {-1}) - 1.0), kSimplexTolerance),
         "nonnegative and summing to 1 along the last axis", weights_}};
    for (std::size_t k = 0; k < components_.size(); ++k) {
      for (ParameterCondition& condition :
           composite::forwarded_conditions(component_role(k), components_[k])) {
        conditions.push_back(std::move(condition));
      }
    }
    return conditions;
  }
  // log sum_k w_k p_k(x), around the largest term.
  Expr unchecked_logp(const Expr& value) const override {
    Exprs terms;
    for (const Distribution& component : components_) {
      terms.push_back(component.logp(value, {.check_support = true, .check_parameters = false}));
    }
    return weighted_logsumexp(terms);
  }
  Expr logcdf(const Expr& value) const override {
    Exprs terms;
    for (const Distribution& component : components_) terms.push_back(component.logcdf(value));
    return weighted_logsumexp(terms);
  }
  Expr logccdf(const Expr& value) const override {
    Exprs terms;
    for (const Distribution& component : components_) terms.push_back(component.logccdf(value));
    return weighted_logsumexp(terms);
  }
  // Every component draws the whole shape; a categorical draw picks one per element.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr chosen = rng.categorical(weights_, shape);
    Expr draw = components_.front().random(rng, shape);
    for (std::size_t k = 1; k < components_.size(); ++k) {
      const Expr component_draw = components_[k].random(rng, shape);
      draw = where(equal(chosen, static_cast<int>(k)), component_draw, draw);
    }
    return draw;
  }

 private:
  static std::string component_role(std::size_t k) {
    return "components[" + std::to_string(k) + "]";
  }

  Expr weighted_logsumexp(const Exprs& component_terms) const {
    Exprs terms;
    for (const Expr& term : component_terms) terms.push_back(cast(term, DType::float64));
    return logsumexp(log(weights_) + stack(composite::broadcast_together(terms), -1), {-1});
  }

  Expr weights_;
  std::vector<Distribution> components_;
  Support support_;
};

}  // namespace

Distribution Mixture(const Expr& weights, const std::vector<Distribution>& components) {
  return make_distribution<MixtureDistribution>(weights, components);
}

}  // namespace hypatia
