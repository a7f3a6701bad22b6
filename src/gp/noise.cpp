// Kernels that ignore the inputs' values (WhiteNoise, Constant): only the row counts matter.

#include "gp/checks.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/shape.hpp"

namespace hypatia::gp {
namespace {

// An (n, m) matrix of zeros for the rows of x and xs, built by broadcasting two vectors.
Expr zeros_between(const Expr& x, const Expr& xs) {
  return expand_dims(zeros_like(first_column(x)), {1}) +
         expand_dims(zeros_like(first_column(xs)), {0});
}

}  // namespace

Expr white_noise_diag(const Expr& x, const Expr& sigma) {
  check_inputs("WhiteNoise", x, std::nullopt);
  check_scalar("WhiteNoise", "sigma", sigma);
  return zeros_like(first_column(x)) + square(sigma);
}

Expr white_noise(const Expr& x, const std::optional<Expr>& xs, const Expr& sigma) {
  check_inputs("WhiteNoise", x, xs);
  check_scalar("WhiteNoise", "sigma", sigma);
  // Noise is independent between distinct evaluations, so only K(X, X) has a diagonal.
  if (xs) return zeros_between(x, *xs);
  return diag(white_noise_diag(x, sigma));
}

Expr constant_diag(const Expr& x, const Expr& c) {
  check_inputs("Constant", x, std::nullopt);
  check_scalar("Constant", "c", c);
  return zeros_like(first_column(x)) + c;
}

Expr constant(const Expr& x, const std::optional<Expr>& xs, const Expr& c) {
  check_inputs("Constant", x, xs);
  check_scalar("Constant", "c", c);
  return zeros_between(x, second_input(x, xs)) + c;
}

}  // namespace hypatia::gp
