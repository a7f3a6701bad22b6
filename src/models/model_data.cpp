// Reading model data: files under the shared data directory, values as tensors (hypatia/data.hpp).

#include <filesystem>

#include "hypatia/data.hpp"
#include "hypatia/error.hpp"
#include "hypatia/models.hpp"

namespace hypatia {

DataFile load_shared_data(const std::string& relative_path) {
  const std::filesystem::path path = std::filesystem::path(shared_data_dir()) / relative_path;
  if (!std::filesystem::exists(path)) {
    throw Error("model data " + path.string() +
                " not found; set HYPATIA_SHARED_DIR to the directory holding posteriordb/ and "
                "bench-data/");
  }
  return DataFile::load(path);
}

DataFile load_posterior_data(const std::string& posterior) {
  return load_shared_data("posteriordb/" + posterior + "/data.json");
}

Tensor real_tensor(const DataFile& data, const std::string& key) {
  const DataValue& value = data.at(key);
  return Tensor::from_doubles(value.as_doubles(), value.shape);
}

Tensor integer_tensor(const DataFile& data, const std::string& key) {
  const DataValue& value = data.at(key);
  return Tensor::from_ints(
      value.as_integers("data file '" + data.source() + "': key '" + key + "'"), value.shape);
}

std::vector<double> real_values(const DataFile& data, const std::string& key) {
  return data.at(key).as_doubles();
}

}  // namespace hypatia
