// Latent Gaussian-process Poisson regression, non-centred (posteriordb
// gp_pois_regr-gp_pois_regr).

#include <optional>

#include "hypatia/data.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kPosterior = "gp_pois_regr-gp_pois_regr";

Model build() {
  const DataFile data = load_posterior_data(kPosterior);
  require_shapes(data, {{"x", {"N"}}, {"k", {"N"}}});
  const std::vector<double> x = real_values(data, "x");
  const auto points = static_cast<std::int64_t>(x.size());
  Model m;
  // The inputs as an (N, 1) matrix: one input dimension, as the gp module's kernels take them.
  auto inputs = m.data("x", matrix_tensor(x, points, 1));
  auto rho = m.rv("rho", Gamma(25, 4));
  auto alpha = m.half_normal("alpha", 2);
  auto f_tilde = m.normal("f_tilde", 0, 1, {.shape = {points}});
  // Exponentiated-quadratic kernel (Stan's cov_exp_quad(x, alpha, rho) is alpha^2 times the gp
  // module's unit-variance one) with a 1e-10 diagonal jitter, as the reference program.
  auto covariance = square(alpha) * gp::exp_quad(inputs, std::nullopt, rho) + 1e-10 * eye(points);
  auto f = m.deterministic("f", matmul(cholesky(covariance), f_tilde));
  m.observe("k_obs", Poisson(exp(f)), integer_tensor(data, "k"));
  return m;
}

}  // namespace

std::vector<BundledModel> gp_pois_regr() {
  // The reference run needed adapt_delta = 0.99.
  return {{.name = kPosterior,
           .description = "Latent GP Poisson regression, 11 points (13 params)",
           .build = build,
           .target_accept = 0.99}};
}

}  // namespace hypatia::models::posteriordb
