// Size checks between a data file's values (hypatia/data.hpp): each failure names the file, the
// size key, its value and the array's length.

#include <gtest/gtest.h>

#include "hypatia/data.hpp"
#include "support/errors.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;

const DataFile& schools() {
  static const DataFile file = DataFile::parse(
      R"({"J": 3, "K": 2, "big": -1, "half": 1.5, "y": [1, 2, 3], "X": [[1, 2], [3, 4], [5, 6]],
          "group": [1, 3, 2]})",
      "schools.json");
  return file;
}

TEST(DataChecks, AgreeingSizesPass) {
  EXPECT_NO_THROW(require_shapes(schools(), {{"y", {"J"}}, {"X", {"J", "K"}}, {"J", {}}}));
  EXPECT_NO_THROW(require_shapes(schools(), {{"X", {3, 2}}, {"X", {"J", 2}}}));
  EXPECT_NO_THROW(require_size(schools(), "K", 2, "two columns"));
  EXPECT_NO_THROW(require_indices(schools(), "group", 1, "J"));
  EXPECT_EQ(size_value(schools(), "J"), 3);
}

TEST(DataChecks, ASizeKeyThatDisagreesWithItsArrayIsAnError) {
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"y", {"K"}}});
                  }),
                  {"schools.json", "'y' has 3 elements along axis 0", "K = 2",
                   "should be (K,) = (2,), got (3,)"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"X", {"J", "J"}}});
                  }),
                  {"schools.json", "'X' has 2 elements along axis 1", "J = 3"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"X", {"J", 3}}});
                  }),
                  {"'X' has 2 elements along axis 1", "the model needs 3"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"X", {"J"}}});
                  }),
                  {"'X' has 2 axes, expected 1", "got (3, 2)"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"y", {}}});
                  }),
                  {"'y' has 1 axes, expected 0"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"z", {"J"}}});
                  }),
                  {"schools.json", "no key 'z'"});
}

TEST(DataChecks, SizesAreNonNegativeIntegerScalars) {
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"y", {"big"}}});
                  }),
                  {"schools.json", "key 'big' is -1", "0 or more"});
  expect_mentions(error_message([] {
                    require_shapes(schools(), {{"y", {"half"}}});
                  }),
                  {"key 'half'", "expected an integer", "1.5"});
  expect_mentions(error_message([] { size_value(schools(), "y"); }),
                  {"key 'y'", "expected a scalar"});
}

TEST(DataChecks, FixedSizesAndIndexRanges) {
  expect_mentions(
      error_message([] { require_size(schools(), "J", 2, "the model has two states"); }),
      {"schools.json", "J = 3, expected 2", "the model has two states"});
  expect_mentions(error_message([] { require_indices(schools(), "group", 1, "K"); }),
                  {"schools.json", "group[1] = 3 is outside [1, K = 2]"});
  expect_mentions(error_message([] { require_indices(schools(), "group", 2, 3); }),
                  {"group[0] = 1 is outside [2, 3]"});
}

}  // namespace
}  // namespace hypatia
