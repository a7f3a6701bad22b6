// Motorcycle-crash head acceleration: heteroscedastic regression whose mean and log-sd are each a
// Hilbert-space (basis-function) approximate Gaussian process, as brms generates it
// (posteriordb mcycle_gp-accel_gp).

#include <cstdint>
#include <string>

#include "hypatia/data.hpp"
#include "hypatia/gp/covariance.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kPosterior = "mcycle_gp-accel_gp";

// An approximate GP over one input: f = Xgp (sd sqrt(S(omega)) * zgp) with the gp module's
// unit-variance squared-exponential spectral density S at brms' basis frequencies omega =
// slambda. `suffix` names its data and parameters as brms does ("_1", "_sigma_1").
Expr approximate_gp(Model& m, const DataFile& data, const std::string& suffix) {
  require_shapes(data, {{"Xgp" + suffix, {"N", "NBgp" + suffix}},
                        {"slambda" + suffix, {"NBgp" + suffix, "Dgp" + suffix}}});
  require_size(data, "Dgp" + suffix, 1, "the approximate GPs are over one input");
  auto basis = m.data("Xgp" + suffix, real_tensor(data, "Xgp" + suffix));
  auto frequencies = m.data("slambda" + suffix, real_tensor(data, "slambda" + suffix));
  const std::int64_t basis_size = frequencies.shape()[0];
  auto sd = m.rv("sdgp" + suffix, HalfStudentT(3, 36));
  auto lengthscale = m.rv("lscale" + suffix, InverseGamma(1.124909, 0.0177));
  auto weights = m.normal("zgp" + suffix, 0, 1, {.shape = {basis_size}});
  // sqrt(S) as exp(log(S) / 2): S is an exp that canonicalisation's log(exp(x)) -> x undoes, so
  // where S underflows for long length scales the square root's derivative does not meet 1/0.
  auto root_spectral_density = sd * exp(0.5 * log(gp::exp_quad_psd(frequencies, lengthscale)));
  return matmul(basis, root_spectral_density * weights);
}

Model build() {
  const DataFile data = load_posterior_data(kPosterior);
  require_shapes(data, {{"Y", {"N"}}});
  Model m;
  auto intercept = m.rv("Intercept", StudentT(3, -13, 36));
  auto mean_gp = approximate_gp(m, data, "_1");
  auto intercept_sigma = m.rv("Intercept_sigma", StudentT(3, 0, 10));
  auto log_sd_gp = approximate_gp(m, data, "_sigma_1");
  m.observe("Y_obs", Normal(intercept + mean_gp, exp(intercept_sigma + log_sd_gp)),
            real_tensor(data, "Y"));
  return m;
}

}  // namespace

std::vector<BundledModel> accel_gp() {
  // The reference run needed adapt_delta = 0.999 and allowed a tree depth of 15. At that target
  // the step size adapts to about 0.002 and trajectories need more than the default 2^10 steps to
  // turn: at depth 10 every draw hits the limit and a few R-hats reach 1.03. At 11 (still at the
  // limit mostly) R-hat < 1.01 and bulk ESS > 1000 over four seeds, at two thirds the cost of 12.
  // (A dense metric quadruples the step size and ends trajectories at depth 9, but diverges after
  // warm-up and mixes the length-scale worse.)
  return {{.name = kPosterior,
           .description = "Heteroscedastic approximate-GP regression, mcycle data (66 params)",
           .build = build,
           .target_accept = 0.999,
           .max_tree_depth = 11}};
}

}  // namespace hypatia::models::posteriordb
