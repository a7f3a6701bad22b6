// Bundled models check their data's sizes against each other: each case copies one data file
// into a scratch shared directory with one size changed and builds the model from it. Before
// these checks, eight schools with J = 1 built a one-school model whose theta broadcast against
// eight observations.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "hypatia/data.hpp"
#include "hypatia/models.hpp"
#include "support/errors.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
namespace fs = std::filesystem;

// Points $HYPATIA_SHARED_DIR at a scratch directory for the test's lifetime.
class ScratchSharedDirectory {
 public:
  ScratchSharedDirectory() : original_(shared_data_dir()) {
    const char* configured = std::getenv("HYPATIA_SHARED_DIR");
    if (configured) configured_ = configured;
    ::setenv("HYPATIA_SHARED_DIR", scratch_.path().c_str(), 1);
  }
  ~ScratchSharedDirectory() {
    if (configured_) {
      ::setenv("HYPATIA_SHARED_DIR", configured_->c_str(), 1);
    } else {
      ::unsetenv("HYPATIA_SHARED_DIR");
    }
  }

  // Copies `relative_path` from the real shared directory, edited by `edit`; returns the copy.
  fs::path copy(const std::string& relative_path,
                const std::function<void(nlohmann::json&)>& edit) const {
    std::ifstream in(fs::path(original_) / relative_path);
    EXPECT_TRUE(in) << original_ << "/" << relative_path
                    << " not found; set HYPATIA_SHARED_DIR to the directory holding posteriordb/";
    nlohmann::json data = nlohmann::json::parse(in);
    edit(data);
    const fs::path path = scratch_.path() / relative_path;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << data.dump();
    return path;
  }

 private:
  testing::ScratchDirectory scratch_;
  std::string original_;
  std::optional<std::string> configured_;
};

std::string build_error(const std::string& model) {
  return error_message([&] { find_bundled_model(model).build(); });
}

std::string posterior_data(const std::string& posterior) {
  return "posteriordb/" + posterior + "/data.json";
}

// The checks name the keys each model reads: every bundled model still builds from its own data.
TEST(BundledModelData, EveryBundledModelBuildsFromItsData) {
  for (const BundledModel& model : bundled_models()) {
    EXPECT_NO_THROW(model.build()) << model.name;
  }
}

TEST(BundledModelData, UnchangedCopiesBuild) {
  ScratchSharedDirectory shared;
  shared.copy(posterior_data("eight_schools-eight_schools_noncentered"), [](nlohmann::json&) {});
  EXPECT_NO_THROW(find_bundled_model("eight_schools-eight_schools_noncentered").build());
}

TEST(BundledModelData, EightSchoolsWithASmallerJIsAnError) {
  ScratchSharedDirectory shared;
  const fs::path path = shared.copy(posterior_data("eight_schools-eight_schools_noncentered"),
                                    [](nlohmann::json& data) { data["J"] = 1; });
  expect_mentions(build_error("eight_schools-eight_schools_noncentered"),
                  {path.string(), "'y' has 8 elements along axis 0", "J = 1"});
}

TEST(BundledModelData, MatrixColumnsAgainstTheirSizeKey) {
  ScratchSharedDirectory shared;
  const fs::path path =
      shared.copy(posterior_data("sblrc-blr"), [](nlohmann::json& data) { data["D"] = 4; });
  expect_mentions(build_error("sblrc-blr"),
                  {path.string(), "'X' has 5 elements along axis 1", "D = 4"});
}

TEST(BundledModelData, ColumnsOfARegressionAgainstN) {
  ScratchSharedDirectory shared;
  const fs::path path = shared.copy(posterior_data("earnings-earn_height"),
                                    [](nlohmann::json& data) { data["height"].erase(0); });
  expect_mentions(build_error("earnings-earn_height"),
                  {path.string(), "'height' has 1191 elements along axis 0", "N = 1192"});
}

TEST(BundledModelData, OdeObservationsAgainstTheirTimes) {
  ScratchSharedDirectory shared;
  const fs::path path = shared.copy(posterior_data("hudson_lynx_hare-lotka_volterra"),
                                    [](nlohmann::json& data) { data["N"] = 19; });
  expect_mentions(build_error("hudson_lynx_hare-lotka_volterra"),
                  {path.string(), "'ts' has 20 elements along axis 0", "N = 19"});
}

TEST(BundledModelData, FixedSizesAndOrders) {
  ScratchSharedDirectory shared;
  shared.copy(posterior_data("hmm_example-hmm_example"),
              [](nlohmann::json& data) { data["K"] = 3; });
  expect_mentions(build_error("hmm_example-hmm_example"),
                  {"K = 3, expected 2", "two hidden states"});
  shared.copy(posterior_data("arK-arK"), [](nlohmann::json& data) { data["K"] = 200; });
  expect_mentions(build_error("arK-arK"), {"K = 200 with T = 200", "1 <= K < T"});
  shared.copy(posterior_data("mcycle_gp-accel_gp"),
              [](nlohmann::json& data) { data["NBgp_sigma_1"] = 21; });
  expect_mentions(build_error("mcycle_gp-accel_gp"),
                  {"'Xgp_sigma_1' has 20 elements along axis 1", "NBgp_sigma_1 = 21"});
}

TEST(BundledModelData, GroupIndicesWithinTheirCount) {
  ScratchSharedDirectory shared;
  const fs::path path =
      shared.copy("bench-data/radon_mn.json", [](nlohmann::json& data) { data["J"] = 84; });
  expect_mentions(build_error("radon"),
                  {path.string(), "county_idx[", "= 85 is outside [1, J = 84]"});
}

}  // namespace
}  // namespace hypatia
