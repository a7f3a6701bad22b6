// From a model to an InferenceData: compile, sample, and store draws with their names and dims.

#include "hypatia/sample.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <thread>

#include "hypatia/error.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/ops/user_op.hpp"
#include "workflow/interrupted_runs.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {}  // namespace

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
  nuts.warmup_schedule = options.warmup_schedule;
  nuts.progress = options.progress;
  nuts.progress_callback = options.progress_callback;
  nuts.init = options.init;
  nuts.init_radius = options.init_radius;
  nuts.initial_inverse_metric = options.initial_inverse_metric;
  nuts.save_warmup = options.save_warmup;
  return nuts;
}

namespace {

// The stored variables (free variables, deterministics) with room for `draws` values each,
// written in place, draw after draw, by CompiledModel::constrain.
Group stored_variables_group(const CompiledModel& compiled, std::int64_t draws) {
  Group group;
  for (const ModelVariable& stored : compiled.stored_variables()) {
    group.variables.push_back({.name = stored.name, .shape = stored.shape, .dims = stored.dims});
    group.variables.back().values.resize(
        static_cast<std::size_t>(draws * num_elements(stored.shape)));
  }
  return group;
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

}  // namespace

// The statistics of the kept draws, or with `warmup` of the warm-up iterations.
Group nuts_sample_stats(const NutsResult& result, bool warmup) {
  auto per_chain = [&](auto member) {
    std::vector<const std::remove_cvref_t<decltype(result.chains[0].stats.*member)>*> values;
    for (const NutsChain& chain : result.chains) {
      values.push_back(&((warmup ? chain.warmup_stats : chain.stats).*member));
    }
    return values;
  };
  Group stats;
  stats.variables.push_back(stat_variable("lp", per_chain(&NutsStats::lp), StatType::real));
  stats.variables.push_back(
      stat_variable("acceptance_rate", per_chain(&NutsStats::acceptance_rate), StatType::real));
  stats.variables.push_back(
      stat_variable("step_size", per_chain(&NutsStats::step_size), StatType::real));
  stats.variables.push_back(
      stat_variable("step_size_bar", per_chain(&NutsStats::step_size_bar), StatType::real));
  stats.variables.push_back(
      stat_variable("tree_depth", per_chain(&NutsStats::tree_depth), StatType::integer));
  stats.variables.push_back(
      stat_variable("n_steps", per_chain(&NutsStats::n_steps), StatType::integer));
  stats.variables.push_back(
      stat_variable("diverging", per_chain(&NutsStats::diverging), StatType::boolean));
  stats.variables.push_back(stat_variable("energy", per_chain(&NutsStats::energy), StatType::real));
  stats.variables.push_back(
      stat_variable("energy_error", per_chain(&NutsStats::energy_error), StatType::real));
  stats.variables.push_back(
      stat_variable("max_energy_error", per_chain(&NutsStats::max_energy_error), StatType::real));
  stats.variables.push_back(divergence_end(result, warmup));
  return stats;
}

namespace {

std::string now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

void add_settings(InferenceData& data, const SampleOptions& options) {
  data.attributes["sampler"] = options.sampler == SamplerKind::smc        ? "smc"
                               : data.attributes.contains("step_methods") ? "compound"
                                                                          : "nuts";
  data.attributes["backend"] = std::string(backend_name(options.backend));
  data.attributes["chains"] = std::to_string(options.chains);
  data.attributes["draws"] = std::to_string(data.draws);
  data.attributes["tune"] = std::to_string(options.tune);
  data.attributes["seed"] = std::to_string(options.seed);
  data.attributes["target_accept"] = std::to_string(options.target_accept);
  data.attributes["max_tree_depth"] = std::to_string(options.max_tree_depth);
  data.attributes["metric"] = metric_name(options.metric);
  data.attributes["warmup_schedule"] = warmup_schedule_name(options.warmup_schedule);
  data.attributes["threads_per_chain"] = std::to_string(resolved_threads_per_chain(options));
  if (options.sampler == SamplerKind::smc) {
    data.attributes["particles"] = std::to_string(options.particles);
  }
  data.attributes["created_at"] = now_iso8601();
}

namespace {

void truncate(NutsStats& stats, std::size_t draws) {
  for (auto* values : {&stats.lp, &stats.acceptance_rate, &stats.step_size, &stats.step_size_bar,
                       &stats.energy, &stats.energy_error, &stats.max_energy_error}) {
    values->resize(draws);
  }
  stats.tree_depth.resize(draws);
  stats.n_steps.resize(draws);
  stats.diverging.resize(draws);
}

// Like constrained_draws, from each chain's own draws (`draws`: the kept or the warm-up ones,
// per_chain of them), with no flat copy of them all first.
Group constrained_chains(CompiledModel& compiled, const NutsResult& result,
                         std::vector<double> NutsChain::*draws, std::int64_t per_chain) {
  const auto chains = static_cast<std::int64_t>(result.chains.size());
  Group group = stored_variables_group(compiled, chains * per_chain);
  std::vector<double*> outputs(group.variables.size());
  for (std::int64_t chain = 0; chain < chains; ++chain) {
    for (std::size_t k = 0; k < outputs.size(); ++k) {
      outputs[k] = group.variables[k].values.data() +
                   chain * per_chain * num_elements(group.variables[k].shape);
    }
    compiled.constrain((result.chains[chain].*draws).data(), per_chain, outputs.data());
  }
  return group;
}

InferenceData sample_with_nuts(CompiledModel& compiled, const SampleOptions& options) {
  NutsResult result = sample_nuts(compiled, nuts_options(options));
  std::vector<std::int64_t> kept_chains;
  const bool interrupted = std::any_of(result.chains.begin(), result.chains.end(), [&](auto& c) {
    return static_cast<std::int64_t>(c.stats.lp.size()) < options.draws;
  });
  if (interrupted) {
    result = keep_complete_block(
        std::move(result), kept_chains, [](const NutsChain& chain) { return chain.stats.size(); },
        [](NutsChain& chain, std::size_t draws) { truncate(chain.stats, draws); });
  }
  InferenceData data;
  data.chains = static_cast<std::int64_t>(result.chains.size());
  data.draws = result.chains[0].stats.size();
  if (interrupted) mark_interrupted(data, options.draws, kept_chains, options.chains);
  data.groups["posterior"] = constrained_chains(compiled, result, &NutsChain::draws, data.draws);
  data.groups["sample_stats"] = nuts_sample_stats(result);
  if (options.save_warmup) {
    // Kept chains finished their warm-up, even in an interrupted run.
    data.warmup_draws = result.chains[0].warmup_stats.size();
    data.groups["warmup_posterior"] =
        constrained_chains(compiled, result, &NutsChain::warmup_draws, data.warmup_draws);
    data.groups["warmup_sample_stats"] = nuts_sample_stats(result, true);
  }
  data.coords[unconstrained_parameter_dim] = compiled.coordinate_names();
  if (options.log_likelihood) {
    std::vector<double> flat;  // chains x draws x dim
    flat.reserve(result.chains.size() * result.chains[0].draws.size());
    for (const NutsChain& chain : result.chains) {
      flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
    }
    data.groups["log_likelihood"] = log_likelihood_group(compiled, flat, data.chains, data.draws);
  }
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  return data;
}

double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<double>(pages) * static_cast<double>(page_size)
                                    : 0.0;
}

std::string gigabytes(double bytes) {
  std::ostringstream text;
  text.precision(3);
  text << bytes / 1e9 << " GB";
  return text.str();
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

double estimate_sample_bytes(const Model& model, const SampleOptions& options) {
  double stored = 0;  // constrained values and deterministics per draw
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free || variable.role == VariableRole::deterministic) {
      double elements = 1;
      for (std::int64_t length : variable.shape) elements *= static_cast<double>(length);
      stored += elements;
    }
  }
  const double dim = static_cast<double>(model.layout().dim);
  const bool nuts = options.sampler == SamplerKind::nuts;
  const double stats = nuts ? 10 : 2;
  const double chains = options.chains;
  const double draws = static_cast<double>(
      nuts ? options.draws + (options.save_warmup ? options.tune : 0) : options.particles);
  // Each kept draw is held twice on its way out: the sampler's unconstrained draws and stats,
  // then the constrained group and the stats group; the second copy of the unconstrained draws
  // (a flat copy, made only for the log_likelihood group) is counted always, as a margin.
  const double per_draw = 2 * dim + stored + 2 * stats;
  // Each chain's working state: a dozen vectors of the dimension, and a dense metric's matrices.
  const double per_chain =
      16 * dim + (nuts && options.metric == MetricKind::dense ? 3 * dim * dim : 0);
  return 8 * chains * (draws * per_draw + per_chain);
}

Group constrained_draws(CompiledModel& compiled, const std::vector<double>& flat_draws,
                        std::int64_t chains, std::int64_t draws) {
  const std::int64_t dim = compiled.dim();
  if (static_cast<std::int64_t>(flat_draws.size()) != chains * draws * dim) {
    throw Error("constrained_draws: expected " + std::to_string(chains * draws * dim) +
                " values (chains x draws x dim); got " + std::to_string(flat_draws.size()));
  }
  Group group = stored_variables_group(compiled, chains * draws);
  std::vector<double*> outputs;
  for (Variable& variable : group.variables) outputs.push_back(variable.values.data());
  compiled.constrain(flat_draws.data(), chains * draws, outputs.data());
  return group;
}

int resolved_threads_per_chain(const SampleOptions& options) {
  if (options.threads_per_chain < 0) {
    throw Error(
        "sample: threads_per_chain must be at least 1 (or 0 for the cores divided among "
        "the chains); got " +
        std::to_string(options.threads_per_chain));
  }
  if (options.threads_per_chain > 0) return options.threads_per_chain;
  const int cores = options.cores > 0
                        ? options.cores
                        : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, options.chains));
}

