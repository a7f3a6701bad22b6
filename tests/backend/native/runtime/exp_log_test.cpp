// hr_simd_exp, hr_simd_log and hr_simd_log1p (hypatia_exp_log.h) against long double libm (64-bit
// significand, an independent reference 2048 times finer than a double's ulp): within 1 ulp
// everywhere, and the special values exactly.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "hypatia_exp_log.h"

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// |got - reference| in units of the last place of the reference rounded to double.
double ulps(double got, long double reference) {
  const double rounded = static_cast<double>(reference);
  const double magnitude = std::fabs(rounded);
  const double ulp = magnitude == 0.0 ? std::numeric_limits<double>::denorm_min()
                                      : std::nextafter(magnitude, kInf) - magnitude;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - reference) / ulp);
}

struct Range {
  double low, high;
  bool powers_of_two;  // draw log2|x| uniformly in [low, high] instead of x
};

// The largest error over `draws` arguments spread over `range`, with the argument where it occurs.
std::pair<double, double> worst_error(const std::function<double(double)>& f,
                                      const std::function<long double(long double)>& reference,
                                      Range range, int draws = 200000) {
  std::mt19937_64 rng(20261207);
  std::uniform_real_distribution<double> uniform(range.low, range.high);
  double worst = 0.0, at = 0.0;
  for (int i = 0; i < draws; ++i) {
    const double x = range.powers_of_two ? std::exp2(uniform(rng)) : uniform(rng);
    const double error = ulps(f(x), reference(x));
    if (error > worst) worst = error, at = x;
  }
  return {worst, at};
}

void expect_within_one_ulp(const std::string& name, const std::function<double(double)>& f,
                           const std::function<long double(long double)>& reference, Range range) {
  const auto [worst, at] = worst_error(f, reference, range);
  EXPECT_LT(worst, 1.0) << name << " on [" << range.low << ", " << range.high << "]"
                        << (range.powers_of_two ? " (log2)" : "") << ": " << worst << " ulp at "
                        << at;
}

TEST(ExpLog, ExpIsWithinOneUlpOverItsWholeRange) {
  const auto reference = [](long double x) { return std::exp(x); };
  expect_within_one_ulp("exp", hr_simd_exp, reference, {-745.0, 709.78, false});
  expect_within_one_ulp("exp", hr_simd_exp, reference, {-1.0, 1.0, false});
  expect_within_one_ulp("exp", hr_simd_exp, reference, {-60.0, -1.0, true});  // x tiny
  const auto negative = [](double x) { return hr_simd_exp(-x); };
  const auto negative_reference = [](long double x) { return std::exp(-x); };
  expect_within_one_ulp("exp(-x)", negative, negative_reference, {-60.0, -1.0, true});
  // Subnormal results: rounded once, at the end.
  expect_within_one_ulp("exp", hr_simd_exp, reference, {-745.13, -708.4, false});
}

TEST(ExpLog, LogIsWithinOneUlpFromTheSmallestSubnormalToTheLargestDouble) {
  const auto reference = [](long double x) { return std::log(x); };
  expect_within_one_ulp("log", hr_simd_log, reference, {-1074.0, 1024.0, true});
  expect_within_one_ulp("log", hr_simd_log, reference, {0.5, 2.0, false});  // near 1: small results
}

TEST(ExpLog, Log1pIsWithinOneUlpNearZeroNearMinusOneAndFarOut) {
  const auto reference = [](long double x) { return std::log1p(x); };
  expect_within_one_ulp("log1p", hr_simd_log1p, reference, {-1.0, 3.0, false});
  expect_within_one_ulp("log1p", hr_simd_log1p, reference, {-1074.0, 1024.0, true});
  const auto negative = [](double x) { return hr_simd_log1p(-x); };
  const auto negative_reference = [](long double x) { return std::log1p(-x); };
  expect_within_one_ulp("log1p(-x)", negative, negative_reference, {-1074.0, -1e-9, true});
  // u = 1 + x in [sqrt 2, 2): the rounding error of 1 + x must be taken in the form that is exact.
  expect_within_one_ulp("log1p", hr_simd_log1p, reference, {0.41, 1.0, false});
}

TEST(ExpLog, SpecialValuesFollowC) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double denorm_min = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(hr_simd_exp(0.0), 1.0);
  EXPECT_EQ(hr_simd_exp(-0.0), 1.0);
  EXPECT_EQ(hr_simd_exp(kInf), kInf);
  EXPECT_EQ(hr_simd_exp(-kInf), 0.0);
  EXPECT_TRUE(std::isnan(hr_simd_exp(nan)));
  EXPECT_EQ(hr_simd_exp(709.79), kInf);
  EXPECT_EQ(hr_simd_exp(1000.0), kInf);
  EXPECT_EQ(hr_simd_exp(-745.14), 0.0);
  EXPECT_EQ(hr_simd_exp(-745.13), denorm_min);
  EXPECT_EQ(hr_simd_exp(709.782712893384),
            std::exp(709.782712893384));  // the largest finite result

  EXPECT_EQ(hr_simd_log(1.0), 0.0);
  EXPECT_EQ(hr_simd_log(0.0), -kInf);
  EXPECT_EQ(hr_simd_log(-0.0), -kInf);
  EXPECT_EQ(hr_simd_log(kInf), kInf);
  EXPECT_TRUE(std::isnan(hr_simd_log(-1.0)));
  EXPECT_TRUE(std::isnan(hr_simd_log(-kInf)));
  EXPECT_TRUE(std::isnan(hr_simd_log(nan)));
  EXPECT_EQ(hr_simd_log(denorm_min), std::log(denorm_min));  // -1074 log 2, rounded
  EXPECT_EQ(hr_simd_log(std::numeric_limits<double>::max()),
            std::log(std::numeric_limits<double>::max()));

  EXPECT_EQ(hr_simd_log1p(0.0), 0.0);
  EXPECT_TRUE(std::signbit(hr_simd_log1p(-0.0)));
  EXPECT_EQ(hr_simd_log1p(-1.0), -kInf);
  EXPECT_EQ(hr_simd_log1p(kInf), kInf);
  EXPECT_TRUE(std::isnan(hr_simd_log1p(-1.5)));
  EXPECT_TRUE(std::isnan(hr_simd_log1p(-kInf)));
  EXPECT_TRUE(std::isnan(hr_simd_log1p(nan)));
  EXPECT_EQ(hr_simd_log1p(denorm_min), denorm_min);
  EXPECT_EQ(hr_simd_log1p(1e-300), 1e-300);
}

}  // namespace
