// A sweep over 100 conditionally independent Bernoulli indicators (an outlier model): the cost of
// one BinaryGibbsMetropolis sweep that moves all elements at once from compiled per-element terms,
// against the one-element-at-a-time sweep PyMC runs (one whole log density per element), both in
// units of one whole log-density evaluation. Usage: hypatia-bench-discrete-sweep [elements].

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/infer/compound.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"

namespace {

using namespace hypatia;
using Clock = std::chrono::steady_clock;

Model outlier_model(std::int64_t n) {
  std::vector<double> y;
  for (std::int64_t i = 0; i < n; ++i) y.push_back(i % 10 == 0 ? 8.0 + 0.1 * i : 0.01 * i);
  Model model;
  const Expr outlier = model.rv("outlier", Bernoulli(0.1), {.shape = {n}});
  const Expr sigma = where(equal(outlier, 1), Expr(10.0), Expr(1.0));
  model.observe("y", Normal(0.0, sigma), Tensor::from_doubles(y, {n}));
  return model;
}

double seconds_per_iteration(CompiledModel& target, const FlatBlock& block, bool at_once) {
  CompoundOptions options;
  options.chains = 1;
  options.tune = 0;
  options.draws = 50000;
  options.progress = false;
  options.steps = {{.method = StepMethod::binary_gibbs_metropolis,
                    .blocks = {{.name = block.name,
                                .offset = block.offset,
                                .size = block.size,
                                .discrete = true,
                                .lower = 0,
                                .upper = 1,
                                .elementwise = at_once}},
                    .settings = {{"transit_p", 1.0}}}};
  const auto start = Clock::now();
  sample_compound(target, options);
  return std::chrono::duration<double>(Clock::now() - start).count() /
         static_cast<double>(options.draws);
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::stoll(argv[1]) : 100;
  const Model model = outlier_model(n);
  auto compiled = model.compile();
  const FlatBlock block = model.layout().blocks.at(0);
  std::vector<double> x(static_cast<std::size_t>(block.size), 0.0);
  double sink = 0;
  const int repeats = 20000;
  auto start = Clock::now();
  for (int i = 0; i < repeats; ++i) sink += compiled->logp(x.data());
  const double whole = std::chrono::duration<double>(Clock::now() - start).count() / repeats;
  std::vector<double> local(static_cast<std::size_t>(block.size));
  start = Clock::now();
  for (int i = 0; i < repeats; ++i)
    compiled->local_logp(block.offset, block.size, x.data(), local.data());
  const double per_element = std::chrono::duration<double>(Clock::now() - start).count() / repeats;
  const double at_once = seconds_per_iteration(*compiled, block, true);
  const double one_by_one = seconds_per_iteration(*compiled, block, false);
  std::printf("elements %lld\n", static_cast<long long>(n));
  std::printf("whole log density      %9.3f us\n", whole * 1e6);
  std::printf("per-element terms      %9.3f us  (%.2f whole evaluations)\n", per_element * 1e6,
              per_element / whole);
  std::printf("sweep, all at once     %9.3f us  (%.2f whole evaluations)\n", at_once * 1e6,
              at_once / whole);
  std::printf("sweep, one at a time   %9.3f us  (%.2f whole evaluations)\n", one_by_one * 1e6,
              one_by_one / whole);
  std::printf("speed-up               %9.1fx\n", one_by_one / at_once);
  return sink == 12345.678 ? 1 : 0;
}
