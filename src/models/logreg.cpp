// Bayesian logistic regression on 10000 x 50 synthetic data (../shared/bench-data/README.md).

#include "hypatia/data.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/registry.hpp"

namespace hypatia::models {
namespace {

Model build() {
  const DataFile file = load_shared_data("bench-data/logreg_synth.json");
  require_shapes(file, {{"X", {"N", "D"}}, {"y", {"N"}}});
  Model m;
  auto x = m.data("X", real_tensor(file, "X"), {.dims = {"row", "predictor"}});
  auto y = m.data("y", integer_tensor(file, "y"), {.dims = {"row"}});
  auto alpha = m.normal("alpha", 0, 2);
  auto beta = m.normal("beta", 0, 1, {.dims = {"predictor"}});
  m.observe("y_obs", BernoulliLogit(alpha + matmul(x, beta)), y, {.dims = {"row"}});
  return m;
}

}  // namespace

BundledModel logreg() {
  return {.name = "logreg",
          .description = "Logistic regression, 10000 rows x 50 predictors (51 params)",
          .build = build};
}

}  // namespace hypatia::models
