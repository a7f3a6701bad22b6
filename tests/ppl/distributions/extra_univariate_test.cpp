// AsymmetricLaplace, Triangular, Rice, Moyal, LogitNormal, HyperGeometric, DiscreteWeibull and the
// hurdle families: log densities (and log CDFs) against scipy / mpmath
// (scripts/fixtures/distributions_extra.py), gradients against finite differences, draws against
// analytic moments and distributions, and build-time errors naming the parameter.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"
#include "ppl/distributions/univariate_cases.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using P = const std::vector<Expr>&;
using testing::Moments;
using testing::Pmf;

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();

TEST(ExtraUnivariateDistributions, ContinuousMatchScipy) {
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_extra_continuous.csv",
       .factories = {
           {"AsymmetricLaplace", [](P p) { return AsymmetricLaplace(p[0], p[1], p[2]); }},
           {"Triangular", [](P p) { return Triangular(p[0], p[1], p[2]); }},
           {"Rice", [](P p) { return Rice(p[0], p[1]); }},
           {"Moyal", [](P p) { return Moyal(p[0], p[1]); }},
           {"LogitNormal", [](P p) { return LogitNormal(p[0], p[1]); }},
           {"HurdleGamma", [](P p) { return HurdleGamma(p[0], p[1], p[2]); }},
           {"HurdleLogNormal", [](P p) { return HurdleLogNormal(p[0], p[1], p[2]); }},
       }});
}

TEST(ExtraUnivariateDistributions, DiscreteMatchScipy) {
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_extra_discrete.csv",
       .factories =
           {
               {"HyperGeometric", [](P p) { return HyperGeometric(p[0], p[1], p[2]); }},
               {"DiscreteWeibull", [](P p) { return DiscreteWeibull(p[0], p[1]); }},
               {"HurdlePoisson", [](P p) { return HurdlePoisson(p[0], p[1]); }},
               {"HurdleNegativeBinomial",
                [](P p) { return HurdleNegativeBinomial(p[0], p[1], p[2]); }},
           },
       .value_dtype = DType::int64});
}

// ---- gradients ----------------------------------------------------------------------------------

Tensor column(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

TEST(ExtraUnivariateDistributions, ContinuousGradients) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return AsymmetricLaplace(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.5, 1.0, 3.0}), column({0.0, 1.0, -2.0}), column({1.0, 2.0, 0.5}),
       column({-1.3, 2.5, -1.0})});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return Triangular(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.0, -2.0}), column({0.5, 3.0}), column({1.0, 4.0}), column({0.3, 3.5})});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return Rice(x[0], x[1]).logp(x[2]); },
      {column({0.5, 2.0, 20.0}), column({1.0, 0.7, 2.0}), column({0.4, 2.5, 23.0})});
  testing::expect_gradient_matches([](const Exprs& x) { return Moyal(x[0], x[1]).logp(x[2]); },
                                   {column({0.0, 2.0}), column({1.0, 0.5}), column({-1.0, 4.0})});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return LogitNormal(x[0], x[1]).logp(x[2]); },
      {column({0.0, 1.0}), column({1.0, 0.5}), column({0.2, 0.85})});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return HurdleGamma(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.3, 0.8}), column({2.0, 0.5}), column({1.0, 3.0}), column({1.5, 0.2})});
  testing::expect_gradient_matches(
      [](const Exprs& x) { return HurdleLogNormal(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.3, 0.8}), column({0.0, 1.0}), column({1.0, 0.5}), column({1.5, 0.2})});
}

TEST(ExtraUnivariateDistributions, DiscreteGradientsInTheParameters) {
  const Expr counts = constant(Tensor::from_ints({0, 1, 4}, {3}));
  testing::expect_gradient_matches(
      [&](const Exprs& x) { return DiscreteWeibull(x[0], x[1]).logp(counts); },
      {column({0.5, 0.9, 0.2}), column({1.0, 0.5, 2.5})});
  testing::expect_gradient_matches(
      [&](const Exprs& x) { return HurdlePoisson(x[0], x[1]).logp(counts); },
      {column({0.3, 0.9, 0.6}), column({2.0, 0.1, 5.0})});
  testing::expect_gradient_matches(
      [&](const Exprs& x) { return HurdleNegativeBinomial(x[0], x[1], x[2]).logp(counts); },
      {column({0.3, 0.9, 0.6}), column({2.0, 0.5, 5.0}), column({1.0, 10.0, 0.3})});
}

