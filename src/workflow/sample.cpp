// From a model to an InferenceData: compile, sample, and store draws with their names and dims.

#include "hypatia/sample.hpp"

#include <chrono>
#include <ctime>

#include "hypatia/error.hpp"
#include "hypatia/interpreter.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

NutsOptions nuts_options(const SampleOptions& options) {
  NutsOptions nuts;
  nuts.chains = options.chains;
  nuts.cores = options.cores;
  nuts.tune = options.tune;
  nuts.draws = options.draws;
  nuts.seed = options.seed;
  nuts.target_accept = options.target_accept;
  nuts.max_tree_depth = options.max_tree_depth;
  nuts.metric = options.metric;
  nuts.progress = options.progress;
  return nuts;
}

enum class StatType { real, integer, boolean };

template <typename T>
Variable stat_variable(const std::string& name, const std::vector<const std::vector<T>*>& chains,
                       StatType type) {
  Variable variable{.name = name,
                    .is_integer = type == StatType::integer,
                    .is_boolean = type == StatType::boolean};
  for (const std::vector<T>* values : chains) {
    for (const T& value : *values) variable.values.push_back(static_cast<double>(value));
  }
  return variable;
}

Group nuts_sample_stats(const NutsResult& result) {
  auto per_chain = [&](auto member) {
    std::vector<const std::remove_cvref_t<decltype(result.chains[0].stats.*member)>*> values;
    for (const NutsChain& chain : result.chains) values.push_back(&(chain.stats.*member));
    return values;
  };
  Group stats;
  stats.variables.push_back(stat_variable("lp", per_chain(&NutsStats::lp), StatType::real));
  stats.variables.push_back(
      stat_variable("acceptance_rate", per_chain(&NutsStats::acceptance_rate), StatType::real));
  stats.variables.push_back(
      stat_variable("step_size", per_chain(&NutsStats::step_size), StatType::real));
  stats.variables.push_back(
      stat_variable("tree_depth", per_chain(&NutsStats::tree_depth), StatType::integer));
  stats.variables.push_back(
      stat_variable("n_steps", per_chain(&NutsStats::n_steps), StatType::integer));
  stats.variables.push_back(
      stat_variable("diverging", per_chain(&NutsStats::diverging), StatType::boolean));
  stats.variables.push_back(stat_variable("energy", per_chain(&NutsStats::energy), StatType::real));
  stats.variables.push_back(
      stat_variable("max_energy_error", per_chain(&NutsStats::max_energy_error), StatType::real));
  stats.variables.push_back(divergence_end(result));
  return stats;
}

std::string now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

void add_settings(InferenceData& data, const SampleOptions& options) {
  data.attributes["sampler"] = options.sampler == SamplerKind::nuts ? "nuts" : "smc";
  data.attributes["backend"] = std::string(backend_name(options.backend));
  data.attributes["chains"] = std::to_string(options.chains);
  data.attributes["draws"] = std::to_string(data.draws);
  data.attributes["tune"] = std::to_string(options.tune);
  data.attributes["seed"] = std::to_string(options.seed);
  data.attributes["target_accept"] = std::to_string(options.target_accept);
  data.attributes["max_tree_depth"] = std::to_string(options.max_tree_depth);
  data.attributes["metric"] = options.metric == MetricKind::dense ? "dense" : "diagonal";
  if (options.sampler == SamplerKind::smc) {
    data.attributes["particles"] = std::to_string(options.particles);
  }
  data.attributes["created_at"] = now_iso8601();
}

InferenceData sample_with_nuts(CompiledModel& compiled, const SampleOptions& options) {
  const NutsResult result = sample_nuts(compiled, nuts_options(options));
  std::vector<double> flat;
  for (const NutsChain& chain : result.chains) {
    flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
  }
  InferenceData data;
  data.chains = options.chains;
  data.draws = options.draws;
  data.groups["posterior"] = constrained_draws(compiled, flat, options.chains, options.draws);
  data.groups["sample_stats"] = nuts_sample_stats(result);
  data.coords[unconstrained_parameter_dim] = compiled.coordinate_names();
  if (options.log_likelihood) {
    data.groups["log_likelihood"] =
        log_likelihood_group(compiled, flat, options.chains, options.draws);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  return data;
}

// Checked before sampling, so a run that cannot deliver what was asked for costs nothing.
void require_observed_variable(const Model& model) {
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::observed) return;
  }
  throw Error(
      "log_likelihood was requested, but the model has no observed variable (potentials are "
      "not observations): there is no pointwise log likelihood to store");
}

}  // namespace

Group constrained_draws(CompiledModel& compiled, const std::vector<double>& flat_draws,
                        std::int64_t chains, std::int64_t draws) {
  const std::int64_t dim = compiled.dim();
  if (static_cast<std::int64_t>(flat_draws.size()) != chains * draws * dim) {
    throw Error("constrained_draws: expected " + std::to_string(chains * draws * dim) +
                " values (chains x draws x dim); got " + std::to_string(flat_draws.size()));
  }
  Group group;
  for (const ModelVariable& stored : compiled.stored_variables()) {
    group.variables.push_back({.name = stored.name, .shape = stored.shape, .dims = stored.dims});
  }
  for (std::int64_t i = 0; i < chains * draws; ++i) {
    const auto values = compiled.constrain(flat_draws.data() + i * dim);
    for (std::size_t k = 0; k < values.size(); ++k) {
      group.variables[k].values.insert(group.variables[k].values.end(), values[k].begin(),
                                       values[k].end());
    }
  }
  return group;
}

InferenceData sample(const Model& model, const SampleOptions& options) {
  if (options.log_likelihood) require_observed_variable(model);
  auto compiled = model.compile({.backend = options.backend});
  InferenceData data = options.sampler == SamplerKind::nuts ? sample_with_nuts(*compiled, options)
                                                            : sample_with_smc(*compiled, options);
  add_settings(data, options);
  // The model's coords join those the sampler added (unconstrained_parameter).
  data.coords.insert(model.coords().begin(), model.coords().end());
  data.groups["observed_data"] = observed_data_group(model);
  data.groups["constant_data"] = constant_data_group(model);
  return data;
}

}  // namespace hypatia
