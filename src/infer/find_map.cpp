// Maximum a posteriori by L-BFGS over the flat unconstrained vector (LBFGSpp minimizes the
// negative log density compiled with its gradient).

#include "hypatia/infer/find_map.hpp"

#include <LBFGS.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/ops.hpp"
#include "infer/log_density_objective.hpp"
#include "ppl/startup_diagnosis.hpp"

namespace hypatia {
namespace {

using Vector = Eigen::VectorXd;

std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined.empty() ? "(none)" : joined;
}

std::vector<std::string> block_names(const PointLayout& layout) {
  std::vector<std::string> names;
  for (const FlatBlock& block : layout.blocks) names.push_back(block.name);
  return names;
}

const FlatBlock& find_block(const Model& model, const PointLayout& layout, const std::string& name,
                            const std::string& what) {
  for (const FlatBlock& block : layout.blocks) {
    if (block.name == name) return block;
  }
  const bool known = std::any_of(model.variables().begin(), model.variables().end(),
                                 [&](const ModelVariable& v) { return v.name == name; });
  throw Error("find_map: " + what + " names '" + name + "', which is " +
              (known ? "not a free random variable" : "not a variable of the model") +
              " (the free variables: " + join(block_names(layout)) + ")");
}

std::vector<double> starting_point(const Model& model, const PointLayout& layout,
                                   const MapOptions& options) {
  if (!options.unconstrained_start.empty()) {
    if (!options.start.empty()) {
      throw Error("find_map: give either start (constrained values) or unconstrained_start");
    }
    if (static_cast<std::int64_t>(options.unconstrained_start.size()) != layout.dim) {
      throw Error("find_map: unconstrained_start has " +
                  std::to_string(options.unconstrained_start.size()) + " values; the model has " +
                  std::to_string(layout.dim) + " unconstrained coordinates");
    }
    return options.unconstrained_start;
  }
  std::vector<double> x(static_cast<std::size_t>(layout.dim), 0.0);
  if (options.start.empty()) return x;
  for (const auto& [name, value] : options.start) {
    const FlatBlock& block = find_block(model, layout, name, "start");
    if (value.shape() != block.shape) {
      throw Error("find_map: start value for '" + name + "' has shape " +
                  shape_to_string(value.shape()) + "; the variable has shape " +
                  shape_to_string(block.shape));
    }
  }
  // The initial point's constrained values, with the given ones replacing theirs.
  Point point = model.constrain(x);
  for (const auto& [name, value] : options.start) point[name] = value;
  return model.unconstrain(point);
}

// Coordinates of x that the optimizer moves.
std::vector<std::int64_t> moved_coordinates(const Model& model, const PointLayout& layout,
                                            const std::vector<std::string>& variables) {
  std::set<std::string> chosen;
  for (const std::string& name : variables) {
    find_block(model, layout, name, "variables");
    chosen.insert(name);
  }
  std::vector<std::int64_t> coordinates;
  for (const FlatBlock& block : layout.blocks) {
    if (!chosen.empty() && !chosen.count(block.name)) continue;
    for (std::int64_t i = 0; i < block.size; ++i) coordinates.push_back(block.offset + i);
  }
  return coordinates;
}

struct EvaluationLimitReached {};

// -logp over the moved coordinates, for LBFGSpp. A point where logp or its gradient is not
// finite is +inf with a zero gradient, which the backtracking line search steps back from.
// Remembers the best point seen, so a failed line search still returns it.
class NegativeLogDensity {
 public:
  NegativeLogDensity(LogpGrad& logp_grad, std::vector<double> x,
                     std::vector<std::int64_t> coordinates, std::int64_t max_evaluations)
      : logp_grad_(logp_grad),
        x_(std::move(x)),
        full_gradient_(x_.size()),
        coordinates_(std::move(coordinates)),
        max_evaluations_(max_evaluations) {}

