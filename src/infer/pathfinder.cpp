// Pathfinder over a Target. L-BFGS is LBFGSpp's pieces (its BFGS matrix for the search direction
// and its Wolfe backtracking line search) driven one iteration at a time here, since
// LBFGSSolver::minimize reports no intermediate iterates and Pathfinder needs every one.

#include "hypatia/infer/pathfinder.hpp"

#include <LBFGS.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numbers>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/infer/psis.hpp"
#include "hypatia/infer/rng.hpp"
#include "infer/chains.hpp"

namespace hypatia {
namespace {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Counter-based streams: (seed, path, purpose), and one stream past the paths for resampling.
enum Substream : std::uint64_t { kInitSubstream = 1, kDrawSubstream = 2, kResampleSubstream = 3 };

struct LineSearchFailed {};

// -logp for LBFGSpp; a point where logp or its gradient is not finite is +inf (the backtracking
// line search then steps back).
class NegativeLogDensity {
 public:
  explicit NegativeLogDensity(Target& target) : target_(target), gradient_(target.dim()) {}

  double operator()(const Vector& x, Vector& gradient) {
    ++evaluations_;
    const double logp = target_.logp_grad(x.data(), gradient_.data());
    bool finite = std::isfinite(logp);
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      gradient[i] = -gradient_[i];
      finite = finite && std::isfinite(gradient_[i]);
    }
    if (!finite) {
      gradient.setZero();
      return kInfinity;
    }
    return -logp;
  }

  // logp alone (for draws), -inf where it is not finite.
  double logp(const double* x) {
    ++evaluations_;
    const double value = target_.logp_grad(x, gradient_.data());
    return std::isfinite(value) ? value : -kInfinity;
  }

  std::int64_t evaluations() const { return evaluations_; }

 private:
  Target& target_;
  Vector gradient_;
  std::int64_t evaluations_ = 0;
};

// The normal approximation at one iterate, in the factored form of PathfinderApproximation
// (Zhang et al. Alg. 4 with Stan's thin QR, which covers history sizes above dim/2 as well).
struct Approximation {
  Vector mean;
  Vector sqrt_alpha;
  Matrix q;  // dim x rank
  Matrix l;  // rank x rank, lower
  double log_det_cholesky = 0;

