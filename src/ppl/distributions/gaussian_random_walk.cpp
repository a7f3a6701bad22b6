// GaussianRandomWalk(mu, sigma, init_dist, steps): x_0 ~ init_dist, x_t - x_{t-1} ~ Normal(mu,
// sigma) for t = 1..steps; the value is the whole walk, steps + 1 entries along the last axis
// (PyMC's convention).

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/time_series.hpp"

namespace hypatia {
namespace {

using time_series::per_step;

class GaussianRandomWalkDistribution final : public DistributionImpl {
 public:
  GaussianRandomWalkDistribution(Expr mu, Expr sigma, Distribution init_dist, std::int64_t steps)
      : mu_(std::move(mu)), sigma_(std::move(sigma)), init_(std::move(init_dist)), steps_(steps) {
    composite::require_univariate(name(), "init_dist", init_);
    if (steps_ < 1) {
      throw Error(name() + ": steps must be at least 1, got " + std::to_string(steps_));
    }
  }

  std::string name() const override { return "GaussianRandomWalk"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape =
        composite::broadcast_shapes(name(), {mu_.shape(), sigma_.shape(), init_.default_shape()});
    shape.push_back(steps_ + 1);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    time_series::check_length(name(), value.shape(), steps_ + 1);
    const Expr walk = cast(value, DType::float64);
    const Expr increments =
        slice(walk, -1, Slice{1, std::nullopt}) - slice(walk, -1, Slice{std::nullopt, steps_});
    const Expr increments_logp =
        time_series::normal_logpdf(increments, per_step(mu_), per_step(sigma_));
    return init_.logp(slice(walk, -1, Index{0})) + sum(increments_logp, {-1});
  }
  // The walk is the running sum of its start and its increments.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    time_series::check_length(name(), shape, steps_ + 1);
    const Shape batch = time_series::batch_of(shape);
    Shape increments_shape = batch;
    increments_shape.push_back(steps_);
    const Expr start = cast(init_.random(rng, batch), DType::float64);
    const Expr increments = per_step(mu_) + per_step(sigma_) * rng.normal(increments_shape);
    return cumsum(concatenate({per_step(start), increments}, -1), -1);
  }

 private:
  Expr mu_;
  Expr sigma_;
  Distribution init_;
  std::int64_t steps_;
};

}  // namespace

Distribution GaussianRandomWalk(const Expr& mu, const Expr& sigma, const Distribution& init_dist,
                                std::int64_t steps) {
  return make_distribution<GaussianRandomWalkDistribution>(mu, sigma, init_dist, steps);
}

}  // namespace hypatia