  double operator()(const Vector& z, Vector& gradient) {
    if (evaluations_ >= max_evaluations_) throw EvaluationLimitReached{};
    ++evaluations_;
    for (std::size_t i = 0; i < coordinates_.size(); ++i) x_[coordinates_[i]] = z[i];
    const double logp = logp_grad_(x_.data(), full_gradient_.data());
    bool finite = std::isfinite(logp);
    for (std::size_t i = 0; i < coordinates_.size(); ++i) {
      gradient[i] = -full_gradient_[coordinates_[i]];
      finite = finite && std::isfinite(gradient[i]);
    }
    if (!finite) {
      gradient.setZero();
      return std::numeric_limits<double>::infinity();
    }
    if (!has_best_ || -logp < -best_logp_) {
      has_best_ = true;
      best_logp_ = logp;
      best_x_ = x_;
      best_gradient_ = full_gradient_;
      best_gradient_norm_ = gradient.norm();
    }
    return -logp;
  }

  std::int64_t evaluations() const { return evaluations_; }
  double best_logp() const { return best_logp_; }
  const std::vector<double>& best_x() const { return best_x_; }
  const std::vector<double>& best_gradient() const { return best_gradient_; }
  double best_gradient_norm() const { return best_gradient_norm_; }

 private:
  LogpGrad& logp_grad_;
  std::vector<double> x_;
  std::vector<double> full_gradient_;
  std::vector<std::int64_t> coordinates_;
  std::int64_t max_evaluations_;
  std::int64_t evaluations_ = 0;
  bool has_best_ = false;
  double best_logp_ = 0.0;
  std::vector<double> best_x_;
  std::vector<double> best_gradient_;
  double best_gradient_norm_ = 0.0;
};

void check_options(const MapOptions& options) {
  auto require = [](bool condition, const std::string& what) {
    if (!condition) throw Error("find_map: " + what);
  };
  require(options.max_evaluations >= 1,
          "max_evaluations must be at least 1, got " + std::to_string(options.max_evaluations));
  require(options.max_iterations >= 0, "max_iterations must be at least 0 (0: no limit), got " +
                                           std::to_string(options.max_iterations));
  require(options.max_iterations <= std::numeric_limits<int>::max(),
          "max_iterations must fit an int, got " + std::to_string(options.max_iterations));
  require(options.gradient_tolerance >= 0 && std::isfinite(options.gradient_tolerance),
          "gradient_tolerance must be finite and at least 0");
  require(options.relative_tolerance >= 0 && std::isfinite(options.relative_tolerance),
          "relative_tolerance must be finite and at least 0");
  require(options.history >= 1,
          "history must be at least 1, got " + std::to_string(options.history));
}

// The error for a start where the objective is not finite, naming the variables responsible.
[[noreturn]] void reject_start(const Model& model, const std::vector<double>& x, double logp,
                               const CompileOptions& compile) {
  std::ostringstream message;
  message << "find_map: the log density " << (std::isfinite(logp) ? "gradient " : "")
          << "is not finite at the starting point";
  std::vector<std::string> culprits;
  try {
    culprits = diagnose_nonfinite_terms(model, x, compile);
  } catch (const Error&) {
    // The diagnosis is a courtesy; the error below stands without it.
  }
  if (!culprits.empty()) {
    message << "; not finite there: " << join(culprits);
  } else if (!std::isfinite(logp)) {
    message << " (logp = " << logp << ")";
  }
  message << ". Give start values inside each variable's support";
  throw Error(message.str());
}

}  // namespace

std::string_view map_status_name(MapStatus status) {
  switch (status) {
    case MapStatus::converged_gradient:
      return "converged_gradient";
    case MapStatus::converged_objective:
      return "converged_objective";
    case MapStatus::max_iterations:
      return "max_iterations";
    case MapStatus::max_evaluations:
      return "max_evaluations";
    case MapStatus::line_search_failed:
      return "line_search_failed";
    case MapStatus::nonfinite_gradient:
      return "nonfinite_gradient";
  }
  return "unknown";
}

