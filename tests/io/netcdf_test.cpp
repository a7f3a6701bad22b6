// The NetCDF writer, checked by reading the file back with xarray (tests/io/check_netcdf.py) the
// way an ArviZ user would.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hypatia/io.hpp"
#include "support/errors.hpp"
#include "support/python.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::expect_mentions;
using testing::ScratchDirectory;

const std::string check_script = HYPATIA_FIXTURE_DIR "/../io/check_netcdf.py";

// 2 chains x 5 draws. Each value spells its position (chain c, draw d, element k) so a layout
// mistake shows up as a wrong number: theta = 100c + 10d + k + 0.5, eta = -(100c + 10d + k) -
// 0.25, mu = c + d / 8, tree_depth = c + d + 1, diverging = (d == 3).
InferenceData small_inference_data() {
  InferenceData data;
  data.chains = 2;
  data.draws = 5;
  data.coords["school"] = std::vector<std::string>{"Choate", "Deerfield", "Mt. Hermon"};
  data.attributes = {{"num_warmup", "500"}, {"model_name", "eight_schools"}};
  Variable mu{"mu", {}, {}, false, {}};
  Variable theta{"theta", {3}, {"school"}, false, {}};
  Variable eta{"eta", {2}, {}, false, {}};
  Variable tree_depth{"tree_depth", {}, {}, true, {}};
  Variable diverging{.name = "diverging", .is_boolean = true};
  for (int chain = 0; chain < 2; ++chain) {
    for (int draw = 0; draw < 5; ++draw) {
      mu.values.push_back(chain + draw / 8.0);
      for (int k = 0; k < 3; ++k) theta.values.push_back(100 * chain + 10 * draw + k + 0.5);
      for (int k = 0; k < 2; ++k) eta.values.push_back(-(100 * chain + 10 * draw + k) - 0.25);
      tree_depth.values.push_back(chain + draw + 1);
      diverging.values.push_back(draw == 3 ? 1 : 0);
    }
  }
  add_variable(data, "posterior", mu);
  add_variable(data, "posterior", theta);
  add_variable(data, "posterior", eta);
  add_variable(data, "sample_stats", tree_depth);
  add_variable(data, "sample_stats", diverging);
  add_variable(data, "observed_data", Variable{"y", {3}, {"school"}, false, {28, 8, -3}});
  data.groups["posterior"].attributes["sampler"] = "nuts";
  return data;
}

// What xarray must see, written out by hand from the formulas above.
const char* small_expectations = R"json({
  "global_attrs": {"num_warmup": "500", "model_name": "eight_schools"},
  "groups": {
    "posterior": {
      "dims": {"chain": 2, "draw": 5, "school": 3, "eta_dim_0": 2},
      "coords": {"chain": [0, 1], "draw": [0, 1, 2, 3, 4],
                 "school": ["Choate", "Deerfield", "Mt. Hermon"], "eta_dim_0": [0, 1]},
      "attrs": {"inference_library": "hypatia", "sampler": "nuts"},
      "variables": {
        "mu": {"dims": ["chain", "draw"], "dtype": "float64",
               "values": [[0, 0.125, 0.25, 0.375, 0.5], [1, 1.125, 1.25, 1.375, 1.5]]},
        "theta": {"dims": ["chain", "draw", "school"], "dtype": "float64",
                  "values": [[[0.5, 1.5, 2.5], [10.5, 11.5, 12.5], [20.5, 21.5, 22.5],
                              [30.5, 31.5, 32.5], [40.5, 41.5, 42.5]],
                             [[100.5, 101.5, 102.5], [110.5, 111.5, 112.5], [120.5, 121.5, 122.5],
                              [130.5, 131.5, 132.5], [140.5, 141.5, 142.5]]]},
        "eta": {"dims": ["chain", "draw", "eta_dim_0"], "dtype": "float64",
                "values": [[[-0.25, -1.25], [-10.25, -11.25], [-20.25, -21.25], [-30.25, -31.25],
                            [-40.25, -41.25]],
                           [[-100.25, -101.25], [-110.25, -111.25], [-120.25, -121.25],
                            [-130.25, -131.25], [-140.25, -141.25]]]}
      }
    },
    "sample_stats": {
      "dims": {"chain": 2, "draw": 5},
      "coords": {"chain": [0, 1], "draw": [0, 1, 2, 3, 4]},
      "attrs": {"inference_library": "hypatia"},
      "variables": {
        "tree_depth": {"dims": ["chain", "draw"], "dtype": "int64",
                       "values": [[1, 2, 3, 4, 5], [2, 3, 4, 5, 6]]},
        "diverging": {"dims": ["chain", "draw"], "dtype": "bool",
                      "values": [[false, false, false, true, false],
                                 [false, false, false, true, false]]}
      }
    },
    "observed_data": {
      "dims": {"school": 3},
      "coords": {"school": ["Choate", "Deerfield", "Mt. Hermon"]},
      "attrs": {"inference_library": "hypatia"},
      "variables": {
        "y": {"dims": ["school"], "dtype": "float64", "values": [28, 8, -3]}
      }
    }
  }
})json";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST(NetcdfWriter, XarrayReadsEveryGroupAsArvizWritesIt) {
  ScratchDirectory scratch;
  const auto path = scratch / "posterior.nc";
  write_netcdf(small_inference_data(), path);
  write_text(scratch / "expected.json", small_expectations);

  const auto result =
      testing::run_python({check_script, path.string(), (scratch / "expected.json").string()});
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("checked group 'posterior': 3 variables"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("checked group 'observed_data': 1 variables"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("\nOK"), std::string::npos) << result.output;
  EXPECT_EQ(scratch.entries(), (std::vector<std::string>{"expected.json", "posterior.nc"}));
}

