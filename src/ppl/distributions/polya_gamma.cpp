// PolyaGamma(h, z), h > 0: the law of X = 1 / (2 pi^2) sum_k g_k / ((k - 1/2)^2 + z^2 / (4 pi^2))
// with g_k ~ Gamma(h, 1) independent. Tilting PG(h, 0) by exp(-z^2 x / 2) gives the density
//   p(x | h, z) = cosh(z / 2)^h exp(-z^2 x / 2) p(x | h, 0),
// with log p(x | h, 0) the special function polya_gamma_logpdf (runtime/polya_gamma.cpp, accurate
// for all x > 0 and differentiable in h and x) and log cosh(z / 2) = |z| / 2 + softplus(-|z|) -
// log 2.
//
// Draws: the first kTerms gammas of the series exactly, the rest (whose mean h tanh(z/2) / (2z)
// minus that of the first terms is known in closed form, since sum_k 1 / ((k - 1/2)^2 + a^2) =
// pi tanh(pi a) / (2a)) as one Gamma draw with that exact mean and the variance of the tail's
// integral approximation. The tail holds about 1 / (pi^2 kTerms) of the mean and ~1e-8 of the
// variance, so the draws' mean is exact and their law is off only in that small tail.

#include <cmath>
#include <numbers>
#include <vector>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr std::int64_t kTerms = 100;

class PolyaGammaDistribution final : public DistributionImpl {
 public:
  PolyaGammaDistribution(Expr h, Expr z) : h_(std::move(h)), z_(std::move(z)) {}

  std::string name() const override { return "PolyaGamma"; }
  Shape default_shape() const override { return batch_shape({h_, z_}); }
  Support support() const override { return {SupportKind::positive}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("h", h_), parameters::finite("h", h_),
            parameters::finite("z", z_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr half_abs_z = 0.5 * abs(z_);
    const Expr log_cosh = half_abs_z + softplus(-2.0 * half_abs_z) - std::numbers::ln2;
    return h_ * log_cosh - 0.5 * square(z_) * value + polya_gamma_logpdf(h_, value);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr h = expand_dims(broadcast_to(h_, shape), {-1});
    const Expr z = broadcast_to(z_, shape);
    const Expr a_squared = expand_dims(square(z / (2.0 * kPi)), {-1});
    std::vector<double> centers(kTerms);
    for (std::int64_t k = 0; k < kTerms; ++k) centers[k] = square_of(k + 0.5);
    const Expr denominators = constant(Tensor::from_doubles(centers, {kTerms})) + a_squared;
    Shape terms_shape = shape;
    terms_shape.push_back(kTerms);
    const Expr head = sum(rng.gamma(h, terms_shape) / denominators, {-1});
    // sum_{k >= 1} 1 / ((k - 1/2)^2 + a^2) = pi tanh(pi a) / (2a) = (pi^2 / 2) tanh(u) / u with
    // u = z / 2 (tanh(u) / u by its series near 0).
    const Expr u = 0.5 * abs(z);
    const Expr small = less(u, 1e-4);
    const Expr safe_u = where(small, ones_like(u), u);
    const Expr tanh_ratio = where(small, 1.0 - square(u) / 3.0, tanh(safe_u) / safe_u);
    const Expr tail_sum =
        maximum(0.5 * kPi * kPi * tanh_ratio - sum(1.0 / denominators, {-1}), 1e-300);
    // The tail's sum of squared reciprocals over its sum, from the integrals over u > kTerms of
    // (u^2 + a^2)^-2 and (u^2 + a^2)^-1: 1 / (3 K^2) for a << K, 1 / (2 a^2) for a >> K.
    const Expr ratio = 1.0 / (3.0 * double(kTerms * kTerms) + 2.0 * squeeze(a_squared, {-1}));
    const Expr h_flat = squeeze(h, {-1});
    const Expr tail = rng.gamma(h_flat * tail_sum / ratio, shape) * ratio;
    return (head + tail) / (2.0 * kPi * kPi);
  }

 private:
  static double square_of(double x) { return x * x; }

  Expr h_;
  Expr z_;
};

}  // namespace

Distribution PolyaGamma(const Expr& h, const Expr& z) {
  return make_distribution<PolyaGammaDistribution>(h, z);
}

}  // namespace hypatia
