// Mixture, Truncated and Censored: log densities and log CDFs against scipy
// (scripts/fixtures/distributions_combinators.py), gradients against finite differences, total
// probability by quadrature, draws against analytic moments, and build-time errors.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <numbers>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/univariate_cases.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::contains;
using testing::error_message;

Expr vector_constant(const std::vector<double>& values) {
  return constant(Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())}));
}

Expr two_weights(const Expr& first) {
  return stack({first, 1.0 - first}, -1);
}

using P = const std::vector<Expr>&;

TEST(CombinatorDistributions, MixturesMatchScipy) {
  const Expr three_weights = vector_constant({0.2, 0.5, 0.3});
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_mixture.csv",
       .factories = {{"MixtureNormal2",
                      [](P p) {
                        return Mixture(two_weights(p[0]), {Normal(p[1], 1.0), Normal(p[2], 2.5)});
                      }},
                     {"MixtureNormalExponential",
                      [](P p) {
                        return Mixture(two_weights(p[0]), {Normal(p[1], 1.0), Exponential(p[2])});
                      }},
                     {"MixtureHalf3", [&](P p) {
                        return Mixture(three_weights,
                                       {HalfNormal(p[0]), Exponential(p[1]), HalfCauchy(p[2])});
                      }}}});
}

TEST(CombinatorDistributions, TruncationsMatchScipy) {
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_truncated.csv",
       .factories = {
           {"TruncatedStdNormal", [](P p) { return Truncated(Normal(0.0, 1.0), p[0], p[1]); }},
           {"TruncatedNormalLower",
            [](P p) { return Truncated(Normal(p[0], p[1]), p[2], std::nullopt); }},
           {"TruncatedNormalUpper",
            [](P p) { return Truncated(Normal(p[0], p[1]), std::nullopt, p[2]); }},
           {"TruncatedExponential", [](P p) { return Truncated(Exponential(p[0]), p[1], p[2]); }},
           {"TruncatedHalfCauchy", [](P p) { return Truncated(HalfCauchy(p[0]), p[1], p[2]); }}}});
}

TEST(CombinatorDistributions, CensoringsMatchScipy) {
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_censored.csv",
       .factories = {
           {"CensoredNormal",
            [](P p) { return Censored(Normal(p[0], p[1]), Expr(-1.0), Expr(2.0)); }},
           {"CensoredNormalUpper",
            [](P p) { return Censored(Normal(p[0], p[1]), std::nullopt, p[2]); }},
           {"CensoredExponential", [](P p) { return Censored(Exponential(p[0]), p[1], p[2]); }}}});
}

// ---- Gradients ----------------------------------------------------------------------------------

Tensor tensor_of(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

// Weights from softmax logits, so finite differences stay on the simplex.
TEST(CombinatorDistributions, MixtureGradientInWeightsComponentsAndValue) {
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        const Expr weights = exp(in[0] - logsumexp(in[0], {-1}, true));
        std::vector<Distribution> components;
        for (std::int64_t k = 0; k < 3; ++k) {
          components.push_back(Normal(slice(in[1], 0, Index{k}), slice(in[2], 0, Index{k})));
        }
        return Mixture(weights, components).logp(in[3]);
      },
      {tensor_of({0.3, -0.5, 1.1}), tensor_of({-2.0, 0.5, 3.0}), tensor_of({0.6, 1.0, 2.2}),
       tensor_of({-2.5, -0.3, 1.4, 6.0})});
}

// The second series sits far in the upper tail, where the mass is a difference of survival
// functions: its gradient must be finite and right as well.
TEST(CombinatorDistributions, TruncatedNormalGradientInParametersBoundsAndValue) {
  testing::expect_gradient_matches(
      [](const Exprs& in) { return Truncated(Normal(in[0], in[1]), in[2], in[3]).logp(in[4]); },
      {tensor_of({0.2, 0.0}), tensor_of({1.3, 1.0}), tensor_of({-1.0, 5.0}), tensor_of({2.0, 10.0}),
       tensor_of({0.5, 6.0})});
}

// Values exactly at the bounds carry the tail probabilities: d/d(mu, sigma) of log Phi.
TEST(CombinatorDistributions, CensoredNormalGradientAtAndBetweenBounds) {
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return Censored(Normal(in[0], in[1]), Expr(-1.0), Expr(2.0))
            .logp(vector_constant({-1.0, 0.5, 2.0}));
      },
      {Tensor::scalar(0.4), Tensor::scalar(1.3)});
}

// ---- Total probability by quadrature ------------------------------------------------------------

