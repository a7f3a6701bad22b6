// Random draws of the univariate families: for each family, a few parameter sets drawn in one
// graph on the native backend; every draw lies in the support, the sample moments match the
// analytic ones (quartiles where the fourth moment is infinite), continuous families pass a
// Kolmogorov-Smirnov test against their CDF and discrete ones a chi-square test against their
// mass function. The references are Boost.Math distributions or closed forms written here; the
// von Mises reference is computed here from its density (Boost lacks it).

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
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
#include <boost/math/distributions/negative_binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/pareto.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <boost/math/distributions/skew_normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <boost/math/distributions/weibull.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/bessel.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <sstream>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace bm = boost::math;
using testing::Cdf;
using testing::Moments;
using testing::Pmf;

constexpr std::int64_t kDrawsPerSet = 20000;
constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kPi = std::numbers::pi;

using Parameters = std::vector<double>;
using Factory = std::function<Distribution(const Exprs& columns)>;

// A fixed seed per family (FNV-1a of its name), so the families' draws are unrelated.
std::uint64_t seed_of(const std::string& family) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : family) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return hash;
}

std::string describe(const std::string& family, const Parameters& parameters) {
  std::ostringstream text;
  text << family << "(";
  for (std::size_t i = 0; i < parameters.size(); ++i) text << (i ? ", " : "") << parameters[i];
  text << ")";
  return text.str();
}

// Draws kDrawsPerSet values for each parameter set, the sets side by side: parameter j of every
// set forms the column constant j (shape (sets,)), the draws have shape (kDrawsPerSet, sets).
// Returns the draws and whether each lies in the support.
std::vector<Tensor> draw_parameter_sets(const std::vector<Parameters>& sets, const Factory& build,
                                        std::uint64_t seed) {
  const auto count = static_cast<std::int64_t>(sets.size());
  Exprs columns;
  for (std::size_t j = 0; j < sets.front().size(); ++j) {
    std::vector<double> column;
    for (const Parameters& set : sets) column.push_back(set.at(j));
    columns.push_back(constant(Tensor::from_doubles(column, {count})));
  }
  const Distribution distribution = build(columns);
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, {kDrawsPerSet, count});
  return testing::evaluate_draws(state, {draws, distribution.support().contains(draws)}, seed);
}

// ---- Continuous families ------------------------------------------------------------------------

struct ContinuousReference {
  Cdf cdf;
  std::optional<Moments> moments;  // absent where the fourth moment is infinite
};

struct ContinuousFamily {
  std::string name;
  std::vector<Parameters> parameter_sets;
  Factory build;
  std::function<ContinuousReference(const Parameters&)> reference;
};

void PrintTo(const ContinuousFamily& family, std::ostream* out) {
  *out << family.name;
}

// The kurtosis as 3 + the excess: Boost 1.74's kurtosis() of the inverse Gaussian subtracts 3
// instead of adding it (its kurtosis_excess is right).
template <typename BoostDistribution>
Moments boost_moments(const BoostDistribution& distribution) {
  return {bm::mean(distribution), bm::variance(distribution),
          3.0 + bm::kurtosis_excess(distribution)};
}

// The Boost distribution of (X - shift) / scale; moments only when asked for (Boost throws for
// infinite ones).
template <typename BoostDistribution>
ContinuousReference boost_reference(const BoostDistribution& distribution, bool with_moments = true,
                                    double shift = 0.0, double scale = 1.0) {
  ContinuousReference reference{
      [=](double x) { return bm::cdf(distribution, (x - shift) / scale); }, std::nullopt};
  if (with_moments) {
    reference.moments = testing::affine_moments(boost_moments(distribution), shift, scale);
  }
  return reference;
}

double standard_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double standard_normal_survival(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

double standard_normal_density(double z) {
  return std::isinf(z) ? 0.0 : std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi);
}

ContinuousReference half_normal_reference(double sigma) {
  const double root = std::sqrt(2.0 / kPi);
  return {[=](double x) { return std::erf(x / (sigma * std::sqrt(2.0))); },
          testing::moments_from_raw(sigma * root, sigma * sigma, 2.0 * std::pow(sigma, 3) * root,
                                    3.0 * std::pow(sigma, 4))};
}

