// The CmdStan CSV writer, read back with a plain CSV parser written here.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "hypatia/io.hpp"
#include "support/errors.hpp"
#include "support/scratch_directory.hpp"

namespace hypatia {
namespace {

using testing::contains;
using testing::error_message;
using testing::expect_mentions;
using testing::ScratchDirectory;

constexpr int kChains = 2;
constexpr int kDraws = 5;

// Values spell their position: for chain c, draw d, theta[k] = 1000c + 100d + (k+1) + 0.5 and
// a[i][j] = 1000c + 100d + 10(i+1) + (j+1); lp = -(5c + d) - 1/3 needs all 17 digits.
InferenceData csv_inference_data() {
  InferenceData data;
  data.chains = kChains;
  data.draws = kDraws;
  data.attributes = {{"model_name", "eight_schools"}, {"num_warmup", "500"}, {"seed", "7"}};
  auto scalar = [](std::string name, bool is_integer) {
    return Variable{std::move(name), {}, {}, is_integer, {}};
  };
  Variable lp = scalar("lp", false), accept = scalar("acceptance_rate", false),
           step = scalar("step_size", false), depth = scalar("tree_depth", true),
           steps = scalar("n_steps", true), diverging = scalar("diverging", false),
           energy = scalar("energy", false), extra = scalar("max_energy_error", false);
  diverging.is_boolean = true;  // as the samplers store it
  // A stat with an axis of its own (nutpie's divergence location) has no CmdStan column.
  Variable divergence_end{"divergence_end", {2}, {"unconstrained_parameter"}, false, {}};
  Variable mu = scalar("mu", false);
  Variable theta{"theta", {3}, {"school"}, false, {}};
  Variable a{"a", {2, 3}, {}, false, {}};
  for (int c = 0; c < kChains; ++c) {
    for (int d = 0; d < kDraws; ++d) {
      lp.values.push_back(-(5 * c + d) - 1.0 / 3.0);
      accept.values.push_back(0.5 + 0.01 * d);
      step.values.push_back(0.25 * (c + 1));
      depth.values.push_back(d % 3 + 1);
      steps.values.push_back(std::pow(2, d % 3 + 1) - 1);
      diverging.values.push_back(d == 4 ? 1 : 0);
      energy.values.push_back(3.0 + c + 0.125 * d);
      extra.values.push_back(-0.5 * d);
      for (int k = 0; k < 2; ++k) divergence_end.values.push_back(d == 4 ? k + 0.5 : NAN);
      mu.values.push_back(c + d / 10.0);
      for (int k = 0; k < 3; ++k) theta.values.push_back(1000 * c + 100 * d + (k + 1) + 0.5);
      for (int i = 0; i < 2; ++i) {
        for (int j = 0; j < 3; ++j) a.values.push_back(1000 * c + 100 * d + 10 * (i + 1) + (j + 1));
      }
    }
  }
  // Stored in an order unlike CmdStan's, which the writer must restore.
  for (Variable* stat :
       {&energy, &extra, &divergence_end, &lp, &diverging, &depth, &accept, &steps, &step}) {
    add_variable(data, "sample_stats", *stat);
  }
  add_variable(data, "posterior", mu);
  add_variable(data, "posterior", theta);
  add_variable(data, "posterior", a);
  return data;
}

struct Csv {
  std::vector<std::string> comments;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  for (char character : line) {
    if (character == ',') {
      fields.push_back(field);
      field.clear();
    } else {
      field += character;
    }
  }
  fields.push_back(field);
  return fields;
}

Csv read_csv(const std::filesystem::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  Csv csv;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("#", 0) == 0) {
      csv.comments.push_back(line);
    } else if (csv.header.empty()) {
      csv.header = split(line);
    } else {
      csv.rows.push_back(split(line));
    }
  }
  return csv;
}

const std::vector<std::string> cmdstan_header = {
    "lp__",         "accept_stat__", "stepsize__", "treedepth__",
    "n_leapfrog__", "divergent__",   "energy__",   "max_energy_error__",
    "mu",           "theta.1",       "theta.2",    "theta.3",
    "a.1.1",        "a.2.1",         "a.1.2",      "a.2.2",
    "a.1.3",        "a.2.3"};

