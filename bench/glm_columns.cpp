// A normal linear regression written two ways: Stan-style per-column terms
// (b0 + b1 * x1 + ... + bK * xK) and one matrix product (X beta). Prints the median time of one
// log density + gradient of each, compiled natively, and their ratio: the per-column form should
// cost no more than the matrix form. Usage: hypatia-bench-glm-columns [rows] [predictors]
// (default 2000 rows, 8 predictors, about the size of the NES regressions).

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "timing.hpp"

namespace {

using namespace hypatia;

struct Data {
  std::int64_t rows = 0, predictors = 0;
  std::vector<double> design;  // row-major rows x (predictors + 1), first column ones
  std::vector<double> response;
};

Data generate(std::int64_t rows, std::int64_t predictors) {
  Data data{.rows = rows, .predictors = predictors};
  std::mt19937_64 rng(1972);
  std::normal_distribution<double> normal;
  for (std::int64_t n = 0; n < rows; ++n) {
    double mean = 0.5;
    data.design.push_back(1.0);
    for (std::int64_t k = 0; k < predictors; ++k) {
      const double value = normal(rng);
      data.design.push_back(value);
      mean += 0.1 * static_cast<double>(k + 1) * value;
    }
    data.response.push_back(mean + normal(rng));
  }
  return data;
}

Expr normal_logp(const Expr& y, const Expr& mean, const Expr& sigma) {
  const Expr z = (y - mean) / sigma;
  return sum(-0.5 * square(z) - log(sigma));
}

// theta = (beta_0 .. beta_K, log sigma)
Expr per_column(const Data& data, const Expr& theta) {
  const std::int64_t columns = data.predictors + 1;
  Expr mean = slice(theta, 0, Index{0});
  for (std::int64_t k = 1; k < columns; ++k) {
    std::vector<double> column;
    for (std::int64_t n = 0; n < data.rows; ++n) column.push_back(data.design[n * columns + k]);
    mean = mean + slice(theta, 0, Index{k}) * constant(Tensor::from_doubles(column, {data.rows}));
  }
  const Expr y = constant(Tensor::from_doubles(data.response, {data.rows}));
  return normal_logp(y, mean, exp(slice(theta, 0, Index{columns})));
}

// The per-column form over data placeholders (how Model::data and pm.Data pass columns: bound at
// run time, replaceable without recompiling), so nothing can be stacked at compile time.
struct PlaceholderColumns {
  Exprs inputs;
  std::vector<Tensor> values;
};

Expr per_column_placeholders(const Data& data, const Expr& theta, PlaceholderColumns& columns_out) {
  const std::int64_t columns = data.predictors + 1;
  Expr mean = slice(theta, 0, Index{0});
  for (std::int64_t k = 1; k < columns; ++k) {
    std::vector<double> column;
    for (std::int64_t n = 0; n < data.rows; ++n) column.push_back(data.design[n * columns + k]);
    const Expr placeholder = input("x" + std::to_string(k), {DType::float64, {data.rows}});
    columns_out.inputs.push_back(placeholder);
    columns_out.values.push_back(Tensor::from_doubles(column, {data.rows}));
    mean = mean + slice(theta, 0, Index{k}) * placeholder;
  }
  const Expr y = constant(Tensor::from_doubles(data.response, {data.rows}));
  return normal_logp(y, mean, exp(slice(theta, 0, Index{columns})));
}

Expr matrix_product(const Data& data, const Expr& theta) {
  const std::int64_t columns = data.predictors + 1;
  const Expr x = constant(Tensor::from_doubles(data.design, {data.rows, columns}));
  const Expr beta = slice(theta, 0, Slice{0, columns, std::nullopt});
  const Expr y = constant(Tensor::from_doubles(data.response, {data.rows}));
  return normal_logp(y, matmul(x, beta), exp(slice(theta, 0, Index{columns})));
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t rows = argc > 1 ? std::atoll(argv[1]) : 2000;
  const std::int64_t predictors = argc > 2 ? std::atoll(argv[2]) : 8;
  const Data data = generate(rows, predictors);
  const Expr theta = input("theta", {DType::float64, {predictors + 2}});
  LogpGrad columns_form(theta, per_column(data, theta));
  LogpGrad matrix_form(theta, matrix_product(data, theta));
  PlaceholderColumns placeholders;
  const Expr placeholder_logp = per_column_placeholders(data, theta, placeholders);
  LogpGrad placeholder_form(theta, placeholder_logp, placeholders.inputs, placeholders.values);

  std::vector<double> point(predictors + 2, 0.1), grad_columns(point.size()),
      grad_matrix(point.size()), grad_placeholders(point.size());
  const double logp_columns = columns_form(point.data(), grad_columns.data());
  const double logp_matrix = matrix_form(point.data(), grad_matrix.data());
  const double logp_placeholders = placeholder_form(point.data(), grad_placeholders.data());
  std::printf("logp  per-column %.12g  matrix %.12g  per-column data placeholders %.12g\n",
              logp_columns, logp_matrix, logp_placeholders);
  double columns_seconds = 0, matrix_seconds = 0, placeholder_seconds = 0;
  for (int round = 0; round < 3; ++round) {  // interleaved: the machine has slow phases
    columns_seconds +=
        bench::median_seconds([&] { columns_form(point.data(), grad_columns.data()); }, 51, 0.5);
    matrix_seconds +=
        bench::median_seconds([&] { matrix_form(point.data(), grad_matrix.data()); }, 51, 0.5);
    placeholder_seconds += bench::median_seconds(
        [&] { placeholder_form(point.data(), grad_placeholders.data()); }, 51, 0.5);
  }
  std::printf("rows=%lld predictors=%lld  per-column %.2f us  matrix %.2f us  ratio %.2f\n",
              static_cast<long long>(rows), static_cast<long long>(predictors),
              columns_seconds / 3 * 1e6, matrix_seconds / 3 * 1e6,
              columns_seconds / matrix_seconds);
  std::printf("  per-column over data placeholders %.2f us  ratio to matrix %.2f\n",
              placeholder_seconds / 3 * 1e6, placeholder_seconds / matrix_seconds);
  return 0;
}
