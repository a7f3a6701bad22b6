#pragma once

// The Laplace approximation: a Gaussian on the flat unconstrained vector centred at the mode of
// the log density, with the inverse of the negative Hessian there as its covariance. The mode
// comes from find_map, the Hessian from dim compiled Hessian-vector products
// (HessianVectorProduct), and the draws from the Gaussian are mapped to the constrained values (and
// deterministics) by the compiled model's constrain function, as sampler draws are.
//
// By default (`jacobian` true, as pymc-extras' fit_laplace, whose objective is PyMC's
// model.logp() with its default jacobian=True) both the mode and the Hessian are those of the
// density of the unconstrained vector, Jacobians included: the Gaussian approximates the
// distribution NUTS samples, which the constrain function carries to the posterior of the
// constrained values. Without the Jacobian the mode is the constrained posterior's mode (PyMC's
// find_MAP) and the Hessian that of the log density without the Jacobians.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/infer/find_map.hpp"
#include "hypatia/inference_data.hpp"

namespace hypatia {

// What to do when the negative Hessian at the mode is not positive definite (pymc-extras'
// on_bad_cov): throw, or use the nearest positive semi-definite covariance (eigenvalues of the
// inverse below zero set to zero, then `diagonal_jitter` added) and say so in `warnings` (warn)
// or not (ignore).
enum class BadCovariance { error, warn, ignore };

struct LaplaceOptions {
  // How the mode is found. `map.jacobian` and `map.variables` are ignored: the approximation's
  // `jacobian` below applies to the mode and the Hessian alike, and all variables move.
  MapOptions map = {};
  bool jacobian = true;
  std::int64_t chains = 2;
  std::int64_t draws = 500;  // per chain
  std::uint64_t seed = 0;
  BadCovariance on_bad_covariance = BadCovariance::error;
  // Added to the covariance's diagonal (pymc-extras' diag_jitter); 0: nothing added.
  double diagonal_jitter = 0.0;
  Backend backend = default_backend();
};

struct LaplaceResult {
  MapResult mode;                  // find_map's result (mode.unconstrained is the mean)
  std::vector<double> mean;        // dim: the Gaussian's mean on the unconstrained scale
  std::vector<double> hessian;     // dim x dim, row-major: the objective's Hessian at the mode
  std::vector<double> covariance;  // dim x dim, row-major: the Gaussian's covariance
  std::vector<std::string> coordinate_names;  // PointLayout::coordinate_names, one per row
  // chains x draws x dim, row-major: the draws on the unconstrained scale.
  std::vector<double> unconstrained_draws;
  // posterior (free variables and deterministics, chains x draws), observed_data, constant_data
  // and the model's coords, laid out as sample() lays them out.
  InferenceData draws;
  std::vector<std::string> warnings;  // a repaired covariance (on_bad_covariance = warn)
};

// Throws hypatia::Error for what find_map rejects, for chains or draws below 1, a negative or
// non-finite jitter, a mode where the Hessian is not finite, and (with BadCovariance::error) a
// negative Hessian that is not positive definite, naming the coordinates along which it fails.
// The same seed gives the same draws.
LaplaceResult laplace_approximation(const Model& model, const LaplaceOptions& options = {});

}  // namespace hypatia
