// Reading JSON data files: a fixture with every shape and kind of value, error messages for bad
// input, and posteriordb's data files checked against Python's own json module.

#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hypatia/io.hpp"
#include "support/errors.hpp"
#include "support/python.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
using Shape = std::vector<std::int64_t>;
using Integers = std::vector<std::int64_t>;
using Reals = std::vector<double>;

const std::string small_fixture = HYPATIA_FIXTURE_DIR "/io/data_small.json";

TEST(DataFile, ReadsScalarsArraysAndShapes) {
  const DataFile file = DataFile::load(small_fixture);
  EXPECT_EQ(file.keys(), (std::vector<std::string>{"N", "X", "bounds", "counts", "cube", "empty",
                                                   "missing", "no_rows", "sigma", "y"}));
  EXPECT_EQ(file.integer("N"), 3);
  EXPECT_EQ(file.real("N"), 3.0);
  EXPECT_EQ(file.real("sigma"), 2.5);

  EXPECT_EQ(file.at("y").shape, Shape{3});
  EXPECT_FALSE(file.at("y").is_integer());
  EXPECT_EQ(file.at("y").as_doubles(), (Reals{1.5, -2, 300}));

  EXPECT_TRUE(file.at("counts").is_integer());
  EXPECT_EQ(file.at("counts").as_integers("counts"), (Integers{1, 2, 3}));

  EXPECT_EQ(file.at("X").shape, (Shape{2, 3}));
  EXPECT_EQ(file.at("X").as_integers("X"), (Integers{1, 2, 3, 4, 5, 6}));  // row-major
  EXPECT_EQ(file.at("cube").shape, (Shape{2, 2, 1}));
  EXPECT_EQ(file.at("cube").as_doubles(), (Reals{1, 2, 3, 4}));
  EXPECT_EQ(file.at("empty").shape, Shape{0});
  EXPECT_EQ(file.at("no_rows").shape, (Shape{2, 0}));

  EXPECT_TRUE(std::isnan(file.real("missing")));
  const Reals bounds = file.at("bounds").as_doubles();
  EXPECT_EQ(bounds[0], -INFINITY);
  EXPECT_EQ(bounds[1], INFINITY);
  EXPECT_EQ(bounds[2], 0.5);
}

TEST(DataFileErrors, NameTheFileTheKeyAndTheElement) {
  const DataFile file = DataFile::load(small_fixture);
  expect_mentions(error_message([&] { file.at("J"); }),
                  {small_fixture, "no key 'J'", "N, X, bounds"});
  expect_mentions(error_message([&] { file.integer("sigma"); }),
                  {small_fixture, "key 'sigma'", "expected an integer", "2.5"});
  expect_mentions(error_message([&] { file.real("X"); }),
                  {"key 'X'", "expected a scalar", "shape (2, 3)"});
  expect_mentions(error_message([&] { file.at("y").as_integers("y in model"); }),
                  {"y in model", "expected integers"});

  auto parse_error = [](const std::string& text) {
    return error_message([&] { DataFile::parse(text, "inline.json"); });
  };
  expect_mentions(parse_error(R"({"y": [[1, 2], [3]]})"),
                  {"inline.json", "key 'y'", "ragged", "y[1] has 1 elements, expected 2"});
  expect_mentions(parse_error(R"({"y": [[1, 2], 3]})"),
                  {"key 'y'", "ragged", "y[1] is number 3, expected an array"});
  expect_mentions(parse_error(R"({"y": [1, [2]]})"), {"key 'y'", "ragged", "y[1] is an array"});
  expect_mentions(parse_error(R"({"y": [1, "two"]})"),
                  {"key 'y'", "y[1] is string \"two\"", "expected a number"});
  expect_mentions(parse_error(R"({"flag": true})"), {"key 'flag'", "boolean true"});
  expect_mentions(parse_error(R"({"n": null})"), {"key 'n'", "null"});
  expect_mentions(parse_error(R"({"t": {"a": 1}})"), {"key 't'", "object"});
  expect_mentions(parse_error(R"({"big": 18446744073709551615})"),
                  {"key 'big'", "larger than the largest int64"});
  expect_mentions(parse_error("[1, 2]"), {"inline.json", "expected a JSON object", "array"});
  expect_mentions(parse_error(R"({"N": 3,})"), {"inline.json", "not valid JSON"});
  expect_mentions(error_message([] { DataFile::load("/nonexistent/data.json"); }),
                  {"/nonexistent/data.json", "No such file"});
}

