// sample() for a model sharded by rows (hypatia/sharded.hpp): NUTS on the shards' summed log
// density, the same trajectory on every rank, the posterior gathered where shard 0 lives.

#include <sstream>

#include "hypatia/infer/nuts.hpp"

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

// NutsChain as doubles and back (integers and flags are exact in a double).
void pack_stats(const NutsStats& stats, std::vector<double>& out) {
  out.push_back(static_cast<double>(stats.size()));
  for (const auto* values :
       {&stats.lp, &stats.acceptance_rate, &stats.step_size, &stats.step_size_bar}) {
    out.insert(out.end(), values->begin(), values->end());
  }
  for (const auto* values : {&stats.tree_depth, &stats.n_steps}) {
    for (std::int64_t value : *values) out.push_back(static_cast<double>(value));
  }
  for (bool value : stats.diverging) out.push_back(value ? 1 : 0);
  for (const auto* values : {&stats.energy, &stats.energy_error, &stats.max_energy_error}) {
    out.insert(out.end(), values->begin(), values->end());
  }
}

void pack_values(const std::vector<double>& values, std::vector<double>& out) {
  out.push_back(static_cast<double>(values.size()));
  out.insert(out.end(), values.begin(), values.end());
}

void pack_chain(const NutsChain& chain, std::vector<double>& out) {
  pack_values(chain.draws, out);
  pack_stats(chain.stats, out);
  pack_values(chain.warmup_draws, out);
  pack_stats(chain.warmup_stats, out);
  out.push_back(static_cast<double>(chain.divergences.size()));
  for (const Divergence& divergence : chain.divergences) {
    out.push_back(static_cast<double>(divergence.iteration));
    out.push_back(divergence.warmup ? 1 : 0);
    pack_values(divergence.point, out);
  }
  out.push_back(chain.step_size);
  out.push_back(static_cast<double>(static_cast<int>(chain.metric)));
  pack_values(chain.inverse_metric, out);
}

class Unpacker {
 public:
  explicit Unpacker(const std::vector<double>& in) : in_(in) {}
  double next() { return in_.at(position_++); }
  std::size_t count() { return static_cast<std::size_t>(next()); }
  std::vector<double> values() {
    const std::size_t n = count();
    std::vector<double> values(in_.begin() + position_, in_.begin() + position_ + n);
    position_ += n;
    return values;
  }
  NutsStats stats() {
    const std::size_t n = count();
    NutsStats stats;
    auto take = [&] {
      std::vector<double> values(in_.begin() + position_, in_.begin() + position_ + n);
      position_ += n;
      return values;
    };
    stats.lp = take();
    stats.acceptance_rate = take();
    stats.step_size = take();
    stats.step_size_bar = take();
    for (auto* integers : {&stats.tree_depth, &stats.n_steps}) {
      for (double value : take()) integers->push_back(static_cast<std::int64_t>(value));
    }
    for (double value : take()) stats.diverging.push_back(value != 0);
    stats.energy = take();
    stats.energy_error = take();
    stats.max_energy_error = take();
    return stats;
  }
  NutsChain chain() {
    NutsChain chain;
    chain.draws = values();
    chain.stats = stats();
    chain.warmup_draws = values();
    chain.warmup_stats = stats();
    const std::size_t divergences = count();
    for (std::size_t i = 0; i < divergences; ++i) {
      Divergence divergence;
      divergence.iteration = static_cast<std::int64_t>(next());
      divergence.warmup = next() != 0;
      divergence.point = values();
      chain.divergences.push_back(std::move(divergence));
    }
    chain.step_size = next();
    chain.metric = static_cast<MetricKind>(static_cast<int>(next()));
    chain.inverse_metric = values();
    return chain;
  }
  bool done() const { return position_ == in_.size(); }

 private:
  const std::vector<double>& in_;
  std::size_t position_ = 0;
};

// Every group's chains on every rank, in chain order (groups hold consecutive blocks); the rank
// holding a group's shard 0 speaks for it.
std::vector<NutsChain> gather_chains(ShardedLogDensity& target,
                                     const std::vector<NutsChain>& mine) {
  std::vector<double> packed;
  if (target.first_local_shard() == 0) {
    packed.push_back(static_cast<double>(mine.size()));
    for (const NutsChain& chain : mine) pack_chain(chain, packed);
  }
  std::vector<NutsChain> chains;
  for (const std::vector<double>& piece : target.allgather_across_ranks(packed)) {
    if (piece.empty()) continue;
    Unpacker in(piece);
    const std::size_t count = in.count();
    for (std::size_t i = 0; i < count; ++i) chains.push_back(in.chain());
  }
  return chains;
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
  // Groups of ranks (more ranks than shards) share the chains out in blocks: group g runs chains
  // [g C / G, (g + 1) C / G), each from its own number's random stream.
  const int groups = target.rank_groups();
  if (options.chains < groups) {
    throw CollectiveError("sample_sharded: " + std::to_string(mpi_ranks()) + " ranks over " +
                          std::to_string(shards) + " data shards form " + std::to_string(groups) +
                          " groups, each running some of the chains; ask for at least " +
                          std::to_string(groups) + " chains (got " +
                          std::to_string(options.chains) + ")");
  }
  const int group = target.rank_group();
  nuts.first_chain = static_cast<std::int64_t>(group) * options.chains / groups;
  nuts.chains = static_cast<int>((group + 1) * static_cast<std::int64_t>(options.chains) / groups -
                                 nuts.first_chain);
  if (nuts.init.size() > 1) {
    nuts.init.assign(options.init.begin() + nuts.first_chain,
                     options.init.begin() + nuts.first_chain + nuts.chains);
  }
  NutsResult result;
  try {
    result = sample_nuts(target, nuts);
    if (groups > 1) result.chains = gather_chains(target, result.chains);
  } catch (const CollectiveError& error) {
    // Raised in one group, it leaves the other groups waiting in the gather of the chains.
    if (groups > 1) mpi_abort(error.what());
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
  CompiledModel* zero = target.shard_zero();
  if (zero && (placement == ShardPlacement::in_process || mpi_rank() == 0)) {
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
