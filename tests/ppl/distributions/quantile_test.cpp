// Quantile functions of the continuous univariate families against Boost.Math's (or closed forms
// where Boost has no distribution), deep into both tails: lower-tail probabilities are given as
// log p, upper-tail ones as log q, so that an upper-tail probability of 1e-300 is not rounded to 1
// - p. The closed forms and the bisection behind the families without one alike; every graph on the
// interpreter and the native backend.

#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/cauchy.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/extreme_value.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/inverse_gamma.hpp>
#include <boost/math/distributions/inverse_gaussian.hpp>
#include <boost/math/distributions/laplace.hpp>
#include <boost/math/distributions/logistic.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/skew_normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace bm = boost::math;

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kPi = std::numbers::pi;

using Inverse = std::function<double(double)>;

const std::vector<double> kDeepTails = {1e-300, 1e-100, 1e-20, 1e-8, 1e-3, 0.1, 0.3, 0.5};
const std::vector<double> kModerateTails = {1e-8, 1e-3, 0.1, 0.3, 0.5};

struct QuantileCase {
  std::string name;
  Distribution distribution;
  Inverse lower;  // the x with F(x) = p
  Inverse upper;  // the x with 1 - F(x) = q
  std::vector<double> lower_probabilities = kDeepTails;
  std::vector<double> upper_probabilities = kDeepTails;
  double absolute_tolerance = 1e-300;  // besides a relative 1e-10
};

template <typename BoostDistribution>
QuantileCase boost_case(const std::string& name, const Distribution& distribution,
                        const BoostDistribution& reference,
                        const std::vector<double>& probabilities = kDeepTails) {
  return {name,
          distribution,
          [=](double p) { return bm::quantile(reference, p); },
          [=](double q) { return bm::quantile(bm::complement(reference, q)); },
          probabilities,
          probabilities};
}

// Base restricted to [a, b] in the base's upper tail: F_T(x) = (S(a) - S(x)) / (S(a) - S(b)).
template <typename BoostDistribution>
QuantileCase upper_tail_truncated_case(const std::string& name, const Distribution& distribution,
                                       const BoostDistribution& base, double a, double b) {
  const double survival_a = bm::cdf(bm::complement(base, a));
  const double survival_b = bm::cdf(bm::complement(base, b));
  const double mass = survival_a - survival_b;
  return {name, distribution,
          [=](double p) { return bm::quantile(bm::complement(base, survival_a - p * mass)); },
          [=](double q) { return bm::quantile(bm::complement(base, survival_b + q * mass)); }};
}

std::vector<QuantileCase> quantile_cases() {
  const bm::normal_distribution<> standard_normal;
  const bm::students_t_distribution<> t_two_and_half(2.5);
  return {
      // Closed forms.
      boost_case("Normal", Normal(1.0, 2.0), bm::normal_distribution<>(1.0, 2.0)),
      boost_case("LogNormal", LogNormal(0.5, 0.8), bm::lognormal_distribution<>(0.5, 0.8)),
      boost_case("Exponential", Exponential(0.7), bm::exponential_distribution<>(0.7)),
      boost_case("Uniform", Uniform(-2.0, 3.0), bm::uniform_distribution<>(-2.0, 3.0)),
      boost_case("Logistic", Logistic(1.0, 0.5), bm::logistic_distribution<>(1.0, 0.5)),
      boost_case("Laplace", Laplace(-1.0, 2.0), bm::laplace_distribution<>(-1.0, 2.0)),
      boost_case("Cauchy", Cauchy(0.5, 3.0), bm::cauchy_distribution<>(0.5, 3.0)),
      boost_case("Gumbel", Gumbel(1.0, 2.0), bm::extreme_value_distribution<>(1.0, 2.0)),
      boost_case("Weibull", Weibull(1.5, 2.0), bm::weibull_distribution<>(1.5, 2.0)),
      boost_case("Pareto", Pareto(3.0, 2.0), bm::pareto_distribution<>(2.0, 3.0)),
      // F = erf(x / (sigma sqrt 2)).
      {"HalfNormal", HalfNormal(2.0),
       [](double p) { return 2.0 * std::numbers::sqrt2 * bm::erf_inv(p); },
       [](double q) { return 2.0 * std::numbers::sqrt2 * bm::erfc_inv(q); }},
      // F = (2 / pi) arctan(x / beta).
      {"HalfCauchy", HalfCauchy(1.5), [](double p) { return 1.5 * std::tan(0.5 * kPi * p); },
       [](double q) { return 1.5 / std::tan(0.5 * kPi * q); }},
      // F = 1 - (1 - x^a)^b.
      {"Kumaraswamy", Kumaraswamy(2.0, 3.0),
       [](double p) { return std::sqrt(-std::expm1(std::log1p(-p) / 3.0)); },
       [](double q) { return std::sqrt(-std::expm1(std::log(q) / 3.0)); }},
      // By bisection.
      boost_case("Gamma", Gamma(2.5, 1.5), bm::gamma_distribution<>(2.5, 1.0 / 1.5)),
      boost_case("GammaSmallShape", Gamma(0.3, 2.0), bm::gamma_distribution<>(0.3, 0.5),
                 {1e-60, 1e-20, 1e-8, 1e-3, 0.1, 0.5}),
      boost_case("InverseGamma", InverseGamma(3.0, 2.0),
                 bm::inverse_gamma_distribution<>(3.0, 2.0)),
      boost_case("ChiSquared", ChiSquared(4.0), bm::chi_squared_distribution<>(4.0)),
      // Boost's inverse gives up below p = 1e-20 here (the arcsine case goes deeper).
      boost_case("Beta", Beta(2.0, 5.0), bm::beta_distribution<>(2.0, 5.0),
                 {1e-20, 1e-8, 1e-3, 0.1, 0.3, 0.5}),
      boost_case("BetaArcsine", Beta(0.5, 0.5), bm::beta_distribution<>(0.5, 0.5)),
      {"StudentT", StudentT(3.0, 1.0, 2.0),
       [](double p) { return 1.0 + 2.0 * bm::quantile(bm::students_t_distribution<>(3.0), p); },
       [](double q) {
         return 1.0 + 2.0 * bm::quantile(bm::complement(bm::students_t_distribution<>(3.0), q));
       }},
      [] {  // the median 0 to within the spacing of doubles at the distribution's scale
        QuantileCase c = boost_case("StudentTManyDegrees", StudentT(30.0, 0.0, 1.0),
                                    bm::students_t_distribution<>(30.0));
        c.absolute_tolerance = 1e-15;
        return c;
      }(),
      // P(|T| <= x) = p: T's quantile at (1 + p) / 2, which keeps p's precision only down to about
      // 1e-3; the upper tail is q / 2 of T's.
      {"HalfStudentT",
       HalfStudentT(2.5, 1.0),
       [=](double p) { return bm::quantile(t_two_and_half, 0.5 + 0.5 * p); },
       [=](double q) { return bm::quantile(bm::complement(t_two_and_half, 0.5 * q)); },
       {1e-3, 0.1, 0.3, 0.5}},
      boost_case("SkewNormal", SkewNormal(0.0, 1.0, 3.0), bm::skew_normal_distribution<>(0, 1, 3),
                 kModerateTails),
      boost_case("Wald", Wald(1.0, 2.0), bm::inverse_gaussian_distribution<>(1.0, 2.0),
                 kModerateTails),
      // Truncated maps the probability into the base's and uses the base's quantile.
      upper_tail_truncated_case("TruncatedGammaFarTail", Truncated(Gamma(2.0, 1.0), 40.0, 45.0),
                                bm::gamma_distribution<>(2.0, 1.0), 40.0, 45.0),
      upper_tail_truncated_case("TruncatedNormalUpperTail", Truncated(Normal(0.0, 1.0), 2.0, 3.0),
                                standard_normal, 2.0, 3.0),
  };
}