// nlohmann reads 1e400 as infinity and throws its own out_of_range, which used to escape as a
// non-hypatia exception and abort the command-line tool.
TEST(DataFileErrors, NumbersBeyondTheRangeOfADoubleNameTheKeyAndElement) {
  auto parse_error = [](const std::string& text) {
    return error_message([&] { DataFile::parse(text, "inline.json"); });
  };
  expect_mentions(parse_error(R"({"N": 3, "sigma": 1e400})"),
                  {"inline.json", "key 'sigma'", "1e400", "beyond the range of a double"});
  expect_mentions(parse_error(R"({"y": [[1, 2], [3, -1e400]]})"),
                  {"inline.json", "key 'y', element y[1][1]", "-1e400"});
  // Underflow is not an error: the value rounds to zero as in every JSON reader.
  EXPECT_EQ(DataFile::parse(R"({"tiny": 1e-400})", "inline.json").real("tiny"), 0.0);
}

TEST(DataFileErrors, ParseErrorsSayWhereTheyHappened) {
  auto parse_error = [](const std::string& text) {
    return error_message([&] { DataFile::parse(text, "inline.json"); });
  };
  expect_mentions(parse_error(R"({"N": 3, "y": [1, 2,, 4]})"),
                  {"inline.json", "key 'y', element y[2]", "not valid JSON", "line 1"});
  expect_mentions(parse_error(R"({"N": 3,})"), {"after key 'N'", "not valid JSON"});
  expect_mentions(parse_error(R"({"N": 3)"), {"inline.json", "not valid JSON"});
}

// The DOM keeps the last of two equal keys; {"J": 8, ..., "J": 1} then silently became a
// one-school model.
TEST(DataFileErrors, DuplicateKeysAreErrors) {
  expect_mentions(
      error_message([] { DataFile::parse(R"({"J": 8, "y": [1, 2], "J": 1})", "inline.json"); }),
      {"inline.json", "duplicate key 'J'"});
  // Equal keys in different objects are fine to the tracker; the nested object is then refused as
  // a value as before.
  expect_mentions(
      error_message([] { DataFile::parse(R"({"a": {"x": 1}, "b": {"x": 2}})", "inline.json"); }),
      {"key 'a'", "object"});
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

// A file nested 200,000 deep used to overflow the stack (SIGSEGV) in the recursive readers.
TEST(DataFileErrors, DeepNestingIsRefusedWithoutOverflowingTheStack) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("hypatia_deep_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << "{\"N\": 1, \"y\": " << nested_arrays(200000) << "}";
  }
  const std::string message = error_message([&] { DataFile::load(path); });
  std::filesystem::remove(path);
  expect_mentions(message, {path.string(), "key 'y'", "nested deeper than 32 levels"});
  // Also when the top level itself is the deep value.
  expect_mentions(error_message([] { DataFile::parse(nested_arrays(200000), "inline.json"); }),
                  {"inline.json", "nested deeper than 32 levels"});

  // numpy's limit of 32 axes is accepted; one more is not.
  const DataFile file = DataFile::parse("{\"y\": " + nested_arrays(32) + "}", "inline.json");
  EXPECT_EQ(file.at("y").shape, Shape(32, 1));
  expect_mentions(
      error_message([] { DataFile::parse("{\"y\": " + nested_arrays(33) + "}", "inline.json"); }),
      {"key 'y'", "nested deeper than 32"});
}

// shared/posteriordb sits beside the repository (CI) or at /work/shared (developers).
std::string posteriordb_dir() {
  for (const std::string& candidate :
       {std::string(HYPATIA_FIXTURE_DIR "/../../../shared/posteriordb"),
        std::string("/work/shared/posteriordb")}) {
    if (std::filesystem::is_directory(candidate)) return candidate;
  }
  return "";
}

// Every key of a data file as Python's json module and numpy read it:
// "key|int or real|shape|values", one line per key.
std::string python_view(const std::string& path) {
  const char* script = R"py(
import json, sys
import numpy as np
with open(sys.argv[1]) as handle:
    data = json.load(handle)
for key, value in sorted(data.items()):
    array = np.array(value)
    kind = "int" if array.dtype.kind == "i" else "real"
    shape = ",".join(str(n) for n in array.shape)
    print(f"{key}|{kind}|{shape}|" + " ".join(repr(float(x)) for x in array.ravel()))
)py";
  const auto result = testing::run_python({"-c", script, path});
  EXPECT_EQ(result.exit_status, 0) << result.output;
  return result.output;
}