  // x = mean + alpha^(1/2) (u + Q (L - I) Q' u) for u ~ N(0, I).
  Vector transform(const Vector& u) const {
    const Vector projected = q.transpose() * u;
    Vector lifted = l.triangularView<Eigen::Lower>() * projected - projected;
    return mean + sqrt_alpha.cwiseProduct(u + q * lifted);
  }
  double log_density_of_normal(const Vector& u) const {
    return -0.5 * u.squaredNorm() -
           0.5 * static_cast<double>(u.size()) * std::log(2 * std::numbers::pi) - log_det_cholesky;
  }
};

// Returns false where the small matrix is not positive definite (the iterate is then skipped).
bool approximate(const Vector& x, const Vector& objective_gradient, const Vector& alpha,
                 const std::deque<Vector>& steps, const std::deque<Vector>& gradient_changes,
                 Approximation& out) {
  const Eigen::Index dim = x.size();
  const Eigen::Index m = static_cast<Eigen::Index>(steps.size());
  Matrix s(dim, m), y(dim, m);
  for (Eigen::Index j = 0; j < m; ++j) {
    s.col(j) = steps[j];
    y.col(j) = gradient_changes[j];
  }
  // Inverse Hessian H = A + B G B' with A = diag(alpha), B = [A Y, S] and
  // G = [[0, -R^-1], [-R^-T, R^-T (D + Y'AY) R^-1]], R the upper triangle of S'Y, D its diagonal
  // (Byrd, Nocedal and Schnabel's compact form).
  const Matrix sy = s.transpose() * y;
  const Matrix r = sy.triangularView<Eigen::Upper>();
  const Matrix r_inverse = r.triangularView<Eigen::Upper>().solve(Matrix::Identity(m, m));
  Matrix middle = y.transpose() * alpha.asDiagonal() * y;
  middle.diagonal() += sy.diagonal();
  Matrix g = Matrix::Zero(2 * m, 2 * m);
  g.topRightCorner(m, m) = -r_inverse;
  g.bottomLeftCorner(m, m) = -r_inverse.transpose();
  g.bottomRightCorner(m, m) = r_inverse.transpose() * middle * r_inverse;

  // H = A^(1/2) (I + W G W') A^(1/2) with W = A^(-1/2) B = [A^(1/2) Y, A^(-1/2) S] = Q R_W.
  const Vector sqrt_alpha = alpha.cwiseSqrt();
  Matrix w(dim, 2 * m);
  w.leftCols(m) = sqrt_alpha.asDiagonal() * y;
  w.rightCols(m) = sqrt_alpha.cwiseInverse().asDiagonal() * s;
  const Eigen::Index rank = std::min<Eigen::Index>(dim, 2 * m);
  Eigen::HouseholderQR<Matrix> qr(w);
  const Matrix q = qr.householderQ() * Matrix::Identity(dim, rank);
  const Matrix r_w = qr.matrixQR().topRows(rank).triangularView<Eigen::Upper>();
  Matrix small = r_w * g * r_w.transpose();
  small.diagonal().array() += 1;
  Eigen::LLT<Matrix> cholesky(small);
  if (cholesky.info() != Eigen::Success) return false;
  const Matrix l = cholesky.matrixL();
  if (!(l.diagonal().array() > 0).all()) return false;

  // mean = x - H grad(-logp), with H grad from the factored form.
  Vector b_gradient(2 * m);
  b_gradient.head(m) = y.transpose() * alpha.cwiseProduct(objective_gradient);
  b_gradient.tail(m) = s.transpose() * objective_gradient;
  const Vector g_b_gradient = g * b_gradient;
  const Vector h_gradient = alpha.cwiseProduct(objective_gradient) +
                            alpha.cwiseProduct(y * g_b_gradient.head(m)) + s * g_b_gradient.tail(m);
  out.mean = x - h_gradient;
  out.sqrt_alpha = sqrt_alpha;
  out.q = q;
  out.l = l;
  out.log_det_cholesky = l.diagonal().array().log().sum() + 0.5 * alpha.array().log().sum();
  return out.mean.allFinite() && std::isfinite(out.log_det_cholesky);
}

// Draws from an approximation with log p and log q; `evaluate` false leaves log p NaN.
struct DrawBlock {
  std::vector<Vector> draws;
  std::vector<double> lp;
  std::vector<double> log_q;
};

DrawBlock draw(const Approximation& approximation, std::int64_t count, CounterRng& rng,
               NegativeLogDensity& density, bool evaluate) {
  DrawBlock block;
  const Eigen::Index dim = approximation.mean.size();
  Vector u(dim);
  for (std::int64_t i = 0; i < count; ++i) {
    for (Eigen::Index d = 0; d < dim; ++d) u[d] = rng.normal();
    block.draws.push_back(approximation.transform(u));
    block.log_q.push_back(approximation.log_density_of_normal(u));
    block.lp.push_back(evaluate ? density.logp(block.draws.back().data())
                                : std::numeric_limits<double>::quiet_NaN());
  }
  return block;
}

double elbo_of(const DrawBlock& block) {
  double sum = 0;
  for (std::size_t i = 0; i < block.lp.size(); ++i) sum += block.lp[i] - block.log_q[i];
  const double elbo = sum / static_cast<double>(block.lp.size());
  return std::isnan(elbo) ? -kInfinity : elbo;
}

// Gilbert and Lemarechal's (1989, eq. 4.9) update of the diagonal inverse-Hessian estimate.
Vector update_diagonal(const Vector& alpha, const Vector& y, const Vector& s) {
  const double y_alpha_y = y.dot(alpha.cwiseProduct(y));
  const double y_s = y.dot(s);
  const double s_alpha_inverse_s = s.dot(s.cwiseQuotient(alpha));
  const Vector denominator =
      (y_alpha_y / alpha.array() + y.array().square() -
       (y_alpha_y / s_alpha_inverse_s) * (s.array() / alpha.array()).square())
          .matrix();
  Vector updated = (y_s / denominator.array()).matrix();
  // Rounding can break positivity far along a path: keep the old diagonal then.
  return (updated.array() > 0).all() && updated.allFinite() ? updated : alpha;
}

PathfinderApproximation exported(const Approximation& approximation) {
  PathfinderApproximation out;
  out.dim = approximation.mean.size();
  out.rank = approximation.q.cols();
  out.mean.assign(approximation.mean.data(), approximation.mean.data() + out.dim);
  for (Eigen::Index i = 0; i < out.dim; ++i) {
    out.alpha.push_back(approximation.sqrt_alpha[i] * approximation.sqrt_alpha[i]);
  }
  for (Eigen::Index i = 0; i < out.dim; ++i) {
    for (Eigen::Index j = 0; j < out.rank; ++j) out.q.push_back(approximation.q(i, j));
  }
  for (Eigen::Index i = 0; i < out.rank; ++i) {
    for (Eigen::Index j = 0; j < out.rank; ++j) out.l.push_back(approximation.l(i, j));
  }
  out.log_det_cholesky = approximation.log_det_cholesky;
  return out;
}

std::string format(double value) {
  std::ostringstream text;
  text.precision(4);
  text << value;
  return text.str();
}

PathfinderPath run_path(Target& target, const std::vector<double>& start,
                        const PathfinderOptions& options, std::uint64_t path_index) {
  PathfinderPath path;
  path.start = start;
  NegativeLogDensity density(target);
  const Eigen::Index dim = target.dim();
  CounterRng rng(options.seed, path_index, kDrawSubstream);

  LBFGSpp::LBFGSParam<double> param;
  param.m = options.history_size;
  param.max_linesearch = options.max_line_search;
  param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_WOLFE;
  LBFGSpp::BFGSMat<double> bfgs;
  bfgs.reset(static_cast<int>(dim), options.history_size);

  Vector x = Eigen::Map<const Vector>(start.data(), dim);
  Vector gradient(dim);
  double fx = density(x, gradient);
  Vector alpha = Vector::Ones(dim);
  std::deque<Vector> steps, gradient_changes;
  Vector direction = -gradient;
  double step = 1 / direction.norm();

  double best_elbo = -kInfinity;
  Approximation best;
  DrawBlock best_draws;
  std::string stop = "reached max_lbfgs_iters = " + std::to_string(options.max_lbfgs_iters);
  constexpr double epsilon = std::numeric_limits<double>::epsilon();
  for (int iteration = 1; iteration <= options.max_lbfgs_iters; ++iteration) {
    const Vector previous_x = x;
    const Vector previous_gradient = gradient;
    const double previous_fx = fx;
    if (!(gradient.dot(direction) < 0)) {  // not a descent direction: restart from the gradient
      direction = -gradient;
      step = 1 / direction.norm();
    }
    try {
      LBFGSpp::LineSearchBacktracking<double>::LineSearch(density, fx, x, gradient, step, direction,
                                                          previous_x, param);
    } catch (const std::exception& error) {
      x = previous_x;
      gradient = previous_gradient;
      fx = previous_fx;
      stop = std::string("the line search failed (") + error.what() + ")";
      break;
    }
    if (!std::isfinite(fx)) {
      x = previous_x;
      gradient = previous_gradient;
      fx = previous_fx;
      stop = "the line search ended where the log density is not finite";
      break;
    }
    path.iterations = iteration;
    const Vector s = x - previous_x;
    const Vector y = gradient - previous_gradient;
    const double s_y = s.dot(y);
    if (s_y > 0 && s_y >= options.curvature_epsilon * y.squaredNorm()) {
      alpha = update_diagonal(alpha, y, s);
      steps.push_back(s);
      gradient_changes.push_back(y);
      if (static_cast<int>(steps.size()) > options.history_size) {
        steps.pop_front();
        gradient_changes.pop_front();
      }
      bfgs.add_correction(s, y);
    }

    double elbo = -kInfinity;
    Approximation approximation;
    if (!steps.empty() && approximate(x, gradient, alpha, steps, gradient_changes, approximation)) {
      DrawBlock block = draw(approximation, options.num_elbo_draws, rng, density, true);
      elbo = elbo_of(block);
      if (elbo > best_elbo) {
        best_elbo = elbo;
        best = std::move(approximation);
        best_draws = std::move(block);
        path.best_iteration = iteration;
      }
    }
    path.elbo_trace.push_back(elbo);

    bfgs.apply_Hv(gradient, -1.0, direction);
    step = 1;
    const double change = std::abs(previous_fx - fx);
    if (change < options.tol_obj) {
      stop = "converged: the log density changed by less than tol_obj";
      break;
    }
    if (gradient.norm() < options.tol_grad) {
      stop = "converged: the gradient norm is below tol_grad";
      break;
    }
    if (s.norm() < options.tol_param) {
      stop = "converged: the step is shorter than tol_param";
      break;
    }
    if (change / std::max({std::abs(previous_fx), std::abs(fx), 1.0}) <
        options.tol_rel_obj * epsilon) {
      stop = "converged: the relative change of the log density is below tol_rel_obj";
      break;
    }
    if (-direction.dot(gradient) / std::max(std::abs(fx), 1.0) < options.tol_rel_grad * epsilon) {
      stop = "converged: the relative gradient is below tol_rel_grad";
      break;
    }
  }

  if (path.best_iteration < 0) {
    path.evaluations = density.evaluations();
    path.message = "no L-BFGS iterate gave an approximation with a finite ELBO (" + stop + ")";
    return path;
  }
  // The ELBO's draws are the first of the path's draws, as in Stan.
  std::vector<Vector> draws = std::move(best_draws.draws);
  std::vector<double> lp = std::move(best_draws.lp), log_q = std::move(best_draws.log_q);
  const std::int64_t more = options.num_draws - static_cast<std::int64_t>(draws.size());
  if (more > 0) {
    DrawBlock block = draw(best, more, rng, density, options.calculate_lp);
    draws.insert(draws.end(), block.draws.begin(), block.draws.end());
    lp.insert(lp.end(), block.lp.begin(), block.lp.end());
    log_q.insert(log_q.end(), block.log_q.begin(), block.log_q.end());
  }
  draws.resize(static_cast<std::size_t>(options.num_draws));
  lp.resize(draws.size());
  log_q.resize(draws.size());
  for (const Vector& point : draws)
    path.draws.insert(path.draws.end(), point.data(), point.data() + dim);
  path.lp = std::move(lp);
  path.log_q = std::move(log_q);
  path.elbo = best_elbo;
  path.approximation = exported(best);
  path.evaluations = density.evaluations();
  path.succeeded = true;
  path.message = stop + "; best ELBO " + format(best_elbo) + " at iteration " +
                 std::to_string(path.best_iteration);
  return path;
}

void check_options(const Target& target, const PathfinderOptions& options) {
  const infer::OptionCheck check("pathfinder");
  check.chain_options(target, options.num_paths, options.cores);
  check(options.num_draws >= 1, "num_draws", "at least 1", options.num_draws);
  check(options.num_psis_draws >= 1, "num_psis_draws", "at least 1", options.num_psis_draws);
  check(options.num_elbo_draws >= 1, "num_elbo_draws", "at least 1", options.num_elbo_draws);
  check(options.history_size >= 1, "history_size", "at least 1", options.history_size);
  check(options.max_lbfgs_iters >= 1, "max_lbfgs_iters", "at least 1", options.max_lbfgs_iters);
  check(options.max_line_search >= 1, "max_line_search", "at least 1", options.max_line_search);
  check(options.init_radius > 0 && std::isfinite(options.init_radius), "init_radius",
        "positive and finite", options.init_radius);
  for (const auto& [value, name] : {std::pair{options.tol_obj, "tol_obj"},
                                    {options.tol_rel_obj, "tol_rel_obj"},
                                    {options.tol_grad, "tol_grad"},
                                    {options.tol_rel_grad, "tol_rel_grad"},
                                    {options.tol_param, "tol_param"},
                                    {options.curvature_epsilon, "curvature_epsilon"}}) {
    check(value >= 0 && std::isfinite(value), name, "finite and at least 0", value);
  }
  check(options.init.empty() || options.init.size() == 1 ||
            static_cast<int>(options.init.size()) == options.num_paths,
        "init", "empty, one point or one per path (" + std::to_string(options.num_paths) + ")",
        std::to_string(options.init.size()) + " points");
}

// Indices of `count` draws by their weights: multinomial with replacement, or weighted sampling
// without replacement by Gumbel top-k (Efraimidis and Spirakis).
std::vector<std::int64_t> resample(const std::vector<double>& log_weights, std::int64_t count,
                                   bool with_replacement, CounterRng& rng) {
  const std::int64_t n = static_cast<std::int64_t>(log_weights.size());
  const double top = *std::max_element(log_weights.begin(), log_weights.end());
  std::vector<std::int64_t> chosen;
  if (with_replacement) {
    std::vector<double> cumulative(log_weights.size());
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      total += std::exp(log_weights[i] - top);
      cumulative[i] = total;
    }
    for (std::int64_t i = 0; i < count; ++i) {
      const double target = rng.uniform() * total;
      const auto found = std::lower_bound(cumulative.begin(), cumulative.end(), target);
      chosen.push_back(std::min<std::int64_t>(found - cumulative.begin(), n - 1));
    }
    return chosen;
  }
  std::vector<std::pair<double, std::int64_t>> keys;
  for (std::int64_t i = 0; i < n; ++i) {
    keys.emplace_back(log_weights[i] - std::log(rng.exponential()), i);
  }
  std::partial_sort(keys.begin(), keys.begin() + count, keys.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::int64_t i = 0; i < count; ++i) chosen.push_back(keys[i].second);
  return chosen;
}

}  // namespace

