// Rows of the scalar function table for elementary math (exp, log, trigonometric, ...).

#include <cmath>

#include "hypatia/ops.hpp"
#include "ops/elementwise.hpp"

namespace hypatia::ops {

std::vector<ScalarFunction> math_functions() {
  return {
      {.name = "exp",
       .eval = [](const double* a) { return std::exp(a[0]); },
       .grad = [](const Exprs&, const Expr& out, const Expr& g) { return Exprs{g * out}; }},
      {.name = "log",
       .eval = [](const double* a) { return std::log(a[0]); },
       .grad = [](const Exprs& x, const Expr&, const Expr& g) { return Exprs{g / x[0]}; }},
  };
}

}  // namespace hypatia::ops

namespace hypatia {

Expr exp(const Expr& x) {
  return ops::apply_elementwise("exp", {x});
}
Expr log(const Expr& x) {
  return ops::apply_elementwise("log", {x});
}

}  // namespace hypatia
