// The eight-schools model of Rubin (1981), non-centered: the demo model.

#include "hypatia/ppl/distributions.hpp"
#include "models/registry.hpp"

namespace hypatia::models {
namespace {

Model build() {
  Model m;
  m.add_coord("school",
              std::vector<std::string>{"Choate", "Deerfield", "Phillips Andover", "Phillips Exeter",
                                       "Hotchkiss", "Lawrenceville", "St. Paul's", "Mt. Hermon"});
  // Estimated coaching effects and their standard errors (Gelman et al., BDA3, table 5.2).
  auto y = m.data("y", {28., 8., -3., 7., -1., 1., 18., 12.}, {.dims = {"school"}});
  auto sigma = m.data("sigma", {15., 10., 16., 11., 9., 11., 10., 18.}, {.dims = {"school"}});
  auto mu = m.normal("mu", 0, 5);
  auto tau = m.half_cauchy("tau", 5);
  auto theta_raw = m.normal("theta_raw", 0, 1, {.dims = {"school"}});
  auto theta = m.deterministic("theta", mu + tau * theta_raw, {"school"});
  m.observe("y_obs", Normal(theta, sigma), y, {.dims = {"school"}});
  return m;
}

}  // namespace

BundledModel eight_schools() {
  return {.name = "eight_schools",
          .description = "Eight schools, non-centered (hierarchical normal; the demo)",
          .build = build,
          // posteriordb's reference run for this model used adapt_delta 0.95: at 0.8 the funnel
          // near tau = 0 gives an occasional divergence.
          .target_accept = 0.95};
}

}  // namespace hypatia::models