// The standard normal restricted to [a, b]: raw moments by the recursion
// m_k = (k - 1) m_{k-2} - (b^(k-1) phi(b) - a^(k-1) phi(a)) / Z, Z = Phi(b) - Phi(a). An interval
// in the upper tail takes Z and the CDF from survival functions, which do not cancel there.
ContinuousReference truncated_normal_reference(double mu, double sigma, double lower,
                                               double upper) {
  const double a = (lower - mu) / sigma, b = (upper - mu) / sigma;
  const bool upper_tail = a >= 0.0;
  const double mass = upper_tail ? standard_normal_survival(a) - standard_normal_survival(b)
                                 : standard_normal_cdf(b) - standard_normal_cdf(a);
  auto boundary_term = [&](int power) {
    auto term = [&](double t) {
      return std::isinf(t) ? 0.0 : std::pow(t, power) * standard_normal_density(t);
    };
    return (term(b) - term(a)) / mass;
  };
  std::vector<double> raw = {1.0};  // m_0
  for (int k = 1; k <= 4; ++k) {
    const double two_before = k >= 2 ? raw[k - 2] : 0.0;
    raw.push_back((k - 1) * two_before - boundary_term(k - 1));
  }
  const Cdf cdf = [=](double x) {
    const double z = std::clamp((x - mu) / sigma, a, b);
    return upper_tail ? (standard_normal_survival(a) - standard_normal_survival(z)) / mass
                      : (standard_normal_cdf(z) - standard_normal_cdf(a)) / mass;
  };
  return {cdf, testing::affine_moments(testing::moments_from_raw(raw[1], raw[2], raw[3], raw[4]),
                                       mu, sigma)};
}

// |T| sigma for T ~ t(nu): E|T|^k = nu^(k/2) Gamma((k+1)/2) Gamma((nu-k)/2) / (sqrt(pi)
// Gamma(nu/2)).
ContinuousReference half_student_t_reference(double nu, double sigma) {
  const bm::students_t_distribution<> t(nu);
  ContinuousReference reference{[=](double x) { return 2.0 * bm::cdf(t, x / sigma) - 1.0; },
                                std::nullopt};
  if (nu > 4.0) {
    auto raw = [&](int k) {
      return std::pow(sigma * sigma * nu, 0.5 * k) *
             std::exp(std::lgamma(0.5 * (k + 1)) + std::lgamma(0.5 * (nu - k)) -
                      0.5 * std::log(kPi) - std::lgamma(0.5 * nu));
    };
    reference.moments = testing::moments_from_raw(raw(1), raw(2), raw(3), raw(4));
  }
  return reference;
}

// Boost lacks the von Mises distribution. On its support [-pi, pi] (whatever mu) its moments are
// numerical integrals of the density exp(kappa (cos(x - mu) - 1)); its CDF comes from the Fourier
// series of the density integrated term by term: the mass of [a, b] is G(b - mu) - G(a - mu) with
// G(t) = t / (2 pi) + sum_j I_j(kappa) / I_0(kappa) sin(j t) / (j pi), valid for any t because the
// density is periodic.
ContinuousReference von_mises_reference(double mu, double kappa) {
  using Quadrature = bm::quadrature::gauss_kronrod<double, 61>;
  auto moment = [mu, kappa](int power) {
    return Quadrature::integrate(
        [&](double x) { return std::pow(x, power) * std::exp(kappa * (std::cos(x - mu) - 1.0)); },
        -kPi, kPi, 15, 1e-13);
  };
  const double total = moment(0);
  const Moments standardized = testing::moments_from_raw(moment(1) / total, moment(2) / total,
                                                         moment(3) / total, moment(4) / total);
  std::vector<double> ratios;  // I_j / I_0 for j = 1, 2, ... while they matter
  for (int j = 1; j < 1000; ++j) {
    ratios.push_back(bm::cyl_bessel_i(j, kappa) / bm::cyl_bessel_i(0, kappa));
    if (ratios.back() < 1e-17) break;
  }
  auto antiderivative = [=](double t) {
    double series = t / (2.0 * kPi);
    for (std::size_t j = 1; j <= ratios.size(); ++j) {
      series +=
          ratios[j - 1] * std::sin(static_cast<double>(j) * t) / (static_cast<double>(j) * kPi);
    }
    return series;
  };
  const Cdf cdf = [=](double x) {
    const double clamped = std::clamp(x, -kPi, kPi);
    return antiderivative(clamped - mu) - antiderivative(-kPi - mu);
  };
  return {cdf, testing::affine_moments(standardized, 0.0, 1.0)};
}

// Normal(mu, sigma) + Exponential(mean nu): cumulants add, so mu4 = 3 var^2 + 6 nu^4, and
// F(x) = Phi(z) - exp(sigma^2 / (2 nu^2) - (x - mu) / nu) Phi(z - sigma / nu).
ContinuousReference ex_gaussian_reference(double mu, double sigma, double nu) {
  const double variance = sigma * sigma + nu * nu;
  const Cdf cdf = [=](double x) {
    const double z = (x - mu) / sigma;
    const double log_tail = 0.5 * sigma * sigma / (nu * nu) - (x - mu) / nu +
                            std::log(standard_normal_cdf(z - sigma / nu));
    return standard_normal_cdf(z) - std::exp(log_tail);
  };
  return {cdf, Moments{mu + nu, variance, 3.0 + 6.0 * std::pow(nu, 4) / (variance * variance)}};
}

