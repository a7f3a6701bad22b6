// Compound sampling through the same path as NUTS: steps chosen per variable, draws constrained,
// every step's statistics in sample_stats under PyMC's names.

#include <limits>

#include "hypatia/error.hpp"
#include "workflow/interrupted_runs.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

CompoundOptions compound_options(const SampleOptions& options, std::vector<StepSpec> steps) {
  CompoundOptions compound;
  compound.chains = options.chains;
  compound.cores = options.cores;
  compound.tune = options.tune;
  compound.draws = options.draws;
  compound.seed = options.seed;
  compound.steps = std::move(steps);
  compound.nuts.target_accept = options.target_accept;
  compound.nuts.max_tree_depth = options.max_tree_depth;
  compound.nuts.metric = options.metric;
  compound.init = options.init;
  compound.init_radius = options.init_radius;
  compound.progress = options.progress;
  compound.progress_callback = options.progress_callback;
  compound.save_warmup = options.save_warmup;
  return compound;
}

Variable stat_variable(const std::string& name, StepStatColumn::Type type) {
  return {.name = name,
          .is_integer = type == StepStatColumn::Type::integer,
          .is_boolean = type == StepStatColumn::Type::boolean};
}

Group compound_sample_stats(const CompoundResult& result, bool warmup) {
  Group stats;
  Variable lp = stat_variable("lp", StepStatColumn::Type::real);
  for (const CompoundChain& chain : result.chains) {
    const std::vector<double>& values = warmup ? chain.warmup_lp : chain.lp;
    lp.values.insert(lp.values.end(), values.begin(), values.end());
  }
  stats.variables.push_back(std::move(lp));
  const std::vector<StepStatColumn>& names =
      warmup ? result.chains[0].warmup_stats : result.chains[0].stats;
  bool has_divergences = false;
  for (std::size_t k = 0; k < names.size(); ++k) {
    Variable variable = stat_variable(names[k].name, names[k].type);
    has_divergences |= names[k].name == "diverging";
    for (const CompoundChain& chain : result.chains) {
      const StepStatColumn& column = (warmup ? chain.warmup_stats : chain.stats)[k];
      variable.values.insert(variable.values.end(), column.values.begin(), column.values.end());
    }
    stats.variables.push_back(std::move(variable));
  }
  if (has_divergences) {
    std::vector<ChainDivergences> chains;
    for (const CompoundChain& chain : result.chains) {
      chains.push_back({&chain.divergences,
                        warmup ? static_cast<std::int64_t>(chain.warmup_lp.size()) : chain.size()});
    }
    stats.variables.push_back(divergence_end(result.dim, chains, warmup));
  }
  return stats;
}

Group constrained_chain_draws(CompiledModel& compiled, const CompoundResult& result,
                              std::vector<double> CompoundChain::*draws, std::int64_t per_chain) {
  std::vector<double> flat;
  flat.reserve(result.chains.size() * static_cast<std::size_t>(per_chain * result.dim));
  for (const CompoundChain& chain : result.chains) {
    flat.insert(flat.end(), (chain.*draws).begin(), (chain.*draws).end());
  }
  return constrained_draws(compiled, flat, static_cast<std::int64_t>(result.chains.size()),
                           per_chain);
}

}  // namespace

InferenceData sample_with_compound(const Model& model, CompiledModel& compiled,
                                   const SampleOptions& options) {
  CompoundResult result = sample_compound(
      compiled, compound_options(options, assign_steps(model, options.steps, &compiled)));
  std::vector<std::int64_t> kept_chains;
  const bool interrupted = std::any_of(result.chains.begin(), result.chains.end(),
                                       [&](auto& c) { return c.size() < options.draws; });
  if (interrupted) {
    result = keep_complete_block(
        std::move(result), kept_chains, [](const CompoundChain& chain) { return chain.size(); },
        [](CompoundChain& chain, std::size_t draws) {
          chain.lp.resize(draws);
          for (StepStatColumn& column : chain.stats) column.values.resize(draws);
        });
  }
  InferenceData data;
  data.chains = static_cast<std::int64_t>(result.chains.size());
  data.draws = result.chains[0].size();
  if (interrupted) mark_interrupted(data, options.draws, kept_chains, options.chains);
  data.groups["posterior"] =
      constrained_chain_draws(compiled, result, &CompoundChain::draws, data.draws);
  data.groups["sample_stats"] = compound_sample_stats(result, false);
  if (options.save_warmup) {
    data.warmup_draws = static_cast<std::int64_t>(result.chains[0].warmup_lp.size());
    data.groups["warmup_posterior"] =
        constrained_chain_draws(compiled, result, &CompoundChain::warmup_draws, data.warmup_draws);
    data.groups["warmup_sample_stats"] = compound_sample_stats(result, true);
  }
  data.coords[unconstrained_parameter_dim] = compiled.coordinate_names();
  if (options.log_likelihood) {
    std::vector<double> flat;
    for (const CompoundChain& chain : result.chains) {
      flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
    }
    data.groups["log_likelihood"] = log_likelihood_group(compiled, flat, data.chains, data.draws);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  std::string steps;
  for (const StepSpec& spec : assign_steps(model, options.steps, &compiled)) {
    std::string names;
    for (const StepBlock& block : spec.blocks) names += (names.empty() ? "" : ", ") + block.name;
    steps +=
        (steps.empty() ? "" : "; ") + std::string(step_method_name(spec.method)) + ": " + names;
  }
  data.attributes["step_methods"] = steps;
  return data;
}

}  // namespace hypatia