// Simpson's rule for the density over [a, b] on `intervals` (even) subintervals (interpreter; the
// fixtures cover the native backend).
double integrate_density(const Distribution& distribution, double a, double b,
                         std::int64_t intervals) {
  std::vector<double> grid;
  for (std::int64_t i = 0; i <= intervals; ++i) {
    grid.push_back(a + (b - a) * static_cast<double>(i) / static_cast<double>(intervals));
  }
  const Tensor logp = evaluate(distribution.logp(vector_constant(grid)).node());
  double total = 0.0;
  for (std::int64_t i = 0; i <= intervals; ++i) {
    const double weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
    total += weight * std::exp(logp.at(i));
  }
  return total * (b - a) / (3.0 * static_cast<double>(intervals));
}

double logp_at(const Distribution& distribution, double value) {
  return evaluate(distribution.logp(Expr(value)).node()).at(0);
}

TEST(CombinatorDistributions, TruncatedDensityIntegratesToOneAndVanishesOutside) {
  const Distribution truncated = Truncated(Normal(0.7, 1.6), Expr(-0.5), Expr(2.5));
  EXPECT_NEAR(integrate_density(truncated, -0.5, 2.5, 2000), 1.0, 1e-10);
  EXPECT_EQ(logp_at(truncated, -0.5000001), -INFINITY);
  EXPECT_EQ(logp_at(truncated, 2.5000001), -INFINITY);
  EXPECT_TRUE(std::isfinite(logp_at(truncated, -0.5)));
  EXPECT_TRUE(std::isfinite(logp_at(truncated, 2.5)));

  // Truncated above only: the base's own support bounds it below.
  const Distribution exponential = Truncated(Exponential(0.8), std::nullopt, Expr(3.0));
  EXPECT_NEAR(integrate_density(exponential, 0.0, 3.0, 2000), 1.0, 1e-10);
  EXPECT_EQ(logp_at(exponential, -0.1), -INFINITY);
}

// The bounds hold the tail masses; with the density in between the total is one.
TEST(CombinatorDistributions, CensoredMassesAtTheBoundsCompleteTheDensity) {
  const Distribution censored = Censored(Normal(0.3, 1.2), Expr(-1.0), Expr(2.0));
  const double at_lower = std::exp(logp_at(censored, -1.0));
  const double at_upper = std::exp(logp_at(censored, 2.0));
  EXPECT_NEAR(at_lower, 0.5 * std::erfc(1.3 / 1.2 / std::numbers::sqrt2), 1e-14);
  EXPECT_NEAR(at_upper, 0.5 * std::erfc(1.7 / 1.2 / std::numbers::sqrt2), 1e-14);
  // The open interval: at the bounds themselves logp is the mass, not the density.
  const double inside = integrate_density(censored, -1.0 + 1e-13, 2.0 - 1e-13, 2000);
  EXPECT_NEAR(at_lower + at_upper + inside, 1.0, 1e-10);
  EXPECT_EQ(logp_at(censored, -1.0000001), -INFINITY);
  EXPECT_EQ(logp_at(censored, 2.0000001), -INFINITY);
}

// ---- Draws --------------------------------------------------------------------------------------

// Draws built by `make` from a fresh stream with `seed`, on both backends (which must agree).
Tensor draw(const std::function<Expr(RandomStream&)>& make, std::uint64_t seed) {
  const Expr state = input("rng_state", random_state_type());
  RandomStream rng(state);
  const Expr draws = make(rng);
  return testing::evaluate_on_backends({state.node()}, {draws.node()}, {random_state(seed)})[0];
}

struct Moments {
  double mean = 0.0;
  double variance = 0.0;
};

Moments moments_of(const Tensor& draws) {
  Moments m;
  const auto n = static_cast<double>(draws.size());
  for (std::int64_t i = 0; i < draws.size(); ++i) m.mean += draws.at(i) / n;
  for (std::int64_t i = 0; i < draws.size(); ++i) m.variance += std::pow(draws.at(i) - m.mean, 2);
  m.variance /= n - 1.0;
  return m;
}

// Mean and variance of 0.2 N(-2, 0.5) + 0.5 N(0, 1) + 0.3 N(3, 2), within 5 standard errors
// (the variance's from the mixture's analytic fourth central moment).
TEST(CombinatorDistributions, MixtureDrawsHaveTheMixtureMoments) {
  const std::vector<double> weights{0.2, 0.5, 0.3}, mus{-2.0, 0.0, 3.0}, sigmas{0.5, 1.0, 2.0};
  const std::int64_t n = 20000;
  const Tensor draws = draw(
      [&](RandomStream& rng) {
        std::vector<Distribution> components;
        for (int k = 0; k < 3; ++k) components.push_back(Normal(mus[k], sigmas[k]));
        return Mixture(vector_constant(weights), components).random(rng, {n});
      },
      17);
  double mean = 0.0, second = 0.0;
  for (int k = 0; k < 3; ++k) {
    mean += weights[k] * mus[k];
    second += weights[k] * (sigmas[k] * sigmas[k] + mus[k] * mus[k]);
  }
  const double variance = second - mean * mean;
  double fourth = 0.0;
  for (int k = 0; k < 3; ++k) {
    const double d = mus[k] - mean, s2 = sigmas[k] * sigmas[k];
    fourth += weights[k] * (std::pow(d, 4) + 6.0 * d * d * s2 + 3.0 * s2 * s2);
  }
  const Moments m = moments_of(draws);
  EXPECT_NEAR(m.mean, mean, 5.0 * std::sqrt(variance / n));
  EXPECT_NEAR(m.variance, variance, 5.0 * std::sqrt((fourth - variance * variance) / n));
}

