// Power spectral densities of stationary kernels (unit variance), for the Hilbert-space
// approximation. With ls_k the length scales, D the dimension and s = sum_k ls_k^2 omega_k^2:
//   ExpQuad      (2 pi)^{D/2} prod(ls) exp(-s / 2)
//   Matern(nu)   2^D pi^{D/2} Gamma(nu + D/2) (2 nu)^nu / Gamma(nu) prod(ls) (2 nu + s)^-(nu + D/2)
// with PyMC's constants for nu = 5/2 and 3/2 (Gamma(nu) written out as 3/4 sqrt(pi), 1/2 sqrt(pi)).
// Computed in log space so large D or small length scales do not overflow the constant.

#include <cmath>
#include <numbers>

#include "gp/checks.hpp"
#include "hypatia/error.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops/elementwise.hpp"
#include "hypatia/ops/index.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/reduce.hpp"
#include "hypatia/ops/shape.hpp"
#include "hypatia/shape.hpp"

namespace hypatia::gp {
namespace {

struct ScaledFrequencies {
  double dims;        // D
  Expr log_prod_ls;   // sum(log ls) over the D dimensions
  Expr squared_norm;  // (m,): sum_k ls_k^2 omega_k^2
};

ScaledFrequencies scale_frequencies(const char* kernel, const Expr& omega, const Expr& ls) {
  check_inputs(kernel, omega, std::nullopt);
  check_per_dimension(kernel, "ls", ls, omega);
  const auto dims = omega.shape()[1];
  if (dims == kUnknownDim) {
    throw_shape_error(std::string(kernel) + ": the number of columns of omega must be known, got " +
                      shape_to_string(omega.shape()));
  }
  // One length scale per dimension, whether ls was given as a scalar or as a vector.
  const Expr ls_per_dim = ls * ones_like(slice(omega, 0, Index{0}));
  return {static_cast<double>(dims), sum(log(ls_per_dim)),
          matmul(square(omega), square(ls_per_dim))};
}

Expr matern_psd(const char* kernel, double two_nu, double denominator, const Expr& omega,
                const Expr& ls) {
  const auto f = scale_frequencies(kernel, omega, ls);
  const double exponent = (f.dims + two_nu) / 2.0;
  const double log_constant = f.dims * std::log(2.0) + 0.5 * f.dims * std::log(std::numbers::pi) +
                              std::lgamma(exponent) + 0.5 * two_nu * std::log(two_nu) -
                              std::log(denominator);
  return exp(log_constant + f.log_prod_ls - exponent * log(two_nu + f.squared_norm));
}

}  // namespace

Expr exp_quad_psd(const Expr& omega, const Expr& ls) {
  const auto f = scale_frequencies("ExpQuad", omega, ls);
  const double log_constant = 0.5 * f.dims * std::log(2.0 * std::numbers::pi);
  return exp(log_constant + f.log_prod_ls - 0.5 * f.squared_norm);
}

Expr matern52_psd(const Expr& omega, const Expr& ls) {
  return matern_psd("Matern52", 5.0, 0.75 * std::sqrt(std::numbers::pi), omega, ls);
}

Expr matern32_psd(const Expr& omega, const Expr& ls) {
  return matern_psd("Matern32", 3.0, 0.5 * std::sqrt(std::numbers::pi), omega, ls);
}

}  // namespace hypatia::gp
