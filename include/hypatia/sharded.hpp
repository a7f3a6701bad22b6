#pragma once

// A model whose observed data are cut into shards of rows, each shard a Model of its own, and
// whose log density is the sum of the shards' in shard order (0, 1, ..., K-1), so the value, the
// gradient and the draws do not depend on how many processes share the shards. Shards can live in
// one process or on the ranks of an MPI job (each rank building only its own shards, so each
// loads only its rows); every rank then runs the same sampler step on the same sums and all
// follow one trajectory. Rank 0 holds the result.
//
//   hypatia::ShardBuilder build = [](int shard, int shards) {
//     hypatia::DataFile file = hypatia::load_shared_data("bench-data/logreg_synth.json");
//     hypatia::RowRange rows = hypatia::shard_rows(file.integer("N"), shard, shards);
//     hypatia::Model m;  // every free variable; data rows [rows.begin, rows.end) only
//     ...
//     return hypatia::ModelShard{m, rows, file.integer("N"), hypatia::file_version(path)};
//   };
//   hypatia::InferenceData data = hypatia::sample_sharded(build, 4, options, ShardPlacement::mpi);

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hypatia/data.hpp"
#include "hypatia/error.hpp"
#include "hypatia/function.hpp"
#include "hypatia/infer/target.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/sample.hpp"

namespace hypatia {

// Rows [begin, end) of the data.
struct RowRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::int64_t size() const { return end - begin; }
};

// The rows shard `shard` of `shards` holds: [shard * rows / shards, (shard + 1) * rows / shards).
// Throws when shards < 1, shard is outside [0, shards), or there are fewer rows than shards (a
// shard would be empty).
RowRange shard_rows(std::int64_t rows, int shard, int shards);

// Rows [range.begin, range.end) along the first axis of `key`'s array.
Tensor real_rows(const DataFile& data, const std::string& key, RowRange range);
Tensor integer_rows(const DataFile& data, const std::string& key, RowRange range);

// "<bytes>:<64-bit FNV-1a of the contents, hex>": the version of a data file that ranks compare
// before sampling.
std::string file_version(const std::string& path);

// One shard: a Model over its rows, with every free variable (and the same priors, which only
// shard 0's log density counts) of the whole model. Its observed variables and potentials count in
// its own log density; deterministics must not read data (they are computed from shard 0's model).
struct ModelShard {
  Model model;
  RowRange rows = {};
  std::int64_t total_rows = 0;  // rows of the whole data set
  // Compared across ranks with the model's structure (e.g. file_version of the data file); empty
  // compares nothing more.
  std::string data_version = {};
};

using ShardBuilder = std::function<ModelShard(int shard, int shards)>;

// Where the shards are evaluated: all in this process, or split over the ranks of MPI_COMM_WORLD:
// with K a multiple of R, rank r holds shards [r K / R, (r + 1) K / R); with R a multiple of K,
// the ranks form R / K groups of K, rank r holding shard r % K in group r / K.
enum class ShardPlacement { in_process, mpi };

// An error every rank raises at the same point (so MPI can be finalized normally); any other
// error escaping a sharded run on one rank must end the job (mpi_abort).
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Whether this Hypatia was built with MPI, and whether this process was started by mpirun (an MPI
// launcher's environment: OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK).
bool mpi_built();
bool launched_by_mpi();
// This process's rank in MPI_COMM_WORLD and their number; 0 and 1 when MPI was never started.
int mpi_rank();
int mpi_ranks();
// Prints "hypatia rank R of N: <reason>" on stderr and ends every rank's process (MPI_Abort);
// returns when MPI was never started (or is already finalized).
void mpi_abort(const std::string& reason, int exit_code = 1);

class ShardExchange;

struct ShardedOptions {
  ShardPlacement placement = ShardPlacement::in_process;
  CompileOptions compile = {};
  // Compared across ranks before any shard is compiled (e.g. a hash of the sampler's options):
  // ranks started with different settings are an error on every rank.
  std::string settings_fingerprint = {};
  // Run on each local shard's model before compiling; what it throws is reported on every rank.
  std::function<void(const Model&)> check = {};
};

// The sum of K shards' log densities as one sampler Target: shard 0 counts its whole log density
// (priors, Jacobians and its rows), the others their likelihood terms. Each evaluation gathers
// every shard's (value, gradient) on every rank and adds them in shard order; a shard that throws
// makes every rank throw CollectiveError naming it. Under ShardPlacement::mpi, evaluations are
// collective: every rank must make the same calls in the same order (one thread, one chain at a
// time).
class ShardedLogDensity : public Target {
 public:
  // Builds this process's shards (throws CollectiveError on every rank when a rank cannot, when
  // the shards do not cover the data in order, or when ranks differ in model, data version, shard
  // count or options.settings_fingerprint).
  ShardedLogDensity(const ShardBuilder& build, int shards, const ShardedOptions& options = {});
  ~ShardedLogDensity() override;

  std::int64_t dim() const override;
  double logp_grad(const double* x, double* grad) override;
  std::unique_ptr<Target> clone() const override;
  std::vector<std::string> coordinate_names() const override;

  // When there are more ranks than shards (a multiple of them), groups of one rank per shard
  // each evaluate every shard: rank r is in group r / shards, and each group runs its own chains.
  int rank_groups() const;
  int rank_group() const;
  // Every rank's values, of any length, in rank order on every rank (all groups). Collective.
  std::vector<std::vector<double>> allgather_across_ranks(const std::vector<double>& mine);

  int shards() const;
  // The shards this process evaluates, [first, first + count).
  int first_local_shard() const;
  int local_shards() const;
  // Shard 0's compiled model (constrains draws into stored values); null where shard 0 is not
  // local.
  CompiledModel* shard_zero();
  // Shard 0's model; null where shard 0 is not local.
  const Model* shard_zero_model() const;

  struct Shared;

 private:
  ShardedLogDensity(std::shared_ptr<Shared> shared);
  std::shared_ptr<Shared> shared_;
  struct Instance;
  std::unique_ptr<Instance> instance_;
};

// sample() for a sharded model, NUTS only (no step methods, marginalization or log_likelihood
// group). Under ShardPlacement::mpi the chains run one after another within a group of ranks
// (each evaluation is a collective) with options.threads_per_chain threads each; groups (more
// ranks than shards) run consecutive blocks of the chains, at least one each. Rank 0's result
// holds the posterior and sample_stats, the other ranks' sample_stats alone (the same on every
// rank).
// The observed_data and constant_data groups are left out: no rank holds all the data.
InferenceData sample_sharded(const ShardBuilder& build, int shards, const SampleOptions& options,
                             ShardPlacement placement);

}  // namespace hypatia
