#pragma once

// The mode of a model's log density (maximum a posteriori), found by L-BFGS (LBFGSpp) on the
// flat unconstrained vector with the compiled log density and gradient.
//
// Without the Jacobian (the default, as PyMC's find_MAP and Stan's optimize) the objective is the
// free variables' log densities without the transforms' log-Jacobian terms, so its maximum is the
// mode of the posterior over the constrained values; with it, the mode of the density over the
// unconstrained vector (what NUTS samples). A Gamma(a, b) prior alone has its mode at (a - 1) / b
// without and at a / b with the Jacobian of the log transform.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

struct MapOptions {
  // Constrained starting values by free-variable name; variables not named start where the
  // model's initial point has them (zero on the unconstrained scale).
  Point start = {};
  // When not empty: the whole starting point on the unconstrained scale (layout().dim values);
  // `start` must then be empty.
  std::vector<double> unconstrained_start = {};
  // Free variables to optimize; the others stay at their starting values. Empty: all.
  std::vector<std::string> variables = {};
  bool jacobian = false;
  std::int64_t max_evaluations = 5000;  // log density + gradient evaluations
  std::int64_t max_iterations = 0;      // L-BFGS iterations; 0: limited by evaluations only
  // Converged when the gradient's Euclidean norm is at most this...
  double gradient_tolerance = 1e-8;
  // ...or when one iteration changes the log density by at most this times max(|logp|, 1).
  double relative_tolerance = 1e-12;
  int history = 6;  // correction pairs L-BFGS keeps
  Backend backend = default_backend();
};

enum class MapStatus {
  converged_gradient,   // the gradient norm reached gradient_tolerance
  converged_objective,  // the log density stopped changing (relative_tolerance)
  max_iterations,
  max_evaluations,
  line_search_failed,  // no step along the search direction increased the log density
  nonfinite_gradient,  // the best point's gradient is not finite (a scale ran off to 0 or inf)
};

struct MapResult {
  std::vector<double> unconstrained;  // the optimum, all layout().dim coordinates
  Point values;                       // free variables (constrained) and deterministics by name
  double logp = 0.0;                  // the objective (with or without the Jacobian) there
  std::vector<double> gradient;       // d objective / d unconstrained there (all coordinates)
  double gradient_norm = 0.0;         // over the optimized coordinates
  std::int64_t iterations = 0;
  std::int64_t evaluations = 0;
  bool converged = false;
  MapStatus status = MapStatus::converged_gradient;
  std::string message;  // why it stopped, with the last gradient norm
};

std::string_view map_status_name(MapStatus status);

// Throws hypatia::Error for a model without continuous free variables, discrete free variables,
// unknown names in options.start or options.variables, a start of the wrong shape, bad options,
// and a start where the log density or its gradient is not finite (naming the variables whose
// terms are not finite there). Not converging is not an error: see MapResult::converged.
MapResult find_map(const Model& model, const MapOptions& options = {});

}  // namespace hypatia