// F(x) = 1 - (1 - x^a)^b; E[X^k] = b B(1 + k/a, b).
ContinuousReference kumaraswamy_reference(double a, double b) {
  auto raw = [=](int k) {
    const double c = 1.0 + k / a;
    return b * std::exp(std::lgamma(c) + std::lgamma(b) - std::lgamma(c + b));
  };
  return {[=](double x) { return 1.0 - std::pow(1.0 - std::pow(x, a), b); },
          testing::moments_from_raw(raw(1), raw(2), raw(3), raw(4))};
}

// The reference of (X - shift) / scale given X's, for location-scale families Boost has only
// in standard form.
ContinuousReference located(const ContinuousReference& standard, double shift, double scale) {
  ContinuousReference reference{[=](double x) { return standard.cdf((x - shift) / scale); },
                                std::nullopt};
  if (standard.moments)
    reference.moments = testing::affine_moments(*standard.moments, shift, scale);
  return reference;
}

// The base distribution restricted to [a, b] (either end may be infinite) and renormalized by the
// mass it keeps there. An interval above the base's median takes that mass and the CDF from
// survival functions, which keep their precision in the upper tail; the moments (only asked for
// where they are finite) are integrals of the renormalized density.
template <typename BoostDistribution>
ContinuousReference truncated_reference(const BoostDistribution& base, double a, double b,
                                        bool with_moments = true) {
  const auto [lowest, highest] = bm::support(base);
  auto cdf = [=](double x) { return x <= lowest ? 0.0 : x >= highest ? 1.0 : bm::cdf(base, x); };
  auto survival = [=](double x) {
    return x <= lowest ? 1.0 : x >= highest ? 0.0 : bm::cdf(bm::complement(base, x));
  };
  const bool upper_tail = cdf(a) > 0.5;
  const double mass = upper_tail ? survival(a) - survival(b) : cdf(b) - cdf(a);
  ContinuousReference reference{[=](double x) {
                                  const double inside = std::clamp(x, a, b);
                                  return upper_tail ? (survival(a) - survival(inside)) / mass
                                                    : (cdf(inside) - cdf(a)) / mass;
                                },
                                std::nullopt};
  if (with_moments) {
    // Boost's supports end at the largest doubles where they are unbounded.
    const double from =
        a > lowest ? a : (lowest == -bm::tools::max_value<double>() ? -kInfinity : lowest);
    const double to =
        b < highest ? b : (highest == bm::tools::max_value<double>() ? kInfinity : highest);
    reference.moments =
        testing::moments_by_quadrature([=](double x) { return bm::pdf(base, x) / mass; }, from, to);
  }
  return reference;
}

bool both_finite(double a, double b) {
  return std::isfinite(a) && std::isfinite(b);
}

