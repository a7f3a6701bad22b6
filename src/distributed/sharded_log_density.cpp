// The sum of a sharded model's log densities (hypatia/sharded.hpp): three handshakes before
// sampling (settings, shard layout and model structure, compilation), then one allgather of
// every shard's (ok, value, gradient) per evaluation, added in shard order on every rank.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>

#include "distributed/shard_exchange.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/logp_grad.hpp"
#include "hypatia/sharded.hpp"

namespace hypatia {
namespace {

constexpr std::size_t record_bytes = 4096;
constexpr int listed_failures = 8;

std::uint64_t fnv1a(const std::string& text, std::uint64_t hash = 14695981039346656037ull) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string hex(std::uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string join_shape(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    text += (i ? "," : "") + std::to_string(shape[i]);
  }
  return text + ")";
}

// What every shard of one model shares, whatever its rows: the variables (names, roles,
// distributions, dims; free variables' and deterministics' shapes and transforms), the flat
// layout and the prior's graph (ops in topological order). Observed shapes differ by shard and
// are left out.
std::string model_structure(const Model& model, const LogDensityGraph& graph) {
  std::ostringstream text;
  for (const ModelVariable& variable : model.variables()) {
    text << variable.name << ' ' << static_cast<int>(variable.role) << ' '
         << (variable.distribution ? variable.distribution->name() : "-") << ' ';
    for (const std::string& dim : variable.dims) text << dim << ',';
    if (variable.role == VariableRole::free || variable.role == VariableRole::deterministic) {
      text << ' ' << join_shape(variable.shape);
    }
    if (variable.transform) text << ' ' << variable.transform->name();
    text << ';';
  }
  for (const std::string& name : model.layout().coordinate_names()) text << name << ',';
  for (const NodePtr& node : topological_order({graph.log_prior.node()})) {
    text << node->op_name() << ' ';
  }
  return text.str();
}

// A deterministic that reads data would be computed from shard 0's rows alone.
void require_data_free_deterministics(const Model& model) {
  std::set<const Node*> data;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::data) data.insert(variable.value.node().get());
  }
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role != VariableRole::deterministic) continue;
    for (const NodePtr& input : free_inputs({variable.value.node()})) {
      if (data.contains(input.get())) {
        throw Error("sharded model: deterministic '" + variable.name +
                    "' reads data, which no rank holds whole (each shard has its own rows); "
                    "compute it after sampling, or make it a function of free variables only");
      }
    }
  }
  for (const FlatBlock& block : model.layout().blocks) {
    if (block.discrete) {
      throw Error("sharded model: free variable '" + block.name +
                  "' is discrete; sharded sampling runs NUTS on continuous variables only");
    }
  }
}

// A shard other than 0: its likelihood terms (observed variables and potentials) alone.
class LikelihoodTarget final : public Target {
 public:
  explicit LikelihoodTarget(LogpGrad function) : function_(std::move(function)) {}
  std::int64_t dim() const override { return function_.dim(); }
  double logp_grad(const double* x, double* grad) override { return function_(x, grad); }
  std::unique_ptr<Target> clone() const override {
    return std::make_unique<LikelihoodTarget>(function_.copy());
  }

 private:
  LogpGrad function_;
};

std::vector<std::string> split_lines(const std::string& text, std::size_t parts) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (fields.size() + 1 < parts) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    fields.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  fields.push_back(text.substr(std::min(start, text.size())));
  return fields;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// Record `index` of a layout gathered from every rank: shard index % shards, on rank
// index / per_rank.
std::string rank_of(int index, int shards, int per_rank) {
  return "shard " + std::to_string(index % shards) + " (rank " + std::to_string(index / per_rank) +
         ")";
}

}  // namespace

RowRange shard_rows(std::int64_t rows, int shard, int shards) {
  if (shards < 1) {
    throw Error("data shards: need at least 1 shard; got " + std::to_string(shards));
  }
  if (shard < 0 || shard >= shards) {
    throw Error("data shards: shard " + std::to_string(shard) + " is outside [0, " +
                std::to_string(shards) + ")");
  }
  if (rows < shards) {
    throw Error("data shards: " + std::to_string(shards) + " shards of " + std::to_string(rows) +
                " rows would leave a shard without rows; use at most " + std::to_string(rows) +
                " shards");
  }
  return {shard * rows / shards, (shard + 1) * rows / shards};
}

