// NUTS's own cost per leapfrog step, beside the log density's (issue 16, per-step overhead): one
// chain on a Gaussian with scales from 0.1 to 10, whose hand-written log density + gradient costs
// a few operations per coordinate, in dimensions 10, 100 and 1000. Prints process CPU
// microseconds per leapfrog step (warm-up and draws), of one log density + gradient call alone,
// and their difference: what the sampler itself spends per step (momentum updates, energies,
// U-turn checks, tree bookkeeping). Usage: hypatia-bench-nuts-overhead [draws] [dim ...] (default
// 4000 draws in dimensions 10, 100 and 1000).

#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/infer/nuts.hpp"
#include "hypatia/infer/target.hpp"
#include "timing.hpp"

namespace {

using namespace hypatia;

class ScaledGaussian : public Target {
 public:
  explicit ScaledGaussian(std::int64_t dim) : precision_(static_cast<std::size_t>(dim)) {
    for (std::size_t i = 0; i < precision_.size(); ++i) {
      const double scale = std::pow(
          10.0, -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(precision_.size()));
      precision_[i] = 1.0 / (scale * scale);
    }
  }
  std::int64_t dim() const override { return static_cast<std::int64_t>(precision_.size()); }
  double logp_grad(const double* x, double* grad) override {
    double logp = 0;
    for (std::size_t i = 0; i < precision_.size(); ++i) {
      grad[i] = -precision_[i] * x[i];
      logp += grad[i] * x[i];
    }
    return 0.5 * logp;
  }
  std::unique_ptr<Target> clone() const override { return std::make_unique<ScaledGaussian>(*this); }

 private:
  std::vector<double> precision_;
};

double process_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t draws = argc > 1 ? std::atoll(argv[1]) : 4000;
  if (draws <= 0) {
    std::fprintf(stderr, "usage: hypatia-bench-nuts-overhead [draws > 0]; got '%s'\n", argv[1]);
    return 2;
  }
  std::vector<std::int64_t> dims;
  for (int k = 2; k < argc; ++k) {
    dims.push_back(std::atoll(argv[k]));
    if (dims.back() <= 0) {
      std::fprintf(stderr, "usage: hypatia-bench-nuts-overhead [draws] [dim > 0 ...]; got '%s'\n",
                   argv[k]);
      return 2;
    }
  }
  if (dims.empty()) dims = {10, 100, 1000};
  std::printf("%6s %12s %14s %14s %14s\n", "dim", "leapfrogs", "us per step", "us per grad",
              "sampler us");
  for (const std::int64_t dim : dims) {
    ScaledGaussian target(dim);
    NutsOptions options;
    options.chains = 1;
    options.cores = 1;
    options.tune = 1000;
    options.draws = draws;
    options.seed = 7;
    options.progress = false;
    options.save_warmup = true;  // to count the warm-up's leapfrog steps
    const double start = process_cpu_seconds();
    const NutsResult result = sample_nuts(target, options);
    const double cpu_s = process_cpu_seconds() - start;
    const NutsChain& chain = result.chains.at(0);
    const std::int64_t steps =
        std::accumulate(chain.stats.n_steps.begin(), chain.stats.n_steps.end(), std::int64_t{0}) +
        std::accumulate(chain.warmup_stats.n_steps.begin(), chain.warmup_stats.n_steps.end(),
                        std::int64_t{0});
    std::vector<double> x(static_cast<std::size_t>(dim), 0.3), grad(x.size());
    const double grad_s = bench::median_seconds(
                              [&] {
                                for (int call = 0; call < 1000; ++call) {
                                  x[0] += target.logp_grad(x.data(), grad.data()) * 1e-300;
                                }
                              },
                              5, 0.2) /
                          1000;
    const double per_step_us = cpu_s / static_cast<double>(steps) * 1e6;
    std::printf("%6lld %12lld %14.3f %14.3f %14.3f\n", static_cast<long long>(dim),
                static_cast<long long>(steps), per_step_us, grad_s * 1e6,
                per_step_us - grad_s * 1e6);
  }
  return 0;
}