std::vector<ContinuousFamily> continuous_families() {
  return {
      {"Normal",
       {{0, 1}, {-3, 0.5}, {10, 20}},
       [](const Exprs& c) { return Normal(c[0], c[1]); },
       [](const Parameters& p) { return boost_reference(bm::normal_distribution<>(p[0], p[1])); }},
      {"HalfNormal",
       {{1}, {0.3}, {5}},
       [](const Exprs& c) { return HalfNormal(c[0]); },
       [](const Parameters& p) { return half_normal_reference(p[0]); }},
      // Straddling the mean, upper tail (mirrored), far upper tail, one-sided either way, and
      // intervals so far out that the CDF there is below double precision's epsilon.
      {"TruncatedNormal",
       {{0, 1, -1, 2},
        {1, 2, 3, 8},
        {0, 1, 5, 6},
        {0, 1, -kInfinity, -3},
        {2, 1, 0.5, kInfinity},
        {0, 1, 9, 10},
        {3, 2, -kInfinity, -60}},
       [](const Exprs& c) { return TruncatedNormal(c[0], c[1], c[2], c[3]); },
       [](const Parameters& p) { return truncated_normal_reference(p[0], p[1], p[2], p[3]); }},
      {"StudentT",
       {{6, 0, 1}, {10, -2, 3}, {1.5, 1, 2}},
       [](const Exprs& c) { return StudentT(c[0], c[1], c[2]); },
       [](const Parameters& p) {
         return boost_reference(bm::students_t_distribution<>(p[0]), p[0] > 4, p[1], p[2]);
       }},
      {"HalfStudentT",
       {{6, 1}, {12, 2.5}, {2, 1}},
       [](const Exprs& c) { return HalfStudentT(c[0], c[1]); },
       [](const Parameters& p) { return half_student_t_reference(p[0], p[1]); }},
      {"Cauchy",
       {{0, 1}, {-5, 0.2}},
       [](const Exprs& c) { return Cauchy(c[0], c[1]); },
       [](const Parameters& p) {
         const bm::cauchy_distribution<> cauchy(p[0], p[1]);
         return ContinuousReference{[=](double x) { return bm::cdf(cauchy, x); }, std::nullopt};
       }},
      {"HalfCauchy",
       {{1}, {3}},
       [](const Exprs& c) { return HalfCauchy(c[0]); },
       [](const Parameters& p) {
         const double beta = p[0];
         return ContinuousReference{[=](double x) { return 2.0 / kPi * std::atan(x / beta); },
                                    std::nullopt};
       }},
      {"Exponential",
       {{1}, {0.2}, {7}},
       [](const Exprs& c) { return Exponential(c[0]); },
       [](const Parameters& p) { return boost_reference(bm::exponential_distribution<>(p[0])); }},
      {"Gamma",
       {{0.3, 1}, {2, 0.5}, {50, 10}},
       [](const Exprs& c) { return Gamma(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::gamma_distribution<>(p[0], 1.0 / p[1]));
       }},
      {"InverseGamma",
       {{6, 2}, {10, 0.5}, {1.5, 1}},
       [](const Exprs& c) { return InverseGamma(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::inverse_gamma_distribution<>(p[0], p[1]), p[0] > 4);
       }},
      {"Beta",
       {{0.5, 0.5}, {2, 5}, {0.1, 3}},
       [](const Exprs& c) { return Beta(c[0], c[1]); },
       [](const Parameters& p) { return boost_reference(bm::beta_distribution<>(p[0], p[1])); }},
      {"Uniform",
       {{0, 1}, {-3, 5}, {100, 100.5}},
       [](const Exprs& c) { return Uniform(c[0], c[1]); },
       [](const Parameters& p) { return boost_reference(bm::uniform_distribution<>(p[0], p[1])); }},
      {"LogNormal",
       {{0, 0.25}, {1, 0.5}, {-2, 0.6}},
       [](const Exprs& c) { return LogNormal(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::lognormal_distribution<>(p[0], p[1]));
       }},
      {"Laplace",
       {{0, 1}, {3, 0.1}, {-1, 4}},
       [](const Exprs& c) { return Laplace(c[0], c[1]); },
       [](const Parameters& p) { return boost_reference(bm::laplace_distribution<>(p[0], p[1])); }},
      {"Logistic",
       {{0, 1}, {2, 0.5}, {-10, 3}},
       [](const Exprs& c) { return Logistic(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::logistic_distribution<>(p[0], p[1]));
       }},
      {"Weibull",
       {{0.8, 1}, {1.5, 2}, {5, 0.5}},
       [](const Exprs& c) { return Weibull(c[0], c[1]); },
       [](const Parameters& p) { return boost_reference(bm::weibull_distribution<>(p[0], p[1])); }},
      {"ChiSquared",
       {{1}, {4.5}, {30}},
       [](const Exprs& c) { return ChiSquared(c[0]); },
       [](const Parameters& p) { return boost_reference(bm::chi_squared_distribution<>(p[0])); }},
      {"Pareto",
       {{5, 1}, {10, 0.3}, {1.5, 2}},
       [](const Exprs& c) { return Pareto(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::pareto_distribution<>(p[1], p[0]), p[0] > 4);
       }},
      {"VonMises",
       {{0, 1}, {1, 0.1}, {-2, 10}},
       [](const Exprs& c) { return VonMises(c[0], c[1]); },
       [](const Parameters& p) { return von_mises_reference(p[0], p[1]); }},
      {"SkewNormal",
       {{0, 1, 4}, {1, 2, -2}, {-1, 0.5, 0}},
       [](const Exprs& c) { return SkewNormal(c[0], c[1], c[2]); },
       [](const Parameters& p) {
         return boost_reference(bm::skew_normal_distribution<>(p[0], p[1], p[2]));
       }},
      {"Gumbel",
       {{0, 1}, {5, 3}, {-1, 0.2}},
       [](const Exprs& c) { return Gumbel(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::extreme_value_distribution<>(p[0], p[1]));
       }},
      {"Wald",
       {{1, 1}, {0.5, 3}, {3, 0.5}, {50, 0.5}},
       [](const Exprs& c) { return Wald(c[0], c[1]); },
       [](const Parameters& p) {
         return boost_reference(bm::inverse_gaussian_distribution<>(p[0], p[1]));
       }},
      {"ExGaussian",
       {{0, 1, 1}, {2, 0.5, 3}, {-1, 2, 0.2}},
       [](const Exprs& c) { return ExGaussian(c[0], c[1], c[2]); },
       [](const Parameters& p) { return ex_gaussian_reference(p[0], p[1], p[2]); }},
      {"Kumaraswamy",
       {{0.5, 0.5}, {2, 5}, {5, 1.5}},
       [](const Exprs& c) { return Kumaraswamy(c[0], c[1]); },
       [](const Parameters& p) { return kumaraswamy_reference(p[0], p[1]); }},
      // Truncated: the base's quantile at a uniform probability between the bounds' CDF values.
      // Each base gets intervals far in its tails (beyond double precision's epsilon, where
      // 1 - F cannot be formed from F), besides ordinary ones; (base parameters..., lower, upper).
      {"Truncated_Normal",
       {{0, 1, -1, 2},
        {1, 2, 3, 8},
        {0, 1, 9, 10},
        {0, 1, -kInfinity, -3},
        {3, 2, -kInfinity, -60}},
       [](const Exprs& c) { return Truncated(Normal(c[0], c[1]), c[2], c[3]); },
       [](const Parameters& p) { return truncated_normal_reference(p[0], p[1], p[2], p[3]); }},
      {"Truncated_Exponential",
       {{1, 0.5, 2}, {0.2, -kInfinity, 3}, {1, 50, 60}, {2, 300, kInfinity}, {3, 0, 1e-10}},
       [](const Exprs& c) { return Truncated(Exponential(c[0]), c[1], c[2]); },
       [](const Parameters& p) {
         return truncated_reference(bm::exponential_distribution<>(p[0]), p[1], p[2]);
       }},
      // No closed-form quantile: bisection on the log CDFs.
      {"Truncated_Gamma",
       {{2, 1, 0.5, 3},
        {3, 1, 0, 1e-3},
        {2, 1, 40, 45},
        {2, 0.5, 150, kInfinity},
        {0.5, 2, -kInfinity, 0.1}},
       [](const Exprs& c) { return Truncated(Gamma(c[0], c[1]), c[2], c[3]); },
       [](const Parameters& p) {
         return truncated_reference(bm::gamma_distribution<>(p[0], 1.0 / p[1]), p[2], p[3]);
       }},
      {"Truncated_StudentT",
       {{3, 0, 1, -1, 2},
        {5, 1, 2, 10, 30},
        {30, 0, 1, 12, 14},
        {4, 0, 1, -kInfinity, -1e4},
        {1.5, 0, 1, 30, kInfinity}},
       [](const Exprs& c) { return Truncated(StudentT(c[0], c[1], c[2]), c[3], c[4]); },
       [](const Parameters& p) {
         const double a = (p[3] - p[1]) / p[2], b = (p[4] - p[1]) / p[2];
         return located(
             truncated_reference(bm::students_t_distribution<>(p[0]), a, b, both_finite(a, b)),
             p[1], p[2]);
       }},
      {"Truncated_SkewNormal",
       {{0, 1, 4, -1, 0.5}, {1, 2, -3, 1, 4}, {0, 1, 2, 3, kInfinity}},
       [](const Exprs& c) { return Truncated(SkewNormal(c[0], c[1], c[2]), c[3], c[4]); },
       [](const Parameters& p) {
         return truncated_reference(bm::skew_normal_distribution<>(p[0], p[1], p[2]), p[3], p[4]);
       }},
      {"Truncated_Gumbel",
       {{0, 1, -2, -1}, {0, 1, -4, -3}, {0, 1, 30, 40}, {2, 3, -kInfinity, 0}},
       [](const Exprs& c) { return Truncated(Gumbel(c[0], c[1]), c[2], c[3]); },
       [](const Parameters& p) {
         return truncated_reference(bm::extreme_value_distribution<>(p[0], p[1]), p[2], p[3]);
       }},
      {"Truncated_Cauchy",
       {{0, 1, -1, 1}, {0, 1, 1e10, kInfinity}, {2, 0.5, -kInfinity, -1e6}},
       [](const Exprs& c) { return Truncated(Cauchy(c[0], c[1]), c[2], c[3]); },
       [](const Parameters& p) {
         return truncated_reference(bm::cauchy_distribution<>(p[0], p[1]), p[2], p[3],
                                    both_finite(p[2], p[3]));
       }},
      {"Truncated_LogNormal",
       {{0, 1, 0.5, 2}, {0, 0.5, 20, kInfinity}},
       [](const Exprs& c) { return Truncated(LogNormal(c[0], c[1]), c[2], c[3]); },
       [](const Parameters& p) {
         return truncated_reference(bm::lognormal_distribution<>(p[0], p[1]), p[2], p[3]);
       }},
  };
}

