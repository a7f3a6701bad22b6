// GARCH(1,1) volatility model (posteriordb garch-garch11), with flat priors on its support.

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/scan.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/transform.hpp"
#include "models/posteriordb/posteriordb.hpp"

namespace hypatia::models::posteriordb {
namespace {

Model build() {
  const DataFile data = load_posterior_data("garch-garch11");
  require_shapes(data, {{"y", {"T"}}, {"sigma1", {}}});
  const std::vector<double> y = real_values(data, "y");
  const double sigma1 = data.real("sigma1");
  const std::int64_t steps = static_cast<std::int64_t>(y.size());

  Model m;
  auto series = m.data("y", vector_tensor(y));
  auto mu = m.rv("mu", Flat());
  auto alpha0 = m.rv("alpha0", HalfFlat());
  auto alpha1 = m.rv("alpha1", Uniform(0, 1));
  // Flat on the triangle alpha1 + beta1 < 1: the bound moves with alpha1, the density does not
  // (Uniform(0, 1 - alpha1) would add a 1 / (1 - alpha1) factor).
  auto beta1 = m.rv("beta1", Flat(), {.transform = interval_transform(0.0, 1.0 - alpha1)});

  // s[t]^2 = alpha0 + alpha1 (y[t-1] - mu)^2 + beta1 s[t-1]^2: the part that does not depend on
  // s[t-1] is computed for all t at once, the recursion by a scan.
  auto innovations = alpha0 + alpha1 * square(slice(series, 0, Slice{0, steps - 1}) - mu);
  auto recursion = scan(
      [&](const Exprs& innovation, const Exprs& variance) {
        auto next = innovation[0] + beta1 * variance[0];
        return ScanStep{.carries = {next}, .outputs = {next}};
      },
      {innovations}, {Expr(sigma1 * sigma1)});
  auto volatility = concatenate(
      {Expr(constant(Tensor::from_doubles({sigma1}, {1}))), sqrt(recursion.outputs[0])});
  m.observe("y_obs", Normal(mu, volatility), series);
  return m;
}

}  // namespace

std::vector<BundledModel> garch() {
  return {{.name = "garch-garch11",
           .description = "GARCH(1,1) volatility model on 200 returns (4 params)",
           .build = build}};
}

}  // namespace hypatia::models::posteriordb
