// The continuous univariate families beyond the core four: log densities and log CDFs against
// scipy.stats / mpmath (scripts/fixtures/distributions_continuous.py), gradients against finite
// differences, and the build-time check of a constant invalid parameter.

#include <gtest/gtest.h>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/univariate_cases.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

// The fixture's TruncatedNormal[interval] rows fix sigma (four parameters, three columns).
constexpr double kTruncatedSigma = 1.5;

TEST(ContinuousDistributions, MatchScipy) {
  using P = const std::vector<Expr>&;
  testing::expect_univariate_cases_match(
      {.fixture_file = "distributions_continuous.csv",
       .factories = {
           {"TruncatedNormal[lower]",
            [](P p) { return TruncatedNormal(p[0], p[1], p[2], std::nullopt); }},
           {"TruncatedNormal[upper]",
            [](P p) { return TruncatedNormal(p[0], p[1], std::nullopt, p[2]); }},
           {"TruncatedNormal[interval]",
            [](P p) { return TruncatedNormal(p[0], kTruncatedSigma, p[1], p[2]); }},
           {"StudentT", [](P p) { return StudentT(p[0], p[1], p[2]); }},
           {"HalfStudentT", [](P p) { return HalfStudentT(p[0], p[1]); }},
           {"Cauchy", [](P p) { return Cauchy(p[0], p[1]); }},
           {"Gamma", [](P p) { return Gamma(p[0], p[1]); }},
           {"InverseGamma", [](P p) { return InverseGamma(p[0], p[1]); }},
           {"Beta", [](P p) { return Beta(p[0], p[1]); }},
           {"Uniform", [](P p) { return Uniform(p[0], p[1]); }},
           {"LogNormal", [](P p) { return LogNormal(p[0], p[1]); }},
           {"Laplace", [](P p) { return Laplace(p[0], p[1]); }},
           {"Logistic", [](P p) { return Logistic(p[0], p[1]); }},
           {"Weibull", [](P p) { return Weibull(p[0], p[1]); }},
           {"ChiSquared", [](P p) { return ChiSquared(p[0]); }},
           {"Pareto", [](P p) { return Pareto(p[0], p[1]); }},
           {"VonMises", [](P p) { return VonMises(p[0], p[1]); }},
           {"SkewNormal", [](P p) { return SkewNormal(p[0], p[1], p[2]); }},
           {"Gumbel", [](P p) { return Gumbel(p[0], p[1]); }},
           {"Wald", [](P p) { return Wald(p[0], p[1]); }},
           {"ExGaussian", [](P p) { return ExGaussian(p[0], p[1], p[2]); }},
           {"Kumaraswamy", [](P p) { return Kumaraswamy(p[0], p[1]); }},
           {"Flat", [](P) { return Flat(); }},
           {"HalfFlat", [](P) { return HalfFlat(); }},
       }});
}

Tensor column(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

// d logp / d (every parameter, value) at interior points, against central differences.
TEST(ContinuousDistributions, StudentTGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return StudentT(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.7, 3.0, 40.0}), column({0.0, -1.0, 2.0}), column({1.0, 0.3, 5.0}),
       column({0.5, -4.0, 30.0})});
}

TEST(ContinuousDistributions, GammaGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return Gamma(x[0], x[1]).logp(x[2]); },
      {column({0.4, 2.0, 60.0}), column({1.0, 0.2, 7.0}), column({0.05, 3.0, 9.0})});
}

TEST(ContinuousDistributions, BetaGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return Beta(x[0], x[1]).logp(x[2]); },
      {column({0.5, 2.0, 30.0}), column({0.7, 5.0, 1.5}), column({0.01, 0.3, 0.97})});
}