// Clipped draws: the fractions at the bounds are the tail probabilities.
TEST(CombinatorDistributions, CensoredDrawsPileUpAtTheBounds) {
  const std::int64_t n = 20000;
  const Tensor draws = draw(
      [&](RandomStream& rng) {
        return Censored(Normal(0.0, 1.0), Expr(-1.0), Expr(1.5)).random(rng, {n});
      },
      5);
  double at_lower = 0.0, at_upper = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    ASSERT_GE(draws.at(i), -1.0);
    ASSERT_LE(draws.at(i), 1.5);
    at_lower += draws.at(i) == -1.0 ? 1.0 / n : 0.0;
    at_upper += draws.at(i) == 1.5 ? 1.0 / n : 0.0;
  }
  const double p_lower = 0.5 * std::erfc(1.0 / std::numbers::sqrt2);
  const double p_upper = 0.5 * std::erfc(1.5 / std::numbers::sqrt2);
  EXPECT_NEAR(at_lower, p_lower, 5.0 * std::sqrt(p_lower * (1 - p_lower) / n));
  EXPECT_NEAR(at_upper, p_upper, 5.0 * std::sqrt(p_upper * (1 - p_upper) / n));
}

// ---- Supports and errors ------------------------------------------------------------------------

// A discrete family for the checks below (Hypatia's discrete families live elsewhere).
class CountsStub final : public DistributionImpl {
 public:
  std::string name() const override { return "CountsStub"; }
  Shape default_shape() const override { return {}; }
  Support support() const override { return {SupportKind::nonnegative_integers}; }
  Expr unchecked_logp(const Expr& value) const override { return 0.0 * value; }
};

// A continuous family without a CDF.
class NoCdfStub final : public DistributionImpl {
 public:
  std::string name() const override { return "NoCdfStub"; }
  Shape default_shape() const override { return {}; }
  Support support() const override { return {SupportKind::real}; }
  Expr unchecked_logp(const Expr& value) const override { return -0.5 * square(value); }
};

TEST(CombinatorDistributions, SupportsAndTheirTransforms) {
  const Expr halves = vector_constant({0.5, 0.5});
  EXPECT_EQ(Mixture(halves, {Exponential(1.0), HalfNormal(2.0)}).support().kind,
            SupportKind::nonnegative);
  EXPECT_EQ(Mixture(halves, {Normal(0.0, 1.0), Exponential(1.0)}).support().kind,
            SupportKind::real);
  EXPECT_EQ(Mixture(halves, {make_distribution<CountsStub>(), make_distribution<CountsStub>()})
                .support()
                .kind,
            SupportKind::nonnegative_integers);

  // Truncating an Exponential above: [0, upper], sampled through log-odds.
  const Support truncated = Truncated(Exponential(1.0), std::nullopt, Expr(5.0)).support();
  ASSERT_EQ(truncated.kind, SupportKind::interval);
  ASSERT_TRUE(truncated.lower && truncated.upper);
  EXPECT_EQ(evaluate(truncated.lower->node()).at(0), 0.0);
  EXPECT_EQ(truncated.default_transform()->name(), "logodds");
  EXPECT_EQ(
      Censored(Normal(0.0, 1.0), Expr(-1.0), std::nullopt).support().default_transform()->name(),
      "lower_bound");
}

