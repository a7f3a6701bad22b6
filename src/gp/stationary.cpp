// Stationary kernels: each is a function of the scaled distance between inputs (PyMC's formulas).

#include <cmath>
#include <numbers>

#include "gp/checks.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/reduce.hpp"
#include "hypatia/ops/shape.hpp"

namespace hypatia::gp {

Expr exp_quad(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  return exp(-0.5 * scaled_square_distance(x, xs, ls));
}

Expr matern52(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  const Expr r = offset_distance(scaled_square_distance(x, xs, ls));
  const double sqrt5 = std::sqrt(5.0);
  return (1.0 + sqrt5 * r + (5.0 / 3.0) * square(r)) * exp(-sqrt5 * r);
}

Expr matern32(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  const Expr r = offset_distance(scaled_square_distance(x, xs, ls));
  const double sqrt3 = std::sqrt(3.0);
  return (1.0 + sqrt3 * r) * exp(-sqrt3 * r);
}

Expr matern12(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  return exp(-offset_distance(scaled_square_distance(x, xs, ls)));
}

Expr exponential(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  return exp(-0.5 * offset_distance(scaled_square_distance(x, xs, ls)));
}

Expr cosine(const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
  return cos(2.0 * std::numbers::pi * offset_distance(scaled_square_distance(x, xs, ls)));
}

Expr rat_quad(const Expr& x, const std::optional<Expr>& xs, const Expr& ls, const Expr& alpha) {
  check_scalar("RatQuad", "alpha", alpha);
  const Expr r2 = scaled_square_distance(x, xs, ls);
  return pow(1.0 + 0.5 * r2 / alpha, -alpha);
}

Expr periodic(const Expr& x, const std::optional<Expr>& xs, const Expr& ls, const Expr& period) {
  check_inputs("Periodic", x, xs);
  check_per_dimension("Periodic", "ls", ls, x);
  check_per_dimension("Periodic", "period", period, x);
  // (n, 1, d) - (1, m, d): every pair of rows, per dimension.
  const Expr difference = expand_dims(x, {1}) - expand_dims(second_input(x, xs), {0});
  const Expr scaled = sin(std::numbers::pi * difference / period) / ls;
  return exp(-0.5 * sum(square(scaled), {2}));
}

Expr stationary_diag(const Expr& x) {
  check_inputs("stationary kernel", x, std::nullopt);
  return ones_like(first_column(x));
}

}  // namespace hypatia::gp
