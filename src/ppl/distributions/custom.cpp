// A distribution given by its log density as a graph: what PyMC's CustomDist with a `logp`
// function becomes once the front end has called that function on a placeholder value.

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia {
namespace {

class CustomDistribution final : public DistributionImpl {
 public:
  explicit CustomDistribution(CustomDistributionSpec spec) : spec_(std::move(spec)) {}

  std::string name() const override { return spec_.name; }
  int event_rank() const override { return spec_.event_rank; }
  Shape default_shape() const override { return spec_.value.shape(); }
  Support support() const override { return {spec_.support}; }
  Expr unchecked_logp(const Expr& value) const override {
    Expr converted =
        value.dtype() == spec_.value.dtype() ? value : cast(value, spec_.value.dtype());
    return cast(substitute(spec_.logp.node(), {{spec_.value.node().get(), converted.node()}}),
                DType::float64);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    if (spec_.draw) {
      if (shape != spec_.value.shape()) {
        throw Error(spec_.name + ": its generative graph draws shape " +
                    shape_to_string(spec_.value.shape()) + ", but " + shape_to_string(shape) +
                    " was asked for (give the shape through the dist function's size)");
      }
      const Replacements state{{spec_.random_state.node().get(), rng.state().node()}};
      Expr value = substitute(spec_.draw.node(), state);
      rng = RandomStream(substitute(spec_.next_state.node(), state));
      return value;
    }
    throw Error(
        spec_.name +
        ": a CustomDist given only a logp function has no random draws in Hypatia (give "
        "it a generative graph, or leave it out of prior and posterior predictive sampling)");
  }

 private:
  CustomDistributionSpec spec_;
};

}  // namespace

Distribution CustomDist(CustomDistributionSpec spec) {
  if (!spec.value || !spec.logp)
    throw Error("CustomDist: the value placeholder and logp are required");
  if (!is_input(*spec.value.node())) {
    throw Error("CustomDist " + spec.name + ": the value must be a placeholder (input node)");
  }
  if (spec.event_rank < 0 || spec.event_rank > spec.value.rank()) {
    throw Error("CustomDist " + spec.name + ": event rank " + std::to_string(spec.event_rank) +
                " does not fit a value of rank " + std::to_string(spec.value.rank()));
  }
  if (spec.draw) {
    if (!spec.random_state || !spec.next_state || !is_input(*spec.random_state.node()) ||
        spec.draw.type() != spec.value.type()) {
      throw Error("CustomDist " + spec.name +
                  ": a generative graph needs a random-state placeholder, a draw of the value's "
                  "type and the next state");
    }
  }
  return make_distribution<CustomDistribution>(std::move(spec));
}

}  // namespace hypatia
