// A two-component normal mixture with ordered means (posteriordb
// low_dim_gauss_mix-low_dim_gauss_mix).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/transform.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

Model build() {
  const DataFile data = load_posterior_data("low_dim_gauss_mix-low_dim_gauss_mix");
  require_shapes(data, {{"y", {"N"}}});
  Model m;
  auto y = m.data("y", vector_tensor(real_values(data, "y")));
  auto mu = m.normal("mu", 0, 2, {.shape = {2}, .transform = ordered_transform()});
  auto sigma = m.half_normal("sigma", 2, {.shape = {2}});
  auto theta = m.rv("theta", Beta(5, 5));
  // theta weighs the component with the smaller mean.
  auto component = [&](std::int64_t k) {
    return Normal(slice(mu, 0, Index{k}), slice(sigma, 0, Index{k}));
  };
  m.observe("y_obs", Mixture(stack({theta, 1.0 - theta}), {component(0), component(1)}), y);
  return m;
}

}  // namespace

std::vector<BundledModel> low_dim_gauss_mix() {
  return {{.name = "low_dim_gauss_mix-low_dim_gauss_mix",
           .description = "Two-component normal mixture, 1000 points (5 params)",
           .build = build}};
}

}  // namespace hypatia::models::posteriordb
