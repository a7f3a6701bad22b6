#include <Eigen/Dense>
#include <cmath>
#include <numbers>

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);
const double kLogPi = std::log(std::numbers::pi);
const double kSqrtHalfPi = std::sqrt(0.5 * std::numbers::pi);

// Where alpha h >= kLightTail (h = -z) the lower tail of a right-skewed distribution is much
// lighter than the normal one and Phi(z) - 2 T(z, alpha) would cancel; there the CDF comes from
// a positive integral instead. Below z = -kFarTail Phi(z) and T underflow; there an asymptotic
// series in 1/h^2 takes over (its error is below (2J+1)!! / h^(2J+2) ~ 1e-19 with J terms).
constexpr double kLightTail = 2.0;
constexpr double kFarTail = 30.0;
constexpr int kSeriesTerms = 8;
constexpr int kLaguerreNodes = 40;

// Gauss-Laguerre nodes and weights (weight exp(-s) on [0, inf)) by Golub-Welsch: the nodes are
// the eigenvalues of the Jacobi matrix of the Laguerre recurrence, the weights the squared first
// components of its normalized eigenvectors.
struct Quadrature {
  Expr nodes;
  Expr weights;
};

const Quadrature& gauss_laguerre() {
  static const Quadrature rule = [] {
    Eigen::MatrixXd jacobi = Eigen::MatrixXd::Zero(kLaguerreNodes, kLaguerreNodes);
    for (int i = 0; i < kLaguerreNodes; ++i) {
      jacobi(i, i) = 2.0 * i + 1.0;
      if (i > 0) jacobi(i, i - 1) = jacobi(i - 1, i) = i;
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(jacobi);
    Tensor nodes(DType::float64, {kLaguerreNodes});
    Tensor weights(DType::float64, {kLaguerreNodes});
    for (int i = 0; i < kLaguerreNodes; ++i) {
      nodes.set(i, solver.eigenvalues()(i));
      weights.set(i, std::pow(solver.eigenvectors()(0, i), 2));
    }
    return Quadrature{constant(nodes), constant(weights)};
  }();
  return rule;
}

// For alpha > 0, h > 0: P(X <= -h) = 1/pi int_alpha^inf exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx.
// With s = h^2 (x^2 - alpha^2) / 2 this is exp(-h^2 (1 + alpha^2) / 2) / (pi h^2) times
// int_0^inf exp(-s) / (x (1 + x^2)) ds, x = alpha sqrt(1 + 2 s / (alpha h)^2), whose integrand
// is smooth on [0, inf) (singular only at s <= -(alpha h)^2 / 2), so Gauss-Laguerre converges.
Expr log_light_tail(const Expr& h, const Expr& alpha) {
  const Quadrature& rule = gauss_laguerre();
  Expr h_axis = expand_dims(h, {-1});
  Expr alpha_axis = expand_dims(alpha, {-1});
  Expr x = alpha_axis * sqrt(1.0 + 2.0 * rule.nodes / square(alpha_axis * h_axis));
  Expr integral = sum(rule.weights / (x * (1.0 + square(x))), {-1});
  return -0.5 * square(h) * (1.0 + square(alpha)) - kLogPi - 2.0 * log(h) + log(integral);
}

// P(X <= -h) = exp(-h^2/2) / (pi h) int_{alpha h}^inf exp(-u^2/2) / (1 + u^2/h^2) du, expanded
// in powers of u^2/h^2 (valid for large h while alpha h stays small, or alpha <= 0). The moments
// M_j = int_k^inf u^2j exp(-u^2/2) du follow M_j = k^(2j-1) exp(-k^2/2) + (2j-1) M_(j-1).
Expr log_far_tail(const Expr& h, const Expr& alpha) {
  Expr k = alpha * h;
  Expr moment = kSqrtHalfPi * erfc(k / std::numbers::sqrt2);
  Expr boundary_term = k * exp(-0.5 * square(k));  // k^(2j-1) exp(-k^2/2)
  Expr inverse_h_squared = 1.0 / square(h);
  Expr series = moment;
  Expr scale = Expr(1.0);  // (-1/h^2)^j
  for (int j = 1; j <= kSeriesTerms; ++j) {
    moment = boundary_term + (2.0 * j - 1.0) * moment;
    boundary_term = boundary_term * square(k);
    scale = -scale * inverse_h_squared;
    series = series + scale * moment;
  }
  return -0.5 * square(h) - kLogPi - log(h) + log(series);
}

// log P(X <= z) for the standard skew normal and z <= 0. Each regime sees stand-in arguments
// where another is selected, so that no branch not taken produces inf or NaN (in the value or
// the gradient).
Expr standard_lower_logcdf(const Expr& z, const Expr& alpha) {
  Expr h = minimum(-z, 1e100);  // z = -inf would give inf * 0 in the series
  Expr light = greater(alpha, 0.0) & greater_equal(alpha * h, kLightTail);
  Expr far = logical_not(light) & greater_equal(h, kFarTail);
  Expr direct = logical_not(light | far);
  Expr light_value = log_light_tail(where(light, h, kLightTail), where(light, alpha, 1.0));
  Expr far_value = log_far_tail(where(far, h, kFarTail), where(far, alpha, 0.0));
  Expr z_direct = where(direct, z, 0.0);
  Expr direct_value = log(exp(normal_logcdf(z_direct)) - 2.0 * owens_t(z_direct, alpha));
  return where(light, light_value, where(far, far_value, direct_value));
}

// P(X <= z; alpha) = 1 - P(X <= -z; -alpha): positive z use the mirrored lower tail.
Expr standard_logcdf(const Expr& z, const Expr& alpha) {
  Expr lower = less_equal(z, 0.0);
  return where(lower, standard_lower_logcdf(minimum(z, 0.0), alpha),
               log1mexp(standard_lower_logcdf(minimum(-z, 0.0), -alpha)));
}

class SkewNormalDistribution final : public DistributionImpl {
 public:
  SkewNormalDistribution(Expr mu, Expr sigma, Expr alpha)
      : mu_(std::move(mu)), sigma_(std::move(sigma)), alpha_(std::move(alpha)) {}

  std::string name() const override { return "SkewNormal"; }
  Shape default_shape() const override { return batch_shape({mu_, sigma_, alpha_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("sigma", sigma_),
            parameters::finite("alpha", alpha_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    Expr z = (value - mu_) / sigma_;
    return std::numbers::ln2 - kHalfLogTwoPi - log(sigma_) - 0.5 * square(z) +
           normal_logcdf(alpha_ * z);
  }
  Expr logcdf(const Expr& value) const override {
    return standard_logcdf((value - mu_) / sigma_, alpha_);
  }
  Expr logccdf(const Expr& value) const override {
    return standard_logcdf((mu_ - value) / sigma_, -alpha_);
  }
  // delta |Z1| + sqrt(1 - delta^2) Z2 with delta = alpha / sqrt(1 + alpha^2).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr norm = sqrt(1.0 + square(alpha_));
    Expr standard = (alpha_ * abs(rng.normal(shape)) + rng.normal(shape)) / norm;
    return mu_ + sigma_ * standard;
  }

 private:
  Expr mu_;
  Expr sigma_;
  Expr alpha_;
};

}  // namespace

Distribution SkewNormal(const Expr& mu, const Expr& sigma, const Expr& alpha) {
  return make_distribution<SkewNormalDistribution>(mu, sigma, alpha);
}

}  // namespace hypatia
