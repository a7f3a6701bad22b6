// Minnesota radon, varying intercepts and slopes by county, non-centered
// (../shared/bench-data/README.md).

#include "hypatia/data.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/registry.hpp"

namespace hypatia::models {
namespace {

constexpr const char* data_path = "bench-data/radon_mn.json";

DataFile load() {
  DataFile file = load_shared_data(data_path);
  require_shapes(file, {{"county_idx", {"N"}}, {"floor_measure", {"N"}}, {"log_radon", {"N"}}});
  require_indices(file, "county_idx", 1, "J");
  return file;
}

// The model over houses [rows.begin, rows.end); every county's parameters in every shard.
Model model_of(const DataFile& file, RowRange rows) {
  Model m;
  auto county = m.data("county_idx", integer_rows(file, "county_idx", rows), {.dims = {"house"}});
  auto floor_measure =
      m.data("floor_measure", real_rows(file, "floor_measure", rows), {.dims = {"house"}});
  auto log_radon = m.data("log_radon", real_rows(file, "log_radon", rows), {.dims = {"house"}});
  const std::int64_t counties = file.integer("J");
  std::vector<std::int64_t> county_numbers;
  for (std::int64_t j = 1; j <= counties; ++j) county_numbers.push_back(j);
  m.add_coord("county", std::vector<double>(county_numbers.begin(), county_numbers.end()));

  auto sigma_y = m.half_normal("sigma_y", 1);
  auto sigma_alpha = m.half_normal("sigma_alpha", 1);
  auto sigma_beta = m.half_normal("sigma_beta", 1);
  auto mu_alpha = m.normal("mu_alpha", 0, 10);
  auto mu_beta = m.normal("mu_beta", 0, 10);
  auto alpha_raw = m.normal("alpha_raw", 0, 1, {.dims = {"county"}});
  auto beta_raw = m.normal("beta_raw", 0, 1, {.dims = {"county"}});
  auto alpha = m.deterministic("alpha", mu_alpha + sigma_alpha * alpha_raw, {"county"});
  auto beta = m.deterministic("beta", mu_beta + sigma_beta * beta_raw, {"county"});
  // The data's county numbers are 1-based.
  auto index = county - 1;
  auto mean = gather(alpha, index) + floor_measure * gather(beta, index);
  m.observe("log_radon_obs", Normal(mean, sigma_y), log_radon, {.dims = {"house"}});
  return m;
}

Model build() {
  const DataFile file = load();
  return model_of(file, {0, file.integer("N")});
}

ModelShard build_shard(int shard, int shards) {
  const DataFile file = load();
  const std::int64_t rows = file.integer("N");
  const RowRange range = shard_rows(rows, shard, shards);
  return {.model = model_of(file, range),
          .rows = range,
          .total_rows = rows,
          .data_version = file_version(shared_data_dir() + "/" + data_path)};
}

}  // namespace

BundledModel radon() {
  return {.name = "radon",
          .description = "Minnesota radon: varying intercepts and slopes by county (175 params)",
          .build = build,
          .build_shard = build_shard};
}

}  // namespace hypatia::models
