// GARCH11(omega, alpha_1, beta_1, initial_vol, steps): PyMC's GARCH(1,1) with normal innovations,
//   x_t ~ Normal(0, sigma_t),  sigma_t^2 = omega + alpha_1 x_{t-1}^2 + beta_1 sigma_{t-1}^2,
// starting from sigma_0 = initial_vol; the value is x_0..x_steps (steps + 1 entries along the last
// axis).

#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/time_series.hpp"

namespace hypatia {
namespace {

const double kLogTwoPi = std::log(2.0 * std::numbers::pi);

class Garch11Distribution final : public DistributionImpl {
 public:
  Garch11Distribution(Expr omega, Expr alpha_1, Expr beta_1, Expr initial_vol, std::int64_t steps)
      : omega_(std::move(omega)),
        alpha_1_(std::move(alpha_1)),
        beta_1_(std::move(beta_1)),
        initial_vol_(std::move(initial_vol)),
        steps_(steps) {
    if (steps_ < 1) {
      throw Error("GARCH11: steps must be at least 1, got " + std::to_string(steps_));
    }
  }

  std::string name() const override { return "GARCH11"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = composite::broadcast_shapes(
        name(), {omega_.shape(), alpha_1_.shape(), beta_1_.shape(), initial_vol_.shape()});
    shape.push_back(steps_ + 1);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("omega", omega_), parameters::nonnegative("alpha_1", alpha_1_),
            parameters::nonnegative("beta_1", beta_1_),
            parameters::positive("initial_vol", initial_vol_)};
  }
  // The variances depend on the whole past, so they come from a scan over x_0..x_{steps-1}; the
  // normal log densities are then evaluated for all steps at once.
  Expr unchecked_logp(const Expr& value) const override {
    time_series::check_length(name(), value.shape(), steps_ + 1);
    const Expr series = cast(value, DType::float64);
    const Expr initial_variance = composite::broadcast_together(
        {square(initial_vol_), omega_, alpha_1_, beta_1_, slice(series, -1, Index{0})})[0];
    const ScanResult recursion = scan(
        [&](const Exprs& previous, const Exprs& carries) {
          const Expr variance = next_variance(previous[0], carries[0]);
          return ScanStep{{variance}, {variance}};
        },
        {time_series::time_major(slice(series, -1, Slice{std::nullopt, steps_}))},
        {initial_variance});
    const Expr variances = concatenate(
        {time_series::per_step(initial_variance), time_series::time_minor(recursion.outputs[0])},
        -1);
    return sum(-0.5 * (kLogTwoPi + log(variances) + square(series) / variances), {-1});
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    time_series::check_length(name(), shape, steps_ + 1);
    const Shape batch = time_series::batch_of(shape);
    const Expr start = initial_vol_ * rng.normal(batch);
    const ScanResult path = scan(
        [&](const Exprs&, const Exprs& carries) {
          RandomStream step_rng(carries[0]);
          const Expr variance = next_variance(carries[1], carries[2]);
          const Expr next = sqrt(variance) * step_rng.normal(batch);
          return ScanStep{{step_rng.state(), next, variance}, {next}};
        },
        {}, {rng.state(), broadcast_to(start, batch), broadcast_to(square(initial_vol_), batch)},
        {.n_steps = steps_});
    rng = RandomStream(path.carries[0]);
    return concatenate({time_series::per_step(start), time_series::time_minor(path.outputs[0])},
                       -1);
  }

 private:
  Expr next_variance(const Expr& previous_value, const Expr& previous_variance) const {
    return omega_ + alpha_1_ * square(previous_value) + beta_1_ * previous_variance;
  }

  Expr omega_;
  Expr alpha_1_;
  Expr beta_1_;
  Expr initial_vol_;
  std::int64_t steps_;
};

}  // namespace

Distribution GARCH11(const Expr& omega, const Expr& alpha_1, const Expr& beta_1,
                     const Expr& initial_vol, std::int64_t steps) {
  return make_distribution<Garch11Distribution>(omega, alpha_1, beta_1, initial_vol, steps);
}

}  // namespace hypatia
