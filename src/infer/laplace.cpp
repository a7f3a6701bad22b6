// The Laplace approximation: mode by find_map, dense Hessian from compiled Hessian-vector
// products, Gaussian draws on the unconstrained scale mapped to the constrained values.

#include "hypatia/infer/laplace.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/infer/hessian.hpp"
#include "hypatia/infer/rng.hpp"
#include "hypatia/sample.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;

// Separates the Laplace draws from the other users of a seed's per-chain streams (NUTS uses
// substream 0 of the same (seed, chain) keys).
constexpr std::uint64_t laplace_draws_substream = 0x4c61706c61636521ULL;

void check_options(const LaplaceOptions& options) {
  auto require = [](bool condition, const std::string& what) {
    if (!condition) throw Error("laplace_approximation: " + what);
  };
  require(options.chains >= 1, "chains must be at least 1, got " + std::to_string(options.chains));
  require(options.draws >= 1, "draws must be at least 1, got " + std::to_string(options.draws));
  require(std::isfinite(options.diagonal_jitter) && options.diagonal_jitter >= 0,
          "diagonal_jitter must be finite and at least 0");
}

std::string format_number(double value) {
  std::ostringstream text;
  text.precision(4);
  text << value;
  return text.str();
}

// The coordinates an eigenvector mostly points along, largest share first ("tau (log)",
// "theta[2]"), so an error can say where the curvature is wrong.
std::string dominant_coordinates(const Vector& direction, const std::vector<std::string>& names) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(direction.size()));
  for (Eigen::Index i = 0; i < direction.size(); ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return std::abs(direction[a]) > std::abs(direction[b]);
  });
  std::string text;
  for (std::size_t k = 0; k < order.size() && k < 3; ++k) {
    const double weight = direction[order[k]];
    if (k > 0 && weight * weight < 0.05) break;  // a small share of the direction
    text += (text.empty() ? "" : ", ") + names[static_cast<std::size_t>(order[k])] + " (" +
            format_number(weight) + ")";
  }
  return text;
}

// The non-positive curvatures of the negative Hessian, each with the coordinates it lies along.
std::string describe_bad_curvature(const Eigen::SelfAdjointEigenSolver<Matrix>& eigen,
                                   const std::vector<std::string>& names) {
  const Vector& values = eigen.eigenvalues();  // ascending
  const double scale = std::max(values.cwiseAbs().maxCoeff(), 1e-300);
  std::string text;
  int listed = 0;
  for (Eigen::Index k = 0; k < values.size() && listed < 3; ++k) {
    if (values[k] > scale * 1e-12 && listed > 0) break;
    text += std::string(listed ? "; " : "") + "curvature " + format_number(values[k]) + " along " +
            dominant_coordinates(eigen.eigenvectors().col(k), names);
    ++listed;
  }
  return text;
}

void check_finite_hessian(const Matrix& hessian, const std::vector<std::string>& names,
                          const MapResult& mode) {
  std::string rows;
  std::string where;
  for (Eigen::Index i = 0; i < hessian.rows(); ++i) {
    if (hessian.row(i).allFinite()) continue;
    const auto index = static_cast<std::size_t>(i);
    rows += (rows.empty() ? "" : ", ") + names[index];
    where += (where.empty() ? "" : ", ") + names[index] + " = " +
             format_number(mode.unconstrained[index]);
  }
  if (rows.empty()) return;
  throw Error(
      "laplace_approximation: the Hessian of the log density is not finite in the rows "
      "of " +
      rows + " at the point the optimizer stopped (" + where + "; " + mode.message +
      "). A log density that grows without bound (such as a hierarchical scale "
      "going to 0) has no mode to approximate; reparameterize, or try jacobian=false");
}

struct Gaussian {
  Matrix covariance;
  Matrix factor;  // factor * factor^T = covariance: a draw is mean + factor * z
};

