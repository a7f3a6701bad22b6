#pragma once

// Results out (InferenceData as NetCDF-4, CmdStan-style CSV) and data in (JSON objects of named
// arrays). Writers validate the whole InferenceData first and write through a temporary file that
// is renamed into place, so a failure never leaves a half-written file behind.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "hypatia/inference_data.hpp"

namespace hypatia {

// --- Building and checking InferenceData -------------------------------------------------------

// Whether a group's variables carry leading (chain, draw) axes: every group except
// observed_data, constant_data and predictions_constant_data.
bool has_chain_and_draw(const std::string& group_name);

// The name of each axis of `variable`: its own dims, or "<name>_dim_<k>" when it has none.
std::vector<std::string> dimension_names(const Variable& variable);

// Appends `variable` to the group `group_name` (created if absent) after checking it as
// validate() does; throws hypatia::Error naming the group and variable otherwise.
void add_variable(InferenceData& data, const std::string& group_name, Variable variable);

// Checks that every variable's values match (chains, draws, ...shape), that dims and coords
// agree on every dimension's length within a group, that integer variables hold integers, and
// that names do not collide with dimension names. Throws hypatia::Error on the first problem.
void validate(const InferenceData& data);

// --- Writers -----------------------------------------------------------------------------------

// An existing output path that is a stream once links are followed (a character device, FIFO or
// socket: /dev/stdout, /dev/null, a pipe): the CSV and JSON writers write straight into it;
// NetCDF-4 refuses it, as HDF5 seeks back to update its header and a reader needs a file too.
// Every other target is written to a temporary sibling and renamed over the file (the file a
// link points to, so the link stays).
enum class StreamTargets { write_through, refuse };

// Checks, before a long run, that a writer will be able to write `path`, so that a typo costs
// nothing: the path is not empty and names no directory; a stream is accepted only with
// StreamTargets::write_through; otherwise its directory exists (with `creates_directories`: its
// first existing ancestor is a directory) and is writable. Throws hypatia::Error naming the path
// and the reason.
void check_output_path(const std::filesystem::path& path, StreamTargets streams,
                       bool creates_directories = false);

// One NetCDF-4 file with one group per InferenceData group, laid out as ArviZ writes it, so
// `xarray.open_dataset(path, group="posterior")` and `arviz.from_netcdf(path)` read it back.
// Refuses stream targets (see StreamTargets). On any failure the file is closed and the
// temporary removed.
void write_netcdf(const InferenceData& data, const std::filesystem::path& path);

enum class ChainFiles {
  one_per_chain,  // output.csv -> output_1.csv, output_2.csv, ... as CmdStan names them
  single_file,    // all chains in `path`, one after another, with a leading chain__ column
};

struct CmdStanCsvOptions {
  ChainFiles chain_files = ChainFiles::one_per_chain;
  std::string model_name;  // empty: the global attribute "model_name", else "unnamed"
};

// CmdStan's output CSV: '#' comment lines with the model and the sampler settings (the global
// attributes), a header row of the sampler columns (lp__, accept_stat__, stepsize__, treedepth__,
// n_leapfrog__, divergent__, energy__, from the sample_stats lp, acceptance_rate, step_size,
// tree_depth, n_steps, diverging, energy; other scalar sample_stats follow as "<name>__") and the
// posterior's elements named as CmdStan does (theta.1, a.1.1, a.2.1, ...: 1-based, column-major),
// then one row per draw. Returns the files written. A stream target (/dev/stdout) receives every
// chain, as with ChainFiles::single_file, since per-chain names cannot be derived from it.
std::vector<std::filesystem::path> write_cmdstan_csv(const InferenceData& data,
                                                     const std::filesystem::path& path,
                                                     const CmdStanCsvOptions& options = {});

// --- Data in -----------------------------------------------------------------------------------

// One named value of a data file: a scalar (empty shape) or a rectangular array, row-major.
struct DataValue {
  std::vector<std::int64_t> shape;
  // int64 when every element was written as an integer, double otherwise.
  std::variant<std::vector<double>, std::vector<std::int64_t>> values;

  bool is_integer() const;
  std::vector<double> as_doubles() const;
  // Throws when the value holds reals; `context` names it in the message.
  const std::vector<std::int64_t>& as_integers(const std::string& context) const;
};

// A JSON object of named numbers and (nested, rectangular) arrays of numbers, like Stan's and
// posteriordb's data.json. Reals may also be written "NaN", "Inf", "-Inf", "Infinity" or
// "-Infinity". Every error names the file and the key.
class DataFile {
 public:
  static DataFile load(const std::filesystem::path& path);
  // `source` names the text in error messages (a path, "<inline>").
  static DataFile parse(const std::string& text, const std::string& source);

  const std::string& source() const { return source_; }
  bool contains(const std::string& key) const { return values_.count(key) > 0; }
  std::vector<std::string> keys() const;
  const DataValue& at(const std::string& key) const;

  // Scalars, with errors for a missing key, an array, or a real where an integer is needed.
  double real(const std::string& key) const;
  std::int64_t integer(const std::string& key) const;

 private:
  std::string source_;
  std::map<std::string, DataValue> values_;
};

}  // namespace hypatia
