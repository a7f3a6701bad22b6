// The ode_solve op's stiff solver: SUNDIALS CVODES, variable-order BDF with Newton iterations on a
// dense linear solver, forward sensitivities by CVODES' staggered corrector, and adjoint
// sensitivities by its adjoint module (checkpointed forward solve, backward solve with a
// quadrature for the parameters). The right-hand side, its Jacobian and the sensitivity or adjoint
// right-hand sides are compiled graphs (or the interpreter running them) that CVODES calls through
// hr_ode_rhs pointers.
//
// Creating CVODES' memory, matrices and linear solver costs about as much as a small solve, and a
// sampler solves the same system thousands of times, so they are kept in a per-thread cache keyed
// by the system's sizes and re-initialised (CVodeReInit and friends) for the next solve.

#include <cvodes/cvodes.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "hypatia_ode.h"

namespace {

bool all_finite(const double* values, std::int64_t count) {
  for (std::int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) return false;
  }
  return true;
}

std::size_t bytes(std::int64_t count) {
  return sizeof(double) * static_cast<std::size_t>(count);
}

// CVODES reports its failures through this handler; they become NaN results, so stay quiet.
void ignore_error(int, const char*, const char*, char*, void*) {}

// Steps between two checkpoints of the adjoint's forward solve (Stan's default): more keep less
// memory but recompute more of the forward solution during the backward one.
constexpr long kStepsBetweenCheckpoints = 150;

// ---- CVODES objects kept between solves ---------------------------------------------------------

// Everything CVODES allocates for one system: n states, with `columns` forward sensitivities, or
// with an adjoint (backward) problem whose quadrature has `parameters` entries.
struct Workspace {
  struct Key {
    std::int64_t states = 0, columns = 0, parameters = -1;  // parameters >= 0: adjoint
    bool operator==(const Key&) const = default;
  };

  explicit Workspace(Key key) : key(key) {}
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  ~Workspace() {
    if (sensitivities != nullptr)
      N_VDestroyVectorArray(sensitivities, static_cast<int>(key.columns));
    if (memory != nullptr) CVodeFree(&memory);  // frees the backward problem too
    for (SUNLinearSolver solver : {linear_solver, backward_solver})
      if (solver != nullptr) SUNLinSolFree(solver);
    for (SUNMatrix matrix : {matrix, backward_matrix})
      if (matrix != nullptr) SUNMatDestroy(matrix);
    for (N_Vector vector : {y, adjoint, quadrature})
      if (vector != nullptr) N_VDestroy(vector);
    if (context != nullptr) SUNContext_Free(&context);
  }

  const Key key;
  SUNContext context = nullptr;
  N_Vector y = nullptr;
  N_Vector* sensitivities = nullptr;
  SUNMatrix matrix = nullptr;
  SUNLinearSolver linear_solver = nullptr;
  void* memory = nullptr;
  bool ready = false;  // CVodeInit and the sensitivity or adjoint set-up done: re-initialise next
  int backward = -1;   // the backward problem's index
  N_Vector adjoint = nullptr, quadrature = nullptr;
  SUNMatrix backward_matrix = nullptr;
  SUNLinearSolver backward_solver = nullptr;
  bool backward_ready = false;
  bool in_use = false;
  // The solve using the workspace now. CVODES copies its user data pointer into the linear and
  // sensitivity modules when they are attached, so the user data is the workspace (which stays
  // put) and the callbacks find the current solve through it.
  void* solve = nullptr;
};

template <typename Solve>
Solve& current(void* workspace) {
  return *static_cast<Solve*>(static_cast<Workspace*>(workspace)->solve);
}

