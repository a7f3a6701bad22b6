// The eight-schools model, non-centred, as posteriordb states it
// (eight_schools-eight_schools_noncentered): the reference reports theta, not the raw offsets.

#include "hypatia/ppl/distributions.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

constexpr const char* kPosterior = "eight_schools-eight_schools_noncentered";

Model build() {
  const DataFile data = load_posterior_data(kPosterior);
  require_shapes(data, {{"y", {"J"}}, {"sigma", {"J"}}});
  const std::int64_t schools = data.integer("J");
  Model m;
  auto y = m.data("y", vector_tensor(real_values(data, "y")));
  auto sigma = m.data("sigma", vector_tensor(real_values(data, "sigma")));
  auto mu = m.normal("mu", 0, 5);
  auto tau = m.half_cauchy("tau", 5);
  auto theta_trans = m.normal("theta_trans", 0, 1, {.shape = {schools}});
  auto theta = m.deterministic("theta", mu + tau * theta_trans);
  m.observe("y_obs", Normal(theta, sigma), y);
  return m;
}

}  // namespace

std::vector<BundledModel> eight_schools() {
  // The reference run needed adapt_delta = 0.95.
  return {{.name = kPosterior,
           .description = "Eight schools, non-centred, posteriordb data (10 params)",
           .build = build,
           .target_accept = 0.95}};
}

}  // namespace hypatia::models::posteriordb
