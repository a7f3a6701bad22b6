// Draws as CmdStan's output CSV, so tools that read CmdStan output (stansummary, ArviZ's
// from_cmdstan, CmdStanPy) read ours.

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/shape.hpp"
#include "io/output_path.hpp"
#include "io/temporary_file.hpp"

namespace hypatia {
namespace {

// CmdStan's sampler columns, in its order, and the sample_stats variables they come from.
const std::vector<std::pair<std::string, std::string>>& sampler_columns() {
  static const std::vector<std::pair<std::string, std::string>> columns = {
      {"lp", "lp__"},
      {"acceptance_rate", "accept_stat__"},
      {"step_size", "stepsize__"},
      {"tree_depth", "treedepth__"},
      {"n_steps", "n_leapfrog__"},
      {"diverging", "divergent__"},
      {"energy", "energy__"}};
  return columns;
}

// One CSV column: an element of a variable, by its row-major index within the variable's shape.
struct Column {
  std::string header;
  const Variable* variable;
  std::int64_t element;
};

// CmdStan names array elements 1-based with the first index varying fastest (column-major):
// a.1.1, a.2.1, a.1.2, ...
void append_element_columns(const Variable& variable, const std::string& base,
                            std::vector<Column>& columns) {
  const std::vector<std::int64_t>& shape = variable.shape;
  const std::int64_t count = num_elements(shape);
  for (std::int64_t position = 0; position < count; ++position) {
    std::string header = base;
    std::int64_t remaining = position;
    std::int64_t row_major = 0;
    std::vector<std::int64_t> index(shape.size());
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      index[axis] = remaining % shape[axis];
      remaining /= shape[axis];
      header += "." + std::to_string(index[axis] + 1);
    }
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      row_major = row_major * shape[axis] + index[axis];
    }
    columns.push_back({std::move(header), &variable, row_major});
  }
}

std::vector<Column> csv_columns(const InferenceData& data) {
  std::vector<Column> columns;
  auto stats = data.groups.find("sample_stats");
  if (stats != data.groups.end()) {
    std::vector<std::string> mapped;
    for (const auto& [stat, header] : sampler_columns()) {
      if (const Variable* variable = stats->second.find(stat)) {
        append_element_columns(*variable, header, columns);
        mapped.push_back(stat);
      }
    }
    // CmdStan's sampler columns are one number per draw: a stat with axes of its own (the
    // divergence location, as long as the parameter vector) has no place among them.
    for (const Variable& variable : stats->second.variables) {
      if (variable.shape.empty() &&
          std::find(mapped.begin(), mapped.end(), variable.name) == mapped.end()) {
        append_element_columns(variable, variable.name + "__", columns);
      }
    }
  }
  for (const Variable& variable : data.groups.at("posterior").variables) {
    append_element_columns(variable, variable.name, columns);
  }
  return columns;
}

// Shortest text that reads back to the same double; integers without a decimal point.
std::string format_value(double value, bool is_integer) {
  if (is_integer) return std::to_string(static_cast<long long>(value));
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// Comment lines may not break: an attribute value with newlines stays on one line.
std::string one_line(std::string text) {
  for (char& character : text) {
    if (character == '\n' || character == '\r') character = ' ';
  }
  return text;
}

class CsvWriter {
 public:
  CsvWriter(const InferenceData& data, const CmdStanCsvOptions& options, bool single_file)
      : data_(data), options_(options), single_file_(single_file), columns_(csv_columns(data)) {}

  // Writes `chains` (1-based ids in the header) into the temporary of `file`.
  void write(const io::TemporaryFile& file, const std::vector<std::int64_t>& chains) const {
    std::ofstream out(file.path());
    if (!out) fail(file, "cannot create the file");
    write_comments(out, chains);
    const bool with_chain_column = single_file_;
    if (with_chain_column) out << "chain__,";
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      out << (i ? "," : "") << columns_[i].header;
    }
    out << '\n';
    for (std::int64_t chain : chains) {
      for (std::int64_t draw = 0; draw < data_.draws; ++draw) {
        if (with_chain_column) out << chain + 1 << ',';
        write_row(out, chain * data_.draws + draw);
      }
    }
    out.close();
    if (!out) fail(file, std::string("writing failed: ") + std::strerror(errno));
  }

 private:
  void write_comments(std::ostream& out, const std::vector<std::int64_t>& chains) const {
    out << "# model = " << one_line(model_name()) << '\n'
        << "# inference_library = hypatia\n"
        << "# inference_library_version = " << HYPATIA_VERSION << '\n';
    if (chains.size() == 1) out << "# id = " << chains.front() + 1 << '\n';
    for (const auto& [key, value] : data_.attributes) {
      if (key != "model_name") out << "# " << one_line(key) << " = " << one_line(value) << '\n';
    }
  }

  void write_row(std::ostream& out, std::int64_t sample) const {
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const Column& column = columns_[i];
      const std::int64_t size = num_elements(column.variable->shape);
      const double value = column.variable->values[sample * size + column.element];
      out << (i ? "," : "")
          << format_value(value, column.variable->is_integer || column.variable->is_boolean);
    }
    out << '\n';
  }

  std::string model_name() const {
    if (!options_.model_name.empty()) return options_.model_name;
    auto attribute = data_.attributes.find("model_name");
    return attribute != data_.attributes.end() ? attribute->second : "unnamed";
  }

  [[noreturn]] static void fail(const io::TemporaryFile& file, const std::string& problem) {
    throw Error("writing CmdStan CSV file '" + file.target().string() + "': " + problem);
  }

  const InferenceData& data_;
  const CmdStanCsvOptions& options_;
  bool single_file_;
  std::vector<Column> columns_;
};

// output.csv -> output_1.csv for chain 0, as CmdStan numbers its per-chain files.
std::filesystem::path chain_path(const std::filesystem::path& path, std::int64_t chain) {
  return path.parent_path() /
         (path.stem().string() + "_" + std::to_string(chain + 1) + path.extension().string());
}

}  // namespace

std::vector<std::filesystem::path> write_cmdstan_csv(const InferenceData& data,
                                                     const std::filesystem::path& path,
                                                     const CmdStanCsvOptions& options) {
  const std::string where = "writing CmdStan CSV '" + path.string() + "': ";
  try {
    validate(data);
  } catch (const Error& error) {
    throw Error(where + error.what());
  }
  if (!data.groups.count("posterior")) throw Error(where + "the InferenceData has no posterior");
  if (data.chains < 1) throw Error(where + "expected at least one chain, got 0");

  // Per-chain names cannot be derived from a stream (/dev/stdout_1): it takes every chain.
  const bool single_file = options.chain_files == ChainFiles::single_file || io::is_stream(path);
  const CsvWriter writer(data, options, single_file);
  // Every file is written before any is renamed into place, so a failure leaves none behind.
  std::vector<io::TemporaryFile> files;
  if (single_file) {
    std::vector<std::int64_t> all_chains;
    for (std::int64_t chain = 0; chain < data.chains; ++chain) all_chains.push_back(chain);
    writer.write(files.emplace_back(path), all_chains);
  } else {
    for (std::int64_t chain = 0; chain < data.chains; ++chain) {
      writer.write(files.emplace_back(chain_path(path, chain)), {chain});
    }
  }
  std::vector<std::filesystem::path> written;
  for (io::TemporaryFile& file : files) {
    file.commit();
    written.push_back(file.target());
  }
  return written;
}

}  // namespace hypatia