namespace {

template <typename T>
std::vector<T> rows_of(const std::vector<T>& values, const Shape& shape, RowRange range,
                       const std::string& what, Shape& out_shape) {
  if (shape.empty() || range.begin < 0 || range.end > shape[0] || range.begin > range.end) {
    throw Error(what + ": rows [" + std::to_string(range.begin) + ", " + std::to_string(range.end) +
                ") do not fit its shape " + join_shape(shape));
  }
  std::int64_t row_size = 1;
  for (std::size_t axis = 1; axis < shape.size(); ++axis) row_size *= shape[axis];
  out_shape = shape;
  out_shape[0] = range.size();
  return std::vector<T>(values.begin() + range.begin * row_size,
                        values.begin() + range.end * row_size);
}

}  // namespace

Tensor real_rows(const DataFile& data, const std::string& key, RowRange range) {
  const DataValue& value = data.at(key);
  Shape shape;
  auto rows = rows_of(value.as_doubles(), value.shape, range,
                      "data file '" + data.source() + "': key '" + key + "'", shape);
  return Tensor::from_doubles(rows, shape);
}

Tensor integer_rows(const DataFile& data, const std::string& key, RowRange range) {
  const DataValue& value = data.at(key);
  const std::string what = "data file '" + data.source() + "': key '" + key + "'";
  Shape shape;
  auto rows = rows_of(value.as_integers(what), value.shape, range, what, shape);
  return Tensor::from_ints(rows, shape);
}

std::string file_version(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("data version: cannot read '" + path + "'");
  const std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return std::to_string(bytes.size()) + ":" + hex(fnv1a(bytes));
}

struct ShardedLogDensity::Shared {
  std::shared_ptr<ShardExchange> world;
  std::shared_ptr<ShardExchange> exchange;  // this rank's group
  int groups = 1;
  int group = 0;
  int shards = 0;
  int first = 0;
  int count = 0;
  std::int64_t dim = 0;
  std::vector<std::string> coordinate_names;
  std::optional<Model> shard_zero_model;
  std::vector<std::unique_ptr<Target>> prototypes;  // the local shards, in shard order
  // MPI: evaluations are collectives, so two at once on one rank would pair wrongly with the
  // other ranks' calls.
  std::atomic<int> evaluating{0};
};

struct ShardedLogDensity::Instance {
  std::vector<std::unique_ptr<Target>> targets;
  std::vector<double> local;  // per local shard: ok, value, gradient
  std::vector<double> all;    // the same for every shard
};