// A workspace of this thread's cache for the duration of one solve. Threads (chains) never share
// one, so no locking is needed; a nested solve of the same size (a right-hand side that solves an
// ODE) finds the outer one in use and gets its own. A workspace whose set-up failed is dropped.
class Lease {
 public:
  explicit Lease(Workspace::Key key) {
    auto& cache = workspaces();
    for (auto& entry : cache) {
      if (entry->key == key && !entry->in_use) {
        workspace_ = entry.get();
        break;
      }
    }
    if (workspace_ == nullptr) {
      // Bounded: a model has few distinct ODE sizes; evict the oldest idle one beyond that.
      constexpr std::size_t kMaxCached = 8;
      if (cache.size() >= kMaxCached) {
        auto idle = std::find_if(cache.begin(), cache.end(), [](auto& w) { return !w->in_use; });
        if (idle != cache.end()) cache.erase(idle);
      }
      cache.push_back(std::make_unique<Workspace>(key));
      workspace_ = cache.back().get();
    }
    workspace_->in_use = true;
  }

  ~Lease() {
    workspace_->in_use = false;
    if (workspace_->ready) return;
    auto& cache = workspaces();
    std::erase_if(cache, [&](auto& w) { return w.get() == workspace_; });
  }

  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  Workspace& operator*() const { return *workspace_; }

 private:
  static std::vector<std::unique_ptr<Workspace>>& workspaces() {
    thread_local std::vector<std::unique_ptr<Workspace>> cache;
    return cache;
  }

  Workspace* workspace_ = nullptr;
};

// CVODES' integrator memory (replacing any it had).
bool create_memory(Workspace& w) {
  if (w.memory != nullptr) CVodeFree(&w.memory);
  w.memory = CVodeCreate(CV_BDF, w.context);
  if (w.memory == nullptr) return false;
  CVodeSetErrHandlerFn(w.memory, ignore_error, nullptr);
  return CVodeSetUserData(w.memory, &w) == CV_SUCCESS;
}

// The context, state vector, dense matrix and linear solver, and BDF memory of a new workspace.
bool create(Workspace& w) {
  if (SUNContext_Create(nullptr, &w.context) != 0) return false;
  w.y = N_VNew_Serial(w.key.states, w.context);
  if (w.y == nullptr) return false;
  if (!create_memory(w)) return false;
  w.matrix = SUNDenseMatrix(w.key.states, w.key.states, w.context);
  if (w.matrix == nullptr) return false;
  w.linear_solver = SUNLinSol_Dense(w.y, w.matrix, w.context);
  return w.linear_solver != nullptr;
}

// Options every solve sets again (they are the node's, and a workspace serves several nodes).
bool set_options(Workspace& w, const hr_ode_problem& problem, void* solve, double last_time) {
  w.solve = solve;
  if (CVodeSStolerances(w.memory, problem.rtol, problem.atol) != CV_SUCCESS) return false;
  if (CVodeSetMaxNumSteps(w.memory, static_cast<long>(problem.max_num_steps)) != CV_SUCCESS)
    return false;
  // Never step past the last output time: the right-hand side need not be defined beyond it.
  return CVodeSetStopTime(w.memory, last_time) == CV_SUCCESS;
}

// Checks output times; fills in those at t0 (CVODES refuses a zero-length interval) and returns
// the index of the first later one, or HR_ODE_TIMES_NOT_SORTED as a negative value.
std::int64_t check_times(double t0, const double* times, std::int64_t count) {
  for (std::int64_t k = 0; k < count; ++k) {
    if (times[k] < (k == 0 ? t0 : times[k - 1])) return HR_ODE_TIMES_NOT_SORTED;
  }
  std::int64_t k = 0;
  while (k < count && times[k] == t0) ++k;
  return k;
}

// ---- Right-hand side callbacks shared by both solves --------------------------------------------

// The system's callbacks as CVODES sees them: a callback's own failure (an index out of range,
// ...) stops the solve and is reported; a non-finite value is a recoverable failure: CVODES
// retries with a smaller step, and if that keeps failing the solve gives up (NaN).
class Callbacks {
 public:
  Callbacks(std::int64_t n, hr_ode_rhs rhs, void* rhs_context, hr_ode_rhs jacobian,
            void* jacobian_context)
      : n_(n),
        rhs_(rhs),
        rhs_context_(rhs_context),
        jacobian_function_(jacobian),
        jacobian_context_(jacobian_context),
        jacobian_values_(static_cast<std::size_t>(n * n)) {}