std::vector<double> pathfinder_covariance(const PathfinderApproximation& approximation) {
  const Eigen::Index dim = approximation.dim, rank = approximation.rank;
  const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> q(
      approximation.q.data(), dim, rank),
      l(approximation.l.data(), rank, rank);
  const Vector sqrt_alpha = Eigen::Map<const Vector>(approximation.alpha.data(), dim).cwiseSqrt();
  Matrix inner = Matrix::Identity(dim, dim) +
                 q * (l * l.transpose() - Matrix::Identity(rank, rank)) * q.transpose();
  const Matrix covariance = sqrt_alpha.asDiagonal() * inner * sqrt_alpha.asDiagonal();
  std::vector<double> out(static_cast<std::size_t>(dim * dim));
  for (Eigen::Index i = 0; i < dim; ++i) {
    for (Eigen::Index j = 0; j < dim; ++j) out[i * dim + j] = covariance(i, j);
  }
  return out;
}

PathfinderResult pathfinder(Target& target, const PathfinderOptions& options) {
  check_options(target, options);
  const std::int64_t dim = target.dim();
  if (options.num_paths > 1 && options.psis_resample && options.calculate_lp &&
      !options.resample_with_replacement &&
      options.num_psis_draws > options.num_paths * options.num_draws) {
    throw Error("pathfinder: resampling without replacement needs num_psis_draws (" +
                std::to_string(options.num_psis_draws) + ") at most num_paths x num_draws (" +
                std::to_string(options.num_paths * options.num_draws) + ")");
  }
  std::vector<std::unique_ptr<Target>> targets =
      infer::clone_per_chain("pathfinder", target, options.num_paths);
  std::vector<PathfinderPath> paths(static_cast<std::size_t>(options.num_paths));
  infer::run_chains(
      options.num_paths, options.cores, [&](std::int64_t path, const std::atomic<bool>&) {
        CounterRng init_rng(options.seed, path, kInitSubstream);
        const std::vector<double> given = options.init.empty()
                                              ? std::vector<double>{}
                                              : options.init[options.init.size() == 1 ? 0 : path];
        const std::vector<double> start =
            infer::find_initial_point(*targets[path], given, options.init_radius, init_rng,
                                      "pathfinder: path " + std::to_string(path));
        paths[path] = run_path(*targets[path], start, options, path);
      });

  PathfinderResult result;
  result.dim = dim;
  std::vector<const PathfinderPath*> succeeded;
  std::string failures;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    result.evaluations += paths[i].evaluations;
    if (paths[i].succeeded) {
      succeeded.push_back(&paths[i]);
    } else {
      failures += "\n  path " + std::to_string(i) + ": " + paths[i].message;
    }
  }
  if (succeeded.empty()) throw Error("pathfinder: every path failed:" + failures);

  std::vector<double> pooled_draws, pooled_lp, pooled_log_q;
  for (const PathfinderPath* path : succeeded) {
    pooled_draws.insert(pooled_draws.end(), path->draws.begin(), path->draws.end());
    pooled_lp.insert(pooled_lp.end(), path->lp.begin(), path->lp.end());
    pooled_log_q.insert(pooled_log_q.end(), path->log_q.begin(), path->log_q.end());
  }
  std::vector<double> log_ratios(pooled_lp.size());
  for (std::size_t i = 0; i < log_ratios.size(); ++i)
    log_ratios[i] = pooled_lp[i] - pooled_log_q[i];
  result.pareto_k = std::numeric_limits<double>::quiet_NaN();
  if (options.calculate_lp) {
    const ParetoSmoothed smoothed = pareto_smooth(log_ratios);
    result.pareto_k = smoothed.pareto_k;
    if (options.num_paths > 1 && options.psis_resample) {
      CounterRng rng(options.seed, static_cast<std::uint64_t>(options.num_paths),
                     kResampleSubstream);
      for (std::int64_t index : resample(smoothed.log_weights, options.num_psis_draws,
                                         options.resample_with_replacement, rng)) {
        result.draws.insert(result.draws.end(), pooled_draws.begin() + index * dim,
                            pooled_draws.begin() + (index + 1) * dim);
        result.lp.push_back(pooled_lp[index]);
        result.log_q.push_back(pooled_log_q[index]);
      }
    }
  }
  if (result.lp.empty()) {
    result.draws = std::move(pooled_draws);
    result.lp = std::move(pooled_lp);
    result.log_q = std::move(pooled_log_q);
  }
  result.paths = std::move(paths);
  return result;
}

}  // namespace hypatia
