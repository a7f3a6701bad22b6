#include "models/model_data.hpp"

#include <filesystem>

#include "hypatia/error.hpp"
#include "hypatia/models.hpp"

namespace hypatia::models {

DataFile load_shared_data(const std::string& relative_path) {
  const std::filesystem::path path = std::filesystem::path(shared_data_dir()) / relative_path;
  if (!std::filesystem::exists(path)) {
    throw Error("model data " + path.string() +
                " not found; set HYPATIA_SHARED_DIR to the directory holding posteriordb/ and "
                "bench-data/");
  }
  return DataFile::load(path);
}

Tensor real_tensor(const DataFile& data, const std::string& key) {
  const DataValue& value = data.at(key);
  return Tensor::from_doubles(value.as_doubles(), value.shape);
}

Tensor integer_tensor(const DataFile& data, const std::string& key) {
  const DataValue& value = data.at(key);
  return Tensor::from_ints(value.as_integers(data.source() + ": " + key), value.shape);
}

}  // namespace hypatia::models
