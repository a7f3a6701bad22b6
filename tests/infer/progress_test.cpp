#include "infer/progress.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "support/errors.hpp"

namespace hypatia::infer {
namespace {

TEST(Progress, LineShowsFractionSpeedDivergencesAndTimeLeft) {
  ProgressSnapshot snapshot;
  snapshot.label = "NUTS";
  snapshot.chains = 4;
  snapshot.iterations_done = 4000;
  snapshot.iterations_total = 8000;
  snapshot.divergences = 3;
  snapshot.seconds = 2;
  const std::string line = format_progress(snapshot, 10);
  hypatia::testing::expect_mentions(line, {"NUTS 4 chains", "[#####-----]", "50%", "4000/8000",
                                           "2000 it/s", "3 divergent", "0:02 left"});
}

TEST(Progress, FinishedLineShowsElapsedTime) {
  ProgressSnapshot snapshot;
  snapshot.label = "SMC";
  snapshot.chains = 1;
  snapshot.iterations_done = 10;
  snapshot.iterations_total = 10;
  snapshot.seconds = 75;
  const std::string line = format_progress(snapshot, 4);
  hypatia::testing::expect_mentions(line, {"1 chain ", "[####]", "100%", "1:15"});
}

TEST(Progress, DisabledBarIgnoresUpdates) {
  Progress progress("NUTS", 2, 100, false);
  EXPECT_FALSE(progress.shown());
  progress.update(1, 50, 0);
  progress.finish();
}

TEST(Progress, CallbackGetsPerChainCountsAndAFinalReport) {
  std::vector<ProgressReport> reports;
  Progress progress(
      "NUTS", 2, 100, false, [&](const ProgressReport& r) { reports.push_back(r); }, 40);
  EXPECT_FALSE(progress.shown());
  EXPECT_TRUE(progress.active());
  progress.update(0, 50, 1);
  progress.update(1, 100, 3);
  progress.finish();
  ASSERT_FALSE(reports.empty());
  const ProgressReport& last = reports.back();
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.label, "NUTS");
  ASSERT_EQ(last.chains.size(), 2u);
  EXPECT_EQ(last.chains[0].iterations_done, 50);
  EXPECT_EQ(last.chains[0].divergences, 1);
  EXPECT_EQ(last.chains[1].iterations_done, 100);
  EXPECT_EQ(last.chains[1].divergences, 3);
  for (const ChainProgress& chain : last.chains) {
    EXPECT_EQ(chain.iterations_total, 100);
    EXPECT_EQ(chain.warmup, 40);
  }
  for (std::size_t i = 0; i + 1 < reports.size(); ++i) EXPECT_FALSE(reports[i].finished);
}

TEST(Progress, ThrowingCallbackIsDroppedNotPropagated) {
  int calls = 0;
  Progress progress("NUTS", 1, 10, false, [&](const ProgressReport&) {
    ++calls;
    throw std::runtime_error("display broke");
  });
  progress.update(0, 5, 0);
  EXPECT_NO_THROW(progress.finish());
  EXPECT_EQ(calls, 1);  // the thread's first call threw; the final report was not attempted
}

}  // namespace
}  // namespace hypatia::infer
