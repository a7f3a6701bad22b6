#include "hypatia/infer/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace hypatia {
namespace {

constexpr int kSamples = 200000;

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <typename Draw>
Moments moments(Draw draw) {
  double sum = 0, sum_squares = 0;
  for (int i = 0; i < kSamples; ++i) {
    const double x = draw();
    sum += x;
    sum_squares += x * x;
  }
  const double mean = sum / kSamples;
  return {mean, sum_squares / kSamples - mean * mean};
}

TEST(CounterRng, UniformIsOpenUnitIntervalWithUniformMoments) {
  CounterRng rng(7, 0);
  double smallest = 1, largest = 0;
  const Moments m = moments([&] {
    const double u = rng.uniform();
    smallest = std::min(smallest, u);
    largest = std::max(largest, u);
    return u;
  });
  EXPECT_GT(smallest, 0.0);
  EXPECT_LT(largest, 1.0);
  // Uniform(0,1): mean 1/2, variance 1/12; standard error of the mean sqrt(1/12 / n).
  EXPECT_NEAR(m.mean, 0.5, 4 * std::sqrt(1.0 / 12 / kSamples));
  EXPECT_NEAR(m.variance, 1.0 / 12, 4 * std::sqrt(1.0 / 180 / kSamples));
}

TEST(CounterRng, NormalHasStandardMomentsAndTails) {
  CounterRng rng(11, 3);
  int beyond_two = 0;
  const Moments m = moments([&] {
    const double z = rng.normal();
    if (std::abs(z) > 2) ++beyond_two;
    return z;
  });
  EXPECT_NEAR(m.mean, 0.0, 4 * std::sqrt(1.0 / kSamples));
  EXPECT_NEAR(m.variance, 1.0, 4 * std::sqrt(2.0 / kSamples));
  // P(|Z| > 2) = erfc(2 / sqrt 2).
  const double p = std::erfc(2 / std::sqrt(2.0));
  EXPECT_NEAR(beyond_two / double(kSamples), p, 4 * std::sqrt(p * (1 - p) / kSamples));
}

TEST(CounterRng, ExponentialHasUnitRate) {
  CounterRng rng(5, 1);
  const Moments m = moments([&] { return rng.exponential(); });
  EXPECT_NEAR(m.mean, 1.0, 4 * std::sqrt(1.0 / kSamples));
  EXPECT_NEAR(m.variance, 1.0, 4 * std::sqrt(8.0 / kSamples));
}

TEST(CounterRng, StreamsAreReproducibleAndDistinct) {
  auto first_draws = [](CounterRng rng) {
    std::vector<std::uint64_t> draws;
    for (int i = 0; i < 9; ++i) draws.push_back(rng.next_u64());
    return draws;
  };
  const auto reference = first_draws(CounterRng(42, 2, 0));
  EXPECT_EQ(first_draws(CounterRng(42, 2, 0)), reference);
  EXPECT_NE(first_draws(CounterRng(43, 2, 0)), reference);
  EXPECT_NE(first_draws(CounterRng(42, 3, 0)), reference);
  EXPECT_NE(first_draws(CounterRng(42, 2, 1)), reference);
}

TEST(CounterRng, UniformRangeIsRespected) {
  CounterRng rng(1, 1);
  for (int i = 0; i < 10000; ++i) {
    const double x = rng.uniform(-2, 2);
    ASSERT_GT(x, -2.0);
    ASSERT_LT(x, 2.0);
  }
}

}  // namespace
}  // namespace hypatia