// From the negative Hessian (the precision): its Cholesky factor L gives the covariance L^-T L^-1
// and draws mean + L^-T z.
Gaussian gaussian_from_precision(const Matrix& precision, const LaplaceOptions& options,
                                 const std::vector<std::string>& names, const MapResult& mode,
                                 std::vector<std::string>& warnings) {
  const auto dim = precision.rows();
  Gaussian gaussian;
  Eigen::LLT<Matrix> cholesky(precision);
  if (cholesky.info() == Eigen::Success) {
    const Matrix identity = Matrix::Identity(dim, dim);
    gaussian.factor = cholesky.matrixU().solve(identity);  // L^-T (upper triangular)
    gaussian.covariance = gaussian.factor * gaussian.factor.transpose();
    if (options.diagonal_jitter > 0) {
      gaussian.covariance.diagonal().array() += options.diagonal_jitter;
      gaussian.factor = Eigen::LLT<Matrix>(gaussian.covariance).matrixL();
    }
    return gaussian;
  }
  const Eigen::SelfAdjointEigenSolver<Matrix> eigen(precision);
  const std::string where = describe_bad_curvature(eigen, names);
  if (options.on_bad_covariance == BadCovariance::error) {
    throw Error(
        "laplace_approximation: the negative Hessian of the log density at the mode is not "
        "positive definite (" +
        where + "). The point is not a strict maximum: a saddle point, a flat (unidentified) " +
        "direction, or an optimization that stopped early (" + mode.message +
        "). on_bad_cov='warn' or 'ignore' uses the nearest positive semi-definite covariance");
  }
  if (options.on_bad_covariance == BadCovariance::warn) {
    warnings.push_back(
        "the negative Hessian at the mode is not positive definite (" + where +
        "); using the nearest positive semi-definite covariance (zero variance there)");
  }
  // The covariance's eigenvalues are the inverse curvatures; where the curvature is not
  // positive, the nearest positive semi-definite matrix has zero variance.
  Vector variances = eigen.eigenvalues().unaryExpr(
      [](double curvature) { return curvature > 0 ? 1.0 / curvature : 0.0; });
  variances.array() += options.diagonal_jitter;
  const Matrix& vectors = eigen.eigenvectors();
  gaussian.covariance = vectors * variances.asDiagonal() * vectors.transpose();
  gaussian.factor = vectors * variances.cwiseSqrt().asDiagonal();
  return gaussian;
}

std::vector<double> flatten(const Matrix& matrix) {
  return std::vector<double>(matrix.data(), matrix.data() + matrix.size());
}

}  // namespace

LaplaceResult laplace_approximation(const Model& model, const LaplaceOptions& options) {
  check_options(options);
  MapOptions map = options.map;
  map.jacobian = options.jacobian;
  map.variables.clear();
  map.backend = options.backend;

  LaplaceResult result;
  result.mode = find_map(model, map);
  if (!result.mode.converged) {
    result.warnings.push_back("finding the mode: " + result.mode.message);
  }
  const PointLayout layout = model.layout();
  const std::int64_t dim = layout.dim;
  result.coordinate_names = layout.coordinate_names();
  result.mean = result.mode.unconstrained;

  HessianVectorProduct hessian_vector_product(model, options.jacobian,
                                              {.backend = options.backend});
  result.hessian = hessian_vector_product.hessian(result.mean.data());
  const Eigen::Map<const Matrix> hessian(result.hessian.data(), dim, dim);
  check_finite_hessian(hessian, result.coordinate_names, result.mode);

  const Gaussian gaussian = gaussian_from_precision(-hessian, options, result.coordinate_names,
                                                    result.mode, result.warnings);
  result.covariance = flatten(gaussian.covariance);

  const Eigen::Map<const Vector> mean(result.mean.data(), dim);
  result.unconstrained_draws.resize(static_cast<std::size_t>(options.chains * options.draws * dim));
  Vector normal(dim);
  for (std::int64_t chain = 0; chain < options.chains; ++chain) {
    CounterRng rng(options.seed, static_cast<std::uint64_t>(chain), laplace_draws_substream);
    for (std::int64_t draw = 0; draw < options.draws; ++draw) {
      for (Eigen::Index i = 0; i < dim; ++i) normal[i] = rng.normal();
      Eigen::Map<Vector> x(result.unconstrained_draws.data() + (chain * options.draws + draw) * dim,
                           dim);
      x = mean + gaussian.factor * normal;
    }
  }

  auto compiled = model.compile({.backend = options.backend});
  InferenceData& data = result.draws;
  data.chains = options.chains;
  data.draws = options.draws;
  data.groups["posterior"] =
      constrained_draws(*compiled, result.unconstrained_draws, options.chains, options.draws);
  data.coords.insert(model.coords().begin(), model.coords().end());
  data.groups["observed_data"] = observed_data_group(model);
  data.groups["constant_data"] = constant_data_group(model);
  data.attributes["inference"] = "laplace";
  data.attributes["backend"] = std::string(backend_name(options.backend));
  data.attributes["chains"] = std::to_string(options.chains);
  data.attributes["draws"] = std::to_string(options.draws);
  data.attributes["seed"] = std::to_string(options.seed);
  data.attributes["jacobian"] = options.jacobian ? "1" : "0";
  return result;
}

}  // namespace hypatia