class ContinuousDraws : public ::testing::TestWithParam<ContinuousFamily> {};

TEST_P(ContinuousDraws, FitTheirDistribution) {
  const ContinuousFamily& family = GetParam();
  const std::vector<Tensor> results =
      draw_parameter_sets(family.parameter_sets, family.build, seed_of(family.name));
  testing::expect_all_true(results[1], family.name + " draws in the support");
  const auto sets = static_cast<std::int64_t>(family.parameter_sets.size());
  for (std::int64_t s = 0; s < sets; ++s) {
    const Parameters& parameters = family.parameter_sets[s];
    const std::string what = describe(family.name, parameters);
    const std::vector<double> x = testing::strided(results[0], sets, s);
    const ContinuousReference reference = family.reference(parameters);
    if (reference.moments) {
      testing::expect_moments(x, *reference.moments, what);
    } else {
      testing::expect_quartiles(x, reference.cdf, what);
    }
    testing::expect_kolmogorov_smirnov_fits(x, reference.cdf, what);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, ContinuousDraws, ::testing::ValuesIn(continuous_families()),
                         [](const auto& info) { return info.param.name; });

TEST(ImproperDraws, FlatAndHalfFlatHaveNoDraws) {
  RandomStream rng(constant(random_state(1)));
  for (const Distribution& improper : {Flat(), HalfFlat()}) {
    testing::expect_mentions(testing::error_message([&] { improper.random(rng, {3}); }),
                             {improper.name(), "improper"});
  }
}

// log P(|T| > t) for Student's t with nu degrees of freedom at a t so large that nu / t^2
// underflows: P(|T| > t) = I_x(nu/2, 1/2) with x = nu / (nu + t^2), and I_x(a, b) = x^a /
// (a B(a, b)) (1 + O(x)).
double student_t_log_two_sided_tail_far_out(double nu, double t) {
  const double a = 0.5 * nu;
  const double log_x = std::log(nu) - 2.0 * std::log(t);
  const double log_beta = std::lgamma(a) + std::lgamma(0.5) - std::lgamma(a + 0.5);
  return a * log_x - std::log(a) - log_beta;
}

// Below nu ~ 0.05 the chi-square variable behind T = Z / sqrt(V / nu) underflows to 0 in a fair
// share of draws (3% at nu = 0.01), while T itself mostly stays below the largest double. A draw
// may be infinite only where |T| truly exceeds the largest double: the share of infinite draws is
// P(|T| > DBL_MAX) within kStandardErrors (about half of them at nu = 0.001), none is NaN, and the
// finite ones fit the CDF.
TEST(StudentTDraws, TinyDegreesOfFreedomOverflowOnlyBeyondTheLargestDouble) {
  const std::vector<Parameters> sets = {{0.001, 0, 1}, {0.005, 0, 1}, {0.01, 0, 1}, {0.03, 2, 3}};
  const std::vector<Tensor> results = draw_parameter_sets(
      sets, [](const Exprs& c) { return StudentT(c[0], c[1], c[2]); }, seed_of("StudentTTiny"));
  const double largest = std::numeric_limits<double>::max();
  for (std::size_t s = 0; s < sets.size(); ++s) {
    const double nu = sets[s][0], mu = sets[s][1], sigma = sets[s][2];
    const std::string what = describe("StudentT", sets[s]);
    const std::vector<double> x =
        testing::strided(results[0], static_cast<std::int64_t>(sets.size()), s);
    const auto n = static_cast<double>(x.size());
    std::vector<double> finite;
    for (double v : x) {
      ASSERT_FALSE(std::isnan(v)) << what;
      if (std::isfinite(v)) finite.push_back(v);
    }
    const double overflow = std::exp(student_t_log_two_sided_tail_far_out(nu, largest / sigma));
    const double infinite = n - static_cast<double>(finite.size());
    EXPECT_NEAR(infinite / n, overflow,
                testing::kStandardErrors * std::sqrt(overflow * (1.0 - overflow) / n) + 0.5 / n)
        << what << ": share of infinite draws";
    // The finite draws against the CDF given |T| <= the largest double. Boost's CDF squares t and
    // fails beyond |t| ~ 1e154; past 1e100 the asymptote is exact to double precision (the next
    // term is relatively nu / t^2).
    const bm::students_t_distribution<> t(nu);
    auto cdf = [&](double z) {
      if (std::abs(z) < 1e100) return bm::cdf(t, z);
      const double half_tail =
          0.5 * std::exp(student_t_log_two_sided_tail_far_out(nu, std::abs(z)));
      return z < 0 ? half_tail : 1.0 - half_tail;
    };
    const double below = 0.5 * overflow;
    testing::expect_kolmogorov_smirnov_fits(
        finite, [&](double v) { return (cdf((v - mu) / sigma) - below) / (1.0 - overflow); }, what);
  }
}

// The bisection inside Truncated (a scan), the closed-form quantiles and the log-space Student's t
// draw give the same bits on both backends.
TEST(DrawsOnBackends, TruncatedAndTinyDegreesOfFreedomAreBitIdentical) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Exprs outputs = {
      Truncated(Gamma(2.0, 1.0), Expr(40.0), Expr(45.0)).random(rng, {300}),
      Truncated(StudentT(3.0, 0.0, 1.0), Expr(-1.0), Expr(2.0)).random(rng, {300}),
      Truncated(SkewNormal(0.0, 1.0, 4.0), Expr(-1.0), Expr(0.5)).random(rng, {300}),
      Truncated(Normal(3.0, 2.0), std::nullopt, Expr(-60.0)).random(rng, {300}),
      Truncated(Gumbel(0.0, 1.0), Expr(-4.0), Expr(-3.0)).random(rng, {300}),
      StudentT(0.01, 0.0, 1.0).random(rng, {300}),
      rng.state()};
  testing::expect_draws_identical_on_backends(state, outputs, {5, 6});
}

