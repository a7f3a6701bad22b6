#pragma once

// Models bundled with Hypatia: the demo, the benchmark models and the posterior-database
// posteriors. Data are read at run time from the shared data directory.

#include <functional>
#include <string>
#include <vector>

#include "hypatia/infer/nuts.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/sharded.hpp"

namespace hypatia {

struct BundledModel {
  std::string name = {};
  std::string description = {};
  std::function<Model()> build = {};
  // What the model needs from NUTS (some posteriors need more than the defaults).
  double target_accept = 0.8;
  MetricKind metric = MetricKind::diagonal;
  int max_tree_depth = 10;  // more only where the reference run allowed more
  // Shard `shard` of `shards` over the observed rows (hypatia/sharded.hpp), loading only those
  // rows; empty where the model cannot be sharded.
  ShardBuilder build_shard = {};
};

// All bundled models, sorted by name.
const std::vector<BundledModel>& bundled_models();
// Throws an Error listing the available names when `name` is unknown.
const BundledModel& find_bundled_model(const std::string& name);

// Where the shared data (posteriordb/, bench-data/) live: $HYPATIA_SHARED_DIR, else the
// `shared` directory beside the source tree.
std::string shared_data_dir();

}  // namespace hypatia