  int status() const { return status_; }

 protected:
  int checked(int status, const double* values, std::int64_t count) {
    if (status != 0) {
      status_ = status;
      return -1;
    }
    return all_finite(values, count) ? 0 : 1;
  }

  int evaluate_rhs(double t, N_Vector y, N_Vector dydt) {
    double* out = N_VGetArrayPointer(dydt);
    return checked(rhs_(rhs_context_, t, N_VGetArrayPointer(y), out), out, n_);
  }

  // df/dy at (t, y) into `matrix`, negated and transposed for the adjoint's Newton iterations.
  int evaluate_jacobian(double t, N_Vector y, SUNMatrix matrix, bool adjoint) {
    double* values = jacobian_values_.data();
    const int status = jacobian_function_(jacobian_context_, t, N_VGetArrayPointer(y), values);
    if (const int result = checked(status, values, n_ * n_); result != 0) return result;
    for (std::int64_t i = 0; i < n_; ++i) {
      for (std::int64_t j = 0; j < n_; ++j)
        SM_ELEMENT_D(matrix, i, j) = adjoint ? -values[j * n_ + i] : values[i * n_ + j];
    }
    return 0;
  }

  const std::int64_t n_;

 private:
  hr_ode_rhs rhs_;
  void* rhs_context_;
  hr_ode_rhs jacobian_function_;
  void* jacobian_context_;
  std::vector<double> jacobian_values_;
  int status_ = 0;
};

// ---- Solve with forward sensitivities -----------------------------------------------------------

class ForwardSolve : Callbacks {
 public:
  ForwardSolve(const hr_ode_problem& problem, const hr_ode_bdf_system& system)
      : Callbacks(problem.controlled, system.rhs, system.rhs_context, system.jacobian,
                  system.jacobian_context),
        problem_(problem),
        system_(system),
        columns_(problem.states > problem.controlled
                     ? (problem.states - problem.controlled) / problem.controlled
                     : 0),
        augmented_(static_cast<std::size_t>(problem.states)),
        augmented_derivative_(static_cast<std::size_t>(problem.states)) {}

  int solve(double t0, const double* y0, const double* times, double* states) {
    const std::int64_t count = problem_.times, width = problem_.states;
    if (!std::isfinite(t0) || !all_finite(times, count) || !all_finite(y0, width))
      return give_up(states);
    std::int64_t k = check_times(t0, times, count);
    if (k < 0) return static_cast<int>(k);
    for (std::int64_t j = 0; j < k; ++j) std::memcpy(states + j * width, y0, bytes(width));
    if (k == count) return 0;
    Lease lease({n_, columns_, -1});
    Workspace& w = *lease;
    if (!set_up(w, t0, y0, times[count - 1])) return give_up(states);

    double reached = t0;
    for (; k < count; ++k) {
      if (times[k] > reached) {
        const int flag = CVode(w.memory, times[k], w.y, &reached, CV_NORMAL);
        if (status() != 0) return status();
        if (flag < 0) return give_up(states);
        if (columns_ > 0 && CVodeGetSens(w.memory, &reached, w.sensitivities) < 0)
          return give_up(states);
      }
      write_state(w, states + k * width);
    }
    return 0;
  }

 private:
  int give_up(double* states) const {
    std::fill(states, states + problem_.times * problem_.states, HR_NAN);
    return 0;
  }