TEST(ContinuousDistributions, TruncatedNormalGradient) {
  // Bounds straddling the mean, both in the upper tail, and both in the lower tail.
  testing::expect_gradient_matches(
      [](const Exprs& x) { return TruncatedNormal(x[0], x[1], x[2], x[3]).logp(x[4]); },
      {column({0.0, 1.0, 0.5}), column({1.0, 0.5, 2.0}), column({-1.0, 3.0, -9.0}),
       column({2.0, 4.0, -4.0}), column({0.3, 3.5, -6.0})});
}

TEST(ContinuousDistributions, VonMisesGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return VonMises(x[0], x[1]).logp(x[2]); },
      {column({0.0, 1.0, -2.0}), column({0.5, 4.0, 300.0}), column({1.0, 0.2, -2.05})});
}

TEST(ContinuousDistributions, SkewNormalGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return SkewNormal(x[0], x[1], x[2]).logp(x[3]); },
      {column({0.0, 1.0, -2.0}), column({1.0, 0.5, 3.0}), column({4.0, -0.5, 20.0}),
       column({-1.0, 1.2, -2.5})});
}

// The log CDF's three regimes (Owen's T, the light-tail quadrature, the far-tail series) and
// its mirrored upper half, through the new owens_t gradient.
TEST(ContinuousDistributions, SkewNormalLogcdfGradient) {
  testing::expect_gradient_matches(
      [](const Exprs& x) { return SkewNormal(x[0], x[1], x[2]).logcdf(x[3]); },
      {column({0.0, 0.0, 0.0, 1.0}), column({1.0, 1.0, 1.0, 0.5}), column({0.5, 3.0, -0.5, -4.0}),
       column({-0.3, -2.0, -40.0, 2.0})});
}

// logccdf is written separately from logcdf for every family (tail accuracy); the two must be
// complements. The fixture checks logcdf against scipy.
TEST(ContinuousDistributions, LogccdfComplementsLogcdf) {
  const Expr values =
      constant(Tensor::from_doubles({-3.0, -0.7, 0.0, 0.2, 0.5, 0.9, 1.3, 4.0}, {8}));
  const std::vector<Distribution> families = {TruncatedNormal(0.5, 2.0, -1.0, 3.0),
                                              TruncatedNormal(0.0, 1.0, std::nullopt, 0.4),
                                              TruncatedNormal(0.0, 1.0, 0.1, std::nullopt),
                                              StudentT(2.5, 0.3, 1.5),
                                              HalfStudentT(3.0, 0.8),
                                              Cauchy(-0.5, 2.0),
                                              Gamma(2.5, 1.5),
                                              InverseGamma(2.0, 1.0),
                                              Beta(2.0, 3.0),
                                              Uniform(-1.0, 2.0),
                                              LogNormal(0.0, 0.7),
                                              Laplace(0.2, 0.5),
                                              Logistic(0.1, 0.4),
                                              Weibull(1.7, 1.2),
                                              ChiSquared(3.0),
                                              Pareto(2.0, 0.3),
                                              SkewNormal(0.2, 1.1, 2.5),
                                              SkewNormal(0.0, 0.5, -4.0),
                                              Gumbel(0.3, 0.6),
                                              Wald(0.8, 2.0),
                                              ExGaussian(0.0, 0.5, 0.8),
                                              Kumaraswamy(2.0, 3.0)};
  for (const Distribution& distribution : families) {
    const Tensor total =
        evaluate((exp(distribution.logcdf(values)) + exp(distribution.logccdf(values))).node());
    for (std::int64_t i = 0; i < total.size(); ++i) {
      EXPECT_NEAR(total.at(i), 1.0, 1e-12) << distribution.name() << " at element " << i;
    }
  }
}

TEST(ContinuousDistributions, ConstantInvalidParameterIsABuildError) {
  testing::expect_mentions(testing::error_message([] { Gamma(-1.0, 1.0); }),
                           {"Gamma", "alpha", "> 0", "-1"});
  testing::expect_mentions(testing::error_message([] { Uniform(2.0, 1.0); }),
                           {"Uniform", "lower < upper"});
}

}  // namespace
}  // namespace hypatia
