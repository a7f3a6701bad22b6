// Bayesian linear regression without intercept (posteriordb sblrc-blr).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

Model build() {
  const DataFile data = load_posterior_data("sblrc-blr");
  require_shapes(data, {{"X", {"N", "D"}}, {"y", {"N"}}});
  const std::int64_t rows = data.integer("N");
  const std::int64_t columns = data.integer("D");
  Model m;
  auto x = m.data("X", matrix_tensor(real_values(data, "X"), rows, columns));
  auto beta = m.normal("beta", 0, 10, {.shape = {columns}});
  auto sigma = m.half_normal("sigma", 10);
  m.observe("y_obs", Normal(matmul(x, beta), sigma), vector_tensor(real_values(data, "y")));
  return m;
}

}  // namespace

std::vector<BundledModel> blr() {
  return {{.name = "sblrc-blr",
           .description = "Linear regression without intercept, 100 x 5 (6 params)",
           .build = build}};
}

}  // namespace hypatia::models::posteriordb
