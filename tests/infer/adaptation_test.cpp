#include "infer/adaptation.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hypatia::infer {
namespace {

// Stan's documented schedule for 1000 warm-up iterations: a 75-iteration initial buffer, slow
// windows of 25, 50, 100, 200 and 500 iterations, then a 50-iteration terminal buffer.
TEST(MetricWindows, DefaultScheduleDoublesWindowsBetweenBuffers) {
  const MetricWindows windows(1000, 75, 25, 50);
  EXPECT_EQ(windows.window_ends(), (std::vector<std::int64_t>{99, 149, 249, 449, 949}));
  EXPECT_FALSE(windows.collects(74));
  EXPECT_TRUE(windows.collects(75));
  EXPECT_TRUE(windows.collects(949));
  EXPECT_FALSE(windows.collects(950));
  EXPECT_TRUE(windows.closes(449));
  EXPECT_FALSE(windows.closes(450));
}

// nutpie's rule for 1000 warm-up draws, worked by hand: windows of 10 until draw 300, then 80
// (switch after draw 379), 120 (499); the next, 180, would end past draw 850, where only the
// step size is tuned, so the window from 380 to 849 is the last.
TEST(NutpieWindows, EarlySwitchesEveryTenThenGrowingWindows) {
  NutpieWindows windows(1000);
  EXPECT_EQ(windows.step_size_only_from(), 850);
  std::vector<std::int64_t> switches, expected;
  std::int64_t recent = 0;
  for (std::int64_t iteration = 0; iteration < windows.step_size_only_from(); ++iteration) {
    ++recent;
    if (windows.switches(iteration, recent)) {
      switches.push_back(iteration);
      recent = 0;
    }
  }
  for (std::int64_t end = 9; end < 300; end += 10) expected.push_back(end);
  expected.push_back(379);
  expected.push_back(499);
  EXPECT_EQ(switches, expected);
}

TEST(MetricWindows, LastWindowAbsorbsWhatADoublingCannotFill) {
  // 300 iterations: windows 75-99, 100-149, then 150-249 reaches the terminal buffer exactly.
  EXPECT_EQ(MetricWindows(300, 75, 25, 50).window_ends(),
            (std::vector<std::int64_t>{99, 149, 249}));
  // 400: after 100-149 a 100-window would end at 249, leaving less than two windows before 350,
  // so it is stretched to the terminal buffer.
  EXPECT_EQ(MetricWindows(400, 75, 25, 50).window_ends(),
            (std::vector<std::int64_t>{99, 149, 349}));
}

TEST(MetricWindows, ShortWarmupShrinksBuffersToFifteenAndTenPercent) {
  // 140 < 75 + 25 + 50: the three stages do not fit as configured.
  const MetricWindows windows(140, 75, 25, 50);
  // initial floor(0.15 * 140) = 21, terminal floor(0.1 * 140) = 14, one window 21..125.
  EXPECT_EQ(windows.window_ends(), (std::vector<std::int64_t>{125}));
  EXPECT_FALSE(windows.collects(20));
  EXPECT_TRUE(windows.collects(21));
  EXPECT_TRUE(windows.collects(125));
  EXPECT_FALSE(windows.collects(126));
}

TEST(MetricWindows, NoMetricEstimationBelowTwentyIterations) {
  const MetricWindows windows(19, 75, 25, 50);
  EXPECT_TRUE(windows.window_ends().empty());
  for (std::int64_t i = 0; i < 19; ++i) EXPECT_FALSE(windows.collects(i));
}

TEST(DualAveraging, FindsTheStepSizeWithTheTargetAcceptance) {
  // A synthetic sampler whose acceptance is exp(-step): the target 0.8 is met at -log(0.8).
  DualAveraging adaptation(0.8, 0.05, 10, 0.75);
  adaptation.restart(1.0);
  double step = 1.0;
  for (int i = 0; i < 2000; ++i) step = adaptation.update(std::exp(-step));
  EXPECT_NEAR(adaptation.final_step_size(), -std::log(0.8), 0.02 * -std::log(0.8));
}

TEST(DualAveraging, FirstStepMovesFromTenTimesTheStartingStep) {
  // Acceptance equal to the target leaves the error at zero: the iterate is mu = log(10 eps0).
  DualAveraging adaptation(0.8, 0.05, 10, 0.75);
  adaptation.restart(0.3);
  EXPECT_NEAR(adaptation.update(0.8), 3.0, 1e-12);
  // Acceptance above 1 counts as 1.
  DualAveraging clipped(0.8, 0.05, 10, 0.75);
  clipped.restart(0.3);
  DualAveraging one(0.8, 0.05, 10, 0.75);
  one.restart(0.3);
  EXPECT_EQ(clipped.update(1.7), one.update(1.0));
}

}  // namespace
}  // namespace hypatia::infer