ShardedLogDensity::ShardedLogDensity(const ShardBuilder& build, int shards,
                                     const ShardedOptions& options)
    : shared_(std::make_shared<Shared>()) {
  Shared& shared = *shared_;
  shared.world =
      options.placement == ShardPlacement::mpi ? mpi_world_exchange() : in_process_exchange();
  ShardExchange& world = *shared.world;
  const int ranks = world.ranks();

  // 1. The same shard count and settings everywhere (fixed-size records, whatever each rank was
  // told, so a disagreement is reported rather than mismatching the later exchanges).
  const std::vector<std::string> hellos = allgather_texts(
      world, {std::to_string(shards) + "\n" + hex(fnv1a(options.settings_fingerprint))},
      record_bytes);
  for (int rank = 1; rank < ranks; ++rank) {
    if (hellos[rank] != hellos[0]) {
      const auto zero = split_lines(hellos[0], 2);
      const auto other = split_lines(hellos[rank], 2);
      throw CollectiveError(
          "sharded model: the ranks were started with different settings: rank 0 has " + zero[0] +
          " data shards and settings " + zero[1] + ", rank " + std::to_string(rank) + " has " +
          other[0] + " data shards and settings " + other[1] +
          " (start every rank with the same command)");
    }
  }
  if (shards < 1) {
    throw CollectiveError("sharded model: need at least 1 data shard; got " +
                          std::to_string(shards));
  }
  if (shards % ranks != 0 && ranks % shards != 0) {
    throw CollectiveError(
        "sharded model: " + std::to_string(shards) + " data shards do not split evenly over " +
        std::to_string(ranks) +
        " ranks; the number of shards must be a multiple of the number of ranks (each rank "
        "holds shards / ranks of them), or the number of ranks a multiple of the number of "
        "shards (groups of one rank per shard, each running some of the chains)");
  }
  // Groups of `group_size` ranks, each group holding every shard.
  shared.groups = shards % ranks == 0 ? 1 : ranks / shards;
  const int group_size = ranks / shared.groups;
  const int per_rank = shards / group_size;
  shared.group = world.rank() / group_size;
  shared.exchange = shared.groups > 1 ? world.split(shared.group) : shared.world;
  shared.shards = shards;
  shared.first = (world.rank() % group_size) * per_rank;
  shared.count = per_rank;
  // The layout and compile exchanges below span every group: all ranks stop together.
  const int records_count = ranks * per_rank;

  // 2. Build the local shards; gather their row ranges and fingerprints.
  std::vector<std::optional<ModelShard>> built(per_rank);
  std::vector<std::string> records;
  for (int i = 0; i < per_rank; ++i) {
    const int shard = shared.first + i;
    try {
      ModelShard piece = build(shard, shards);
      require_data_free_deterministics(piece.model);
      if (options.check) options.check(piece.model);
      const LogDensityGraph graph = piece.model.log_density();
      records.push_back("ok\n" + hex(fnv1a(model_structure(piece.model, graph))) + "\n" +
                        one_line(piece.data_version) + "\n" + std::to_string(piece.rows.begin) +
                        "\n" + std::to_string(piece.rows.end) + "\n" +
                        std::to_string(piece.total_rows) + "\n" +
                        std::to_string(piece.model.layout().dim));
      built[i] = std::move(piece);
    } catch (const std::exception& error) {
      records.push_back(std::string("error\n") + error.what());
    }
  }
  const std::vector<std::string> layout = allgather_texts(world, records, record_bytes);
  std::string failures;
  int failed = 0;
  for (int index = 0; index < records_count; ++index) {
    const auto fields = split_lines(layout[index], 2);
    if (fields[0] == "ok") continue;
    // The first few; with thousands of shards the same reason would fill the screen.
    if (++failed <= listed_failures) {
      failures += "\n  " + rank_of(index, shards, per_rank) + ": " + fields[1];
    }
  }
  if (failed > listed_failures) {
    failures += "\n  ... and " + std::to_string(failed - listed_failures) + " more shards";
  }
  if (!failures.empty()) {
    throw CollectiveError("sharded model: shards could not be built:" + failures);
  }
  struct Entry {
    std::string structure, data_version;
    std::int64_t begin, end, total, dim;
  };
  std::vector<Entry> entries;
  for (int index = 0; index < records_count; ++index) {
    const auto f = split_lines(layout[index], 8);
    entries.push_back(
        {f[1], f[2], std::stoll(f[3]), std::stoll(f[4]), std::stoll(f[5]), std::stoll(f[6])});
  }
  std::string mismatches;
  for (int index = 1; index < records_count; ++index) {
    const Entry& e = entries[index];
    if (e.structure != entries[0].structure || e.dim != entries[0].dim) {
      mismatches += "\n  " + rank_of(index, shards, per_rank) + " has model structure " +
                    e.structure + " (" + std::to_string(e.dim) + " parameters), shard 0 has " +
                    entries[0].structure + " (" + std::to_string(entries[0].dim) + ")";
    }
    if (e.data_version != entries[0].data_version) {
      mismatches += "\n  " + rank_of(index, shards, per_rank) + " read data version '" +
                    e.data_version + "', shard 0 read '" + entries[0].data_version + "'";
    }
  }
  if (!mismatches.empty()) {
    throw CollectiveError(
        "sharded model: the ranks built different models or read different data (different "
        "builds of hypatia, or different data files):" +
        mismatches);
  }
  std::string gaps;
  for (int index = 0; index < records_count; ++index) {
    const int shard = index % shards;
    const Entry& e = entries[index];
    const std::int64_t expected_begin = shard == 0 ? 0 : entries[index - 1].end;
    if (e.total != entries[0].total || e.begin != expected_begin || e.end <= e.begin ||
        (shard == shards - 1 && e.end != e.total)) {
      gaps += "\n  " + rank_of(index, shards, per_rank) + " holds rows [" +
              std::to_string(e.begin) + ", " + std::to_string(e.end) + ") of " +
              std::to_string(e.total) + "; expected to start at row " +
              std::to_string(expected_begin) +
              (shard == shards - 1 ? " and end at the last row" : "") + ", with at least one row";
    }
  }
  if (!gaps.empty()) {
    throw CollectiveError("sharded model: the shards do not cover the data's rows once, in order:" +
                          gaps);
  }
  shared.dim = entries[0].dim;

  // 3. Compile; every rank learns whether every other could.
  std::string compiled = "ok";
  try {
    for (int i = 0; i < per_rank; ++i) {
      const int shard = shared.first + i;
      const Model& model = built[i]->model;
      if (shard == 0) {
        shared.prototypes.push_back(model.compile(options.compile));
        shared.shard_zero_model = model;
      } else {
        const LogDensityGraph graph = model.log_density();
        shared.prototypes.push_back(std::make_unique<LikelihoodTarget>(LogpGrad(
            graph.x, graph.log_likelihood, graph.data_inputs, graph.data_values, options.compile)));
      }
      if (i == 0) shared.coordinate_names = model.layout().coordinate_names();
    }
  } catch (const std::exception& error) {
    compiled = "rank " + std::to_string(world.rank()) + ": " + error.what();
  }
  const std::vector<std::string> results = allgather_texts(world, {compiled}, record_bytes);
  failures.clear();
  for (const std::string& result : results) {
    if (result != "ok") failures += "\n  " + result;
  }
  if (!failures.empty()) {
    throw CollectiveError("sharded model: shards could not be compiled:" + failures);
  }
  instance_ = std::make_unique<Instance>();
  for (const auto& prototype : shared.prototypes) instance_->targets.push_back(prototype->clone());
}