// An infinite or absent bound is an open end of an interval support: +-inf lie outside it (log
// density -inf, observed values there refused before sampling), and the default transform leaves
// that end unbounded instead of mapping onto an infinite interval.
TEST(IntervalSupports, InfiniteEndsAreOpen) {
  const double inf = std::numeric_limits<double>::infinity();
  const Expr infinities = vector_constant({-inf, inf});
  const std::vector<Distribution> open_ended = {
      TruncatedNormal(0.0, 1.0, Expr(-inf), Expr(5.0)),
      TruncatedNormal(0.0, 1.0, Expr(-2.0), std::nullopt),
      Truncated(Normal(0.0, 1.0), Expr(0.0), Expr(inf)),
      Truncated(Exponential(1.0), std::nullopt, Expr(3.0)), Pareto(2.0, 1.0)};
  for (const Distribution& distribution : open_ended) {
    const std::vector<Tensor> values = testing::evaluate_on_backends(
        {distribution.support().contains(infinities).node(), distribution.logp(infinities).node()});
    for (std::int64_t i = 0; i < 2; ++i) {
      EXPECT_EQ(values[0].at(i), 0.0)
          << distribution.name() << " contains " << (i ? "+" : "-") << "inf";
      EXPECT_EQ(values[1].at(i), -inf) << distribution.name();
    }
  }

  Model m;
  const std::string observed = error_message([&] {
    m.observe("y", TruncatedNormal(0.0, 1.0, Expr(-inf), Expr(5.0)),
              Tensor::from_doubles({1.0, -inf}, {2}));
  });
  testing::expect_mentions(observed, {"y", "index 1", "TruncatedNormal"});

  // A free variable bounded above only: upper - exp(u), a finite log density everywhere.
  const Distribution below_five = TruncatedNormal(0.0, 1.0, Expr(-inf), Expr(5.0));
  EXPECT_EQ(below_five.support().default_transform()->name(), "upper_bound");
  Model bounded_above;
  bounded_above.rv("x", below_five);
  auto compiled = bounded_above.compile({.backend = Backend::interp});
  for (double u : {-3.0, 0.0, 1.5}) {
    const std::vector<double> x = {u};
    std::vector<double> gradient(1);
    const double z = 5.0 - std::exp(u);
    const double expected = -0.5 * z * z - 0.5 * std::log(2.0 * std::numbers::pi) -
                            std::log(0.5 * std::erfc(-5.0 / std::numbers::sqrt2)) + u;
    EXPECT_NEAR(compiled->logp_grad(x.data(), gradient.data()), expected, 1e-12) << "u = " << u;
    EXPECT_TRUE(std::isfinite(gradient[0])) << "u = " << u;
  }
}

TEST(CombinatorDistributions, ShapesBroadcastWeightsAndComponents) {
  const Expr weights = constant(Tensor::from_doubles({0.5, 0.5, 0.1, 0.9}, {2, 2}));
  const Expr mus = vector_constant({0.0, 1.0, 2.0});
  EXPECT_EQ(Mixture(weights, {Normal(0.0, 1.0), Normal(1.0, 1.0)}).default_shape(), Shape({2}));
  EXPECT_EQ(
      Mixture(vector_constant({0.5, 0.5}), {Normal(mus, 1.0), Normal(1.0, 1.0)}).default_shape(),
      Shape({3}));
  EXPECT_EQ(Truncated(Normal(mus, 1.0), Expr(-1.0), Expr(4.0)).default_shape(), Shape({3}));
  EXPECT_EQ(Censored(Normal(0.0, 1.0), std::nullopt, mus).default_shape(), Shape({3}));
}

TEST(CombinatorDistributions, ErrorsNameTheFamilyAndTheProblem) {
  const std::string bad_weights = error_message([] {
    Mixture(vector_constant({0.5, 0.7}), {Normal(0.0, 1.0), Normal(1.0, 1.0)});
  });
  EXPECT_TRUE(contains(bad_weights, "Mixture") && contains(bad_weights, "weights")) << bad_weights;
  const std::string mixed = error_message([] {
    Mixture(vector_constant({0.5, 0.5}), {Normal(0.0, 1.0), make_distribution<CountsStub>()});
  });
  EXPECT_TRUE(contains(mixed, "discrete and continuous")) << mixed;
  const std::string count = error_message([] {
    Mixture(vector_constant({0.2, 0.3, 0.5}), {Normal(0.0, 1.0), Normal(1.0, 1.0)});
  });
  EXPECT_TRUE(contains(count, "one entry per component")) << count;
  const std::string component = error_message([] {
    Mixture(vector_constant({0.5, 0.5}), {Normal(0.0, 1.0), Normal(1.0, -1.0)});
  });
  EXPECT_TRUE(contains(component, "sigma")) << component;

  const std::string bounds =
      error_message([] { Censored(Normal(0.0, 1.0), Expr(2.0), Expr(1.0)); });
  EXPECT_TRUE(contains(bounds, "Censored(Normal)") && contains(bounds, "lower < upper")) << bounds;
  const std::string no_cdf =
      error_message([] { Truncated(make_distribution<NoCdfStub>(), Expr(0.0), std::nullopt); });
  EXPECT_TRUE(contains(no_cdf, "NoCdfStub") && contains(no_cdf, "cumulative")) << no_cdf;
  const std::string discrete =
      error_message([] { Truncated(make_distribution<CountsStub>(), Expr(0.0), Expr(4.0)); });
  EXPECT_TRUE(contains(discrete, "discrete")) << discrete;
}

}  // namespace
}  // namespace hypatia
