#pragma once

// Reading a bundled model's data from the shared data directory.

#include <string>

#include "hypatia/io.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::models {

// Loads `relative_path` under shared_data_dir(); the error names the path and how to point
// Hypatia at the data ($HYPATIA_SHARED_DIR).
DataFile load_shared_data(const std::string& relative_path);

// The value of `key` as a float64 (or int64 when `integer`) tensor of its own shape.
Tensor real_tensor(const DataFile& data, const std::string& key);
Tensor integer_tensor(const DataFile& data, const std::string& key);

}  // namespace hypatia::models
