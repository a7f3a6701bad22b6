// Adaptive Dormand–Prince 4(5) Runge–Kutta (Dormand & Prince 1980; step control as in Hairer,
// Nørsett & Wanner, Solving ODEs I, II.4): the fifth-order solution is propagated, the embedded
// fourth-order one only estimates the error, and the last stage is f at the new point, so it is the
// next step's first stage.

#include <algorithm>
#include <cfloat>
#include <climits>
#include <cmath>
#include <cstring>
#include <utility>

#include "hypatia_ode.h"

namespace {

// Nodes, stage coefficients, fifth-order weights (the last stage row) and error weights
// e = b5 - b4 of the tableau. Stage 6 and stage 7 are both at t + h.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                 a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                 b6 = 11.0 / 84;
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                 e6 = 22.0 / 525, e7 = -1.0 / 40;

// Step-size control: the new step is h * safety * err^(-1/5), the factor kept within bounds (and
// at most 1 right after a rejection, so a rejected size is not immediately retried).
constexpr double kSafety = 0.9, kMinFactor = 0.2, kMaxFactor = 10.0;

// The solver's internal "give up" (steps exhausted or step size underflow); never returned.
constexpr int kGaveUp = INT_MIN;

bool all_finite(const double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return false;
  }
  return true;
}

class DormandPrince {
 public:
  DormandPrince(const hr_ode_problem& problem, hr_ode_rhs rhs, void* context, double* scratch)
      : problem_(problem), rhs_(rhs), context_(context) {
    const std::int64_t n = problem.states;
    for (int s = 0; s < 7; ++s) k_[s] = scratch + s * n;
    y_ = scratch + 7 * n;
    y_new_ = scratch + 8 * n;
    stage_ = scratch + 9 * n;
  }

  int solve(double t0, const double* y0, const double* times, double* states) {
    const std::int64_t n = problem_.states, count = problem_.times;
    if (!std::isfinite(t0) || !all_finite(times, count) || !all_finite(y0, n))
      return give_up(states);
    for (std::int64_t k = 0; k < count; ++k) {
      if (times[k] < (k == 0 ? t0 : times[k - 1])) return HR_ODE_TIMES_NOT_SORTED;
    }
    std::memcpy(y_, y0, sizeof(double) * static_cast<std::size_t>(n));
    t_ = t0;
    if (count > 0 && times[count - 1] > t0) {
      if (int status = start(times[count - 1] - t0); status != 0)
        return status == kGaveUp ? give_up(states) : status;
    }
    for (std::int64_t k = 0; k < count; ++k) {
      if (int status = advance_to(times[k]); status != 0)
        return status == kGaveUp ? give_up(states) : status;
      std::memcpy(states + k * n, y_, sizeof(double) * static_cast<std::size_t>(n));
    }
    return 0;
  }

 private:
  int f(double t, const double* y, double* dydt) { return rhs_(context_, t, y, dydt); }

  int give_up(double* states) const {
    std::fill(states, states + problem_.times * problem_.states, HR_NAN);
    return 0;
  }

  double scale(double y) const { return problem_.atol + problem_.rtol * std::abs(y); }

  // The first stage at the initial point and the initial step size (Hairer, Nørsett & Wanner,
  // II.4): a step whose explicit Euler error estimate is about 1 % of the tolerance, then a
  // fifth-order correction from the change of f over that trial step.
  int start(double span) {
    const std::int64_t n = problem_.states, controlled = problem_.controlled;
    double* f0 = k_[0];
    if (int status = f(t_, y_, f0); status != 0) return status;
    if (!all_finite(f0, n)) return kGaveUp;
    double d0 = 0.0, d1 = 0.0;
    for (std::int64_t i = 0; i < controlled; ++i) {
      d0 += (y_[i] / scale(y_[i])) * (y_[i] / scale(y_[i]));
      d1 += (f0[i] / scale(y_[i])) * (f0[i] / scale(y_[i]));
    }
    d0 = std::sqrt(d0 / static_cast<double>(controlled));
    d1 = std::sqrt(d1 / static_cast<double>(controlled));
    const double h0 = std::min(d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1, span);
    for (std::int64_t i = 0; i < n; ++i) stage_[i] = y_[i] + h0 * f0[i];
    double* f1 = k_[1];
    if (int status = f(t_ + h0, stage_, f1); status != 0) return status;
    double d2 = 0.0;
    for (std::int64_t i = 0; i < controlled; ++i) {
      const double change = (f1[i] - f0[i]) / scale(y_[i]);
      d2 += change * change;
    }
    d2 = std::sqrt(d2 / static_cast<double>(controlled)) / h0;
    const double larger = std::max(d1, d2);
    const double h1 =
        larger <= 1e-15 ? std::max(1e-6, h0 * 1e-3) : std::pow(0.01 / larger, 1.0 / 5.0);
    h_ = std::min(100.0 * h0, h1);
    if (!(h_ > 0.0) || !std::isfinite(h_)) h_ = h0;
    return 0;
  }

