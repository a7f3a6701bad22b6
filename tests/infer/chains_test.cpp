#include "infer/chains.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/errors.hpp"

namespace hypatia::infer {
namespace {

TEST(Chains, EveryChainRunsOnceWhateverTheThreadCount) {
  // 0 is one thread per hardware thread; 7 is more threads than chains.
  for (std::int64_t cores : {0, 1, 2, 7}) {
    std::vector<std::atomic<int>> runs(5);
    run_chains(5, cores, [&](std::int64_t chain, const std::atomic<bool>&) { ++runs[chain]; });
    for (std::size_t chain = 0; chain < runs.size(); ++chain) {
      EXPECT_EQ(runs[chain], 1) << "chain " << chain << ", cores " << cores;
    }
  }
}

TEST(Chains, RunsChainsOnAtMostCoresThreads) {
  for (std::int64_t cores : {1, 2}) {
    std::mutex mutex;
    std::set<std::thread::id> threads;
    run_chains(6, cores, [&](std::int64_t, const std::atomic<bool>&) {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    });
    EXPECT_LE(threads.size(), static_cast<std::size_t>(cores)) << "cores " << cores;
  }
}

TEST(Chains, RethrowsTheLowestNumberedFailure) {
  // On one thread chains run in order, and a failure stops those not started.
  std::vector<std::int64_t> ran;
  const std::string message = testing::error_message([&] {
    run_chains(4, 1, [&](std::int64_t chain, const std::atomic<bool>&) {
      ran.push_back(chain);
      if (chain >= 1) throw Error("chain " + std::to_string(chain) + " failed");
    });
  });
  EXPECT_EQ(message, "chain 1 failed");
  EXPECT_EQ(ran, (std::vector<std::int64_t>{0, 1}));
}

TEST(Chains, RethrowsAFailureFromAnotherThread) {
  const std::string message = testing::error_message([&] {
    run_chains(4, 3, [](std::int64_t chain, const std::atomic<bool>&) {
      if (chain == 2) throw Error("chain 2 failed");
    });
  });
  EXPECT_EQ(message, "chain 2 failed");
}

TEST(Chains, OptionCheckNamesSamplerOptionExpectationAndValue) {
  const OptionCheck require("sampler");
  EXPECT_NO_THROW(require(true, "tune", "at least 0", -1));
  EXPECT_EQ(testing::error_message([&] { require(false, "target_accept", "in (0, 1)", 1.5); }),
            "sampler: options.target_accept must be in (0, 1), got 1.5");
}

}  // namespace
}  // namespace hypatia::infer
