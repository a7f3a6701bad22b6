// Rows of the scalar function table for special functions, computed with Boost.Math.

#include "hypatia/ops.hpp"
#include "ops/elementwise.hpp"

namespace hypatia::ops {

std::vector<ScalarFunction> special_functions() {
  return {};
}

}  // namespace hypatia::ops
