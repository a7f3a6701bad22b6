#pragma once

// Pathfinder (Zhang, Carpenter, Gelman and Vehtari 2022), as Stan implements it: an L-BFGS run
// from a random start; at each accepted iterate a normal approximation N(x + H grad logp, H)
// whose covariance H is L-BFGS's inverse-Hessian estimate (a diagonal, updated along the path,
// plus a rank-2m correction from the last m steps); the ELBO of each approximation estimated from
// a few draws; and draws from the approximation with the best ELBO. Multi-path Pathfinder runs
// several paths from different starts and resamples their pooled draws by Pareto-smoothed
// importance weights (log p - log q).
//
// Everything runs on the compiled log density and gradient; paths run on threads, and the draws
// depend on the seed only, never on the thread count.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/infer/target.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

// Names and defaults are Stan's (CmdStan's `pathfinder` method).
struct PathfinderOptions {
  int num_paths = 4;
  std::int64_t num_draws = 1000;       // draws from each path's best approximation
  std::int64_t num_psis_draws = 1000;  // multi-path: draws resampled from the pooled ones
  int num_elbo_draws = 25;             // draws per ELBO estimate
  int history_size = 6;                // L-BFGS correction pairs
  int max_lbfgs_iters = 1000;
  int max_line_search = 100;  // function evaluations per line search
  // Starting points on the unconstrained scale: none (each path uniform in +-init_radius), one
  // for every path, or one per path.
  std::vector<std::vector<double>> init = {};
  double init_radius = 2;
  // L-BFGS stops when any of these holds after a step (Stan's criteria): the objective changed
  // by less than tol_obj, or by less than tol_rel_obj * machine epsilon relative to its size;
  // the gradient norm is below tol_grad; g'Hg / max(|logp|, 1) is below tol_rel_grad * machine
  // epsilon; the step's norm is below tol_param.
  double tol_obj = 1e-12;
  double tol_rel_obj = 1e4;
  double tol_grad = 1e-8;
  double tol_rel_grad = 1e7;
  double tol_param = 1e-8;
  // A step (s, y) joins the history only when s'y >= curvature_epsilon * |y|^2 and s'y > 0
  // (Zhang et al.'s check; Stan's "thetak <= 1e12" is the same with 1e-12).
  double curvature_epsilon = 1e-12;
  // Multi-path: resample the pooled draws by their PSIS weights; otherwise all pooled draws are
  // returned as they are.
  bool psis_resample = true;
  bool resample_with_replacement = true;  // without: weighted sampling without replacement
  // Evaluate log p at the returned draws (needed for PSIS; without it they hold NaN).
  bool calculate_lp = true;
  std::uint64_t seed = 0;
  int cores = 0;  // threads for the paths; 0: one per hardware thread
};

// A path's best normal approximation on the unconstrained scale: mean and covariance
// diag(alpha)^(1/2) (I + Q (L L' - I) Q') diag(alpha)^(1/2), with Q (dim x rank) orthonormal and
// L (rank x rank) lower triangular.
struct PathfinderApproximation {
  std::int64_t dim = 0;
  std::int64_t rank = 0;
  std::vector<double> mean;
  std::vector<double> alpha;    // dim
  std::vector<double> q;        // dim x rank, row-major
  std::vector<double> l;        // rank x rank, row-major, lower triangular
  double log_det_cholesky = 0;  // log det of the covariance's square root
};

// The approximation's covariance, dim x dim row-major.
std::vector<double> pathfinder_covariance(const PathfinderApproximation& approximation);

struct PathfinderPath {
  bool succeeded = false;
  std::string message;  // why it stopped, or failed
  std::vector<double> start;
  std::int64_t iterations = 0;   // L-BFGS iterations
  std::int64_t evaluations = 0;  // log density evaluations (L-BFGS and ELBO draws)
  std::int64_t best_iteration = -1;
  double elbo = 0;                 // the best ELBO
  std::vector<double> elbo_trace;  // the ELBO at iterations 1, 2, ... (-inf where it failed)
  PathfinderApproximation approximation;
  std::vector<double> draws;  // num_draws x dim, row-major, unconstrained
  std::vector<double> lp;     // log density at each draw
  std::vector<double> log_q;  // log density of the approximation at each draw
};

struct PathfinderResult {
  std::int64_t dim = 0;
  // The returned draws (unconstrained, draws x dim): one path's draws when num_paths is 1, else
  // the PSIS resample (or all pooled draws without psis_resample).
  std::vector<double> draws;
  std::vector<double> lp;
  std::vector<double> log_q;
  // The Pareto shape of the log ratios the draws came from (the pooled ones with several paths);
  // NaN without calculate_lp. Above 0.7 the approximation is poor.
  double pareto_k = 0;
  std::vector<PathfinderPath> paths;
  std::int64_t evaluations = 0;
  std::int64_t draw_count() const { return dim == 0 ? 0 : std::int64_t(lp.size()); }
};

// Throws hypatia::Error for bad options, a start where the log density is not finite, and when
// every path failed (with each path's reason).
PathfinderResult pathfinder(Target& target, const PathfinderOptions& options = {});

// The same on a compiled model, its draws gathered as InferenceData: the posterior group (one
// chain of constrained values and deterministics), sample_stats lp and lp_approx (log q), the
// observed and constant data, and attributes pareto_k and the paths' ELBOs.
struct ModelPathfinder {
  PathfinderResult result;
  InferenceData data;
};
ModelPathfinder pathfinder(const Model& model, const PathfinderOptions& options = {},
                           Backend backend = default_backend());

}  // namespace hypatia