InferenceData sample(const Model& model, const SampleOptions& options) {
  // Refused up front: a run whose result cannot fit would grow until the OOM killer ends it.
  const double needed = estimate_sample_bytes(model, options);
  const double limit = options.memory_limit_bytes > 0
                           ? static_cast<double>(options.memory_limit_bytes)
                           : physical_memory_bytes();
  if (limit > 0 && needed > limit) {
    throw Error(
        "sample: the draws would need about " + gigabytes(needed) + " of memory (" +
        std::to_string(options.chains) + " chains x " +
        std::to_string(options.sampler == SamplerKind::nuts ? options.draws : options.particles) +
        " draws of " + std::to_string(model.layout().dim) +
        " parameters with their constrained values and statistics), more than the " +
        (options.memory_limit_bytes > 0 ? "limit of " : "machine's physical memory of ") +
        gigabytes(limit) + "; ask for fewer chains or draws");
  }
  if (options.log_likelihood) require_observed_variable(model);
  auto compiled =
      model.compile({.backend = options.backend, .threads = resolved_threads_per_chain(options)});
  if (!options.marginalize.empty()) {
    InferenceData data = sample_marginalized(model, *compiled, options);
    add_settings(data, options);
    data.coords.insert(model.coords().begin(), model.coords().end());
    data.groups["observed_data"] = observed_data_group(model);
    data.groups["constant_data"] = constant_data_group(model);
    return data;
  }
  // Black-box ops without a gradient: their variables need gradient-free steps (assign_steps).
  const LogDensityGraph graph = model.log_density();
  const bool compound = !options.steps.empty() || compiled->has_discrete_coordinates() ||
                        !non_differentiable_user_ops({graph.logp}, {graph.x}).empty();
  if (options.sampler == SamplerKind::smc && !options.steps.empty()) {
    throw Error("sample: step methods are for MCMC; SMC moves all variables with its own kernel");
  }
  InferenceData data = options.sampler == SamplerKind::smc ? sample_with_smc(*compiled, options)
                       : compound ? sample_with_compound(model, *compiled, options)
                                  : sample_with_nuts(*compiled, options);
  add_settings(data, options);
  data.coords.insert(model.coords().begin(), model.coords().end());  // keeps a chain coordinate
  data.groups["observed_data"] = observed_data_group(model);
  data.groups["constant_data"] = constant_data_group(model);
  return data;
}

}  // namespace hypatia
