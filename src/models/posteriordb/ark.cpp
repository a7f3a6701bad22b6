// An autoregressive model of order K (posteriordb arK-arK), conditional on the first K values.

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

Model build() {
  const DataFile data = load_posterior_data("arK-arK");
  require_shapes(data, {{"y", {"T"}}});
  const std::int64_t order = size_value(data, "K");
  if (order < 1 || order >= data.integer("T")) {
    throw Error("data file '" + data.source() + "': K = " + std::to_string(order) +
                " with T = " + std::to_string(data.integer("T")) +
                "; the model needs 1 <= K < T (it conditions on the first K values)");
  }
  const std::vector<double> y = real_values(data, "y");
  const std::int64_t steps = static_cast<std::int64_t>(y.size()) - order;
  // lags(t, k) = y[K + t - 1 - k]: row t predicts y[K + t] from the K values before it.
  std::vector<double> lags(steps * order);
  for (std::int64_t t = 0; t < steps; ++t) {
    for (std::int64_t k = 0; k < order; ++k) lags[t * order + k] = y[order + t - 1 - k];
  }
  const std::vector<double> predicted(y.begin() + order, y.end());

  Model m;
  auto lag_matrix = m.data("lags", matrix_tensor(lags, steps, order));
  auto alpha = m.normal("alpha", 0, 10);
  auto beta = m.normal("beta", 0, 10, {.shape = {order}});
  auto sigma = m.half_cauchy("sigma", 2.5);
  m.observe("y_obs", Normal(alpha + matmul(lag_matrix, beta), sigma), vector_tensor(predicted));
  return m;
}

}  // namespace

std::vector<BundledModel> ark() {
  return {{.name = "arK-arK",
           .description = "Autoregressive model of order 5 on 200 points (7 params)",
           .build = build}};
}

}  // namespace hypatia::models::posteriordb
