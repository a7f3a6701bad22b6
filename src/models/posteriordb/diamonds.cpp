// brms's regression of log price on 24 centred predictors (posteriordb diamonds-diamonds).

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

// X without its intercept column, each remaining column centred on its mean (brms's Xc).
std::vector<double> centred_predictors(const std::vector<double>& x, std::int64_t rows,
                                       std::int64_t columns) {
  const std::int64_t predictors = columns - 1;
  std::vector<double> means(predictors, 0.0);
  for (std::int64_t n = 0; n < rows; ++n) {
    for (std::int64_t j = 0; j < predictors; ++j) means[j] += x[n * columns + j + 1] / rows;
  }
  std::vector<double> centred(rows * predictors);
  for (std::int64_t n = 0; n < rows; ++n) {
    for (std::int64_t j = 0; j < predictors; ++j) {
      centred[n * predictors + j] = x[n * columns + j + 1] - means[j];
    }
  }
  return centred;
}

Model build() {
  const DataFile data = load_posterior_data("diamonds-diamonds");
  const std::int64_t rows = data.integer("N");
  const std::int64_t columns = data.integer("K");
  require_shapes(data, {{"X", {"N", "K"}}, {"Y", {"N"}}});
  const std::vector<double> x = real_values(data, "X");
  Model m;
  auto xc = m.data("Xc", matrix_tensor(centred_predictors(x, rows, columns), rows, columns - 1));
  auto b = m.normal("b", 0, 1, {.shape = {columns - 1}});
  auto intercept = m.rv("Intercept", StudentT(3, 8, 10));
  auto sigma = m.rv("sigma", HalfStudentT(3, 10));
  m.observe("Y_obs", Normal(intercept + matmul(xc, b), sigma),
            vector_tensor(real_values(data, "Y")));
  return m;
}

}  // namespace

std::vector<BundledModel> diamonds() {
  // The reference run needed adapt_delta = 0.99 and trees up to depth 20. Pairs of b's are
  // correlated up to |r| = 0.89 and their scales span two orders of magnitude: a diagonal metric
  // leaves R-hat up to 1.03 after 4 x 1000 draws of depth-10 trees, a dense one mixes well.
  return {{.name = "diamonds-diamonds",
           .description = "Regression on 24 centred, correlated predictors, N = 5000 (26 params)",
           .build = build,
           .target_accept = 0.99,
           .metric = MetricKind::dense}};
}

}  // namespace hypatia::models::posteriordb
