// Lotka–Volterra predator–prey ODE fitted to the Hudson's Bay lynx and hare pelts, with
// log-normal observation noise (posteriordb hudson_lynx_hare-lotka_volterra).

#include <cmath>

#include "hypatia/data.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/ode.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/transform.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kPosterior = "hudson_lynx_hare-lotka_volterra";

// The reference program solves for the populations with RK45 at rtol 1e-5, atol 1e-3 and 500 steps
// between outputs. This solves for their logarithms instead, the same solution, for two reasons:
// the likelihood needs log z, and far from the posterior (large beta, delta) a population falls to
// 1e-30 or below, where an absolute tolerance leaves no correct digit of log z: the log density
// is then noise, its gradient nothing like its differences, and NUTS's step size collapses. On the
// log scale every tolerance is relative. Tolerances of 1e-8 because the gradient's sensitivities
// are exact for the steps taken but treat the adaptive step sizes as fixed, so gradient and log
// density differ by about the tolerance times the sensitivities: at 1e-6 by up to 4e-4 relative
// near the posterior, at 1e-8 by about 3e-6, for twice the steps (about 140 over the 20 years).
const OdeOptions kSolverOptions{.rtol = 1e-8, .atol = 1e-8, .max_num_steps = 500};

// For prey u and predator v, (u, v)' = ((alpha - beta v) u, (-gamma + delta u) v) with
// theta = (alpha, beta, gamma, delta); on the log scale, (log u, log v)' = (alpha - beta v,
// -gamma + delta u).
Expr log_predator_prey(const Expr&, const Expr& log_populations, const Expr& theta) {
  const Expr prey = exp(slice(log_populations, 0, Index{0}));
  const Expr predator = exp(slice(log_populations, 0, Index{1}));
  auto rate = [&](std::int64_t i) { return slice(theta, 0, Index{i}); };
  return stack({rate(0) - rate(1) * predator, -rate(2) + rate(3) * prey});
}

Model build() {
  const DataFile data = load_posterior_data(kPosterior);
  // Two populations (hare, lynx) observed at N times.
  require_shapes(data, {{"ts", {"N"}}, {"y", {"N", 2}}, {"y_init", {2}}});
  Model m;
  auto times = m.data("ts", vector_tensor(real_values(data, "ts")));
  // theta = (alpha, beta, gamma, delta): Normal(1, 0.5) on the growth and death rates, Normal(0.05,
  // 0.05) on the interaction rates, all restricted to theta > 0.
  auto theta = m.rv("theta",
                    Normal(constant(vector_tensor({1, 0.05, 1, 0.05})),
                           constant(vector_tensor({0.5, 0.05, 0.5, 0.05}))),
                    {.transform = log_transform()});
  auto z_init = m.rv("z_init", LogNormal(std::log(10.0), 1), {.shape = {2}});
  auto sigma = m.rv("sigma", LogNormal(-1, 1), {.shape = {2}});
  // log_z[n, k]: log of population k at ts[n]; sigma[k] broadcasts over the rows.
  auto log_z_init = log(z_init);
  auto log_z =
      ode_solve(log_predator_prey, log_z_init, constant(0.0), times, theta, kSolverOptions);
  m.observe("y_init_obs", LogNormal(log_z_init, sigma), real_tensor(data, "y_init"));
  m.observe("y_obs", LogNormal(log_z, sigma), real_tensor(data, "y"));
  return m;
}

}  // namespace

std::vector<BundledModel> lotka_volterra() {
  // The reference run needed adapt_delta = 0.99.
  return {{.name = kPosterior,
           .description = "Lotka-Volterra ODE, lynx and hare pelts over 21 years (8 params)",
           .build = build,
           .target_accept = 0.99}};
}

}  // namespace hypatia::models::posteriordb
