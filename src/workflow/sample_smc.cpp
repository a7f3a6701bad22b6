// SMC through the same path as NUTS: particles become draws, the evidence and the temperature
// schedule become sample statistics and attributes.

#include <chrono>

#include "hypatia/error.hpp"
#include "hypatia/infer/smc.hpp"
#include "workflow/interrupted_runs.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

Group smc_sample_stats(const SmcResult& result) {
  // One value per chain, repeated over its draws so the group keeps the (chain, draw) layout.
  Variable evidence{.name = "log_marginal_likelihood"};
  Variable stages{.name = "stages", .is_integer = true};
  for (const SmcChain& chain : result.chains) {
    for (std::int64_t i = 0; i < result.particles; ++i) {
      evidence.values.push_back(chain.log_marginal_likelihood);
      stages.values.push_back(static_cast<double>(chain.betas.size() - 1));
    }
  }
  return {.variables = {evidence, stages}};
}

}  // namespace

InferenceData sample_with_smc(CompiledModel& compiled, const SampleOptions& options) {
  SmcOptions smc;
  smc.chains = options.chains;
  smc.cores = options.cores;
  smc.particles = options.particles;
  smc.kernel = options.smc_kernel;
  smc.seed = options.seed;
  smc.progress = options.progress;
  smc.progress_callback = options.progress_callback;
  const auto start = std::chrono::steady_clock::now();
  SmcResult result = sample_smc(compiled, smc);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::int64_t> particles_per_chain;
  for (const SmcChain& chain : result.chains) {
    particles_per_chain.push_back(static_cast<std::int64_t>(chain.draws.size()) / result.dim);
  }
  std::int64_t draws = 0;
  const std::vector<std::int64_t> kept = chains_to_keep(particles_per_chain, draws);
  if (draws == 0) throw Error("sample: interrupted before any SMC run reached beta = 1");
  const bool interrupted = static_cast<std::int64_t>(kept.size()) < options.chains;
  std::vector<SmcChain> finished;
  for (std::int64_t chain : kept) finished.push_back(std::move(result.chains[chain]));
  result.chains = std::move(finished);
  std::vector<double> flat;
  for (const SmcChain& chain : result.chains) {
    flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
  }
  InferenceData data;
  data.chains = static_cast<std::int64_t>(kept.size());
  data.draws = options.particles;
  if (interrupted) mark_interrupted(data, options.particles, kept, options.chains);
  data.groups["posterior"] = constrained_draws(compiled, flat, data.chains, data.draws);
  data.groups["sample_stats"] = smc_sample_stats(result);
  if (options.log_likelihood) {
    data.groups["log_likelihood"] =
        log_likelihood_group(compiled, flat, options.chains, options.particles);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(seconds);
  return data;
}

}  // namespace hypatia