void PrintTo(const QuantileCase& c, std::ostream* out) {
  *out << c.name;
}

class Quantiles : public ::testing::TestWithParam<QuantileCase> {};

// Probabilities below 1/2 given from their own tail: log p exactly for the lower ones (log q then
// log1p(-p)), log q exactly for the upper ones.
TEST_P(Quantiles, MatchTheReferenceInBothTails) {
  const QuantileCase& c = GetParam();
  std::vector<double> log_p, log_q, expected;
  for (double p : c.lower_probabilities) {
    log_p.push_back(std::log(p));
    log_q.push_back(std::log1p(-p));
    expected.push_back(c.lower(p));
  }
  for (double q : c.upper_probabilities) {
    log_p.push_back(std::log1p(-q));
    log_q.push_back(std::log(q));
    expected.push_back(c.upper(q));
  }
  const auto n = static_cast<std::int64_t>(expected.size());
  const Expr quantiles = c.distribution.quantile_of_logs(
      constant(Tensor::from_doubles(log_p, {n})), constant(Tensor::from_doubles(log_q, {n})));
  const Tensor actual = testing::evaluate_on_backends(quantiles.node());
  for (std::int64_t i = 0; i < n; ++i) {
    const bool lower = i < static_cast<std::int64_t>(c.lower_probabilities.size());
    const double probability = lower ? std::exp(log_p[i]) : std::exp(log_q[i]);
    EXPECT_NEAR(actual.at(i), expected[i], 1e-10 * std::abs(expected[i]) + c.absolute_tolerance)
        << c.name << " at " << (lower ? "p = " : "q = ") << probability;
  }
}

INSTANTIATE_TEST_SUITE_P(Families, Quantiles, ::testing::ValuesIn(quantile_cases()),
                         [](const auto& info) { return info.param.name; });

// p = 0 and p = 1 give the ends of the support, for the closed forms and the bisection alike.
TEST(QuantileEnds, ProbabilitiesZeroAndOneGiveTheSupportsEnds) {
  const Expr ends = constant(Tensor::from_doubles({0.0, 1.0}, {2}));
  const std::vector<std::pair<Distribution, std::pair<double, double>>> cases = {
      {Normal(0.0, 1.0), {-kInfinity, kInfinity}},
      {Exponential(2.0), {0.0, kInfinity}},
      {Gamma(2.0, 1.0), {0.0, kInfinity}},
      {Beta(2.0, 3.0), {0.0, 1.0}},
      {StudentT(3.0, 0.0, 1.0), {-kInfinity, kInfinity}},
      {Truncated(Gamma(2.0, 1.0), 1.0, 4.0), {1.0, 4.0}},
  };
  for (const auto& [distribution, expected] : cases) {
    const Tensor actual = testing::evaluate_on_backends(distribution.quantile(ends).node());
    EXPECT_EQ(actual.at(0), expected.first) << distribution.name();
    EXPECT_EQ(actual.at(1), expected.second) << distribution.name();
  }
}

TEST(QuantileErrors, FamiliesWithoutAQuantileSaySo) {
  const Expr half = 0.5;
  testing::expect_mentions(testing::error_message([&] { Poisson(3.0).quantile(half); }),
                           {"Poisson", "quantile"});
  testing::expect_mentions(testing::error_message([&] { Flat().quantile(half); }),
                           {"Flat", "cumulative"});
}

}  // namespace
}  // namespace hypatia