// The checker itself must catch a wrong value, or the test above proves nothing.
TEST(NetcdfWriter, CheckerRejectsAWrongValue) {
  ScratchDirectory scratch;
  const auto path = scratch / "posterior.nc";
  InferenceData data = small_inference_data();
  data.groups["sample_stats"].variables[0].values[3] = 7;
  write_netcdf(data, path);
  write_text(scratch / "expected.json", small_expectations);

  const auto result =
      testing::run_python({check_script, path.string(), (scratch / "expected.json").string()});
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("FAIL: group 'sample_stats' variable 'tree_depth': values"),
            std::string::npos)
      << result.output;
}

TEST(NetcdfWriter, OverwritesAnExistingFile) {
  ScratchDirectory scratch;
  const auto path = scratch / "posterior.nc";
  write_text(path, "not a NetCDF file");
  write_netcdf(small_inference_data(), path);
  EXPECT_EQ(read_text(path).substr(1, 3), "HDF");  // NetCDF-4 is HDF5 underneath
}

TEST(NetcdfWriterErrors, WrongNumberOfValuesNamesFileGroupVariableAndCounts) {
  ScratchDirectory scratch;
  InferenceData data = small_inference_data();
  data.groups["posterior"].variables[1].values.pop_back();
  const auto path = scratch / "posterior.nc";
  expect_mentions(error_message([&] { write_netcdf(data, path); }),
                  {path.string(), "group 'posterior'", "variable 'theta'", "expected 30 values",
                   "(chains=2) x (draws=5) x shape (3,)", "got 29"});
  EXPECT_TRUE(scratch.entries().empty());
}

TEST(NetcdfWriterErrors, DimensionWithTwoLengthsNamesBothVariables) {
  InferenceData data = small_inference_data();
  data.coords.erase("school");
  data.groups["posterior"].variables.push_back(
      Variable{"sigma", {4}, {"school"}, false, std::vector<double>(40, 1.0)});
  expect_mentions(error_message([&] { validate(data); }),
                  {"group 'posterior'", "variable 'sigma'", "dim 'school'", "length 4",
                   "3 in variable 'theta'"});
}

TEST(NetcdfWriterErrors, CoordsOfTheWrongLength) {
  InferenceData data = small_inference_data();
  data.coords["school"] = std::vector<std::string>{"Choate", "Deerfield"};
  expect_mentions(error_message([&] { validate(data); }),
                  {"dim 'school' has length 3", "coords have 2 values"});
}

TEST(NetcdfWriterErrors, DimsOfTheWrongRankNonIntegerIntegersAndNameClashes) {
  InferenceData data = small_inference_data();
  data.groups["posterior"].variables[2].dims = {"a", "b"};
  expect_mentions(error_message([&] { validate(data); }),
                  {"variable 'eta'", "2 dims for shape (2,)"});

  data = small_inference_data();
  data.groups["sample_stats"].variables[0].values[4] = 2.5;
  expect_mentions(error_message([&] { validate(data); }),
                  {"group 'sample_stats'", "variable 'tree_depth'", "integer", "2.5"});

  data = small_inference_data();
  data.groups["sample_stats"].variables[1].values[2] = 2;
  expect_mentions(error_message([&] { validate(data); }),
                  {"group 'sample_stats'", "variable 'diverging'", "boolean", "2.0", "0 or 1"});

  data = small_inference_data();
  data.groups["observed_data"].variables.push_back(Variable{"school", {}, {}, false, {1}});
  expect_mentions(error_message([&] { validate(data); }),
                  {"group 'observed_data'", "variable 'school'", "name of a dimension"});

  data = small_inference_data();
  data.groups["posterior"].variables[0].name = "theta";
  expect_mentions(error_message([&] { validate(data); }), {"variable 'theta'", "twice"});
}