  bool set_up(Workspace& w, double t0, const double* y0, double last_time) {
    if (!w.ready && !create(w)) return false;
    // A re-initialised sensitivity solve does not repeat a fresh one's steps exactly (some of
    // CVODES' sensitivity state survives CVodeSensReInit), and results must not depend on what a
    // thread solved before: with sensitivities only the integrator memory is made anew (the
    // context, vectors, matrix and linear solver are still reused).
    if (w.ready && columns_ > 0) {
      w.ready = false;
      if (!create_memory(w)) return false;
    }
    std::memcpy(N_VGetArrayPointer(w.y), y0, bytes(n_));
    if (w.ready) {
      if (CVodeReInit(w.memory, t0, w.y) != CV_SUCCESS) return false;
    } else {
      if (CVodeInit(w.memory, rhs, t0, w.y) != CV_SUCCESS) return false;
      if (CVodeSetLinearSolver(w.memory, w.linear_solver, w.matrix) != CV_SUCCESS) return false;
      if (CVodeSetJacFn(w.memory, jacobian) != CV_SUCCESS) return false;
    }
    if (!set_options(w, problem_, this, last_time)) return false;
    if (columns_ == 0) return w.ready = true;

    if (w.sensitivities == nullptr) {
      w.sensitivities = N_VCloneVectorArray(static_cast<int>(columns_), w.y);
      if (w.sensitivities == nullptr) return false;
    }
    // y0's tail holds S(t0), row-major (n, m): column j is the sensitivity vector j.
    for (std::int64_t j = 0; j < columns_; ++j) {
      double* column = N_VGetArrayPointer(w.sensitivities[j]);
      for (std::int64_t i = 0; i < n_; ++i) column[i] = y0[n_ + i * columns_ + j];
    }
    if (CVodeSensInit(w.memory, static_cast<int>(columns_), CV_STAGGERED, sensitivity_rhs,
                      w.sensitivities) != CV_SUCCESS)
      return false;
    // Sensitivity tolerances scaled from the state's, and the sensitivities under error control
    // too (as Stan's ode_bdf), so gradients are accurate to the tolerances.
    if (CVodeSensEEtolerances(w.memory) != CV_SUCCESS) return false;
    if (CVodeSetSensErrCon(w.memory, SUNTRUE) != CV_SUCCESS) return false;
    return w.ready = true;
  }

  void write_state(const Workspace& w, double* row) const {
    std::memcpy(row, N_VGetArrayPointer(w.y), bytes(n_));
    for (std::int64_t j = 0; j < columns_; ++j) {
      const double* column = N_VGetArrayPointer(w.sensitivities[j]);
      for (std::int64_t i = 0; i < n_; ++i) row[n_ + i * columns_ + j] = column[i];
    }
  }

  static int rhs(double t, N_Vector y, N_Vector dydt, void* data) {
    return current<ForwardSolve>(data).evaluate_rhs(t, y, dydt);
  }

  static int jacobian(double t, N_Vector y, N_Vector, SUNMatrix matrix, void* data, N_Vector,
                      N_Vector, N_Vector) {
    return current<ForwardSolve>(data).evaluate_jacobian(t, y, matrix, false);
  }

  // All sensitivity derivatives at once from the augmented right-hand side d[y, S]/dt.
  static int sensitivity_rhs(int columns, double t, N_Vector y, N_Vector, N_Vector* sensitivities,
                             N_Vector* derivatives, void* data, N_Vector, N_Vector) {
    auto& self = current<ForwardSolve>(data);
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
  const std::int64_t columns_;  // m, sensitivity columns after the states (0: none)
  std::vector<double> augmented_, augmented_derivative_;
};

// ---- Adjoint sensitivities ----------------------------------------------------------------------

class AdjointSolve : Callbacks {
 public:
  AdjointSolve(const hr_ode_problem& problem, std::int64_t parameters,
               const hr_ode_adjoint_system& system)
      : Callbacks(problem.states, system.rhs, system.rhs_context, system.jacobian,
                  system.jacobian_context),
        problem_(problem),
        system_(system),
        parameters_(parameters),
        point_(static_cast<std::size_t>(2 * n_)),
        products_(static_cast<std::size_t>(n_ + parameters)) {}

