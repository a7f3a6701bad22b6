#include "ppl/distributions/random_cases.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <map>

#include "hypatia/ops.hpp"

namespace hypatia::testing {
namespace {

double mean_of(const std::vector<double>& x) {
  double sum = 0.0;
  for (double v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

}  // namespace

Expr random_state_placeholder() {
  return input("state", random_state_type());
}

Function compile_draws(const Expr& state, const std::vector<Expr>& outputs, Backend backend) {
  std::vector<NodePtr> nodes;
  for (const Expr& output : outputs) nodes.push_back(output.node());
  return Function({state.node()}, nodes, {.backend = backend});
}

std::vector<Tensor> evaluate_draws(const Expr& state, const std::vector<Expr>& outputs,
                                   std::uint64_t seed, Backend backend) {
  return compile_draws(state, outputs, backend)({random_state(seed)});
}

void expect_draws_identical_on_backends(const Expr& state, const std::vector<Expr>& outputs,
                                        const std::vector<std::uint64_t>& seeds) {
  Function interpreter = compile_draws(state, outputs, Backend::interp);
  Function native = compile_draws(state, outputs, Backend::native);
  for (std::uint64_t seed : seeds) {
    const std::vector<Tensor> expected = interpreter({random_state(seed)});
    const std::vector<Tensor> actual = native({random_state(seed)});
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      EXPECT_TRUE(expected[k].identical(actual[k]))
          << "output " << k << ", seed " << seed << ": interpreter " << expected[k].to_string()
          << ", native " << actual[k].to_string();
    }
  }
}

std::vector<double> strided(const Tensor& values, std::int64_t stride, std::int64_t offset) {
  std::vector<double> x;
  for (std::int64_t i = offset; i < values.size(); i += stride) x.push_back(values.at(i));
  return x;
}

void expect_all_true(const Tensor& condition, const std::string& what) {
  for (std::int64_t i = 0; i < condition.size(); ++i) {
    if (condition.at(i) == 0.0) {
      ADD_FAILURE() << what << ": element " << i << " of " << condition.size() << " is not";
      return;
    }
  }
}

Moments moments_from_raw(double m1, double m2, double m3, double m4) {
  const double variance = m2 - m1 * m1;
  const double mu4 = m4 - 4.0 * m3 * m1 + 6.0 * m2 * m1 * m1 - 3.0 * m1 * m1 * m1 * m1;
  return {m1, variance, mu4 / (variance * variance)};
}

Moments affine_moments(const Moments& x, double shift, double scale) {
  return {shift + scale * x.mean, scale * scale * x.variance, x.kurtosis};
}

Moments moments_by_quadrature(const std::function<double(double)>& density, double a, double b) {
  using Quadrature = boost::math::quadrature::gauss_kronrod<double, 61>;
  auto integral = [&](const std::function<double(double)>& f) {
    return Quadrature::integrate(f, a, b, 12, 1e-11);
  };
  const double total = integral(density);
  const double mean = integral([&](double x) { return x * density(x); }) / total;
  auto central = [&](int power) {
    return integral([&](double x) { return std::pow(x - mean, power) * density(x); }) / total;
  };
  const double variance = central(2);
  return {mean, variance, central(4) / (variance * variance)};
}

void expect_moments(const std::vector<double>& x, const Moments& expected,
                    const std::string& what) {
  const double n = static_cast<double>(x.size());
  const double mean = mean_of(x);
  double squares = 0.0;
  for (double v : x) squares += (v - mean) * (v - mean);
  const double variance = squares / (n - 1.0);
  const double mean_error = std::sqrt(expected.variance / n);
  const double variance_error =
      expected.variance * std::sqrt((expected.kurtosis - (n - 3.0) / (n - 1.0)) / n);
  EXPECT_NEAR(mean, expected.mean, kStandardErrors * mean_error) << what << ": mean";
  EXPECT_NEAR(variance, expected.variance, kStandardErrors * variance_error)
      << what << ": variance";
}

void expect_quartiles(std::vector<double> x, const Cdf& cdf, const std::string& what) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  for (double p : {0.25, 0.5, 0.75}) {
    const double rank = std::ceil(p * n);
    const double at_quantile = cdf(x[static_cast<std::size_t>(rank) - 1]);
    EXPECT_NEAR(at_quantile, rank / (n + 1.0), kStandardErrors * std::sqrt(p * (1.0 - p) / n))
        << what << ": CDF at the sample quantile " << p;
  }
}

// The asymptotic critical value sqrt(-log(alpha / 2) / 2) with Stephens' finite-sample correction.
void expect_kolmogorov_smirnov_fits(std::vector<double> x, const Cdf& cdf,
                                    const std::string& what) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double distance = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    distance =
        std::max({distance, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  const double critical = std::sqrt(-0.5 * std::log(kGoodnessOfFitLevel / 2.0)) /
                          (std::sqrt(n) + 0.12 + 0.11 / std::sqrt(n));
  EXPECT_LT(distance, critical) << what << ": Kolmogorov-Smirnov distance";
}

Moments pmf_moments(const Pmf& pmf) {
  double mass = 0.0, m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (std::int64_t k = pmf.lower;; ++k) {
    const double p = pmf.mass(k);
    const double v = static_cast<double>(k);
    mass += p;
    m1 += p * v;
    m2 += p * v * v;
    m3 += p * v * v * v;
    m4 += p * v * v * v * v;
    if ((pmf.upper && k >= *pmf.upper) || (1.0 - mass < 1e-14 && v > m1 / mass)) break;
  }
  return moments_from_raw(m1 / mass, m2 / mass, m3 / mass, m4 / mass);
}

void expect_chi_square_fits(const std::vector<double>& x, const Pmf& pmf, const std::string& what) {
  const double n = static_cast<double>(x.size());
  std::map<double, double> counts;
  for (double v : x) counts[v] += 1.0;
  std::vector<double> observed, expected;
  double bin_observed = 0.0, bin_expected = 0.0, cumulative = 0.0;
  for (std::int64_t k = pmf.lower;; ++k) {
    const auto value = static_cast<double>(k);
    bin_observed += counts.contains(value) ? counts[value] : 0.0;
    bin_expected += n * pmf.mass(k);
    cumulative += pmf.mass(k);
    const bool last = pmf.upper ? k >= *pmf.upper : n * (1.0 - cumulative) < 5.0;
    if (last) {
      for (auto it = counts.upper_bound(value); it != counts.end(); ++it) {
        bin_observed += it->second;
      }
      bin_expected += std::max(0.0, n * (1.0 - cumulative));
      if (bin_expected < 5.0 && !observed.empty()) {  // too small a bin: join the previous one
        observed.back() += bin_observed;
        expected.back() += bin_expected;
      } else {
        observed.push_back(bin_observed);
        expected.push_back(bin_expected);
      }
      break;
    }
    if (bin_expected >= 5.0) {
      observed.push_back(bin_observed);
      expected.push_back(bin_expected);
      bin_observed = bin_expected = 0.0;
    }
  }
  ASSERT_GE(observed.size(), 2u) << what << ": too few bins for a chi-square test";
  double statistic = 0.0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    statistic += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
  }
  const boost::math::chi_squared reference(static_cast<double>(observed.size() - 1));
  EXPECT_LT(statistic,
            boost::math::quantile(boost::math::complement(reference, kGoodnessOfFitLevel)))
      << what << ": chi-square over " << observed.size() << " bins";
}

void expect_covariance(const std::vector<double>& x, const std::vector<double>& y, double expected,
                       const std::string& what) {
  ASSERT_EQ(x.size(), y.size()) << what;
  const double n = static_cast<double>(x.size());
  const double mean_x = mean_of(x), mean_y = mean_of(y);
  std::vector<double> products;
  for (std::size_t i = 0; i < x.size(); ++i) products.push_back((x[i] - mean_x) * (y[i] - mean_y));
  const double covariance = mean_of(products) * n / (n - 1.0);
  double squares = 0.0;
  const double mean_product = mean_of(products);
  for (double v : products) squares += (v - mean_product) * (v - mean_product);
  const double standard_error = std::sqrt(squares / (n - 1.0) / n);
  EXPECT_NEAR(covariance, expected, kStandardErrors * standard_error) << what << ": covariance";
}

}  // namespace hypatia::testing
