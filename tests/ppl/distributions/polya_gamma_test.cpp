// PolyaGamma(h, z): log density at h = 1 against the theta-function series (a representation the
// engine does not use), gradients in h, z and x against finite differences on both sides of the
// switch x = 1 + h/8 between the engine's two representations, draws against moments integrated
// from that series, and errors. General h is checked against mpmath in
// tests/python/test_distributions.py (test_polya_gamma_*).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

constexpr double kPi = std::numbers::pi;

Tensor column(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

// The PG(1, z) density: PG(1, 0) = J*(1) / 4 with Devroye's J* density
// pi sum_n (-1)^n (n + 1/2) exp(-(n + 1/2)^2 pi^2 y / 2), tilted by cosh(z/2) exp(-z^2 x / 2). Its
// terms fall monotonically, fast for x >= 0.05; below 0.05 (used only by the quadratures) the
// small-x series sum_n (-1)^n (2n + 1) / sqrt(2 pi x^3) exp(-(2n + 1)^2 / (8x)) instead.
double pg1_density(double x, double z) {
  long double sum = 0.0L;
  for (int n = 0; n < 400; ++n) {
    const long double k = n + 0.5L;
    const long double term = x >= 0.05 ? k * std::exp(-2.0L * k * k * kPi * kPi * x)
                                       : 2.0L * k * std::exp(-k * k / (2.0L * x));
    sum += n % 2 == 0 ? term : -term;
    if (term <= 1e-30L * std::abs(sum)) break;
  }
  const long double base = x >= 0.05 ? 4.0L * kPi * sum : sum / std::sqrt(2.0L * kPi * x * x * x);
  return static_cast<double>(base * std::cosh(0.5L * z) * std::exp(-0.5L * z * z * x));
}

TEST(PolyaGamma, LogDensityAtHOneMatchesTheThetaSeries) {
  const std::vector<double> xs = {0.05, 0.2, 0.9, 1.12, 1.13, 3.0, 12.0, 60.0};
  for (double z : {0.0, 3.0, -7.0}) {
    const Tensor logp = evaluate(PolyaGamma(1.0, z).logp(constant(column(xs))).node());
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const double expected = std::log(pg1_density(xs[i], z));
      EXPECT_NEAR(logp.at(static_cast<std::int64_t>(i)), expected, 1e-11 * (1 + std::abs(expected)))
          << "x = " << xs[i] << ", z = " << z;
    }
  }
}

TEST(PolyaGamma, OutsideTheSupportIsMinusInfinity) {
  const Tensor logp = evaluate(PolyaGamma(2.0, 1.0).logp(constant(column({-1.0, 0.0}))).node());
  EXPECT_EQ(logp.at(0), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(logp.at(1), -std::numeric_limits<double>::infinity());
}

TEST(PolyaGamma, GradientsInHZAndXOnBothSidesOfTheSwitch) {
  // (h, x): (0.6, 0.5) and (0.6, 1.5), (2, 1.2) and (2, 1.3), (9, 2.0) and (9, 6.0), (30, 4.5) and
  // (30, 12.0) straddle x = 1 + h/8.
  testing::expect_gradient_matches([](const Exprs& x) { return PolyaGamma(x[0], x[1]).logp(x[2]); },
                                   {column({0.6, 0.6, 2.0, 2.0, 9.0, 9.0, 30.0, 30.0}),
                                    column({0.3, -1.5, 4.0, 0.7, 2.0, -0.2, 1.0, 6.0}),
                                    column({0.5, 1.5, 1.2, 1.3, 2.0, 6.0, 4.5, 12.0})},
                                   {.rtol = 1e-6, .atol = 1e-7});
}

TEST(PolyaGamma, TheLogDensityOpHasFirstDerivativesOnly) {
  const Expr h = input("h", {DType::float64, {}});
  const Expr first = grad(polya_gamma_logpdf(h, 0.7), h);
  EXPECT_THROW(grad(first, h), Error);
}

constexpr std::int64_t kDraws = 20000;

std::vector<double> draws_of(const Distribution& distribution, std::uint64_t seed) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, {kDraws});
  const std::vector<Tensor> results =
      testing::evaluate_draws(state, {draws, distribution.support().contains(draws)}, seed);
  testing::expect_all_true(results[1], "PolyaGamma draws in the support");
  return testing::strided(results[0], 1, 0);
}

TEST(PolyaGamma, DrawsHaveTheMomentsOfTheDensity) {
  for (double z : {0.0, 2.0}) {
    const auto density = [z](double x) { return x <= 0.0 ? 0.0 : pg1_density(x, z); };
    const testing::Moments moments = testing::moments_by_quadrature(density, 0.0, 40.0);
    // Closed forms: mean tanh(z/2) / (2z), 1/4 at z = 0.
    EXPECT_NEAR(moments.mean, z == 0.0 ? 0.25 : std::tanh(0.5 * z) / (2 * z), 1e-8);
    testing::expect_moments(draws_of(PolyaGamma(1.0, z), 131 + static_cast<int>(z)), moments,
                            "PolyaGamma(1, z)");
  }
  // Integer h: the sum of h PG(1, z) draws, whose mean and variance add.
  const double z = 1.5, h = 3.0;
  const testing::Moments one = testing::moments_by_quadrature(
      [z](double x) { return x <= 0 ? 0.0 : pg1_density(x, z); }, 0.0, 40.0);
  const double mu4_one = one.kurtosis * one.variance * one.variance;
  // Fourth central moment of a sum of h iid: h mu4 + 3 h (h - 1) sigma^4.
  const double variance = h * one.variance;
  const double mu4 = h * mu4_one + 3 * h * (h - 1) * one.variance * one.variance;
  testing::expect_moments(
      draws_of(PolyaGamma(h, z), 137),
      {.mean = h * one.mean, .variance = variance, .kurtosis = mu4 / (variance * variance)},
      "PolyaGamma(3, 1.5)");
}

TEST(PolyaGamma, ConstantInvalidParametersAreBuildErrors) {
  using testing::error_message;
  using testing::expect_mentions;
  expect_mentions(error_message([] { PolyaGamma(0.0, 1.0); }), {"PolyaGamma", "h", "> 0"});
  expect_mentions(error_message([] { PolyaGamma(-2.0, 1.0); }), {"PolyaGamma", "h", "> 0"});
  expect_mentions(error_message([] { PolyaGamma(1.0, std::numeric_limits<double>::infinity()); }),
                  {"PolyaGamma", "z", "finite"});
}

}  // namespace
}  // namespace hypatia
