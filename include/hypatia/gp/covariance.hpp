#pragma once

#include <optional>

#include "hypatia/expr.hpp"

namespace hypatia::gp {

// Covariance functions of Gaussian processes, as graph builders: each returns the covariance
// matrix (or its diagonal) as ordinary graph ops, so gradients with respect to the hyperparameters
// and the inputs come from the ops' own gradient rules and the whole matrix is compiled with the
// model. The formulas and constants are PyMC's (pymc.gp.cov), so a kernel gives the same matrix in
// both systems.
//
// Inputs x (n, d) and xs (m, d) are already restricted to the kernel's active dimensions; without
// xs the kernel is evaluated between x and itself. A length scale `ls` is a scalar or a (d,)
// vector. Shapes that do not fit are ShapeErrors naming the argument.

// Pairwise squared distances of x / ls and xs / ls, clipped at 0 (the expansion
// |a|^2 + |b|^2 - 2 a.b can round below zero).
Expr scaled_square_distance(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);
// sqrt(r2 + 1e-12): the distance with PyMC's offset, which keeps the gradient finite where two
// inputs coincide.
Expr offset_distance(const Expr& square_distance);

// Stationary kernels, functions of the scaled distance r (r2 its square).
Expr exp_quad(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);  // exp(-r2/2)
Expr matern52(const Expr& x, const std::optional<Expr>& xs,
              const Expr& ls);  // (1+√5r+5r²/3)e^{-√5r}
Expr matern32(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);  // (1+√3r)e^{-√3r}
Expr matern12(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);  // exp(-r)
Expr exponential(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);  // exp(-r/2)
Expr cosine(const Expr& x, const std::optional<Expr>& xs, const Expr& ls);       // cos(2 pi r)
// (1 + r2 / (2 alpha))^-alpha
Expr rat_quad(const Expr& x, const std::optional<Expr>& xs, const Expr& ls, const Expr& alpha);
// exp(-1/2 sum_k (sin(pi (x_k - xs_k) / period) / ls_k)^2)
Expr periodic(const Expr& x, const std::optional<Expr>& xs, const Expr& ls, const Expr& period);
// The diagonal of any of the stationary kernels above: ones, one per row of x.
Expr stationary_diag(const Expr& x);

// Dot-product kernels: (x - c)(xs - c)^T, and (that + offset)^degree.
Expr linear(const Expr& x, const std::optional<Expr>& xs, const Expr& c);
Expr linear_diag(const Expr& x, const Expr& c);
Expr polynomial(const Expr& x, const std::optional<Expr>& xs, const Expr& c, const Expr& degree,
                const Expr& offset);
Expr polynomial_diag(const Expr& x, const Expr& c, const Expr& degree, const Expr& offset);

// Kernels that ignore the inputs' values: sigma^2 I between x and itself (zeros between x and a
// different xs), and c everywhere.
Expr white_noise(const Expr& x, const std::optional<Expr>& xs, const Expr& sigma);
Expr white_noise_diag(const Expr& x, const Expr& sigma);
Expr constant(const Expr& x, const std::optional<Expr>& xs, const Expr& c);
Expr constant_diag(const Expr& x, const Expr& c);

// Power spectral densities S(omega) of the stationary kernels with unit variance, at the rows of
// omega (m, d), for the Hilbert-space approximation (HSGP). The normalisation is PyMC's.
Expr exp_quad_psd(const Expr& omega, const Expr& ls);
Expr matern52_psd(const Expr& omega, const Expr& ls);
Expr matern32_psd(const Expr& omega, const Expr& ls);

}  // namespace hypatia::gp
