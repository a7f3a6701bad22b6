#include "infer/progress.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace hypatia::infer