  int solve(double t0, const double* y0, const double* times, const double* cotangents,
            double* gradient) {
    const std::int64_t count = problem_.times;
    std::fill(gradient, gradient + n_ + parameters_, 0.0);
    if (!std::isfinite(t0) || !all_finite(times, count) || !all_finite(y0, n_) ||
        !all_finite(cotangents, count * n_))
      return give_up(gradient);
    const std::int64_t first = check_times(t0, times, count);
    if (first < 0) return static_cast<int>(first);
    // Outputs at t0 are y0 itself: their cotangents go straight to dL/dy0.
    for (std::int64_t k = 0; k < first; ++k) {
      for (std::int64_t i = 0; i < n_; ++i) gradient[i] += cotangents[k * n_ + i];
    }
    if (first == count) return 0;

    Lease lease({n_, 0, parameters_});
    Workspace& w = *lease;
    if (!set_up_forward(w, t0, y0, times[count - 1])) return give_up(gradient);
    double reached = t0;
    for (std::int64_t k = first; k < count; ++k) {
      if (times[k] <= reached) continue;
      int checkpoints = 0;
      const int flag = CVodeF(w.memory, times[k], w.y, &reached, CV_NORMAL, &checkpoints);
      if (status() != 0) return status();
      if (flag < 0) return give_up(gradient);
    }

    // Backwards from the last time: lambda jumps by each time's cotangent, then is carried to the
    // previous time; each interval restarts the backward problem from the jumped lambda, and its
    // quadrature from zero (their sum is dL/dp).
    std::vector<double> lambda(static_cast<std::size_t>(n_), 0.0);
    double current = times[count - 1];
    for (std::int64_t k = count - 1; k >= first - 1; --k) {
      const double target = k >= first ? times[k] : t0;
      if (target < current) {
        if (!integrate_backward(w, current, target, lambda.data(), gradient + n_))
          return status() != 0 ? status() : give_up(gradient);
        current = target;
      }
      if (k >= first) {
        for (std::int64_t i = 0; i < n_; ++i)
          lambda[static_cast<std::size_t>(i)] += cotangents[k * n_ + i];
      }
    }
    for (std::int64_t i = 0; i < n_; ++i) gradient[i] += lambda[static_cast<std::size_t>(i)];
    return 0;
  }

 private:
  int give_up(double* gradient) const {
    std::fill(gradient, gradient + n_ + parameters_, HR_NAN);
    return 0;
  }

  bool set_up_forward(Workspace& w, double t0, const double* y0, double last_time) {
    if (!w.ready && !create(w)) return false;
    std::memcpy(N_VGetArrayPointer(w.y), y0, bytes(n_));
    if (w.ready) {
      if (CVodeReInit(w.memory, t0, w.y) != CV_SUCCESS) return false;
      if (CVodeAdjReInit(w.memory) != CV_SUCCESS) return false;
    } else {
      if (CVodeInit(w.memory, rhs, t0, w.y) != CV_SUCCESS) return false;
      if (CVodeSetLinearSolver(w.memory, w.linear_solver, w.matrix) != CV_SUCCESS) return false;
      if (CVodeSetJacFn(w.memory, jacobian) != CV_SUCCESS) return false;
      if (CVodeAdjInit(w.memory, kStepsBetweenCheckpoints, CV_HERMITE) != CV_SUCCESS) return false;
    }
    if (!set_options(w, problem_, this, last_time)) return false;
    return w.ready = true;
  }

  // Carries lambda from `from` back to `to` and adds mu's increment over [to, from] to `mu`.
  bool integrate_backward(Workspace& w, double from, double to, double* lambda, double* mu) {
    if (!start_backward(w, from, lambda)) {
      w.ready = false;  // possibly half set up: drop the workspace
      return false;
    }
    if (CVodeB(w.memory, to, CV_NORMAL) < 0 || status() != 0) return false;
    double reached = 0.0;
    if (CVodeGetB(w.memory, w.backward, &reached, w.adjoint) < 0) return false;
    std::memcpy(lambda, N_VGetArrayPointer(w.adjoint), bytes(n_));
    if (parameters_ > 0) {
      if (CVodeGetQuadB(w.memory, w.backward, &reached, w.quadrature) < 0) return false;
      const double* increment = N_VGetArrayPointer(w.quadrature);
      for (std::int64_t j = 0; j < parameters_; ++j) mu[j] += increment[j];
    }
    return all_finite(lambda, n_);
  }

