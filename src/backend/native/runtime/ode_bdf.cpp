// The ode_solve op's stiff solver: SUNDIALS CVODES, variable-order BDF with Newton iterations on a
// dense linear solver, and forward sensitivities by CVODES' staggered corrector. The right-hand
// side, its Jacobian and the sensitivity right-hand side are compiled graphs (or the interpreter
// running them) that CVODES calls through the hr_ode_rhs pointers of hr_ode_bdf_system.

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "hypatia_ode.h"

namespace {

bool all_finite(const double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return false;
  }
  return true;
}

// CVODES reports its failures through this handler; they become NaN results, so stay quiet.
void ignore_error(int, const char*, const char*, char*, void*) {}

// Owns the CVODES objects of one solve, released in the order SUNDIALS wants.
class CvodesSolve {
 public:
  CvodesSolve(const hr_ode_problem& problem, const hr_ode_bdf_system& system)
      : problem_(problem),
        system_(system),
        n_(problem.controlled),
        columns_(problem.states > problem.controlled
                     ? (problem.states - problem.controlled) / problem.controlled
                     : 0),
        augmented_(static_cast<std::size_t>(problem.states)),
        augmented_derivative_(static_cast<std::size_t>(problem.states)),
        jacobian_(static_cast<std::size_t>(n_ * n_)) {}

  ~CvodesSolve() {
    if (sensitivities_ != nullptr)
      N_VDestroyVectorArray(sensitivities_, static_cast<int>(columns_));
    if (memory_ != nullptr) CVodeFree(&memory_);
    if (linear_solver_ != nullptr) SUNLinSolFree(linear_solver_);
    if (matrix_ != nullptr) SUNMatDestroy(matrix_);
    if (y_ != nullptr) N_VDestroy(y_);
    if (context_ != nullptr) SUNContext_Free(&context_);
  }

  int solve(double t0, const double* y0, const double* times, double* states) {
    const std::int64_t count = problem_.times, width = problem_.states;
    if (!std::isfinite(t0) || !all_finite(times, count) || !all_finite(y0, width))
      return give_up(states);
    for (std::int64_t k = 0; k < count; ++k) {
      if (times[k] < (k == 0 ? t0 : times[k - 1])) return HR_ODE_TIMES_NOT_SORTED;
    }
    // Output times at t0 need no integration (CVODES refuses a zero-length interval).
    std::int64_t k = 0;
    for (; k < count && times[k] == t0; ++k) std::memcpy(states + k * width, y0, bytes(width));
    if (k == count) return 0;
    if (!set_up(t0, y0, times[count - 1])) return give_up(states);

    double reached = t0;
    for (; k < count; ++k) {
      if (times[k] > reached) {
        const int flag = CVode(memory_, times[k], y_, &reached, CV_NORMAL);
        if (callback_status_ != 0) return callback_status_;
        if (flag < 0) return give_up(states);
        if (columns_ > 0 && CVodeGetSens(memory_, &reached, sensitivities_) < 0)
          return give_up(states);
      }
      write_state(states + k * width);
    }
    return 0;
  }

 private:
  static std::size_t bytes(std::int64_t count) {
    return sizeof(double) * static_cast<std::size_t>(count);
  }

  int give_up(double* states) const {
    std::fill(states, states + problem_.times * problem_.states, HR_NAN);
    return 0;
  }

  bool set_up(double t0, const double* y0, double last_time) {
    if (SUNContext_Create(nullptr, &context_) != 0) return false;
    y_ = N_VNew_Serial(n_, context_);
    if (y_ == nullptr) return false;
    std::memcpy(N_VGetArrayPointer(y_), y0, bytes(n_));
    memory_ = CVodeCreate(CV_BDF, context_);
    if (memory_ == nullptr) return false;
    CVodeSetErrHandlerFn(memory_, ignore_error, nullptr);
    if (CVodeInit(memory_, rhs, t0, y_) != CV_SUCCESS) return false;
    if (CVodeSetUserData(memory_, this) != CV_SUCCESS) return false;
    if (CVodeSStolerances(memory_, problem_.rtol, problem_.atol) != CV_SUCCESS) return false;
    if (CVodeSetMaxNumSteps(memory_, static_cast<long>(problem_.max_num_steps)) != CV_SUCCESS)
      return false;
    // Never step past the last output time: the right-hand side need not be defined beyond it.
    if (CVodeSetStopTime(memory_, last_time) != CV_SUCCESS) return false;
    matrix_ = SUNDenseMatrix(n_, n_, context_);
    if (matrix_ == nullptr) return false;
    linear_solver_ = SUNLinSol_Dense(y_, matrix_, context_);
    if (linear_solver_ == nullptr) return false;
    if (CVodeSetLinearSolver(memory_, linear_solver_, matrix_) != CV_SUCCESS) return false;
    if (CVodeSetJacFn(memory_, jacobian) != CV_SUCCESS) return false;
    if (columns_ == 0) return true;

    sensitivities_ = N_VCloneVectorArray(static_cast<int>(columns_), y_);
    if (sensitivities_ == nullptr) return false;
    // y0's tail holds S(t0), row-major (n, m): column j is the sensitivity vector j.
    for (std::int64_t j = 0; j < columns_; ++j) {
      double* column = N_VGetArrayPointer(sensitivities_[j]);
      for (std::int64_t i = 0; i < n_; ++i) column[i] = y0[n_ + i * columns_ + j];
    }
    if (CVodeSensInit(memory_, static_cast<int>(columns_), CV_STAGGERED, sensitivity_rhs,
                      sensitivities_) != CV_SUCCESS)
      return false;
    // Sensitivity tolerances scaled from the state's, and the sensitivities under error control
    // too (as Stan's ode_bdf), so gradients are accurate to the tolerances.
    if (CVodeSensEEtolerances(memory_) != CV_SUCCESS) return false;
    return CVodeSetSensErrCon(memory_, SUNTRUE) == CV_SUCCESS;
  }

