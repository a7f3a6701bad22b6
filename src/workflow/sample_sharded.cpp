// sample() for a model sharded by rows (hypatia/sharded.hpp): NUTS on the shards' summed log
// density, the same trajectory on every rank, the posterior gathered where shard 0 lives.

#include <sstream>

#include "hypatia/sharded.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

// What must agree across ranks for them to follow one trajectory.
std::string settings_text(const SampleOptions& options) {
  std::ostringstream text;
  text.precision(17);
  text << static_cast<int>(options.sampler) << ' ' << backend_name(options.backend) << ' '
       << options.chains << ' ' << options.draws << ' ' << options.tune << ' ' << options.seed
       << ' ' << options.target_accept << ' ' << metric_name(options.metric) << ' '
       << warmup_schedule_name(options.warmup_schedule) << ' ' << options.max_tree_depth << ' '
       << options.init_radius << ' ' << options.save_warmup << ' ' << options.log_likelihood;
  for (const auto& point : options.init) {
    for (double value : point) text << ' ' << value;
    text << ';';
  }
  for (double value : options.initial_inverse_metric) text << ' ' << value;
  return text.str();
}

void check_options(const Model& shard, const SampleOptions& options) {
  if (options.sampler != SamplerKind::nuts) {
    throw Error("sample_sharded: data shards are sampled with NUTS only; got the SMC sampler");
  }
  if (!options.steps.empty() || !options.marginalize.empty()) {
    throw Error(
        "sample_sharded: step methods and marginalized variables are not available with data "
        "shards (NUTS on continuous variables only)");
  }
  if (options.log_likelihood) {
    throw Error(
        "sample_sharded: the log_likelihood group is not available with data shards (no rank "
        "holds every row)");
  }
  const double needed = estimate_sample_bytes(shard, options);
  if (options.memory_limit_bytes > 0 && needed > static_cast<double>(options.memory_limit_bytes)) {
    throw Error("sample_sharded: the draws would need about " + std::to_string(needed / 1e9) +
                " GB of memory, more than the limit of " +
                std::to_string(static_cast<double>(options.memory_limit_bytes) / 1e9) + " GB");
  }
}

// Under MPI the ranks already share the machines' cores, so one thread each unless asked.
int threads_per_chain(const SampleOptions& options, ShardPlacement placement) {
  if (placement == ShardPlacement::mpi && options.threads_per_chain == 0) return 1;
  return resolved_threads_per_chain(options);
}

}  // namespace

InferenceData sample_sharded(const ShardBuilder& build, int shards, const SampleOptions& options,
                             ShardPlacement placement) {
  ShardedLogDensity target(
      build, shards,
      {.placement = placement,
       .compile = {.backend = options.backend, .threads = threads_per_chain(options, placement)},
       .settings_fingerprint = settings_text(options),
       .check = [&options](const Model& shard) { check_options(shard, options); }});
  const bool across_ranks = placement == ShardPlacement::mpi && mpi_ranks() > 1;
  NutsOptions nuts = nuts_options(options);
  if (placement == ShardPlacement::mpi) {
    // Each evaluation is a collective: the chains take turns, on every rank in the same order.
    nuts.cores = 1;
    nuts.progress = options.progress && mpi_rank() == 0;
  }
  NutsResult result;
  try {
    result = sample_nuts(target, nuts);
  } catch (const CollectiveError&) {
    throw;
  } catch (const std::exception& error) {
    // Another rank may be waiting in an exchange this one will never join.
    if (across_ranks) mpi_abort(std::string("sampling failed: ") + error.what());
    throw;
  }
  for (const NutsChain& chain : result.chains) {
    if (chain.stats.size() < options.draws) {
      throw Error("sample_sharded: sampling was interrupted; sharded runs keep no partial draws");
    }
  }
  InferenceData data;
  data.chains = static_cast<std::int64_t>(result.chains.size());
  data.draws = options.draws;
  data.groups["sample_stats"] = nuts_sample_stats(result);
  data.coords[unconstrained_parameter_dim] = target.coordinate_names();
  if (CompiledModel* zero = target.shard_zero()) {
    std::vector<double> flat;
    for (const NutsChain& chain : result.chains) {
      flat.insert(flat.end(), chain.draws.begin(), chain.draws.end());
    }
    data.groups["posterior"] = constrained_draws(*zero, flat, data.chains, data.draws);
    if (options.save_warmup) {
      std::vector<double> warmup;
      for (const NutsChain& chain : result.chains) {
        warmup.insert(warmup.end(), chain.warmup_draws.begin(), chain.warmup_draws.end());
      }
      data.warmup_draws = options.tune;
      data.groups["warmup_posterior"] = constrained_draws(*zero, warmup, data.chains, options.tune);
      data.groups["warmup_sample_stats"] = nuts_sample_stats(result, true);
    }
    const Model& model = *target.shard_zero_model();
    data.coords.insert(model.coords().begin(), model.coords().end());
  }
  add_settings(data, options);
  data.attributes["data_shards"] = std::to_string(shards);
  data.attributes["mpi_ranks"] = std::to_string(placement == ShardPlacement::mpi ? mpi_ranks() : 1);
  data.attributes["sampling_time_seconds"] = std::to_string(result.seconds);
  return data;
}

}  // namespace hypatia
