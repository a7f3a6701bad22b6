// Bayesian logistic regression on 10000 x 50 synthetic data (../shared/bench-data/README.md).

#include "hypatia/data.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/registry.hpp"

namespace hypatia::models {
namespace {

constexpr const char* data_path = "bench-data/logreg_synth.json";

DataFile load() {
  DataFile file = load_shared_data(data_path);
  require_shapes(file, {{"X", {"N", "D"}}, {"y", {"N"}}});
  return file;
}

Model model_of(const Tensor& x_rows, const Tensor& y_rows) {
  Model m;
  auto x = m.data("X", x_rows, {.dims = {"row", "predictor"}});
  auto y = m.data("y", y_rows, {.dims = {"row"}});
  auto alpha = m.normal("alpha", 0, 2);
  auto beta = m.normal("beta", 0, 1, {.dims = {"predictor"}});
  m.observe("y_obs", BernoulliLogit(alpha + matmul(x, beta)), y, {.dims = {"row"}});
  return m;
}

Model build() {
  const DataFile file = load();
  return model_of(real_tensor(file, "X"), integer_tensor(file, "y"));
}

// The same model over rows [shard N / K, (shard + 1) N / K).
ModelShard build_shard(int shard, int shards) {
  const DataFile file = load();
  const std::int64_t rows = file.integer("N");
  const RowRange range = shard_rows(rows, shard, shards);
  return {.model = model_of(real_rows(file, "X", range), integer_rows(file, "y", range)),
          .rows = range,
          .total_rows = rows,
          .data_version = file_version(shared_data_dir() + "/" + data_path)};
}

}  // namespace

BundledModel logreg() {
  return {.name = "logreg",
          .description = "Logistic regression, 10000 rows x 50 predictors (51 params)",
          .build = build,
          .build_shard = build_shard};
}

}  // namespace hypatia::models
