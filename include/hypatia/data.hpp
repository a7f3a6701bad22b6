#pragma once

// Model data from JSON files, read the way the bundled models read theirs: load a file, check
// that its sizes agree with each other, and turn its values into tensors for Model::data and
// Model::observe.
//
//   const hypatia::DataFile data = hypatia::DataFile::load("eight_schools.json");
//   hypatia::require_shapes(data, {{"y", {"J"}}, {"sigma", {"J"}}});
//   hypatia::Model m;
//   auto sigma = m.data("sigma", hypatia::real_tensor(data, "sigma"));
//   ...
//   m.observe("y_obs", hypatia::Normal(theta, sigma), hypatia::real_tensor(data, "y"));
//
// A size key (N, J, K in Stan's data files) that disagrees with the array it describes is an
// error naming the file, the size key, its value and the array's length: arrays broadcast, so a
// model built from J = 1 and eight schools' y would otherwise run as a one-school model.

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "hypatia/io.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

// --- Loading ---------------------------------------------------------------------------------

// `relative_path` under the shared data directory (shared_data_dir() in hypatia/models.hpp:
// $HYPATIA_SHARED_DIR, else the `shared` directory beside the source tree). The error for a
// missing file names the path and $HYPATIA_SHARED_DIR.
DataFile load_shared_data(const std::string& relative_path);

// The data of a posteriordb posterior ("eight_schools-eight_schools_noncentered"):
// <shared data directory>/posteriordb/<posterior>/data.json.
DataFile load_posterior_data(const std::string& posterior);

// --- Values ----------------------------------------------------------------------------------

// The value of `key` as a tensor of its own shape: float64 (integers converted), or int64 (an
// error when the file holds reals there).
Tensor real_tensor(const DataFile& data, const std::string& key);
Tensor integer_tensor(const DataFile& data, const std::string& key);

// The value of `key` flattened row-major, as reals.
std::vector<double> real_values(const DataFile& data, const std::string& key);

// --- Checking sizes ----------------------------------------------------------------------------

// The value of a size key: an integer scalar >= 0 (an error names the file and key otherwise).
std::int64_t size_value(const DataFile& data, const std::string& size_key);

// The expected length of one axis: the value of a size key of the same file ("N"), or a number
// the model fixes (2 for a two-state model).
class Extent {
 public:
  Extent(const char* size_key) : extent_(std::string(size_key)) {}    // NOLINT: implicit on purpose
  Extent(std::string size_key) : extent_(std::move(size_key)) {}      // NOLINT
  Extent(std::int64_t length) : extent_(length) {}                    // NOLINT
  Extent(int length) : extent_(static_cast<std::int64_t>(length)) {}  // NOLINT

  // The length `data` asks for; "J = 8" or "8" in `description`.
  std::int64_t length(const DataFile& data, std::string& description) const;

 private:
  std::variant<std::string, std::int64_t> extent_;
};

// `key` must be an array of exactly these axis lengths ({} for a scalar).
struct ShapeRequirement {
  std::string key;
  std::vector<Extent> shape;
};

// Checks every requirement in order; the first that fails throws, e.g.
//   data file '.../data.json': 'y' has 8 elements along its axis 0, but J = 1 (the shape of 'y'
//   should be (J) = (1), got (8))
void require_shapes(const DataFile& data, const std::vector<ShapeRequirement>& requirements);

// A size the model fixes: `size_key` must equal `expected`; `why` says why ("the model has two
// hidden states").
void require_size(const DataFile& data, const std::string& size_key, std::int64_t expected,
                  const std::string& why);

// Every element of the integer array `key` must lie in [first, last], e.g. 1-based group indices
// in [1, J]: an index beyond the groups would read outside them.
void require_indices(const DataFile& data, const std::string& key, std::int64_t first,
                     const Extent& last);

}  // namespace hypatia
