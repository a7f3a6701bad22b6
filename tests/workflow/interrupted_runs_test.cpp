// What an interrupted run keeps: the largest block of chains with equally many draws.

#include "workflow/interrupted_runs.hpp"

#include <gtest/gtest.h>

namespace hypatia {
namespace {

using Chains = std::vector<std::int64_t>;

TEST(ChainsToKeep, TheLargestRectangleOfDraws) {
  std::int64_t draws = -1;
  // Two chains ran on two threads; the other two never started: keep 2 x 40.
  EXPECT_EQ(chains_to_keep({50, 40, 0, 0}, draws), (Chains{0, 1}));
  EXPECT_EQ(draws, 40);
  // One chain far ahead: 1 x 100 beats 3 x 10.
  EXPECT_EQ(chains_to_keep({10, 100, 12, 0}, draws), (Chains{1}));
  EXPECT_EQ(draws, 100);
  // Close counts: all of them, cut to the shortest.
  EXPECT_EQ(chains_to_keep({98, 99, 97, 100}, draws), (Chains{0, 1, 2, 3}));
  EXPECT_EQ(draws, 97);
  // Ties keep the lower-numbered chains.
  EXPECT_EQ(chains_to_keep({0, 30, 30, 0}, draws), (Chains{1, 2}));
  EXPECT_EQ(draws, 30);
}

TEST(ChainsToKeep, NothingWhenNoChainHasADraw) {
  std::int64_t draws = -1;
  EXPECT_TRUE(chains_to_keep({0, 0}, draws).empty());
  EXPECT_EQ(draws, 0);
}

TEST(MarkInterrupted, FlagsTheDataAndNamesTheChainsKept) {
  InferenceData data;
  data.chains = 2;
  data.draws = 40;
  mark_interrupted(data, 1000, {0, 2}, 4);
  EXPECT_EQ(data.attributes.at("sampling_interrupted"), "1");
  EXPECT_EQ(data.attributes.at("draws_requested"), "1000");
  EXPECT_EQ(data.attributes.at("draws_completed"), "40");
  EXPECT_EQ(data.attributes.at("chains_requested"), "4");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(data.coords.at("chain")), (Chains{0, 2}));
}

}  // namespace
}  // namespace hypatia