TEST(NetcdfWriterErrors, UnwritableDirectoryNamesTheFile) {
  ScratchDirectory scratch;
  const auto path = scratch / "missing" / "posterior.nc";
  expect_mentions(error_message([&] { write_netcdf(small_inference_data(), path); }),
                  {"writing NetCDF file '" + path.string() + "'", "cannot create"});
}

// NetCDF itself refuses the name, after the temporary file was created: the temporary must go
// and a file already at the target must stay as it was.
TEST(NetcdfWriterErrors, FailureMidWriteLeavesTheOldFileUntouched) {
  ScratchDirectory scratch;
  const auto path = scratch / "posterior.nc";
  write_text(path, "previous results");
  InferenceData data = small_inference_data();
  data.groups["posterior"].variables[0].name = "mu/bad";
  expect_mentions(error_message([&] { write_netcdf(data, path); }),
                  {path.string(), "group 'posterior'", "variable 'mu/bad'"});
  EXPECT_EQ(read_text(path), "previous results");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"posterior.nc"});
}

// A disk that fills up while the file is written (here a file size limit, EFBIG, in a child):
// a clear error and the old file untouched. HDF5 used to crash inside H5Dwrite there.
TEST(NetcdfWriterErrors, AFullDiskIsAClearErrorNotACrash) {
  ScratchDirectory scratch;
  const auto path = scratch / "posterior.nc";
  write_text(path, "previous results");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{4096, 4096};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(20);
    const std::string message = error_message([&] { write_netcdf(small_inference_data(), path); });
    const bool clear = message.find(path.string()) != std::string::npos &&
                       message.find(std::strerror(EFBIG)) != std::string::npos;
    if (!clear) std::fprintf(stderr, "message: %s\n", message.c_str());
    ::_exit(clear ? 0 : 21);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "the writer crashed (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
  EXPECT_EQ(read_text(path), "previous results");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"posterior.nc"});
}

// NetCDF-4 (HDF5) needs a seekable file: a stream is refused, and stays what it was.
TEST(NetcdfWriterErrors, AStreamTargetIsRefused) {
  ScratchDirectory scratch;
  const auto fifo = scratch / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_mentions(error_message([&] { write_netcdf(small_inference_data(), fifo); }),
                  {fifo.string(), "a FIFO", "seekable regular file"});
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"pipe"});
}

TEST(InferenceDataBuilding, AddVariableChecksAgainstTheGroupAndFindFindsIt) {
  InferenceData data = small_inference_data();
  const Variable* theta = data.groups["posterior"].find("theta");
  ASSERT_NE(theta, nullptr);
  EXPECT_EQ(theta->shape, std::vector<std::int64_t>{3});
  EXPECT_EQ(data.groups["posterior"].find("tau"), nullptr);
  EXPECT_EQ(dimension_names(*data.groups["posterior"].find("eta")),
            std::vector<std::string>{"eta_dim_0"});

  expect_mentions(error_message([&] {
                    add_variable(data, "posterior", Variable{"tau", {}, {}, false, {1.0, 2.0}});
                  }),
                  {"group 'posterior'", "variable 'tau'", "expected 10 values", "got 2"});
  expect_mentions(error_message([&] {
                    add_variable(data, "prior", Variable{"tau", {}, {}, false, {1.0}});
                  }),
                  {"group 'prior'", "expected 10 values", "got 1"});
  EXPECT_EQ(data.groups.count("prior"), 0u) << "a rejected variable must not create its group";
  add_variable(data, "constant_data", Variable{"J", {}, {}, true, {8}});
  EXPECT_NE(data.groups["constant_data"].find("J"), nullptr);
  EXPECT_TRUE(has_chain_and_draw("prior_predictive"));
  EXPECT_FALSE(has_chain_and_draw("constant_data"));
}

}  // namespace
}  // namespace hypatia
