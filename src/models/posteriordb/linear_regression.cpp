#include "models/posteriordb/linear_regression.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

// Row-major (N x P) design matrix: a column of ones, then the predictors.
Tensor design_matrix(const LinearRegression& regression) {
  const std::size_t rows = regression.response.size();
  const std::size_t columns = regression.predictors.size() + 1;
  for (std::size_t p = 0; p < regression.predictors.size(); ++p) {
    if (regression.predictors[p].size() != rows) {
      throw Error("linear regression: predictor " + std::to_string(p + 1) + " has " +
                  std::to_string(regression.predictors[p].size()) + " values; the response has " +
                  std::to_string(rows));
    }
  }
  std::vector<double> values(rows * columns, 1.0);
  for (std::size_t n = 0; n < rows; ++n) {
    for (std::size_t p = 1; p < columns; ++p) {
      values[n * columns + p] = regression.predictors[p - 1][n];
    }
  }
  return matrix_tensor(values, static_cast<std::int64_t>(rows), static_cast<std::int64_t>(columns));
}

void require_same_length(const Column& a, const Column& b, const char* operation) {
  if (a.size() != b.size()) {
    throw Error(std::string("linear regression: ") + operation + " of columns of " +
                std::to_string(a.size()) + " and " + std::to_string(b.size()) + " values");
  }
}

double mean_of(const Column& column) {
  return std::accumulate(column.begin(), column.end(), 0.0) / static_cast<double>(column.size());
}

}  // namespace

Model flat_prior_regression(const LinearRegression& regression) {
  const Tensor design = design_matrix(regression);
  Model m;
  auto x = m.data("X", design);
  auto y = m.data("y", vector_tensor(regression.response));
  auto beta = m.rv("beta", Flat(), {.shape = {design.shape()[1]}});
  auto sigma = regression.scale_prior == ScalePrior::flat ? m.rv("sigma", HalfFlat())
                                                          : m.half_cauchy("sigma", 2.5);
  m.observe("y_obs", Normal(matmul(x, beta), sigma), y);
  return m;
}

Column transformed(const Column& column, const std::function<double(double)>& function) {
  Column result(column.size());
  std::transform(column.begin(), column.end(), result.begin(), function);
  return result;
}

Column log_of(const Column& column) {
  return transformed(column, [](double value) { return std::log(value); });
}

Column product(const Column& a, const Column& b) {
  require_same_length(a, b, "product");
  Column result(a.size());
  std::transform(a.begin(), a.end(), b.begin(), result.begin(), std::multiplies<>());
  return result;
}

Column quotient(const Column& a, const Column& b) {
  require_same_length(a, b, "quotient");
  Column result(a.size());
  std::transform(a.begin(), a.end(), b.begin(), result.begin(), std::divides<>());
  return result;
}

Column indicator(const Column& column, double value) {
  return transformed(column, [value](double entry) { return entry == value ? 1.0 : 0.0; });
}

Column centered(const Column& column) {
  const double mean = mean_of(column);
  return transformed(column, [mean](double value) { return value - mean; });
}

Column sample_sd_scaled(const Column& column, double multiple) {
  const double mean = mean_of(column);
  double squares = 0;
  for (double value : column) squares += (value - mean) * (value - mean);
  const double sd = std::sqrt(squares / static_cast<double>(column.size() - 1));
  return transformed(column, [scale = multiple * sd](double value) { return value / scale; });
}

}  // namespace hypatia::models::posteriordb
