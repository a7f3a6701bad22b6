#include "ppl/distributions/tensor_cases.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

namespace hypatia::testing {
namespace {

double parse_number(const std::string& text) {
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  return std::stod(text);
}

std::vector<TensorCase> read_cases(const std::string& fixture_file) {
  std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/" + fixture_file);
  EXPECT_TRUE(file.good()) << "cannot open " << fixture_file;
  std::vector<TensorCase> cases;
  std::string line;
  while (std::getline(file, line)) {
    std::istringstream words(line);
    std::string head;
    words >> head;
    if (head.empty() || head == "end") continue;
    if (head == "case") {
      cases.emplace_back();
      words >> cases.back().family >> cases.back().label;
      continue;
    }
    int rank = 0;
    words >> rank;
    Shape shape(static_cast<std::size_t>(rank));
    for (std::int64_t& dim : shape) words >> dim;
    std::vector<double> values;
    std::string word;
    while (words >> word) values.push_back(parse_number(word));
    cases.back().tensors.emplace_back(head, Tensor::from_doubles(values, shape));
  }
  return cases;
}

}  // namespace

const Tensor& TensorCase::tensor(const std::string& name) const {
  for (const auto& [tensor_name, tensor] : tensors) {
    if (tensor_name == name) return tensor;
  }
  throw Error("fixture case " + family + " " + label + " has no tensor " + name);
}

const std::vector<TensorCase>& tensor_cases(const std::string& fixture_file) {
  static std::map<std::string, std::vector<TensorCase>> files;
  auto found = files.find(fixture_file);
  if (found == files.end()) found = files.emplace(fixture_file, read_cases(fixture_file)).first;
  return found->second;
}

bool tensor_values_match(double actual, double expected) {
  if (std::isnan(expected)) return std::isnan(actual);
  if (std::isinf(expected)) return actual == expected;
  return std::abs(actual - expected) <= 1e-10 + 1e-9 * std::abs(expected);
}

void expect_tensor_cases_match(const std::string& fixture_file, const std::string& family,
                               const TensorFactory& factory, DType value_dtype) {
  int checked = 0;
  for (const TensorCase& fixture_case : tensor_cases(fixture_file)) {
    if (fixture_case.family != family) continue;
    ++checked;
    std::vector<NodePtr> inputs;
    std::vector<Tensor> values;
    TensorParameters parameters;
    for (const auto& [name, tensor] : fixture_case.tensors) {
      if (name == "logp" || name == "value") continue;
      inputs.push_back(input(name, tensor.type()));
      values.push_back(tensor);
      parameters[name] = inputs.back();
    }
    const Tensor value = fixture_case.tensor("value").cast(value_dtype);
    const Expr value_input = input("value", value.type());
    inputs.push_back(value_input.node());
    values.push_back(value);
    const Expr logp = factory(parameters, value.shape()).logp(value_input);
    const Tensor& expected = fixture_case.tensor("logp");
    for (Backend backend : {Backend::interp, Backend::native}) {
      const Tensor actual = Function(inputs, {logp.node()}, {.backend = backend})(values).front();
      ASSERT_EQ(actual.shape(), expected.shape()) << family << " " << fixture_case.label;
      for (std::int64_t i = 0; i < expected.size(); ++i) {
        EXPECT_PRED2(tensor_values_match, actual.at(i), expected.at(i))
            << family << " " << fixture_case.label << " on " << backend_name(backend) << ", row "
            << i;
      }
    }
  }
  EXPECT_GT(checked, 0) << "no fixture cases for " << family << " in " << fixture_file;
}

}  // namespace hypatia::testing