// The value a column must hold for (chain, draw), from the column's name alone.
double expected_value(const std::string& column, int c, int d) {
  if (column == "lp__") return -(5 * c + d) - 1.0 / 3.0;
  if (column == "accept_stat__") return 0.5 + 0.01 * d;
  if (column == "stepsize__") return 0.25 * (c + 1);
  if (column == "treedepth__") return d % 3 + 1;
  if (column == "n_leapfrog__") return std::pow(2, d % 3 + 1) - 1;
  if (column == "divergent__") return d == 4 ? 1 : 0;
  if (column == "energy__") return 3.0 + c + 0.125 * d;
  if (column == "max_energy_error__") return -0.5 * d;
  if (column == "mu") return c + d / 10.0;
  if (column.rfind("theta.", 0) == 0) return 1000 * c + 100 * d + std::stoi(column.substr(6)) + 0.5;
  if (column.rfind("a.", 0) == 0) {
    const int row = column[2] - '0', col = column[4] - '0';  // 1-based, as in the name
    return 1000 * c + 100 * d + 10 * row + col;
  }
  ADD_FAILURE() << "unexpected column " << column;
  return NAN;
}

void expect_row(const std::vector<std::string>& header, const std::vector<std::string>& row,
                std::size_t first_column, int c, int d) {
  ASSERT_EQ(row.size(), header.size());
  for (std::size_t i = first_column; i < header.size(); ++i) {
    EXPECT_EQ(std::strtod(row[i].c_str(), nullptr), expected_value(header[i], c, d))
        << header[i] << " at chain " << c << " draw " << d << ": '" << row[i] << "'";
  }
}

bool has_comment(const Csv& csv, const std::string& line) {
  return std::find(csv.comments.begin(), csv.comments.end(), line) != csv.comments.end();
}

TEST(CmdStanCsv, OneFilePerChainWithCmdStanColumnsAndFullPrecision) {
  ScratchDirectory scratch;
  const auto files = write_cmdstan_csv(csv_inference_data(), scratch / "output.csv");
  ASSERT_EQ(files, (std::vector<std::filesystem::path>{scratch / "output_1.csv",
                                                       scratch / "output_2.csv"}));
  EXPECT_EQ(scratch.entries(), (std::vector<std::string>{"output_1.csv", "output_2.csv"}));
  for (int c = 0; c < kChains; ++c) {
    const Csv csv = read_csv(files[c]);
    EXPECT_TRUE(has_comment(csv, "# model = eight_schools"));
    EXPECT_TRUE(has_comment(csv, "# id = " + std::to_string(c + 1)));
    EXPECT_TRUE(has_comment(csv, "# num_warmup = 500"));
    EXPECT_TRUE(has_comment(csv, "# seed = 7"));
    EXPECT_TRUE(has_comment(csv, "# inference_library = hypatia"));
    EXPECT_EQ(csv.header, cmdstan_header);
    ASSERT_EQ(csv.rows.size(), static_cast<std::size_t>(kDraws));
    for (int d = 0; d < kDraws; ++d) expect_row(csv.header, csv.rows[d], 0, c, d);
  }
  // Integer columns are written as integers, as CmdStan does.
  const Csv first = read_csv(files[0]);
  EXPECT_EQ(first.rows[2][3], "3");  // treedepth__
  EXPECT_EQ(first.rows[2][4], "7");  // n_leapfrog__
  EXPECT_EQ(first.rows[4][5], "1");  // divergent__, a boolean
  EXPECT_EQ(first.rows[3][5], "0");
}

TEST(CmdStanCsv, SingleFileStacksChainsWithAChainColumn) {
  ScratchDirectory scratch;
  CmdStanCsvOptions options;
  options.chain_files = ChainFiles::single_file;
  options.model_name = "schools";
  const auto files = write_cmdstan_csv(csv_inference_data(), scratch / "draws.csv", options);
  ASSERT_EQ(files, std::vector<std::filesystem::path>{scratch / "draws.csv"});
  const Csv csv = read_csv(files[0]);
  EXPECT_TRUE(has_comment(csv, "# model = schools"));
  ASSERT_EQ(csv.header.front(), "chain__");
  EXPECT_EQ(std::vector<std::string>(csv.header.begin() + 1, csv.header.end()), cmdstan_header);
  ASSERT_EQ(csv.rows.size(), static_cast<std::size_t>(kChains * kDraws));
  for (int c = 0; c < kChains; ++c) {
    for (int d = 0; d < kDraws; ++d) {
      const auto& row = csv.rows[c * kDraws + d];
      EXPECT_EQ(row[0], std::to_string(c + 1));
      expect_row(csv.header, row, 1, c, d);
    }
  }
}