// ---- draws --------------------------------------------------------------------------------------

constexpr std::int64_t kDraws = 20000;

std::vector<double> draws_of(const Distribution& distribution, std::uint64_t seed,
                             std::int64_t count = kDraws) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, {count});
  const std::vector<Tensor> results = testing::evaluate_draws(
      state, {cast(draws, DType::float64), distribution.support().contains(draws)}, seed);
  testing::expect_all_true(results[1], distribution.name() + " draws in the support");
  return testing::strided(results[0], 1, 0);
}

// Each continuous family's draws against moments of its density written out here and integrated
// numerically, and against its CDF (KS) where the CDF has a closed form.
TEST(ExtraUnivariateDistributions, ContinuousDrawsFitTheirDensities) {
  {
    const double kappa = 2.0, mu = 1.0, b = 0.5;
    const auto density = [=](double x) {
      const double z = (x - mu) / b;
      return std::exp(z < 0 ? z / kappa : -kappa * z) / (b * (kappa + 1.0 / kappa));
    };
    const auto cdf = [=](double x) {
      const double z = (x - mu) / b, k2 = kappa * kappa;
      return z < 0 ? k2 / (1 + k2) * std::exp(z / kappa) : 1 - std::exp(-kappa * z) / (1 + k2);
    };
    const std::vector<double> x = draws_of(AsymmetricLaplace(kappa, mu, b), 71);
    testing::expect_moments(x, testing::moments_by_quadrature(density, -INFINITY, INFINITY),
                            "AsymmetricLaplace");
    testing::expect_kolmogorov_smirnov_fits(x, cdf, "AsymmetricLaplace");
  }
  {
    const double lower = -1.0, c = 0.5, upper = 3.0;
    const auto density = [=](double x) {
      if (x < lower || x > upper) return 0.0;
      return x < c ? 2 * (x - lower) / ((upper - lower) * (c - lower))
                   : 2 * (upper - x) / ((upper - lower) * (upper - c));
    };
    const auto cdf = [=](double x) {
      if (x <= lower) return 0.0;
      if (x >= upper) return 1.0;
      return x < c ? (x - lower) * (x - lower) / ((upper - lower) * (c - lower))
                   : 1 - (upper - x) * (upper - x) / ((upper - lower) * (upper - c));
    };
    const std::vector<double> x = draws_of(Triangular(lower, c, upper), 73);
    testing::expect_moments(x, testing::moments_by_quadrature(density, lower, upper), "Triangular");
    testing::expect_kolmogorov_smirnov_fits(x, cdf, "Triangular");
  }
  {
    const double nu = 1.5, sigma = 0.8;
    const auto density = [=](double x) {
      return x / (sigma * sigma) * std::exp(-(x * x + nu * nu) / (2 * sigma * sigma)) *
             std::cyl_bessel_i(0.0, x * nu / (sigma * sigma));
    };
    testing::expect_moments(draws_of(Rice(nu, sigma), 79),
                            testing::moments_by_quadrature(density, 0.0, 30.0), "Rice");
  }
  {
    const double mu = 0.5, sigma = 1.5;
    const auto density = [=](double x) {
      const double z = (x - mu) / sigma;
      return std::exp(-0.5 * (z + std::exp(-z))) / (sigma * std::sqrt(2 * std::numbers::pi));
    };
    const auto cdf = [=](double x) {
      return std::erfc(std::exp(-0.5 * (x - mu) / sigma) / std::numbers::sqrt2);
    };
    const std::vector<double> x = draws_of(Moyal(mu, sigma), 83);
    const Moments moments = testing::moments_by_quadrature(density, -INFINITY, INFINITY);
    // The closed forms: mean mu + sigma (gamma + log 2), variance pi^2 sigma^2 / 2.
    EXPECT_NEAR(moments.mean, mu + sigma * (std::numbers::egamma + std::numbers::ln2), 1e-8);
    EXPECT_NEAR(moments.variance, std::numbers::pi * std::numbers::pi * sigma * sigma / 2, 1e-7);
    testing::expect_moments(x, moments, "Moyal");
    testing::expect_kolmogorov_smirnov_fits(x, cdf, "Moyal");
  }
  {
    const double mu = 0.7, sigma = 1.2;
    const auto density = [=](double x) {
      const double z = (std::log(x / (1 - x)) - mu) / sigma;
      return std::exp(-0.5 * z * z) / (sigma * std::sqrt(2 * std::numbers::pi) * x * (1 - x));
    };
    testing::expect_moments(draws_of(LogitNormal(mu, sigma), 89),
                            testing::moments_by_quadrature(density, 0.0, 1.0), "LogitNormal");
  }
  {
    // HurdleGamma: 0 with probability 1 - psi, else Gamma(alpha, beta) (truncation at eps is far
    // below the draws' resolution for alpha = 2): raw moments psi E[G^m].
    const double psi = 0.6, alpha = 2.0, beta = 1.5;
    double raw[5] = {1, 0, 0, 0, 0};
    for (int m = 1; m <= 4; ++m) raw[m] = raw[m - 1] * (alpha + m - 1) / beta;
    const std::vector<double> x = draws_of(HurdleGamma(psi, alpha, beta), 97);
    testing::expect_moments(
        x, testing::moments_from_raw(psi * raw[1], psi * raw[2], psi * raw[3], psi * raw[4]),
        "HurdleGamma");
    double zeros = 0;
    for (double v : x) zeros += v == 0.0 ? 1.0 : 0.0;
    EXPECT_NEAR(zeros / kDraws, 1 - psi, 5 * std::sqrt(psi * (1 - psi) / kDraws));
  }
}