std::string hypatia_view(const DataFile& file) {
  std::ostringstream view;
  for (const std::string& key : file.keys()) {
    const DataValue& value = file.at(key);
    view << key << '|' << (value.is_integer() ? "int" : "real") << '|';
    for (std::size_t axis = 0; axis < value.shape.size(); ++axis) {
      view << (axis ? "," : "") << value.shape[axis];
    }
    view << '|';
    const Reals reals = value.as_doubles();
    for (std::size_t i = 0; i < reals.size(); ++i) {
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", reals[i]);
      // Python's repr(float) is the shortest round-trip form; compare by value, not text.
      view << (i ? " " : "") << text;
    }
    view << '\n';
  }
  return view.str();
}

// Both views as lines of (key, kind, shape, parsed numbers).
std::vector<std::pair<std::string, Reals>> parse_view(const std::string& view) {
  std::vector<std::pair<std::string, Reals>> lines;
  std::istringstream in(view);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t last_bar = line.rfind('|');
    std::istringstream numbers(line.substr(last_bar + 1));
    Reals values;
    std::string number;
    while (numbers >> number) values.push_back(std::strtod(number.c_str(), nullptr));
    lines.emplace_back(line.substr(0, last_bar), values);
  }
  return lines;
}

TEST(DataFile, PosteriordbFilesMatchPythonsJsonModule) {
  const std::string root = posteriordb_dir();
  ASSERT_FALSE(root.empty()) << "shared/posteriordb not found beside the repository nor at /work";
  for (const char* name :
       {"eight_schools-eight_schools_noncentered", "hudson_lynx_hare-lotka_volterra"}) {
    const std::string path = root + "/" + name + "/data.json";
    const auto expected = parse_view(python_view(path));
    const auto actual = parse_view(hypatia_view(DataFile::load(path)));
    ASSERT_FALSE(expected.empty()) << path;
    EXPECT_EQ(actual, expected) << path;
  }
}

TEST(DataFile, EightSchoolsValues) {
  const std::string root = posteriordb_dir();
  ASSERT_FALSE(root.empty()) << "shared/posteriordb not found beside the repository nor at /work";
  const DataFile file = DataFile::load(root + "/eight_schools-eight_schools_noncentered/data.json");
  EXPECT_EQ(file.integer("J"), 8);
  EXPECT_EQ(file.at("y").shape, Shape{8});
  EXPECT_EQ(file.at("y").as_integers("y"), (Integers{28, 8, -3, 7, -1, 1, 18, 12}));
  EXPECT_EQ(file.at("sigma").as_doubles(), (Reals{15, 10, 16, 11, 9, 11, 10, 18}));
}

}  // namespace
}  // namespace hypatia
