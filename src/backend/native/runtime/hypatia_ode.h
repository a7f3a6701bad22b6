#pragma once

// The ode_solve op's solver in the precompiled runtime library: adaptive Dormand–Prince 4(5)
// Runge–Kutta. The reference kernel (src/ops/ode.cpp, right-hand side run by the interpreter) and
// generated code (right-hand side compiled) call this same function, so both backends take the same
// steps and do the solver's arithmetic identically.
//
// Numerical failure is a value, never an error, so a sampler can reject the proposal: when the
// solver needs more than max_num_steps steps between two output times, when the step size
// underflows, or when the initial state, t0 or a time is not finite, every output state is NaN.

#include <cstdint>

#include "hypatia_runtime.h"

// dy/dt at (t, y) into `dydt`; a nonzero status is a failure the solver returns unchanged.
typedef int (*hr_ode_rhs)(void* context, double t, const double* y, double* dydt);

// An hr_ode_rhs that runs a generated program (context: its hr_callback): inputs 0 and 1 are t
// and y, output 0 the result (dy/dt, a Jacobian or an augmented system's derivative).
extern "C" int hr_ode_call_program(void* context, double t, const double* y, double* out);

struct hr_ode_problem {
  std::int64_t states = 0;         // N, the length of y
  std::int64_t controlled = 0;     // the leading states the error control looks at (<= N)
  std::int64_t times = 0;          // T, the number of output times
  std::int64_t max_num_steps = 0;  // attempted steps allowed between consecutive output times
  double rtol = 0.0;
  double atol = 0.0;
};

// The solver's own failure: the output times are not sorted, or one is before t0.
#define HR_ODE_TIMES_NOT_SORTED (-1)

// Scratch doubles the solver needs for `states` states.
inline std::int64_t hr_ode_scratch_size(std::int64_t states) {
  return 10 * states;
}

// Integrates from (t0, y0) to each of times[0..T-1] (non-decreasing, none before t0) and writes
// the states there to `states` (T x N, row-major). Steps end exactly at each output time.
// Returns 0 (numerical failure included), HR_ODE_TIMES_NOT_SORTED, or the right-hand side's
// failure status.
extern "C" int hr_ode_dopri5(const hr_ode_problem* problem, hr_ode_rhs rhs, void* context,
                             double t0, const double* y0, const double* times, double* states,
                             double* scratch);

// The entry generated code calls: buffers = y0 (N), t0 (), times (T), states (T, N), scratch
// (hr_ode_scratch_size(N)); ints = N, controlled, T, max_num_steps; reals = rtol, atol;
// callbacks[0] = the right-hand side program, inputs (t, y, parameters...) and output dy/dt (N),
// whose inputs 0 and 1 and output 0 this function points at its own data before each call.
extern "C" int hr_ode_dopri5_program(void* const* buffers, const std::int64_t* ints,
                                     const double* reals, const hr_callback* callbacks);

// ---- The stiff solver: SUNDIALS CVODES (BDF, Newton with a dense linear solver) -----------------
//
// The first `controlled` states are the system y (n of them); any states after them are forward
// sensitivities S = dy/dp, an (n, m) matrix flattened row-major, m = (states - n) / n, solved by
// CVODES' sensitivity module (staggered corrector, sensitivities under error control too, with
// tolerances scaled from rtol and atol). Failure is NaN as for hr_ode_dopri5: more than
// max_num_steps steps between two output times, repeated convergence or error test failures, a
// right-hand side or Jacobian that stays non-finite, or non-finite y0, t0 or times.
struct hr_ode_bdf_system {
  hr_ode_rhs rhs;  // dy/dt (n) at (t, y (n))
  void* rhs_context;
  hr_ode_rhs jacobian;  // df/dy (n x n, row-major) at (t, y (n))
  void* jacobian_context;
  hr_ode_rhs augmented;  // d[y, S]/dt at (t, [y, S]) (all states); used only with sensitivities
  void* augmented_context;
};

// As hr_ode_dopri5, with CVODES' BDF. CVODES' memory, matrices and linear solver are kept per
// thread and reused (CVodeReInit) by the next solve of the same size on that thread.
extern "C" int hr_ode_bdf(const hr_ode_problem* problem, const hr_ode_bdf_system* system, double t0,
                          const double* y0, const double* times, double* states);

// The entry generated code calls: buffers = y0 (N), t0 (), times (T), states (T, N); ints = N,
// controlled, T, max_num_steps; reals = rtol, atol; callbacks = the right-hand side, its Jacobian
// and (with sensitivities) the augmented right-hand side, each with inputs (t, y, parameters...)
// and one output, inputs 0 and 1 and output 0 pointed at the solver's data before each call.
extern "C" int hr_ode_bdf_program(void* const* buffers, const std::int64_t* ints,
                                  const double* reals, const hr_callback* callbacks);

// ---- Adjoint sensitivities (CVODES' adjoint module) ---------------------------------------------
//
// The vector-Jacobian product of a BDF solve: for a loss with cotangents a_k = dL/dy(times[k]),
// the adjoint lambda solves lambda' = -J_y^T lambda backwards from the last time, jumping by a_k at
// each output time, and mu' = -J_p^T lambda is integrated with it as a quadrature; then
// dL/dy0 = lambda(t0) and dL/dp = mu(t0). The forward solve keeps checkpoints (CVodeF, Hermite
// interpolation between them) for the backward one. Failure of either solve makes every entry of
// the gradient NaN; the problem's `states` and `controlled` are both n.
struct hr_ode_adjoint_system {
  hr_ode_rhs rhs;  // dy/dt (n) at (t, y (n))
  void* rhs_context;
  hr_ode_rhs jacobian;  // df/dy (n x n, row-major) at (t, y (n))
  void* jacobian_context;
  // [J_y^T lambda (n), J_p^T lambda (parameters)] at (t, [y, lambda] (2n))
  hr_ode_rhs vector_jacobian;
  void* vector_jacobian_context;
};

// Writes [dL/dy0 (n), dL/dp (parameters)] to `gradient` for cotangents (T x n, row-major).
// Returns 0 (numerical failure included), HR_ODE_TIMES_NOT_SORTED, or a callback's failure status.
extern "C" int hr_ode_bdf_adjoint(const hr_ode_problem* problem, std::int64_t parameters,
                                  const hr_ode_adjoint_system* system, double t0, const double* y0,
                                  const double* times, const double* cotangents, double* gradient);

// The entry generated code calls: buffers = y0 (n), t0 (), times (T), cotangents (T, n),
// gradient (n + parameters); ints = n, T, max_num_steps, parameters; reals = rtol, atol;
// callbacks = the right-hand side, its Jacobian and the vector-Jacobian product, as above.
extern "C" int hr_ode_bdf_adjoint_program(void* const* buffers, const std::int64_t* ints,
                                          const double* reals, const hr_callback* callbacks);
