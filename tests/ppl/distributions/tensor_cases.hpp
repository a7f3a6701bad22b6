#pragma once

// Table-driven checks of log densities whose parameters and values are tensors (multivariate
// families, or several values per case), against fixtures written by scripts/fixtures/*.py:
//   case <Family> <label>         starts a case; one graph per case, rows along the first axis
//   <name> <rank> <dims...> <values...>
//                                 a tensor (row-major): the parameters, "value", and "logp"
//   end

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::testing {

// One case of a fixture: named tensors, among them "value" and the expected "logp".
struct TensorCase {
  std::string family;
  std::string label;
  std::vector<std::pair<std::string, Tensor>> tensors;

  const Tensor& tensor(const std::string& name) const;
};

// The cases of tests/fixtures/`fixture_file` (read once per file).
const std::vector<TensorCase>& tensor_cases(const std::string& fixture_file);

using TensorParameters = std::map<std::string, Expr>;
// Builds the family from its parameters; the value's shape gives sizes the parameters do not
// (a matrix event's size, a walk's number of steps).
using TensorFactory =
    std::function<Distribution(const TensorParameters&, const Shape& value_shape)>;

// Equal to 1e-10 + 1e-9 |expected|; NaN with NaN, infinities exactly.
bool tensor_values_match(double actual, double expected);

// Every case of `family` on both backends: logp equals the fixture entry by entry, -inf included.
// Parameters are placeholders, so invalid ones are caught at run time.
void expect_tensor_cases_match(const std::string& fixture_file, const std::string& family,
                               const TensorFactory& factory, DType value_dtype = DType::float64);

}  // namespace hypatia::testing