TEST(ExtraUnivariateDistributions, DiscreteDrawsFitTheirMassFunctions) {
  {
    const double q = 0.8, beta = 1.4;
    const Pmf pmf{[=](std::int64_t k) {
                    return std::pow(q, std::pow(k, beta)) - std::pow(q, std::pow(k + 1.0, beta));
                  },
                  0};
    const std::vector<double> x = draws_of(DiscreteWeibull(q, beta), 101);
    testing::expect_moments(x, testing::pmf_moments(pmf), "DiscreteWeibull");
    testing::expect_chi_square_fits(x, pmf, "DiscreteWeibull");
  }
  for (double mu : {0.3, 4.0}) {
    const double psi = 0.7;
    const Pmf pmf{[=](std::int64_t k) {
                    if (k == 0) return 1 - psi;
                    return psi * std::exp(k * std::log(mu) - mu - std::lgamma(k + 1.0)) /
                           (1 - std::exp(-mu));
                  },
                  0};
    const std::vector<double> x = draws_of(HurdlePoisson(psi, mu), 103);
    const std::string what = "HurdlePoisson mu " + std::to_string(mu);
    testing::expect_moments(x, testing::pmf_moments(pmf), what);
    testing::expect_chi_square_fits(x, pmf, what);
  }
  for (const auto& [mu, alpha] : std::vector<std::pair<double, double>>{{0.4, 0.7}, {6.0, 2.5}}) {
    const double psi = 0.6;
    const double p = alpha / (alpha + mu);
    const auto nb = [=](std::int64_t k) {
      return std::exp(std::lgamma(k + alpha) - std::lgamma(alpha) - std::lgamma(k + 1.0) +
                      alpha * std::log(p) + k * std::log1p(-p));
    };
    const Pmf pmf{[=](std::int64_t k) { return k == 0 ? 1 - psi : psi * nb(k) / (1 - nb(0)); }, 0};
    const std::vector<double> x = draws_of(HurdleNegativeBinomial(psi, mu, alpha), 107, 5000);
    const std::string what = "HurdleNegativeBinomial mu " + std::to_string(mu);
    testing::expect_moments(x, testing::pmf_moments(pmf), what);
    testing::expect_chi_square_fits(x, pmf, what);
  }
  {
    const double big_n = 30, k = 12, n = 9;
    const Pmf pmf{
        [=](std::int64_t x) {
          const auto log_choose = [](double a, double b) {
            return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1);
          };
          return std::exp(log_choose(k, x) + log_choose(big_n - k, n - x) - log_choose(big_n, n));
        },
        0, 9};
    const std::vector<double> x = draws_of(HyperGeometric(big_n, k, n), 109);
    testing::expect_moments(x, testing::pmf_moments(pmf), "HyperGeometric");
    testing::expect_chi_square_fits(x, pmf, "HyperGeometric");
  }
}

