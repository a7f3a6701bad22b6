#pragma once

// Conditions on distribution parameters, shared by the families.

#include <string>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia::parameters {

inline ParameterCondition positive(const std::string& name, const Expr& x) {
  return {name, greater(x, 0.0), "> 0", x};
}

inline ParameterCondition nonnegative(const std::string& name, const Expr& x) {
  return {name, greater_equal(x, 0.0), ">= 0", x};
}

inline ParameterCondition probability(const std::string& name, const Expr& x) {
  return {name, greater_equal(x, 0.0) & less_equal(x, 1.0), "in [0, 1]", x};
}

inline ParameterCondition finite(const std::string& name, const Expr& x) {
  return {name, logical_not(isnan(x) | isinf(x)), "finite", x};
}

inline ParameterCondition nonnegative_integer(const std::string& name, const Expr& x) {
  Expr integral = x.dtype() == DType::int64 ? equal(x, x) : equal(floor(x), x);
  return {name, integral & greater_equal(x, 0), "a nonnegative integer", x};
}

inline ParameterCondition not_nan(const std::string& name, const Expr& x) {
  return {name, logical_not(isnan(x)), "not NaN", x};
}

inline ParameterCondition integer(const std::string& name, const Expr& x) {
  Expr integral =
      x.dtype() == DType::int64 ? equal(x, x) : equal(floor(x), x) & logical_not(isinf(x));
  return {name, integral, "an integer", x};
}

inline ParameterCondition at_most(const std::string& lower_name, const Expr& lower,
                                  const std::string& upper_name, const Expr& upper) {
  return {lower_name + " <= " + upper_name, less_equal(lower, upper), "satisfied", {}};
}

inline ParameterCondition less_than(const std::string& lower_name, const Expr& lower,
                                    const std::string& upper_name, const Expr& upper) {
  return {lower_name + " < " + upper_name, less(lower, upper), "satisfied", {}};
}

}  // namespace hypatia::parameters