MapResult find_map(const Model& model, const MapOptions& options) {
  check_options(options);
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free && variable.distribution->is_discrete()) {
      throw Error("find_map: " + variable.name + ": " + variable.distribution->name() +
                  " is discrete; L-BFGS needs continuous free variables");
    }
  }
  const PointLayout layout = model.layout();
  if (layout.dim == 0) throw Error("find_map: the model has no free random variables");
  const std::vector<std::int64_t> coordinates = moved_coordinates(model, layout, options.variables);
  std::vector<double> start = starting_point(model, layout, options);

  const LogDensityGraph graph = model.log_density();
  const CompileOptions compile{.backend = options.backend};
  LogpGrad logp_grad(graph.x, log_density_objective(model, graph, layout, options.jacobian),
                     graph.data_inputs, graph.data_values, compile);

  {
    std::vector<double> gradient(start.size());
    const double logp = logp_grad(start.data(), gradient.data());
    bool finite = std::isfinite(logp);
    for (std::int64_t i : coordinates) finite = finite && std::isfinite(gradient[i]);
    if (!finite) reject_start(model, start, logp, compile);
  }

  LBFGSpp::LBFGSParam<double> param;
  param.m = options.history;
  param.epsilon = options.gradient_tolerance;
  param.epsilon_rel = 0;
  param.past = 1;
  param.delta = options.relative_tolerance;
  param.max_iterations = static_cast<int>(options.max_iterations);
  // Wolfe's curvature condition keeps the L-BFGS updates positive definite; Armijo alone does not.
  param.linesearch = LBFGSpp::LBFGS_LINESEARCH_BACKTRACKING_WOLFE;
  param.max_linesearch = 60;
  LBFGSpp::LBFGSSolver<double> solver(param);

  NegativeLogDensity objective(logp_grad, start, coordinates, options.max_evaluations);
  Vector z(static_cast<Eigen::Index>(coordinates.size()));
  for (std::size_t i = 0; i < coordinates.size(); ++i) z[i] = start[coordinates[i]];

  MapResult result;
  std::string stop_reason;
  bool stopped_early = false;
  try {
    double value = 0.0;
    result.iterations = solver.minimize(objective, z, value);
  } catch (const EvaluationLimitReached&) {
    result.status = MapStatus::max_evaluations;
    stopped_early = true;
    stop_reason = "reached max_evaluations = " + std::to_string(options.max_evaluations);
  } catch (const std::exception& error) {  // LBFGSpp's line search reports failure by throwing
    result.status = MapStatus::line_search_failed;
    stopped_early = true;
    stop_reason = std::string("the line search failed (") + error.what() + ")";
  }
  result.evaluations = objective.evaluations();
  result.unconstrained = objective.best_x();
  result.logp = objective.best_logp();
  result.gradient = objective.best_gradient();
  result.gradient_norm = objective.best_gradient_norm();

  if (!std::isfinite(result.gradient_norm)) {
    // The objective may have stopped changing, but not at a mode: typically a funnel whose scale
    // ran off towards 0 with the Jacobian on.
    result.status = MapStatus::nonfinite_gradient;
    stop_reason =
        "the gradient is not finite at the best point found (a parameter ran off to "
        "the edge of its support?)";
  } else if (result.gradient_norm <= options.gradient_tolerance) {
    result.status = MapStatus::converged_gradient;
  } else if (!stopped_early) {
    result.status = options.max_iterations > 0 && result.iterations >= options.max_iterations
                        ? MapStatus::max_iterations
                        : MapStatus::converged_objective;
    if (result.status == MapStatus::max_iterations) {
      stop_reason = "reached max_iterations = " + std::to_string(options.max_iterations);
    }
  }
  result.converged = result.status == MapStatus::converged_gradient ||
                     result.status == MapStatus::converged_objective;
  std::ostringstream message;
  message.precision(6);
  switch (result.status) {
    case MapStatus::converged_gradient:
      message << "converged: the gradient norm " << result.gradient_norm
              << " is within gradient_tolerance " << options.gradient_tolerance;
      break;
    case MapStatus::converged_objective:
      message << "converged: the log density changed by at most relative_tolerance "
              << options.relative_tolerance << " in the last iteration; gradient norm "
              << result.gradient_norm;
      break;
    default:
      message << "did not converge: " << stop_reason << "; the last gradient norm is "
              << result.gradient_norm << " (gradient_tolerance " << options.gradient_tolerance
              << ")";
  }
  result.message = message.str();
  result.values = model.constrain(result.unconstrained);
  return result;
}

}  // namespace hypatia