  void write_state(double* row) const {
    std::memcpy(row, N_VGetArrayPointer(y_), bytes(n_));
    for (std::int64_t j = 0; j < columns_; ++j) {
      const double* column = N_VGetArrayPointer(sensitivities_[j]);
      for (std::int64_t i = 0; i < n_; ++i) row[n_ + i * columns_ + j] = column[i];
    }
  }

  // A callback's own failure (an index out of range, ...) stops the solve and is reported; a
  // non-finite value is a recoverable failure: CVODES retries with a smaller step, and if that
  // keeps failing the solve gives up (NaN).
  int checked(int status, const double* values, std::int64_t count) {
    if (status != 0) {
      callback_status_ = status;
      return -1;
    }
    return all_finite(values, count) ? 0 : 1;
  }

  static int rhs(double t, N_Vector y, N_Vector dydt, void* data) {
    auto& self = *static_cast<CvodesSolve*>(data);
    double* out = N_VGetArrayPointer(dydt);
    const int status = self.system_.rhs(self.system_.rhs_context, t, N_VGetArrayPointer(y), out);
    return self.checked(status, out, self.n_);
  }

  static int jacobian(double t, N_Vector y, N_Vector, SUNMatrix matrix, void* data, N_Vector,
                      N_Vector, N_Vector) {
    auto& self = *static_cast<CvodesSolve*>(data);
    const std::int64_t n = self.n_;
    double* values = self.jacobian_.data();
    const int status =
        self.system_.jacobian(self.system_.jacobian_context, t, N_VGetArrayPointer(y), values);
    if (const int checked = self.checked(status, values, n * n); checked != 0) return checked;
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) SM_ELEMENT_D(matrix, i, j) = values[i * n + j];
    }
    return 0;
  }

  // All sensitivity derivatives at once from the augmented right-hand side d[y, S]/dt.
  static int sensitivity_rhs(int columns, double t, N_Vector y, N_Vector, N_Vector* sensitivities,
                             N_Vector* derivatives, void* data, N_Vector, N_Vector) {
    auto& self = *static_cast<CvodesSolve*>(data);
    const std::int64_t n = self.n_, m = columns;
    double* z = self.augmented_.data();
    std::memcpy(z, N_VGetArrayPointer(y), bytes(n));
    for (std::int64_t j = 0; j < m; ++j) {
      const double* column = N_VGetArrayPointer(sensitivities[j]);
      for (std::int64_t i = 0; i < n; ++i) z[n + i * m + j] = column[i];
    }
    double* dz = self.augmented_derivative_.data();
    const int status = self.system_.augmented(self.system_.augmented_context, t, z, dz);
    if (const int checked = self.checked(status, dz + n, n * m); checked != 0) return checked;
    for (std::int64_t j = 0; j < m; ++j) {
      double* column = N_VGetArrayPointer(derivatives[j]);
      for (std::int64_t i = 0; i < n; ++i) column[i] = dz[n + i * m + j];
    }
    return 0;
  }

  const hr_ode_problem& problem_;
  const hr_ode_bdf_system& system_;
  const std::int64_t n_;        // the states proper (the controlled ones)
  const std::int64_t columns_;  // m, sensitivity columns after them (0: no sensitivities)
  std::vector<double> augmented_, augmented_derivative_, jacobian_;
  SUNContext context_ = nullptr;
  N_Vector y_ = nullptr;
  N_Vector* sensitivities_ = nullptr;
  SUNMatrix matrix_ = nullptr;
  SUNLinearSolver linear_solver_ = nullptr;
  void* memory_ = nullptr;
  int callback_status_ = 0;
};

}  // namespace

extern "C" int hr_ode_bdf(const hr_ode_problem* problem, const hr_ode_bdf_system* system, double t0,
                          const double* y0, const double* times, double* states) {
  return CvodesSolve(*problem, *system).solve(t0, y0, times, states);
}

extern "C" int hr_ode_bdf_program(void* const* buffers, const std::int64_t* ints,
                                  const double* reals, const hr_callback* callbacks) {
  hr_ode_problem problem;
  problem.states = ints[0];
  problem.controlled = ints[1];
  problem.times = ints[2];
  problem.max_num_steps = ints[3];
  problem.rtol = reals[0];
  problem.atol = reals[1];
  auto* programs = const_cast<hr_callback*>(callbacks);
  const hr_ode_bdf_system system{hr_ode_call_program, &programs[0],        hr_ode_call_program,
                                 &programs[1],        hr_ode_call_program, &programs[2]};
  return hr_ode_bdf(&problem, &system, *static_cast<const double*>(buffers[1]),
                    static_cast<const double*>(buffers[0]), static_cast<const double*>(buffers[2]),
                    static_cast<double*>(buffers[3]));
}
