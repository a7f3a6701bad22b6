#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kLogTwoPi = std::log(2.0 * std::numbers::pi);
// Candidates per draw in the vectorized rejection sampler. Best and Fisher's envelope accepts at
// least ~66% of candidates for every kappa, so all 40 fail with probability below 1e-18.
constexpr std::int64_t kCandidates = 40;

// Circular distribution on [-pi, pi] whatever mu (PyMC's support; the density is periodic, so the
// window holds one full period). No CDF in closed form, so it has no logcdf and cannot be
// truncated or censored.
class VonMisesDistribution final : public DistributionImpl {
 public:
  VonMisesDistribution(Expr mu, Expr kappa) : mu_(std::move(mu)), kappa_(std::move(kappa)) {}

  std::string name() const override { return "VonMises"; }
  Shape default_shape() const override { return batch_shape({mu_, kappa_}); }
  Support support() const override {
    return {SupportKind::interval, Expr(-std::numbers::pi), Expr(std::numbers::pi)};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("kappa", kappa_)};
  }
  // kappa cos(d) - log(2 pi I0(kappa)) with I0 scaled by exp(-kappa) so large kappa does not
  // overflow; kappa (cos d - 1) is written as -2 kappa sin^2(d/2), which does not cancel near the
  // mode.
  Expr unchecked_logp(const Expr& value) const override {
    Expr half_angle = 0.5 * (value - mu_);
    return -2.0 * kappa_ * square(sin(half_angle)) - kLogTwoPi - log(i0e(kappa_));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override;

 private:
  Expr mu_;
  Expr kappa_;
};

// Best & Fisher (1979): a wrapped-Cauchy envelope, r = (1 + rho^2) / (2 rho) with rho written
// as 2 kappa / (tau + sqrt(2 tau)), tau = 1 + sqrt(1 + 4 kappa^2), which does not cancel for small
// kappa. Rejection has no fixed length, so every draw gets kCandidates candidates along an extra
// axis and keeps the first accepted one (the last, should none be).
Expr VonMisesDistribution::random(RandomStream& rng, const Shape& shape) const {
  Shape candidates_shape = shape;
  candidates_shape.push_back(kCandidates);
  Expr kappa = expand_dims(broadcast_to(kappa_, shape), {-1});
  Expr tau = 1.0 + sqrt(1.0 + 4.0 * square(kappa));
  Expr rho = 2.0 * kappa / (tau + sqrt(2.0 * tau));
  Expr r = (1.0 + square(rho)) / (2.0 * rho);
  Expr z = cos(std::numbers::pi * rng.uniform(candidates_shape));
  Expr cosine = (1.0 + r * z) / (r + z);
  Expr c = kappa * (r - cosine);
  Expr u = rng.uniform(candidates_shape);
  Expr accepted = greater(c * (2.0 - c), u) | greater_equal(log(c / u) + 1.0 - c, 0.0);
  Expr first = accepted & equal(cumsum(cast(accepted, DType::float64), -1), 1.0);
  Expr chosen = where(any(accepted, {-1}), sum(where(first, cosine, 0.0), {-1}),
                      slice(cosine, -1, Index{-1}));
  Expr side = sign(rng.uniform(shape) - 0.5);
  Expr angle = mu_ + side * arccos(clip(chosen, -1.0, 1.0));
  // Wrapped into [-pi, pi], the support.
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  return angle - kTwoPi * round(angle / kTwoPi);
}

}  // namespace

Distribution VonMises(const Expr& mu, const Expr& kappa) {
  return make_distribution<VonMisesDistribution>(mu, kappa);
}

}  // namespace hypatia