ShardedLogDensity::ShardedLogDensity(std::shared_ptr<Shared> shared)
    : shared_(std::move(shared)), instance_(std::make_unique<Instance>()) {
  for (const auto& prototype : shared_->prototypes) {
    instance_->targets.push_back(prototype->clone());
  }
}

ShardedLogDensity::~ShardedLogDensity() = default;

std::int64_t ShardedLogDensity::dim() const {
  return shared_->dim;
}

double ShardedLogDensity::logp_grad(const double* x, double* grad) {
  Shared& shared = *shared_;
  ShardExchange& exchange = *shared.exchange;
  if (shared.evaluating++ > 0 && exchange.ranks() > 1) {
    mpi_abort(
        "a sharded log density was evaluated from two threads at once; under MPI each evaluation "
        "is a collective, so chains must run one at a time (cores = 1)");
  }
  const std::size_t stride = static_cast<std::size_t>(shared.dim) + 2;
  Instance& instance = *instance_;
  instance.local.assign(stride * shared.count, 0.0);
  instance.all.resize(stride * shared.shards);
  std::string failure;
  for (int i = 0; i < shared.count; ++i) {
    double* record = instance.local.data() + stride * i;
    try {
      record[1] = instance.targets[i]->logp_grad(x, record + 2);
      record[0] = 1;
    } catch (const std::exception& error) {
      failure += "shard " + std::to_string(shared.first + i) + " (rank " +
                 std::to_string(shared.world->rank()) + "): " + error.what() + "; ";
    }
  }
  exchange.allgather(instance.local.data(), static_cast<std::int64_t>(instance.local.size()),
                     instance.all.data());
  bool all_ok = true;
  for (int shard = 0; shard < shared.shards; ++shard) all_ok &= instance.all[stride * shard] == 1;
  if (!all_ok) {
    // Every rank saw the same flags, so every rank takes part in this second exchange.
    const std::vector<std::string> reasons = allgather_texts(exchange, {failure}, record_bytes);
    std::string message;
    for (const std::string& reason : reasons) message += reason;
    --shared.evaluating;
    throw CollectiveError("sharded log density: evaluation failed in " + message +
                          "every rank stops");
  }
  // In shard order, whichever rank computed each: the same bits on every rank and for any
  // number of ranks.
  double logp = instance.all[1];
  std::copy(instance.all.begin() + 2, instance.all.begin() + stride, grad);
  for (int shard = 1; shard < shared.shards; ++shard) {
    const double* record = instance.all.data() + stride * shard;
    logp += record[1];
    for (std::int64_t i = 0; i < shared.dim; ++i) grad[i] += record[2 + i];
  }
  --shared.evaluating;
  return logp;
}

std::unique_ptr<Target> ShardedLogDensity::clone() const {
  return std::unique_ptr<Target>(new ShardedLogDensity(shared_));
}

std::vector<std::string> ShardedLogDensity::coordinate_names() const {
  return shared_->coordinate_names;
}

int ShardedLogDensity::rank_groups() const {
  return shared_->groups;
}
int ShardedLogDensity::rank_group() const {
  return shared_->group;
}
std::vector<std::vector<double>> ShardedLogDensity::allgather_across_ranks(
    const std::vector<double>& mine) {
  return shared_->world->allgather_variable(mine);
}

int ShardedLogDensity::shards() const {
  return shared_->shards;
}
int ShardedLogDensity::first_local_shard() const {
  return shared_->first;
}
int ShardedLogDensity::local_shards() const {
  return shared_->count;
}

CompiledModel* ShardedLogDensity::shard_zero() {
  return shared_->first == 0 ? static_cast<CompiledModel*>(shared_->prototypes.front().get())
                             : nullptr;
}

const Model* ShardedLogDensity::shard_zero_model() const {
  return shared_->shard_zero_model ? &*shared_->shard_zero_model : nullptr;
}

}  // namespace hypatia