// ---- errors and properties ----------------------------------------------------------------------

TEST(ExtraUnivariateDistributions, ConstantInvalidParametersAreBuildErrors) {
  using testing::error_message;
  using testing::expect_mentions;
  expect_mentions(error_message([] { AsymmetricLaplace(-1.0, 0.0, 1.0); }),
                  {"AsymmetricLaplace", "kappa"});
  expect_mentions(error_message([] { Triangular(0.0, 2.0, 1.0); }), {"Triangular", "c <= upper"});
  expect_mentions(error_message([] { Rice(1.0, 0.0); }), {"Rice", "sigma"});
  expect_mentions(error_message([] { Moyal(0.0, -1.0); }), {"Moyal", "sigma"});
  expect_mentions(error_message([] { LogitNormal(0.0, -1.0); }), {"LogitNormal", "sigma"});
  expect_mentions(error_message([] { HyperGeometric(10, 11, 3); }), {"HyperGeometric", "k <= N"});
  expect_mentions(error_message([] { DiscreteWeibull(1.0, 1.0); }), {"DiscreteWeibull", "q"});
  expect_mentions(error_message([] { HurdlePoisson(1.5, 1.0); }), {"HurdlePoisson", "psi"});
  expect_mentions(error_message([] { HurdlePoisson(0.5, 0.0); }), {"HurdlePoisson", "mu"});
  expect_mentions(error_message([] { HurdleNegativeBinomial(0.5, 1.0, -1.0); }),
                  {"HurdleNegativeBinomial", "alpha"});
  expect_mentions(error_message([] { HurdleGamma(0.5, -2.0, 1.0); }), {"HurdleGamma", "alpha"});
  expect_mentions(error_message([] { HurdleLogNormal(0.5, 0.0, 0.0); }),
                  {"HurdleLogNormal", "sigma"});
  expect_mentions(error_message([] {
                    RandomStream rng(testing::random_state_placeholder());
                    HyperGeometric(input("N", {DType::float64, {}}), 3,
                                   input("n", {DType::float64, {}}))
                        .random(rng, {4});
                  }),
                  {"HyperGeometric", "n", "constant"});
}

TEST(ExtraUnivariateDistributions, SupportsAndDiscreteness) {
  EXPECT_TRUE(HyperGeometric(10, 4, 3).is_discrete());
  EXPECT_TRUE(HurdleNegativeBinomial(0.5, 1.0, 2.0).is_discrete());
  EXPECT_FALSE(HurdleGamma(0.5, 1.0, 2.0).is_discrete());
  // The hurdle's continuous part starts at eps: values in (0, eps) have no density.
  const Tensor logp = evaluate(
      HurdleLogNormal(0.5, 0.0, 1.0).logp(constant(column({0.0, 0.5 * kEpsilon, 1.0}))).node());
  EXPECT_DOUBLE_EQ(logp.at(0), std::log(0.5));
  EXPECT_EQ(logp.at(1), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isfinite(logp.at(2)));
  // The quantile functions invert the CDFs.
  const Tensor p = evaluate(AsymmetricLaplace(2.0, 1.0, 0.5)
                                .logcdf(AsymmetricLaplace(2.0, 1.0, 0.5).quantile(0.3))
                                .node());
  EXPECT_NEAR(std::exp(p.at(0)), 0.3, 1e-12);
  const Tensor t =
      evaluate(Triangular(0.0, 1.0, 4.0).logcdf(Triangular(0.0, 1.0, 4.0).quantile(0.8)).node());
  EXPECT_NEAR(std::exp(t.at(0)), 0.8, 1e-12);
  const Tensor l =
      evaluate(LogitNormal(0.5, 2.0).logcdf(LogitNormal(0.5, 2.0).quantile(0.1)).node());
  EXPECT_NEAR(std::exp(l.at(0)), 0.1, 1e-10);
}

}  // namespace
}  // namespace hypatia
