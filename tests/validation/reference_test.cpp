// load_reference_posterior on broken copies of a posteriordb reference: every defect is a
// hypatia::Error naming the file and what is wrong (it used to escape as a JSON library
// exception and abort `hypatia validate`).

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <tuple>
#include <utility>

#include "hypatia/models.hpp"
#include "hypatia/validation.hpp"
#include "support/errors.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
using testing::ScratchDirectory;

const std::string kPosterior = "eight_schools-eight_schools_noncentered";

// A shared directory holding one posterior whose reference.json is `text`; HYPATIA_SHARED_DIR
// points at it while the object lives.
class BrokenReference {
 public:
  explicit BrokenReference(const std::string& text) : original_(shared_data_dir()) {
    std::filesystem::create_directories(scratch_ / "posteriordb" / kPosterior);
    std::ofstream(path()) << text;
    ::setenv("HYPATIA_SHARED_DIR", scratch_.path().c_str(), 1);
  }
  ~BrokenReference() { ::setenv("HYPATIA_SHARED_DIR", original_.c_str(), 1); }

  std::string path() const {
    return (scratch_ / "posteriordb" / kPosterior / "reference.json").string();
  }
  std::string error() const {
    return error_message([] { load_reference_posterior(kPosterior); });
  }

 private:
  std::string original_;
  ScratchDirectory scratch_;
};

std::string reference_text() {
  std::ifstream file(shared_data_dir() + "/posteriordb/" + kPosterior + "/reference.json");
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// The real reference with one edit.
std::string edited(const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json json = nlohmann::json::parse(reference_text());
  edit(json);
  return json.dump();
}

// The path and the error of loading `text` as the reference (one broken copy at a time: the
// copies share the test's scratch directory).
std::pair<std::string, std::string> load_broken(const std::string& text) {
  const BrokenReference copy(text);
  return {copy.path(), copy.error()};
}

TEST(ReferencePosterior, TheIntactCopyLoads) {
  const BrokenReference copy(reference_text());
  const ReferencePosterior reference = load_reference_posterior(kPosterior);
  EXPECT_EQ(reference.parameters.size(), 10u);
  EXPECT_EQ(reference.adapt_delta, 0.95);
}

TEST(ReferencePosteriorErrors, ATruncatedFileIsNotValidJson) {
  const std::string text = reference_text();
  const auto [path, error] = load_broken(text.substr(0, text.size() / 2));
  expect_mentions(error, {path, "not valid JSON"});
}

TEST(ReferencePosteriorErrors, AMissingMemberIsNamed) {
  auto [path, error] = load_broken(edited([](auto& json) { json.erase("parameter_names"); }));
  expect_mentions(error, {path, "no member 'parameter_names'"});
  std::tie(path, error) = load_broken(edited([](auto& json) { json["parameters"].erase("tau"); }));
  expect_mentions(error, {path, "parameters has no member 'tau'"});
  std::tie(path, error) =
      load_broken(edited([](auto& json) { json["parameters"]["mu"].erase("sd"); }));
  expect_mentions(error, {"parameters[\"mu\"] has no member 'sd'"});
}

TEST(ReferencePosteriorErrors, AMistypedValueIsNamedWithWhatWasFound) {
  auto [path, error] =
      load_broken(edited([](auto& json) { json["parameters"]["mu"]["mean"] = "4.4"; }));
  expect_mentions(error, {path, "parameters[\"mu\"].mean must be a number", "\"4.4\""});
  std::tie(path, error) =
      load_broken(edited([](auto& json) { json["parameters"]["tau"]["sd"] = 0; }));
  expect_mentions(error, {"parameters[\"tau\"].sd must be positive", "got 0"});
  std::tie(path, error) = load_broken(edited([](auto& json) { json["parameter_names"] = "mu"; }));
  expect_mentions(error, {"parameter_names must be a non-empty array"});
  std::tie(path, error) = load_broken(edited([](auto& json) {
    json["parameter_names"][0] = "theta[x]";
    json["parameters"]["theta[x]"] = json["parameters"]["theta[1]"];
  }));
  expect_mentions(error, {"parameter name 'theta[x]'", "1-based integer indices"});
  std::tie(path, error) = load_broken(
      edited([](auto& json) { json["inference"]["method_arguments"]["control"] = "adapt_delta"; }));
  expect_mentions(error, {"control must be an object", "string"});
}

}  // namespace
}  // namespace hypatia
