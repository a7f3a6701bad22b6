// Dot-product kernels (Linear, Polynomial): not stationary, their diagonal depends on the inputs.

#include "gp/checks.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/reduce.hpp"

namespace hypatia::gp {

Expr linear(const Expr& x, const std::optional<Expr>& xs, const Expr& c) {
  check_inputs("Linear", x, xs);
  check_per_dimension("Linear", "c", c, x);
  const Expr centred = x - c;
  const Expr other = xs ? *xs - c : centred;
  return matmul(centred, matrix_transpose(other));
}

Expr linear_diag(const Expr& x, const Expr& c) {
  check_inputs("Linear", x, std::nullopt);
  check_per_dimension("Linear", "c", c, x);
  return sum(square(x - c), {1});
}

Expr polynomial(const Expr& x, const std::optional<Expr>& xs, const Expr& c, const Expr& degree,
                const Expr& offset) {
  return pow(linear(x, xs, c) + offset, degree);
}

Expr polynomial_diag(const Expr& x, const Expr& c, const Expr& degree, const Expr& offset) {
  return pow(linear_diag(x, c) + offset, degree);
}

}  // namespace hypatia::gp
