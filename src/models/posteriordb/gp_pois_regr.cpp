// Latent Gaussian-process Poisson regression, non-centred (posteriordb
// gp_pois_regr-gp_pois_regr).

#include "hypatia/data.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kPosterior = "gp_pois_regr-gp_pois_regr";

// (x[i] - x[j])^2 for all pairs, row-major.
std::vector<double> squared_distances(const std::vector<double>& x) {
  std::vector<double> distances;
  for (double a : x) {
    for (double b : x) distances.push_back((a - b) * (a - b));
  }
  return distances;
}

Model build() {
  const DataFile data = load_posterior_data(kPosterior);
  require_shapes(data, {{"x", {"N"}}, {"k", {"N"}}});
  const std::vector<double> x = real_values(data, "x");
  const auto points = static_cast<std::int64_t>(x.size());
  Model m;
  auto distances = m.data("squared_distances", matrix_tensor(squared_distances(x), points, points));
  auto rho = m.rv("rho", Gamma(25, 4));
  auto alpha = m.half_normal("alpha", 2);
  auto f_tilde = m.normal("f_tilde", 0, 1, {.shape = {points}});
  // Exponentiated-quadratic kernel with a 1e-10 diagonal jitter, as the reference program.
  auto covariance = square(alpha) * exp(-distances / (2.0 * square(rho))) + 1e-10 * eye(points);
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