TEST(CmdStanCsv, WritesOnlyTheSamplerColumnsItHas) {
  ScratchDirectory scratch;
  InferenceData data = csv_inference_data();
  data.groups.erase("sample_stats");
  add_variable(data, "sample_stats",
               Variable{"lp", {}, {}, false, std::vector<double>(kChains * kDraws, -1.5)});
  const auto files = write_cmdstan_csv(data, scratch / "output.csv");
  const Csv csv = read_csv(files[1]);
  EXPECT_EQ(std::vector<std::string>(csv.header.begin(), csv.header.begin() + 3),
            (std::vector<std::string>{"lp__", "mu", "theta.1"}));
  EXPECT_EQ(csv.rows[0][0], "-1.5");
}

TEST(CmdStanCsvErrors, NamesTheFileAndTheProblem) {
  ScratchDirectory scratch;
  InferenceData data = csv_inference_data();
  data.groups.erase("posterior");
  expect_mentions(error_message([&] { write_cmdstan_csv(data, scratch / "output.csv"); }),
                  {"output.csv", "no posterior"});

  data = csv_inference_data();
  data.groups["posterior"].variables[2].values.resize(7);
  expect_mentions(error_message([&] { write_cmdstan_csv(data, scratch / "output.csv"); }),
                  {"output.csv", "group 'posterior'", "variable 'a'", "expected 60", "got 7"});

  const auto unwritable = scratch / "missing" / "output.csv";
  expect_mentions(error_message([&] { write_cmdstan_csv(csv_inference_data(), unwritable); }),
                  {(scratch / "missing" / "output_1.csv").string(), "cannot create"});
  EXPECT_TRUE(scratch.entries().empty());
}

// A FIFO stands for /dev/stdout piped to another program: it must receive every chain in one
// stream (there is no /dev/stdout_1) and stay a FIFO. It used to be replaced by a regular file
// renamed over it, as was /dev/stdout itself when run as root.
TEST(CmdStanCsv, AStreamTargetGetsEveryChainWrittenThrough) {
  ScratchDirectory scratch;
  const auto fifo = scratch / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opened for reading first, without blocking, so the writer's open does not wait for us; the
  // output (a few hundred bytes) fits the pipe's buffer.
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  std::vector<std::filesystem::path> files;
  EXPECT_EQ(error_message([&] { files = write_cmdstan_csv(csv_inference_data(), fifo); }),
            "(no error)");
  std::string received;
  char buffer[4096];
  for (ssize_t n; (n = ::read(reader, buffer, sizeof buffer)) > 0;) received.append(buffer, n);
  ::close(reader);
  EXPECT_EQ(files, std::vector<std::filesystem::path>{fifo});
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"pipe"});
  std::istringstream lines(received);
  std::string line;
  int header_rows = 0, data_rows = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("chain__,", 0) == 0) ++header_rows;
    if (!line.empty() && line[0] != '#' && line.rfind("chain__", 0) != 0) ++data_rows;
  }
  EXPECT_EQ(header_rows, 1) << received;
  EXPECT_EQ(data_rows, kChains * kDraws) << received;
}

// A link to a file: the file gets the new contents and the link stays a link.
TEST(CmdStanCsv, ALinkedTargetReplacesTheFileAndKeepsTheLink) {
  ScratchDirectory scratch;
  std::ofstream(scratch / "real.csv") << "old\n";
  std::filesystem::create_symlink(scratch / "real.csv", scratch / "link.csv");
  CmdStanCsvOptions options;
  options.chain_files = ChainFiles::single_file;
  write_cmdstan_csv(csv_inference_data(), scratch / "link.csv", options);
  EXPECT_TRUE(std::filesystem::is_symlink(scratch / "link.csv"));
  EXPECT_EQ(read_csv(scratch / "real.csv").header.front(), "chain__");
  EXPECT_EQ(scratch.entries(), (std::vector<std::string>{"link.csv", "real.csv"}));
}

// A full device: the error says why (the write fails with ENOSPC), and /dev/full stays a device.
TEST(CmdStanCsvErrors, AFullDeviceSaysNoSpace) {
  if (!std::filesystem::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string message =
      error_message([&] { write_cmdstan_csv(csv_inference_data(), "/dev/full"); });
  expect_mentions(message, {"/dev/full", "No space left on device"});
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/full"));
}

}  // namespace
}  // namespace hypatia