  bool start_backward(Workspace& w, double from, const double* lambda) {
    if (w.adjoint == nullptr) {
      w.adjoint = N_VNew_Serial(n_, w.context);
      // A zero-length vector is not a valid N_Vector for CVODES: no quadrature without parameters.
      if (parameters_ > 0) w.quadrature = N_VNew_Serial(parameters_, w.context);
      if (w.adjoint == nullptr || (parameters_ > 0 && w.quadrature == nullptr)) return false;
    }
    std::memcpy(N_VGetArrayPointer(w.adjoint), lambda, bytes(n_));
    if (parameters_ > 0) N_VConst(0.0, w.quadrature);
    if (w.backward_ready) {
      if (CVodeReInitB(w.memory, w.backward, from, w.adjoint) != CV_SUCCESS) return false;
      if (parameters_ > 0 && CVodeQuadReInitB(w.memory, w.backward, w.quadrature) != CV_SUCCESS)
        return false;
    } else {
      if (CVodeCreateB(w.memory, CV_BDF, &w.backward) != CV_SUCCESS) return false;
      if (CVodeInitB(w.memory, w.backward, backward_rhs, from, w.adjoint) != CV_SUCCESS)
        return false;
      if (CVodeSetUserDataB(w.memory, w.backward, &w) != CV_SUCCESS) return false;
      w.backward_matrix = SUNDenseMatrix(n_, n_, w.context);
      if (w.backward_matrix == nullptr) return false;
      w.backward_solver = SUNLinSol_Dense(w.adjoint, w.backward_matrix, w.context);
      if (w.backward_solver == nullptr) return false;
      if (CVodeSetLinearSolverB(w.memory, w.backward, w.backward_solver, w.backward_matrix) !=
          CV_SUCCESS)
        return false;
      if (CVodeSetJacFnB(w.memory, w.backward, backward_jacobian) != CV_SUCCESS) return false;
      if (parameters_ > 0) {
        if (CVodeQuadInitB(w.memory, w.backward, quadrature_rhs, w.quadrature) != CV_SUCCESS)
          return false;
        if (CVodeSetQuadErrConB(w.memory, w.backward, SUNTRUE) != CV_SUCCESS) return false;
      }
      w.backward_ready = true;
    }
    if (CVodeSStolerancesB(w.memory, w.backward, problem_.rtol, problem_.atol) != CV_SUCCESS)
      return false;
    if (parameters_ > 0 &&
        CVodeQuadSStolerancesB(w.memory, w.backward, problem_.rtol, problem_.atol) != CV_SUCCESS)
      return false;
    return CVodeSetMaxNumStepsB(w.memory, w.backward, static_cast<long>(problem_.max_num_steps)) ==
           CV_SUCCESS;
  }

  // [J_y^T lambda, J_p^T lambda] at (t, y, lambda); CVODES asks for the adjoint's and the
  // quadrature's derivatives at the same point after each step, so the last one is kept.
  int products_at(double t, N_Vector y, N_Vector lambda) {
    double* point = point_.data();
    const double* y_values = N_VGetArrayPointer(y);
    const double* lambda_values = N_VGetArrayPointer(lambda);
    if (products_valid_ && t == products_time_ && std::memcmp(point, y_values, bytes(n_)) == 0 &&
        std::memcmp(point + n_, lambda_values, bytes(n_)) == 0)
      return 0;
    std::memcpy(point, y_values, bytes(n_));
    std::memcpy(point + n_, lambda_values, bytes(n_));
    double* out = products_.data();
    const int status = system_.vector_jacobian(system_.vector_jacobian_context, t, point, out);
    const int result = checked(status, out, n_ + parameters_);
    products_valid_ = result == 0;
    products_time_ = t;
    return result;
  }

  static int rhs(double t, N_Vector y, N_Vector dydt, void* data) {
    return current<AdjointSolve>(data).evaluate_rhs(t, y, dydt);
  }

  static int jacobian(double t, N_Vector y, N_Vector, SUNMatrix matrix, void* data, N_Vector,
                      N_Vector, N_Vector) {
    return current<AdjointSolve>(data).evaluate_jacobian(t, y, matrix, false);
  }