  // Stages 2 to 7 of a step of size h from (t_, y_), whose first stage k1 = f(t_, y_) is known:
  // y_new_ is the fifth-order solution and k7 = f(t_ + h, y_new_).
  int take_step(double h) {
    const std::int64_t n = problem_.states;
    const double *k1 = k_[0], *y = y_;
    double *k2 = k_[1], *k3 = k_[2], *k4 = k_[3], *k5 = k_[4], *k6 = k_[5], *k7 = k_[6];
    for (std::int64_t i = 0; i < n; ++i) stage_[i] = y[i] + h * (a21 * k1[i]);
    if (int status = f(t_ + c2 * h, stage_, k2); status != 0) return status;
    for (std::int64_t i = 0; i < n; ++i) stage_[i] = y[i] + h * (a31 * k1[i] + a32 * k2[i]);
    if (int status = f(t_ + c3 * h, stage_, k3); status != 0) return status;
    for (std::int64_t i = 0; i < n; ++i)
      stage_[i] = y[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    if (int status = f(t_ + c4 * h, stage_, k4); status != 0) return status;
    for (std::int64_t i = 0; i < n; ++i)
      stage_[i] = y[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    if (int status = f(t_ + c5 * h, stage_, k5); status != 0) return status;
    for (std::int64_t i = 0; i < n; ++i)
      stage_[i] = y[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    if (int status = f(t_ + h, stage_, k6); status != 0) return status;
    for (std::int64_t i = 0; i < n; ++i)
      y_new_[i] = y[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    return f(t_ + h, y_new_, k7);
  }

  // The root-mean-square of the error estimate over the controlled states, each relative to
  // atol + rtol * |y|; infinite when anything in the new state or its derivative is not finite.
  double error_norm(double h) const {
    const std::int64_t n = problem_.states, controlled = problem_.controlled;
    const double *k1 = k_[0], *k3 = k_[2], *k4 = k_[3], *k5 = k_[4], *k6 = k_[5], *k7 = k_[6];
    if (!all_finite(y_new_, n) || !all_finite(k7, n)) return HR_INF;
    double total = 0.0;
    for (std::int64_t i = 0; i < controlled; ++i) {
      const double error =
          h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      const double tolerance =
          problem_.atol + problem_.rtol * std::max(std::abs(y_[i]), std::abs(y_new_[i]));
      total += (error / tolerance) * (error / tolerance);
    }
    const double norm = std::sqrt(total / static_cast<double>(controlled));
    return std::isfinite(norm) ? norm : HR_INF;
  }

  static double step_factor(double error) {
    if (error == 0.0) return kMaxFactor;
    return std::clamp(kSafety * std::pow(error, -1.0 / 5.0), kMinFactor, kMaxFactor);
  }

  // Steps until t_ reaches `target` exactly: the step that would reach or pass it (or stop just
  // short of it) is shortened to end there.
  int advance_to(double target) {
    std::int64_t attempts = 0;
    while (t_ < target) {
      if (++attempts > problem_.max_num_steps) return kGaveUp;
      const double remaining = target - t_;
      const bool lands = h_ * 1.01 >= remaining;
      const double step = lands ? remaining : h_;
      // A step too small to move t: the solution is changing faster than doubles resolve.
      if (!lands && !(step > 16.0 * DBL_EPSILON * std::max(std::abs(t_), std::abs(target))))
        return kGaveUp;
      if (int status = take_step(step); status != 0) return status;
      const double error = error_norm(step);
      double factor = step_factor(error);
      if (error <= 1.0) {
        t_ = lands ? target : t_ + step;
        std::swap(y_, y_new_);
        std::swap(k_[0], k_[6]);
        if (rejected_) factor = std::min(factor, 1.0);
        // A step shortened to land on the target says little about the size to go on with.
        h_ = lands && factor >= 1.0 ? std::max(h_, step * factor) : step * factor;
        rejected_ = false;
      } else {
        h_ = step * std::min(factor, 1.0);
        rejected_ = true;
      }
    }
    return 0;
  }

  const hr_ode_problem& problem_;
  hr_ode_rhs rhs_;
  void* context_;
  double* k_[7];
  double* y_;
  double* y_new_;
  double* stage_;
  double t_ = 0.0;
  double h_ = 0.0;
  bool rejected_ = false;
};

}  // namespace

extern "C" int hr_ode_call_program(void* context, double t, const double* y, double* out) {
  const hr_callback& program = *static_cast<const hr_callback*>(context);
  program.inputs[0] = &t;
  program.inputs[1] = const_cast<double*>(y);
  program.outputs[0] = out;
  return program.function(program.inputs, program.outputs, program.constants, program.arena);
}

extern "C" int hr_ode_dopri5(const hr_ode_problem* problem, hr_ode_rhs rhs, void* context,
                             double t0, const double* y0, const double* times, double* states,
                             double* scratch) {
  return DormandPrince(*problem, rhs, context, scratch).solve(t0, y0, times, states);
}

extern "C" int hr_ode_dopri5_program(void* const* buffers, const std::int64_t* ints,
                                     const double* reals, const hr_callback* callbacks) {
  hr_ode_problem problem;
  problem.states = ints[0];
  problem.controlled = ints[1];
  problem.times = ints[2];
  problem.max_num_steps = ints[3];
  problem.rtol = reals[0];
  problem.atol = reals[1];
  const auto* y0 = static_cast<const double*>(buffers[0]);
  const double t0 = *static_cast<const double*>(buffers[1]);
  const auto* times = static_cast<const double*>(buffers[2]);
  auto* states = static_cast<double*>(buffers[3]);
  auto* scratch = static_cast<double*>(buffers[4]);
  return hr_ode_dopri5(&problem, hr_ode_call_program, const_cast<hr_callback*>(&callbacks[0]), t0,
                       y0, times, states, scratch);
}
