// Mass-matrix adaptations compared by gradient evaluations, which machine load does not change:
// for each posterior, NUTS 4 chains x TUNE warm-up x 1000 draws with Stan's diagonal metric and
// Stan's windows (the baseline), and with each other (metric, warm-up schedule) configuration,
// over several seeds; prints the medians of leapfrog steps per effective draw (the smallest bulk
// ESS over the unconstrained coordinates) as a ratio to the baseline, and of warm-up leapfrog
// steps. Usage: hypatia-bench-metric [--seeds N] [--tune N] [--configs a,b,...] [MODEL ...]
// (default: every bundled posteriordb posterior whose own metric is diagonal; configurations
// fisher/stan, fisher/nutpie, lowrank/stan, lowrank/nutpie, diag/nutpie, all by default).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
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

struct Configuration {
  std::string label;
  MetricKind metric;
  WarmupSchedule schedule;
};

const std::vector<Configuration> kConfigurations = {
    {"diag/stan", MetricKind::diagonal, WarmupSchedule::stan},
    {"fisher/stan", MetricKind::fisher_diagonal, WarmupSchedule::stan},
    {"fisher/nutpie", MetricKind::fisher_diagonal, WarmupSchedule::nutpie},
    {"lowrank/stan", MetricKind::fisher_low_rank, WarmupSchedule::stan},
    {"lowrank/nutpie", MetricKind::fisher_low_rank, WarmupSchedule::nutpie},
    {"diag/nutpie", MetricKind::diagonal, WarmupSchedule::nutpie}};

Cost run(Target& target, const BundledModel& model, const Configuration& configuration,
         std::int64_t tune, std::uint64_t seed) {
  NutsOptions options{.tune = tune,
                      .seed = seed,
                      .target_accept = model.target_accept,
                      .max_tree_depth = model.max_tree_depth,
                      .metric = configuration.metric,
                      .progress = false,
                      .save_warmup = true,
                      .warmup_schedule = configuration.schedule};
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
  std::int64_t tune = 1000;
  std::vector<std::string> names;
  std::vector<Configuration> configurations = {kConfigurations[0]};
  std::string wanted = "fisher/stan,fisher/nutpie,lowrank/stan,lowrank/nutpie,diag/nutpie";
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--seeds" && i + 1 < argc) {
      seeds = std::stoi(argv[++i]);
    } else if (argument == "--tune" && i + 1 < argc) {
      tune = std::stoll(argv[++i]);
    } else if (argument == "--configs" && i + 1 < argc) {
      wanted = argv[++i];
    } else {
      names.push_back(argument);
    }
  }
  std::stringstream list(wanted);
  for (std::string label; std::getline(list, label, ',');) {
    const auto found = std::find_if(
        kConfigurations.begin() + 1, kConfigurations.end(),
        [&](const Configuration& configuration) { return configuration.label == label; });
    if (found == kConfigurations.end()) {
      std::fprintf(stderr, "unknown configuration '%s'\n", label.c_str());
      return 2;
    }
    configurations.push_back(*found);
  }
  if (names.empty()) names = posteriordb_model_names();
  std::printf(
      "tune %lld, %d seeds; per configuration: gradients per effective draw / diag-stan's, "
      "then warm-up gradients / diag-stan's\n",
      static_cast<long long>(tune), seeds);
  std::printf("%-40s %10s %10s", "posterior", "diag grad/ESS", "warm-up");
  for (std::size_t c = 1; c < configurations.size(); ++c) {
    std::printf(" %16s", configurations[c].label.c_str());
  }
  std::printf("\n");
  std::vector<std::vector<double>> ess_ratios(configurations.size()),
      warmup_ratios(configurations.size());
  for (const std::string& name : names) {
    const BundledModel& model = find_bundled_model(name);
    if (model.metric != MetricKind::diagonal) continue;
    auto compiled = model.build().compile();
    std::vector<double> per_ess_median, warmup_median;
    for (const Configuration& configuration : configurations) {
      std::vector<double> per_ess, warmup;
      for (int seed = 1; seed <= seeds; ++seed) {
        const Cost cost =
            run(*compiled, model, configuration, tune, static_cast<std::uint64_t>(seed));
        per_ess.push_back(cost.steps_per_ess);
        warmup.push_back(cost.warmup_steps);
      }
      per_ess_median.push_back(median(per_ess));
      warmup_median.push_back(median(warmup));
    }
    std::printf("%-40s %10.1f %10.0f", name.c_str(), per_ess_median[0], warmup_median[0]);
    for (std::size_t c = 1; c < configurations.size(); ++c) {
      const double ess_ratio = per_ess_median[c] / per_ess_median[0];
      const double warmup_ratio = warmup_median[c] / warmup_median[0];
      ess_ratios[c].push_back(ess_ratio);
      warmup_ratios[c].push_back(warmup_ratio);
      std::printf("   %6.2f / %6.2f", ess_ratio, warmup_ratio);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  if (configurations.size() > 1 && !ess_ratios[1].empty()) {
    std::printf("%-62s", "median ratio over posteriors (grad/ESS / warm-up)");
    for (std::size_t c = 1; c < configurations.size(); ++c) {
      std::printf("   %6.2f / %6.2f", median(ess_ratios[c]), median(warmup_ratios[c]));
    }
    std::printf("\n");
  }
}
