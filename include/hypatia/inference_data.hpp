#pragma once

// Results of inference in memory, laid out like ArviZ's InferenceData: named groups of named
// variables; draws are (chain, draw, ...variable shape), row-major.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace hypatia {

// Values along one named dimension: labels or numbers.
using CoordValues =
    std::variant<std::vector<std::string>, std::vector<double>, std::vector<std::int64_t>>;

struct Variable {
  std::string name = {};
  std::vector<std::int64_t> shape = {};  // the variable's own shape (without chain, draw)
  std::vector<std::string> dims = {};  // one name per axis of `shape`; empty means "<name>_dim_<k>"
  bool is_integer = false;             // stored as int64 (discrete values, tree depth)
  std::vector<double> values = {};     // (chain, draw, ...shape) for sampled groups; shape only for
                                       // observed_data / constant_data
  // A flag (values 0 or 1) stored as xarray stores bool: int8 with the attribute dtype = "bool",
  // so it reads back as bool (ArviZ indexes draws with `diverging`; int64 would select draws 0
  // and 1). The CSV writer prints it as 0/1 like an integer.
  bool is_boolean = false;
};

struct Group {
  std::vector<Variable> variables = {};
  std::map<std::string, std::string> attributes = {};

  const Variable* find(const std::string& name) const;
};

struct InferenceData {
  std::int64_t chains = 0;
  std::int64_t draws = 0;
  // Iterations in the warmup_* groups (warm-up draws kept by save_warmup); every other sampled
  // group has `draws` of them.
  std::int64_t warmup_draws = 0;
  std::map<std::string, CoordValues> coords;  // coordinate values for named dims
  // Groups by ArviZ name: "posterior", "sample_stats", "log_likelihood", "observed_data",
  // "prior", "prior_predictive", "posterior_predictive", "warmup_posterior", ...; only present
  // ones.
  std::map<std::string, Group> groups;
  std::map<std::string, std::string> attributes;  // global (sampler settings, versions)

  // Length of the draw axis of a sampled group: warmup_draws for a warmup_* group, else draws.
  std::int64_t draws_in(const std::string& group_name) const;
};

}  // namespace hypatia
