#include "ppl/distributions/univariate_cases.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::testing {
namespace {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream stream(line);
  std::string cell;
  while (std::getline(stream, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

double parse_number(const std::string& text) {
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::stod(text);
}

bool values_match(double actual, double expected, double relative, double absolute) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= absolute + relative * std::abs(expected);
}

Tensor column(const std::vector<UnivariateCase>& cases, std::size_t parameter, DType dtype) {
  Tensor values(dtype, {static_cast<std::int64_t>(cases.size())});
  for (std::size_t i = 0; i < cases.size(); ++i) {
    values.set(static_cast<std::int64_t>(i), cases[i].parameters.at(parameter));
  }
  return values;
}

void check_family(const UnivariateCheck& check, const std::string& family,
                  const std::vector<UnivariateCase>& cases, Backend backend) {
  const std::int64_t n = static_cast<std::int64_t>(cases.size());
  std::vector<NodePtr> inputs;
  std::vector<Expr> parameters;
  std::vector<Tensor> values;
  for (std::size_t p = 0; p < cases.front().parameters.size(); ++p) {
    inputs.push_back(input("p" + std::to_string(p), TensorType{DType::float64, {n}}));
    parameters.emplace_back(inputs.back());
    values.push_back(column(cases, p, DType::float64));
  }
  const Expr value = input("value", TensorType{check.value_dtype, {n}});
  Tensor value_column(check.value_dtype, {n});
  for (std::int64_t i = 0; i < n; ++i) value_column.set(i, cases[i].value);
  inputs.push_back(value.node());
  values.push_back(value_column);

  const Distribution distribution = check.factories.at(family)(parameters);
  const bool has_cdf = cases.front().logcdf.has_value();
  std::vector<NodePtr> outputs = {distribution.logp(value).node()};
  if (has_cdf) outputs.push_back(distribution.logcdf(cast(value, DType::float64)).node());
  Function function(inputs, outputs, {.backend = backend});
  const std::vector<Tensor> results = function(values);
  for (std::int64_t i = 0; i < n; ++i) {
    const UnivariateCase& row = cases[i];
    std::ostringstream where;
    where << family << " on " << backend_name(backend) << ", row " << i << ": value " << row.value
          << ", parameters";
    for (double p : row.parameters) where << " " << p;
    EXPECT_PRED4(values_match, results[0].at(i), row.logp, check.relative_tolerance,
                 check.absolute_tolerance)
        << "logp of " << where.str();
    if (has_cdf && row.logcdf) {
      EXPECT_PRED4(values_match, results[1].at(i), *row.logcdf, check.relative_tolerance,
                   check.absolute_tolerance)
          << "logcdf of " << where.str();
    }
  }
}

}  // namespace

std::vector<UnivariateCase> read_univariate_cases(const std::string& fixture_file) {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/" + fixture_file);
  EXPECT_TRUE(file.good()) << "cannot open fixture " << fixture_file;
  std::vector<UnivariateCase> cases;
  std::string line;
  std::getline(file, line);  // header
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_csv_line(line);
    EXPECT_EQ(cells.size(), 7u) << "bad fixture line: " << line;
    if (cells.size() != 7u) continue;
    UnivariateCase row{.family = cells[0]};
    for (int p = 1; p <= 3; ++p) {
      if (!cells[p].empty()) row.parameters.push_back(parse_number(cells[p]));
    }
    row.value = parse_number(cells[4]);
    row.logp = parse_number(cells[5]);
    if (!cells[6].empty()) row.logcdf = parse_number(cells[6]);
    cases.push_back(row);
  }
  return cases;
}

void expect_univariate_cases_match(const UnivariateCheck& check) {
  std::map<std::string, std::vector<UnivariateCase>> by_family;
  for (const UnivariateCase& row : read_univariate_cases(check.fixture_file)) {
    by_family[row.family].push_back(row);
  }
  for (const auto& [family, factory] : check.factories) {
    EXPECT_TRUE(by_family.contains(family)) << "no fixture rows for " << family;
  }
  for (const auto& [family, cases] : by_family) {
    if (!check.factories.contains(family)) {
      ADD_FAILURE() << "fixture family " << family << " has no factory in the test";
      continue;
    }
    for (Backend backend : {Backend::interp, Backend::native}) {
      check_family(check, family, cases, backend);
    }
  }
}

}  // namespace hypatia::testing
