// Hessian-vector product against gradient: per bundled model, the median time of one compiled
// log density + gradient and of one compiled Hessian-vector product (native backend), their
// ratio (reverse over reverse should cost a small multiple of the gradient), and the time of the
// dense Hessian (dim products). Usage: hypatia-bench-hvp [model ...] (default: a few).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/infer/hessian.hpp"
#include "hypatia/models.hpp"
#include "timing.hpp"

namespace {

using namespace hypatia;
using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(F&& call) {
  return bench::median_seconds(call, 5, 0.2);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> names(argv + 1, argv + argc);
  if (names.empty()) {
    names = {"eight_schools", "radon", "logreg", "diamonds-diamonds", "arK-arK"};
  }
  std::printf("%-28s %5s %12s %12s %7s %12s\n", "model", "dim", "grad (us)", "hvp (us)", "ratio",
              "hessian (ms)");
  std::mt19937_64 generator(1);
  std::uniform_real_distribution<double> uniform(-0.5, 0.5);
  for (const std::string& name : names) {
    const Model model = find_bundled_model(name).build();
    const LogDensityGraph graph = model.log_density();
    LogpGrad logp_grad(graph.x, graph.logp, graph.data_inputs, graph.data_values);
    HessianVectorProduct hvp(model, true);
    const auto n = static_cast<std::size_t>(hvp.dim());
    std::vector<double> x(n), v(n), gradient(n), product(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = uniform(generator);
      v[i] = uniform(generator);
    }
    const double gradient_time = median_seconds([&] { logp_grad(x.data(), gradient.data()); });
    const double product_time =
        median_seconds([&] { hvp(x.data(), v.data(), product.data(), gradient.data()); });
    const auto t0 = Clock::now();
    const std::vector<double> hessian = hvp.hessian(x.data());
    const double hessian_time = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%-28s %5zu %12.2f %12.2f %7.2f %12.2f\n", name.c_str(), n, gradient_time * 1e6,
                product_time * 1e6, product_time / gradient_time, hessian_time * 1e3);
  }
  return 0;
}
