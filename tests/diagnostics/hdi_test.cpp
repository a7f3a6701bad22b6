// ArviZ's highest density interval against a hand-worked case and an exhaustive search.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "hypatia/diagnostics.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

namespace diag = hypatia::diagnostics;

// Independent of any sorting: every pair of draws as candidate ends, kept when it covers more
// than floor(probability * n) draws' worth of steps (at least that many + 1 draws), narrowest
// first, then lowest.
diag::Interval brute_force_hdi(const std::vector<double>& draws, double probability) {
  const auto needed = static_cast<std::size_t>(std::floor(probability * draws.size())) + 1;
  diag::Interval best{0, std::numeric_limits<double>::infinity()};
  for (double low : draws) {
    for (double high : draws) {
      if (high < low) continue;
      std::size_t covered = 0;
      for (double x : draws) covered += (low <= x && x <= high) ? 1 : 0;
      if (covered < needed) continue;
      const double width = high - low;
      const double best_width = best.upper - best.lower;
      if (width < best_width || (width == best_width && low < best.lower)) best = {low, high};
    }
  }
  return best;
}

TEST(DiagnosticsHdi, HandWorkedCase) {
  // Sorted: 0 1 1.5 2 2.2 6 9; probability 0.5 of 7 draws spans floor(3.5) = 3 steps. Windows:
  // [0, 2] 2, [1, 2.2] 1.2, [1.5, 6] 4.5, [2, 9] 7: the second is narrowest.
  const std::vector<double> draws = {6, 1.5, 0, 9, 2.2, 1, 2};
  const diag::Interval interval = diag::hdi(draws, 0.5);
  EXPECT_EQ(interval.lower, 1);
  EXPECT_EQ(interval.upper, 2.2);
}

TEST(DiagnosticsHdi, EqualWidthsTakeTheLowestWindow) {
  // 0 1 2 3 with two steps: [0, 2] and [1, 3] are both 2 wide; ArviZ's argmin takes the first.
  const diag::Interval interval = diag::hdi(std::vector<double>{3, 1, 2, 0}, 0.5);
  EXPECT_EQ(interval.lower, 0);
  EXPECT_EQ(interval.upper, 2);
}

TEST(DiagnosticsHdi, MatchesExhaustiveSearchOnSkewedDraws) {
  std::mt19937_64 rng(42);
  std::gamma_distribution<double> skewed(2.0, 1.5);
  for (const int n : {1, 2, 5, 37, 200}) {
    for (const double probability : {0.5, 0.8, 0.94, 0.99}) {
      std::vector<double> draws(n);
      for (double& x : draws) x = skewed(rng);
      SCOPED_TRACE("n " + std::to_string(n) + " probability " + std::to_string(probability));
      const diag::Interval expected = brute_force_hdi(draws, probability);
      const diag::Interval got = diag::hdi(draws, probability);
      EXPECT_EQ(got.lower, expected.lower);
      EXPECT_EQ(got.upper, expected.upper);
    }
  }
}

TEST(DiagnosticsHdi, OfSkewedDrawsLeansTowardTheMode) {
  // The exponential's 94% HDI is [0, -log(0.06)], far left of the central interval.
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> exponential(1.0);
  std::vector<double> draws(20000);
  for (double& x : draws) x = exponential(rng);
  const diag::Interval interval = diag::hdi(draws);
  EXPECT_NEAR(interval.lower, 0.0, 0.01);
  EXPECT_NEAR(interval.upper, -std::log(0.06), 0.1);
}

TEST(DiagnosticsHdi, NanDrawsGiveNanAndBadArgumentsThrow) {
  const diag::Interval interval = diag::hdi(std::vector<double>{1, NAN, 2}, 0.5);
  EXPECT_TRUE(std::isnan(interval.lower));
  EXPECT_TRUE(std::isnan(interval.upper));
  testing::expect_mentions(testing::error_message([] { diag::hdi(std::vector<double>{1}, 1.0); }),
                           {"hdi", "(0, 1)", "got 1"});
  testing::expect_mentions(testing::error_message([] { diag::hdi({}, 0.5); }), {"hdi", "no draws"});
}

}  // namespace
}  // namespace hypatia
