// Mass-matrix adaptations compared by gradient evaluations, which machine load does not change:
// for each posterior, NUTS 4 chains x 1000 warm-up x 1000 draws with Stan's diagonal metric and
// with the Fisher-divergence diagonal, over several seeds; prints the medians of leapfrog steps
// per effective draw (the smallest bulk ESS over the unconstrained coordinates) and of warm-up
// leapfrog steps. Usage: hypatia-bench-metric [--seeds N] [MODEL ...] (default: every bundled
// posteriordb posterior whose own metric is diagonal).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "hypatia/diagnostics.hpp"
#include "hypatia/infer/nuts.hpp"
#include "hypatia/models.hpp"
#include "hypatia/validation.hpp"

namespace {

using namespace hypatia;

struct Cost {
  double steps_per_ess = 0;
  double warmup_steps = 0;
};

Cost run(Target& target, const BundledModel& model, MetricKind metric, std::uint64_t seed) {
  NutsOptions options{.seed = seed,
                      .target_accept = model.target_accept,
                      .max_tree_depth = model.max_tree_depth,
                      .metric = metric,
                      .progress = false,
                      .save_warmup = true};
  const NutsResult result = sample_nuts(target, options);
  double steps = 0, warmup_steps = 0;
  for (const NutsChain& chain : result.chains) {
    for (std::int64_t n : chain.stats.n_steps) steps += static_cast<double>(n);
    for (std::int64_t n : chain.warmup_stats.n_steps) warmup_steps += static_cast<double>(n);
  }
  double smallest = INFINITY;
  const auto chains = static_cast<std::int64_t>(result.chains.size());
  for (std::int64_t coordinate = 0; coordinate < result.dim; ++coordinate) {
    std::vector<double> draws;
    for (const NutsChain& chain : result.chains) {
      for (std::size_t i = static_cast<std::size_t>(coordinate); i < chain.draws.size();
           i += static_cast<std::size_t>(result.dim)) {
        draws.push_back(chain.draws[i]);
      }
    }
    smallest = std::min(smallest, diagnostics::ess_bulk(draws, chains));
  }
  return {steps / smallest, warmup_steps};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

int main(int argc, char** argv) {
  int seeds = 3;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--seeds" && i + 1 < argc) {
      seeds = std::stoi(argv[++i]);
    } else {
      names.push_back(argument);
    }
  }
  if (names.empty()) names = posteriordb_model_names();
  std::printf("%-44s %12s %12s %7s %12s %12s\n", "posterior", "diag grad/ESS", "fisher", "ratio",
              "diag warm-up", "fisher");
  std::vector<double> ratios;
  for (const std::string& name : names) {
    const BundledModel& model = find_bundled_model(name);
    if (model.metric != MetricKind::diagonal) continue;
    auto compiled = model.build().compile();
    std::vector<double> per_ess[2], warmup[2];
    for (int metric = 0; metric < 2; ++metric) {
      for (int seed = 1; seed <= seeds; ++seed) {
        const Cost cost =
            run(*compiled, model, metric ? MetricKind::fisher_diagonal : MetricKind::diagonal,
                static_cast<std::uint64_t>(seed));
        per_ess[metric].push_back(cost.steps_per_ess);
        warmup[metric].push_back(cost.warmup_steps);
      }
    }
    const double ratio = median(per_ess[1]) / median(per_ess[0]);
    ratios.push_back(ratio);
    std::printf("%-44s %12.1f %12.1f %7.2f %12.0f %12.0f\n", name.c_str(), median(per_ess[0]),
                median(per_ess[1]), ratio, median(warmup[0]), median(warmup[1]));
    std::fflush(stdout);
  }
  if (!ratios.empty()) {
    std::printf("median ratio (fisher / diag gradients per effective draw): %.2f\n",
                median(ratios));
  }
}
