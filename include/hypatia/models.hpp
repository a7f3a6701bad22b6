#pragma once

// Models bundled with Hypatia: the demo, the benchmark models and the posterior-database
// posteriors. Data are read at run time from the shared data directory.

#include <functional>
#include <string>
#include <vector>

#include "hypatia/ppl/model.hpp"

namespace hypatia {

struct BundledModel {
  std::string name = {};
  std::string description = {};
  std::function<Model()> build = {};
  double target_accept = 0.8;  // what the model needs (some posteriors need more)
};

// All bundled models, sorted by name.
const std::vector<BundledModel>& bundled_models();
// Throws an Error listing the available names when `name` is unknown.
const BundledModel& find_bundled_model(const std::string& name);

// Where the shared data (posteriordb/, bench-data/) live: $HYPATIA_SHARED_DIR, else the
// `shared` directory beside the source tree.
std::string shared_data_dir();

}  // namespace hypatia