  // lambda' = -J_y^T lambda.
  static int backward_rhs(double t, N_Vector y, N_Vector lambda, N_Vector derivative, void* data) {
    auto& self = current<AdjointSolve>(data);
    if (const int result = self.products_at(t, y, lambda); result != 0) return result;
    double* out = N_VGetArrayPointer(derivative);
    for (std::int64_t i = 0; i < self.n_; ++i)
      out[i] = -self.products_[static_cast<std::size_t>(i)];
    return 0;
  }

  // mu' = -J_p^T lambda.
  static int quadrature_rhs(double t, N_Vector y, N_Vector lambda, N_Vector derivative,
                            void* data) {
    auto& self = current<AdjointSolve>(data);
    if (const int result = self.products_at(t, y, lambda); result != 0) return result;
    double* out = N_VGetArrayPointer(derivative);
    for (std::int64_t j = 0; j < self.parameters_; ++j)
      out[j] = -self.products_[static_cast<std::size_t>(self.n_ + j)];
    return 0;
  }

  // d(lambda')/d(lambda) = -J_y^T.
  static int backward_jacobian(double t, N_Vector y, N_Vector, N_Vector, SUNMatrix matrix,
                               void* data, N_Vector, N_Vector, N_Vector) {
    return current<AdjointSolve>(data).evaluate_jacobian(t, y, matrix, true);
  }

  const hr_ode_problem& problem_;
  const hr_ode_adjoint_system& system_;
  const std::int64_t parameters_;
  std::vector<double> point_, products_;
  bool products_valid_ = false;
  double products_time_ = 0.0;
};

hr_ode_problem problem_from(const std::int64_t* ints, const double* reals) {
  hr_ode_problem problem;
  problem.states = ints[0];
  problem.controlled = ints[1];
  problem.times = ints[2];
  problem.max_num_steps = ints[3];
  problem.rtol = reals[0];
  problem.atol = reals[1];
  return problem;
}

}  // namespace

extern "C" int hr_ode_bdf(const hr_ode_problem* problem, const hr_ode_bdf_system* system, double t0,
                          const double* y0, const double* times, double* states) {
  return ForwardSolve(*problem, *system).solve(t0, y0, times, states);
}

extern "C" int hr_ode_bdf_program(void* const* buffers, const std::int64_t* ints,
                                  const double* reals, const hr_callback* callbacks) {
  const hr_ode_problem problem = problem_from(ints, reals);
  auto* programs = const_cast<hr_callback*>(callbacks);
  const hr_ode_bdf_system system{hr_ode_call_program, &programs[0],        hr_ode_call_program,
                                 &programs[1],        hr_ode_call_program, &programs[2]};
  return hr_ode_bdf(&problem, &system, *static_cast<const double*>(buffers[1]),
                    static_cast<const double*>(buffers[0]), static_cast<const double*>(buffers[2]),
                    static_cast<double*>(buffers[3]));
}

extern "C" int hr_ode_bdf_adjoint(const hr_ode_problem* problem, std::int64_t parameters,
                                  const hr_ode_adjoint_system* system, double t0, const double* y0,
                                  const double* times, const double* cotangents, double* gradient) {
  return AdjointSolve(*problem, parameters, *system).solve(t0, y0, times, cotangents, gradient);
}

extern "C" int hr_ode_bdf_adjoint_program(void* const* buffers, const std::int64_t* ints,
                                          const double* reals, const hr_callback* callbacks) {
  const std::int64_t n_times_steps[4] = {ints[0], ints[0], ints[1], ints[2]};
  const hr_ode_problem problem = problem_from(n_times_steps, reals);
  auto* programs = const_cast<hr_callback*>(callbacks);
  const hr_ode_adjoint_system system{hr_ode_call_program, &programs[0],        hr_ode_call_program,
                                     &programs[1],        hr_ode_call_program, &programs[2]};
  return hr_ode_bdf_adjoint(
      &problem, ints[3], &system, *static_cast<const double*>(buffers[1]),
      static_cast<const double*>(buffers[0]), static_cast<const double*>(buffers[2]),
      static_cast<const double*>(buffers[3]), static_cast<double*>(buffers[4]));
}