// ---- Discrete families --------------------------------------------------------------------------

struct DiscreteFamily {
  std::string name;
  std::vector<Parameters> parameter_sets;
  Factory build;
  std::function<Pmf(const Parameters&)> reference;
};

void PrintTo(const DiscreteFamily& family, std::ostream* out) {
  *out << family.name;
}

template <typename BoostDistribution>
Pmf boost_pmf(const BoostDistribution& distribution, std::optional<std::int64_t> upper) {
  return {[=](std::int64_t k) { return bm::pdf(distribution, static_cast<double>(k)); }, 0, upper};
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

Pmf bernoulli_pmf(double p) {
  return {[=](std::int64_t k) { return k == 0 ? 1.0 - p : p; }, 0, 1};
}

Pmf binomial_pmf(double n, double p) {
  return boost_pmf(bm::binomial_distribution<>(n, p), static_cast<std::int64_t>(n));
}

// C(n, k) B(k + alpha, n - k + beta) / B(alpha, beta).
Pmf beta_binomial_pmf(double n, double alpha, double beta) {
  auto log_beta = [](double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
  };
  return {[=](std::int64_t k) {
            const auto v = static_cast<double>(k);
            return std::exp(std::lgamma(n + 1) - std::lgamma(v + 1) - std::lgamma(n - v + 1) +
                            log_beta(v + alpha, n - v + beta) - log_beta(alpha, beta));
          },
          0, static_cast<std::int64_t>(n)};
}

Pmf poisson_pmf(double mu) {
  return boost_pmf(bm::poisson_distribution<>(mu), std::nullopt);
}

// Failures before the n-th success (PyMC's and Boost's convention); by mean: n = alpha.
Pmf negative_binomial_pmf(double n, double p) {
  return boost_pmf(bm::negative_binomial_distribution<>(n, p), std::nullopt);
}

// (1 - psi) at zero plus psi times the base.
Pmf zero_inflated(double psi, Pmf base) {
  auto mass = base.mass;
  base.mass = [=](std::int64_t k) { return (k == 0 ? 1.0 - psi : 0.0) + psi * mass(k); };
  return base;
}

// Category masses proportional to `weights`.
Pmf categorical_pmf(std::vector<double> weights) {
  double total = 0.0;
  for (double w : weights) total += w;
  for (double& w : weights) w /= total;
  return {[=](std::int64_t k) { return weights.at(static_cast<std::size_t>(k)); }, 0,
          static_cast<std::int64_t>(weights.size()) - 1};
}

// P(Y = k) = F(c_k - eta) - F(c_{k-1} - eta) with c_{-1} = -inf and c_K = inf.
Pmf ordered_pmf(const std::function<double(double)>& link_cdf, double eta,
                const std::vector<double>& cutpoints) {
  std::vector<double> masses;
  double below = 0.0;
  for (double c : cutpoints) {
    const double at = link_cdf(c - eta);
    masses.push_back(at - below);
    below = at;
  }
  masses.push_back(1.0 - below);
  return categorical_pmf(masses);
}

// Parameter columns 1, 2, ... of a set stacked along a last axis (categories, cutpoints).
Expr stacked_from(const Exprs& columns, std::size_t first) {
  return stack(Exprs(columns.begin() + static_cast<std::ptrdiff_t>(first), columns.end()), -1);
}

std::vector<double> tail_of(const Parameters& parameters, std::size_t first) {
  return {parameters.begin() + static_cast<std::ptrdiff_t>(first), parameters.end()};
}

std::vector<DiscreteFamily> discrete_families() {
  return {
      {"Bernoulli",
       {{0.3}, {0.9}, {0.02}},
       [](const Exprs& c) { return Bernoulli(c[0]); },
       [](const Parameters& p) { return bernoulli_pmf(p[0]); }},
      {"BernoulliLogit",
       {{-2}, {0}, {3}},
       [](const Exprs& c) { return BernoulliLogit(c[0]); },
       [](const Parameters& p) { return bernoulli_pmf(sigmoid(p[0])); }},
      {"Binomial",
       {{10, 0.3}, {200, 0.9}, {1000, 0.005}},
       [](const Exprs& c) { return Binomial(c[0], c[1]); },
       [](const Parameters& p) { return binomial_pmf(p[0], p[1]); }},
      {"BinomialLogit",
       {{20, -1}, {500, 2}},
       [](const Exprs& c) { return BinomialLogit(c[0], c[1]); },
       [](const Parameters& p) { return binomial_pmf(p[0], sigmoid(p[1])); }},
      {"BetaBinomial",
       {{10, 1, 1}, {50, 0.5, 2}, {200, 20, 5}, {10, 0.001, 0.001}},
       [](const Exprs& c) { return BetaBinomial(c[0], c[1], c[2]); },
       [](const Parameters& p) { return beta_binomial_pmf(p[0], p[1], p[2]); }},
      {"Poisson",
       {{0.1}, {4}, {500}},
       [](const Exprs& c) { return Poisson(c[0]); },
       [](const Parameters& p) { return poisson_pmf(p[0]); }},
      {"NegativeBinomial",
       {{3, 1}, {50, 10}, {0.5, 0.2}},
       [](const Exprs& c) { return NegativeBinomial(c[0], c[1]); },
       [](const Parameters& p) { return negative_binomial_pmf(p[1], p[1] / (p[1] + p[0])); }},
      {"NegativeBinomialNP",
       {{5, 0.3}, {0.7, 0.9}, {100, 0.5}},
       [](const Exprs& c) { return NegativeBinomialNP(c[0], c[1]); },
       [](const Parameters& p) { return negative_binomial_pmf(p[0], p[1]); }},
      {"Geometric",
       {{0.5}, {0.05}, {0.95}},
       [](const Exprs& c) { return Geometric(c[0]); },
       [](const Parameters& p) {
         const double q = 1.0 - p[0], success = p[0];
         return Pmf{[=](std::int64_t k) { return success * std::pow(q, k - 1); }, 1};
       }},
      {"Categorical",
       {{0.1, 0.2, 0.3, 0.4}, {0.7, 0, 0.25, 0.05}},
       [](const Exprs& c) { return Categorical(stacked_from(c, 0)); },
       [](const Parameters& p) { return categorical_pmf(p); }},
      {"CategoricalLogit",
       {{0, 1, -1, 2}, {-3, 0, 0, 0.5}},
       [](const Exprs& c) { return CategoricalLogit(stacked_from(c, 0)); },
       [](const Parameters& p) {
         std::vector<double> weights;
         for (double logit : p) weights.push_back(std::exp(logit));
         return categorical_pmf(weights);
       }},
      {"DiscreteUniform",
       {{0, 1}, {-3, 7}, {10, 200}},
       [](const Exprs& c) { return DiscreteUniform(c[0], c[1]); },
       [](const Parameters& p) {
         const double mass = 1.0 / (p[1] - p[0] + 1.0);
         return Pmf{[=](std::int64_t) { return mass; }, static_cast<std::int64_t>(p[0]),
                    static_cast<std::int64_t>(p[1])};
       }},
      {"ZeroInflatedPoisson",
       {{0.7, 3}, {0.2, 20}},
       [](const Exprs& c) { return ZeroInflatedPoisson(c[0], c[1]); },
       [](const Parameters& p) { return zero_inflated(p[0], poisson_pmf(p[1])); }},
      {"ZeroInflatedBinomial",
       {{0.5, 10, 0.4}, {0.9, 100, 0.05}},
       [](const Exprs& c) { return ZeroInflatedBinomial(c[0], c[1], c[2]); },
       [](const Parameters& p) { return zero_inflated(p[0], binomial_pmf(p[1], p[2])); }},
      {"ZeroInflatedNegativeBinomial",
       {{0.6, 5, 2}, {0.3, 30, 0.5}},
       [](const Exprs& c) { return ZeroInflatedNegativeBinomial(c[0], c[1], c[2]); },
       [](const Parameters& p) {
         return zero_inflated(p[0], negative_binomial_pmf(p[2], p[2] / (p[2] + p[1])));
       }},
      // (eta, cutpoints...)
      {"OrderedLogistic",
       {{0, -1, 0.5, 2}, {1.5, -1, 0.5, 2}, {-3, -2, -1.5, 4}},
       [](const Exprs& c) { return OrderedLogistic(c[0], stacked_from(c, 1)); },
       [](const Parameters& p) { return ordered_pmf(sigmoid, p[0], tail_of(p, 1)); }},
      // (eta, sigma, cutpoints...)
      {"OrderedProbit",
       {{0, 1, -1, 0.5, 2}, {1, 2, -1, 0.5, 2}, {-0.5, 0.5, -2, -1.5, 4}},
       [](const Exprs& c) { return OrderedProbit(c[0], stacked_from(c, 2), c[1]); },
       [](const Parameters& p) {
         const double sigma = p[1];
         return ordered_pmf([=](double z) { return standard_normal_cdf(z / sigma); }, p[0],
                            tail_of(p, 2));
       }},
  };
}

class DiscreteDraws : public ::testing::TestWithParam<DiscreteFamily> {};

TEST_P(DiscreteDraws, FitTheirMassFunction) {
  const DiscreteFamily& family = GetParam();
  const std::vector<Tensor> results =
      draw_parameter_sets(family.parameter_sets, family.build, seed_of(family.name));
  EXPECT_EQ(results[0].dtype(), DType::int64) << family.name;
  testing::expect_all_true(results[1], family.name + " draws in the support");
  const auto sets = static_cast<std::int64_t>(family.parameter_sets.size());
  for (std::int64_t s = 0; s < sets; ++s) {
    const Parameters& parameters = family.parameter_sets[s];
    const std::string what = describe(family.name, parameters);
    const std::vector<double> x = testing::strided(results[0], sets, s);
    const Pmf pmf = family.reference(parameters);
    testing::expect_moments(x, testing::pmf_moments(pmf), what);
    testing::expect_chi_square_fits(x, pmf, what);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, DiscreteDraws, ::testing::ValuesIn(discrete_families()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace hypatia
