#pragma once

#include <cstdint>
#include <functional>

#include "hypatia/expr.hpp"

namespace hypatia {

// The right-hand side f of dy/dt = f(t, y, theta), called once with placeholders (t a float64
// scalar, y shaped like the initial state, theta like the parameters) to build its graph; it
// returns dy/dt shaped like y. It may use outer nodes (a closure): those are computed once per
// solve, outside the right-hand side, and receive gradients like theta.
using OdeRhs = std::function<Expr(const Expr& t, const Expr& y, const Expr& theta)>;

// rk45: adaptive Dormand–Prince 4(5), for non-stiff problems. bdf: SUNDIALS CVODES' variable-order
// BDF with Newton iterations on the right-hand side's Jacobian (a compiled graph too), for stiff
// problems (as Stan's ode_bdf and scipy's solve_ivp(method="BDF")).
enum class OdeMethod { rk45, bdf };

// How gradients are computed. forward: the sensitivities dy/d(y0, theta) are solved with the
// states (n (1 + n + P) equations for P parameter elements), cheap for few parameters. adjoint
// (bdf only): CVODES' adjoint method, one forward solve with checkpoints and one backward solve of
// n + P equations whose right-hand side is a single vector-Jacobian product, cheap for many
// parameters and few states.
enum class OdeSensitivity { forward, adjoint };

// Tolerance and step defaults as Stan's ode_rk45 (for both methods).
struct OdeOptions {
  double rtol = 1e-6;
  double atol = 1e-6;
  // Attempted steps allowed between two consecutive output times (as Stan counts them).
  std::int64_t max_num_steps = 1'000'000;
  OdeMethod method = OdeMethod::rk45;
  OdeSensitivity sensitivity = OdeSensitivity::forward;
};

// The solution of dy/dt = f(t, y, theta), y(t0) = y0, at each of `times`: a (T, n) float64 tensor
// whose row k is y(times[k]). y0 is a vector (n,) and theta a tensor of any shape (both with
// static shapes), t0 a scalar and times a non-decreasing vector (T,) with no time before t0;
// integer values are converted to float64.
//
// Adaptive Dormand–Prince 4(5) Runge–Kutta with error control on y (per component
// atol + rtol * |y|), stepping exactly to each output time.
//
// Numerical failure is a value, never an error, so a sampler rejects the proposal instead of
// stopping: when the solver needs more than max_num_steps steps between two output times, when its
// step size underflows, or when y0, t0, a time or the solution is not finite, every entry of the
// result is NaN. Times out of order are a run-time error (they are a mistake in the model's data).
//
// Differentiable with respect to y0, theta, the closed-over nodes, t0 and times. Gradients with
// respect to y0 and the parameters come from forward sensitivities: the system is augmented with
// dS/dt = J_y S + J_theta (Jacobians of the right-hand side graph, built symbolically) and solved
// by the same solver with the error control still on y alone, so it takes exactly the steps of the
// plain solve: its states are the same numbers, and its sensitivities are the exact derivatives of
// that discrete solution for those steps. That augmented solve is itself an ode_solve, so second
// derivatives work too. The gradient with respect to times[k] is f(times[k], y_k, theta), and with
// respect to t0 it is -(dL/dy0) . f(t0, y0, theta).
//
// With OdeMethod::bdf, CVODES integrates with its own step and order control (error control on y,
// per component atol + rtol * |y|), stops at the last output time and interpolates to the others.
// It gives up (NaN, as above) after max_num_steps steps between two output times or on repeated
// error test or Newton convergence failures. Gradients come from CVODES' forward sensitivity
// module (staggered corrector) on the same augmented system, with the sensitivities under error
// control as well (tolerances scaled from rtol and atol, as Stan's ode_bdf): they are accurate to
// the tolerances rather than the exact derivatives of the discrete solution. Second derivatives
// are not available with bdf (asking for them is an error).
//
// With OdeSensitivity::adjoint (bdf only), the gradient is a vector-Jacobian product computed by
// CVODES' adjoint module instead: for cotangents a_k = dL/dy(times[k]), the adjoint lambda solves
// lambda' = -J_y^T lambda backwards from the last time, jumping by a_k at each output time, with
// mu' = -J_theta^T lambda integrated beside it as a quadrature; dL/dy0 = lambda(t0) and
// dL/dtheta = mu(t0). The forward solve keeps checkpoints every 150 steps and interpolates between
// them (Hermite); the backward solve uses the same rtol, atol and max_num_steps (for the adjoint
// and the quadrature, both under error control). J^T lambda is one reverse-mode gradient graph of
// the right-hand side, compiled like it. Failure of either solve makes the gradient NaN.
Expr ode_solve(const OdeRhs& rhs, const Expr& y0, const Expr& t0, const Expr& times,
               const Expr& theta, const OdeOptions& options = {});

}  // namespace hypatia
