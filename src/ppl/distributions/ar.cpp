// AR(rho, sigma, init_dist, steps, constant): an autoregression of order p, PyMC's convention:
//   x_t = c + rho_1 x_{t-1} + ... + rho_p x_{t-p} + sigma eps_t,   eps_t ~ Normal(0, 1)
// rho's last axis holds [c, rho_1, ..., rho_p] with `constant`, else [rho_1, ..., rho_p], so
// p = rho.shape[-1] - constant. The value is p + steps entries along the last axis: the first p
// come from init_dist (univariate, iid over the p entries, or a vector distribution of p entries),
// the other steps from the recursion.

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

class ArDistribution final : public DistributionImpl {
 public:
  ArDistribution(Expr rho, Expr sigma, Distribution init_dist, std::int64_t steps, bool constant)
      : rho_(std::move(rho)),
        sigma_(std::move(sigma)),
        init_(std::move(init_dist)),
        steps_(steps),
        constant_(constant) {
    if (rho_.rank() == 0 || rho_.shape().back() == kUnknownDim) {
      throw_shape_error(
          "AR: rho must have its coefficients along a last axis of known length, "
          "got shape " +
          shape_to_string(rho_.shape()));
    }
    order_ = rho_.shape().back() - (constant_ ? 1 : 0);
    if (order_ < 1) {
      throw_shape_error("AR: rho of shape " + shape_to_string(rho_.shape()) +
                        (constant_ ? " holds only the constant term" : " holds no coefficient") +
                        "; the order (rho.shape[-1] - constant) must be at least 1");
    }
    if (steps_ < 1) throw Error("AR: steps must be at least 1, got " + std::to_string(steps_));
    if (init_.event_rank() > 1) {
      throw Error("AR: init_dist must be univariate or a vector distribution, but " + init_.name() +
                  " has event rank " + std::to_string(init_.event_rank()));
    }
  }

  std::string name() const override { return "AR"; }
  int event_rank() const override { return 1; }
  // The last axis of init_dist's own shape (if any) runs over the p initial values.
  Shape default_shape() const override {
    Shape shape = composite::broadcast_shapes(
        name(), {time_series::batch_of(rho_.shape()), sigma_.shape(), init_batch_shape()});
    shape.push_back(order_ + steps_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    // rho's lag axis is not a batch axis: the condition holds per series.
    return {{"rho", all(logical_not(isnan(rho_) | isinf(rho_)), {-1}), "finite", rho_},
            parameters::positive("sigma", sigma_)};
  }
  // The conditional means of all steps at once: each lag is a shifted slice of the series.
  Expr unchecked_logp(const Expr& value) const override {
    time_series::check_length(name(), value.shape(), order_ + steps_);
    const Expr series = cast(value, DType::float64);
    Expr mean = constant_ ? per_step(coefficient(0)) : Expr(0.0);
    for (std::int64_t lag = 1; lag <= order_; ++lag) {
      const Expr lagged = slice(series, -1, Slice{order_ - lag, order_ - lag + steps_});
      mean = mean + per_step(coefficient(lag)) * lagged;
    }
    const Expr innovations = slice(series, -1, Slice{order_, std::nullopt}) - mean;
    const Expr innovations_logp =
        sum(time_series::normal_logpdf(innovations, 0.0, per_step(sigma_)), {-1});
    const Expr initial = slice(series, -1, Slice{std::nullopt, order_});
    Expr initial_logp = init_.logp(initial);
    if (init_.event_rank() == 0) initial_logp = sum(initial_logp, {-1});
    return initial_logp + innovations_logp;
  }
  // A scan over the steps carrying the random state and the last p values (oldest first).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    time_series::check_length(name(), shape, order_ + steps_);
    const Shape batch = time_series::batch_of(shape);
    Shape window_shape = batch;
    window_shape.push_back(order_);
    const Expr initial = cast(init_.random(rng, window_shape), DType::float64);
    // Lag coefficients newest-last, to line up with the window: [rho_p, ..., rho_1].
    const std::int64_t last = rho_.shape().back() - 1;
    const Expr window_coefficients =
        slice(rho_, -1, Slice{last, constant_ ? std::optional<std::int64_t>(0) : std::nullopt, -1});
    const Expr offset = constant_ ? coefficient(0) : Expr(0.0);
    const ScanResult path = scan(
        [&](const Exprs&, const Exprs& carries) {
          RandomStream step_rng(carries[0]);
          const Expr& window = carries[1];
          const Expr next =
              offset + sum(window_coefficients * window, {-1}) + sigma_ * step_rng.normal(batch);
          const Expr shifted =
              order_ == 1
                  ? per_step(next)
                  : concatenate({slice(window, -1, Slice{1, std::nullopt}), per_step(next)}, -1);
          return ScanStep{{step_rng.state(), shifted}, {next}};
        },
        {}, {rng.state(), broadcast_to(initial, window_shape)}, {.n_steps = steps_});
    rng = RandomStream(path.carries[0]);
    return concatenate({initial, time_series::time_minor(path.outputs[0])}, -1);
  }

 private:
  // The constant (index 0 with `constant`) or the coefficient of `lag` (1..p), per series.
  Expr coefficient(std::int64_t lag) const {
    return slice(rho_, -1, Index{lag - 1 + (constant_ ? 1 : 0)});
  }

  Shape init_batch_shape() const {
    const Shape own = init_.default_shape();
    return own.empty() ? own : time_series::batch_of(own);
  }

  Expr rho_;
  Expr sigma_;
  Distribution init_;
  std::int64_t steps_;
  bool constant_;
  std::int64_t order_ = 0;
};

}  // namespace

Distribution AR(const Expr& rho, const Expr& sigma, const Distribution& init_dist,
                std::int64_t steps, bool constant) {
  return make_distribution<ArDistribution>(rho, sigma, init_dist, steps, constant);
}

}  // namespace hypatia
