// Sharded log densities (hypatia/sharded.hpp). Run as one process (ShardedInProcess.*: the shard
// sum against the unsharded model and finite differences, bad layouts) and under mpirun with 1, 2
// and 4 ranks (ShardedMpi.*: the same draws as one process holding every shard, and each bad input
// an error on every rank rather than a hang).

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>

#include "hypatia/ops.hpp"
#include "hypatia/ops/user_op.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/sharded.hpp"

namespace hypatia {
namespace {

constexpr std::int64_t rows = 60;
constexpr std::int64_t predictors = 3;

double covariate(std::int64_t row, std::int64_t column) {
  return std::sin(0.37 * static_cast<double>(row) + 1.3 * static_cast<double>(column));
}

std::int64_t outcome(std::int64_t row) {
  return (row * 7 + 3) % 5 < 2 ? 1 : 0;
}

struct Variant {
  bool extra_variable = false;     // a structurally different model
  std::string data_version = "1";  // what the shard says it read
  UserFunctionPtr trap = nullptr;  // a potential that may throw during evaluation
};

// Logistic regression over rows [range.begin, range.end) of the data above.
Model regression(RowRange range, const Variant& variant = {}) {
  std::vector<double> x;
  std::vector<std::int64_t> y;
  for (std::int64_t row = range.begin; row < range.end; ++row) {
    for (std::int64_t column = 0; column < predictors; ++column) {
      x.push_back(covariate(row, column));
    }
    y.push_back(outcome(row));
  }
  Model m;
  auto covariates = m.data("X", Tensor::from_doubles(x, {range.size(), predictors}));
  auto outcomes = m.data("y", Tensor::from_ints(y, {range.size()}));
  auto alpha = m.normal("alpha", 0, 2);
  auto sigma = m.half_normal("sigma", 1);  // a transform, so shard 0 carries a Jacobian
  auto beta = m.normal("beta", 0, sigma, {.shape = {predictors}});
  if (variant.extra_variable) m.normal("gamma", 0, 1);
  m.observe("y_obs", BernoulliLogit(alpha + matmul(covariates, beta)), outcomes);
  if (variant.trap) m.potential("trap", user_op(variant.trap, {alpha})[0]);
  return m;
}

ShardBuilder builder(std::function<Variant(int shard)> variant = {}) {
  return [variant](int shard, int shards) {
    const RowRange range = shard_rows(rows, shard, shards);
    const Variant chosen = variant ? variant(shard) : Variant{};
    return ModelShard{regression(range, chosen), range, rows, chosen.data_version};
  };
}

ShardedOptions in_process() {
  return {.placement = ShardPlacement::in_process, .compile = {.backend = Backend::interp}};
}

ShardedOptions across_ranks() {
  return {.placement = ShardPlacement::mpi, .compile = {.backend = Backend::interp}};
}

std::vector<double> point(std::int64_t dim, double shift) {
  std::vector<double> x(dim);
  for (std::int64_t i = 0; i < dim; ++i) x[i] = 0.3 * std::cos(1.7 * i + shift);
  return x;
}

// The message of the CollectiveError `run` throws; fails the test when it throws none or another.
template <typename Run>
std::string collective_error(Run run) {
  try {
    run();
  } catch (const CollectiveError& error) {
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "expected a CollectiveError, got: " << error.what();
    return {};
  }
  ADD_FAILURE() << "expected a CollectiveError, got none";
  return {};
}

TEST(ShardedInProcess, ShardRowsCoverTheDataInOrder) {
  EXPECT_EQ(shard_rows(10, 0, 3).begin, 0);
  EXPECT_EQ(shard_rows(10, 0, 3).end, 3);
  EXPECT_EQ(shard_rows(10, 1, 3).end, 6);
  EXPECT_EQ(shard_rows(10, 2, 3).end, 10);
  EXPECT_THROW(shard_rows(3, 0, 4), Error);  // a shard without rows
  EXPECT_THROW(shard_rows(10, 3, 3), Error);
  EXPECT_THROW(shard_rows(10, 0, 0), Error);
}

TEST(ShardedInProcess, SumOfShardsIsTheUnshardedLogDensity) {
  auto whole = regression({0, rows}).compile({.backend = Backend::interp});
  const std::int64_t dim = whole->dim();
  for (int shards : {1, 2, 3, 4, 7}) {
    ShardedLogDensity sharded(builder(), shards, in_process());
    ASSERT_EQ(sharded.dim(), dim);
    for (double shift : {0.0, 1.0, 2.5}) {
      const std::vector<double> x = point(dim, shift);
      std::vector<double> expected_grad(dim), grad(dim);
      const double expected = whole->logp_grad(x.data(), expected_grad.data());
      const double value = sharded.logp_grad(x.data(), grad.data());
      // The same terms added in another order: equal within rounding, not to the bit.
      EXPECT_NEAR(value, expected, 1e-12 * std::abs(expected)) << shards << " shards";
      for (std::int64_t i = 0; i < dim; ++i) {
        EXPECT_NEAR(grad[i], expected_grad[i], 1e-11 * (1 + std::abs(expected_grad[i])))
            << shards << " shards, coordinate " << i;
      }
    }
  }
}

TEST(ShardedInProcess, GradientMatchesFiniteDifferences) {
  ShardedLogDensity sharded(builder(), 4, in_process());
  const std::int64_t dim = sharded.dim();
  std::vector<double> x = point(dim, 0.4);
  std::vector<double> grad(dim), scratch(dim);
  sharded.logp_grad(x.data(), grad.data());
  const double step = 1e-6;
  for (std::int64_t i = 0; i < dim; ++i) {
    std::vector<double> up = x, down = x;
    up[i] += step;
    down[i] -= step;
    const double difference = (sharded.logp_grad(up.data(), scratch.data()) -
                               sharded.logp_grad(down.data(), scratch.data())) /
                              (2 * step);
    EXPECT_NEAR(grad[i], difference, 1e-6 * (1 + std::abs(difference))) << "coordinate " << i;
  }
}

TEST(ShardedInProcess, ShardsThatDoNotCoverTheDataAreAnError) {
  // Every shard claims the first rows: the rest of the data would be left out.
  ShardBuilder overlapping = [](int shard, int shards) {
    const RowRange range = shard_rows(rows, 0, shards);
    return ModelShard{regression(range), range, rows, "1"};
  };
  const std::string message =
      collective_error([&] { ShardedLogDensity(overlapping, 3, in_process()); });
  EXPECT_NE(message.find("do not cover"), std::string::npos) << message;
  EXPECT_NE(message.find("shard 1 (rank 0) holds rows [0, 20) of 60; expected to start at row 20"),
            std::string::npos)
      << message;
  const std::string too_many =
      collective_error([&] { ShardedLogDensity(builder(), rows + 1, in_process()); });
  EXPECT_NE(too_many.find("61 shards of 60 rows would leave a shard without rows"),
            std::string::npos)
      << too_many;
}

TEST(ShardedInProcess, ShardsOfDifferentModelsOrDataAreAnError) {
  const std::string structure = collective_error([] {
    ShardedLogDensity(builder([](int shard) { return Variant{.extra_variable = shard == 2}; }), 3,
                      in_process());
  });
  EXPECT_NE(structure.find("different models"), std::string::npos) << structure;
  EXPECT_NE(structure.find("shard 2 (rank 0) has model structure"), std::string::npos) << structure;
  const std::string data = collective_error([] {
    ShardedLogDensity(builder([](int shard) { return Variant{.data_version = shard ? "2" : "1"}; }),
                      2, in_process());
  });
  EXPECT_NE(data.find("shard 1 (rank 0) read data version '2', shard 0 read '1'"),
            std::string::npos)
      << data;
}

TEST(ShardedInProcess, DeterministicsReadingDataAreAnError) {
  ShardBuilder reads_data = [](int shard, int shards) {
    const RowRange range = shard_rows(rows, shard, shards);
    Model m = regression(range);
    m.deterministic("eta", m.variable("alpha").value + m.variable("X").value);
    return ModelShard{std::move(m), range, rows, "1"};
  };
  const std::string message =
      collective_error([&] { ShardedLogDensity(reads_data, 2, in_process()); });
  EXPECT_NE(message.find("deterministic 'eta' reads data"), std::string::npos) << message;
}

TEST(ShardedInProcess, MpiWithoutALauncherIsAnError) {
  if (launched_by_mpi()) GTEST_SKIP() << "started by mpirun";
  try {
    ShardedLogDensity(builder(), 2, across_ranks());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(mpi_built() ? "mpirun" : "built without MPI"), std::string::npos)
        << message;
  }
}

// --- Under mpirun (any number of ranks dividing 4) ---

// The launcher's view, valid before the first sharded object starts MPI (mpi_rank() and
// mpi_ranks() say 0 and 1 until then).
int world_size() {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  return size ? std::atoi(size) : mpi_ranks();
}
int world_rank() {
  const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
  return rank ? std::atoi(rank) : mpi_rank();
}

SampleOptions short_run() {
  return {.backend = Backend::interp,
          .chains = 2,
          .draws = 40,
          .tune = 40,
          .seed = 11,
          .progress = false};
}

TEST(ShardedMpi, LogDensityIsTheSingleProcessOneToTheBit) {
  ShardedLogDensity single(builder(), 4, in_process());
  ShardedLogDensity ranks(builder(), 4, across_ranks());
  EXPECT_EQ(ranks.local_shards(), 4 / world_size());
  EXPECT_EQ(mpi_ranks(), world_size());  // MPI is running now
  EXPECT_EQ(mpi_rank(), world_rank());
  for (double shift : {0.0, 2.0}) {
    const std::vector<double> x = point(single.dim(), shift);
    std::vector<double> expected_grad(single.dim()), grad(single.dim());
    EXPECT_EQ(ranks.logp_grad(x.data(), grad.data()),
              single.logp_grad(x.data(), expected_grad.data()));
    EXPECT_EQ(grad, expected_grad);
  }
}

TEST(ShardedMpi, DrawsAreTheSingleProcessOnes) {
  const InferenceData single =
      sample_sharded(builder(), 4, short_run(), ShardPlacement::in_process);
  const InferenceData ranks = sample_sharded(builder(), 4, short_run(), ShardPlacement::mpi);
  ASSERT_EQ(ranks.attributes.at("mpi_ranks"), std::to_string(world_size()));
  // Every rank followed the same trajectory: its statistics are the single process's bits.
  for (const char* statistic : {"lp", "step_size", "n_steps", "energy"}) {
    EXPECT_EQ(ranks.groups.at("sample_stats").find(statistic)->values,
              single.groups.at("sample_stats").find(statistic)->values)
        << statistic;
  }
  if (world_rank() == 0) {
    for (const char* name : {"alpha", "sigma", "beta"}) {
      EXPECT_EQ(ranks.groups.at("posterior").find(name)->values,
                single.groups.at("posterior").find(name)->values)
          << name;
    }
  } else {
    EXPECT_FALSE(ranks.groups.contains("posterior"));
  }
}

TEST(ShardedMpi, ChainsSpreadOverGroupsOfRanksAreTheSingleProcessOnes) {
  if (world_size() == 1) GTEST_SKIP() << "one rank is one group";
  // Half as many shards as ranks: two groups of ranks, each running two of the four chains.
  const int shards = world_size() / 2;
  SampleOptions options = short_run();
  options.chains = 4;
  const InferenceData single =
      sample_sharded(builder(), shards, options, ShardPlacement::in_process);
  const InferenceData ranks = sample_sharded(builder(), shards, options, ShardPlacement::mpi);
  ASSERT_EQ(ranks.chains, 4);
  for (const char* statistic : {"lp", "step_size", "n_steps", "diverging"}) {
    EXPECT_EQ(ranks.groups.at("sample_stats").find(statistic)->values,
              single.groups.at("sample_stats").find(statistic)->values)
        << statistic;
  }
  if (world_rank() == 0) {
    EXPECT_EQ(ranks.groups.at("posterior").find("beta")->values,
              single.groups.at("posterior").find("beta")->values);
  }
  options.chains = 1;  // fewer chains than groups
  const std::string message =
      collective_error([&] { sample_sharded(builder(), shards, options, ShardPlacement::mpi); });
  EXPECT_NE(message.find("ask for at least 2 chains (got 1)"), std::string::npos) << message;
}

TEST(ShardedMpi, ShardsThatDoNotSplitOverTheRanksAreAnErrorOnEveryRank) {
  if (world_size() == 1) GTEST_SKIP() << "every shard count splits over one rank";
  // Neither a multiple of the ranks nor a divisor of them.
  const std::string message =
      collective_error([] { ShardedLogDensity(builder(), world_size() + 1, across_ranks()); });
  EXPECT_NE(message.find("must be a multiple of the number of ranks"), std::string::npos)
      << message;
}

TEST(ShardedMpi, ARankThatCannotBuildItsShardStopsEveryRank) {
  ShardBuilder failing = [](int shard, int shards) {
    if (shard == shards - 1) throw Error("data file for the last shard is missing");
    const RowRange range = shard_rows(rows, shard, shards);
    return ModelShard{regression(range), range, rows, "1"};
  };
  const std::string message =
      collective_error([&] { ShardedLogDensity(failing, 4, across_ranks()); });
  EXPECT_NE(message.find("shard 3 (rank " + std::to_string(world_size() - 1) +
                         "): data file for the last shard is missing"),
            std::string::npos)
      << message;
}

TEST(ShardedMpi, RanksWithDifferentDataOrModelsStopEveryRank) {
  const int last = world_size() - 1;
  if (last == 0) GTEST_SKIP() << "one rank cannot disagree with itself";
  const std::string data = collective_error([last] {
    ShardedLogDensity(builder([last](int) {
                        return Variant{.data_version = world_rank() == last ? "v2" : "v1"};
                      }),
                      4, across_ranks());
  });
  EXPECT_NE(data.find("read data version 'v2', shard 0 read 'v1'"), std::string::npos) << data;
  const std::string model = collective_error([last] {
    ShardedLogDensity(
        builder([last](int) { return Variant{.extra_variable = world_rank() == last}; }), 4,
        across_ranks());
  });
  EXPECT_NE(model.find("different models"), std::string::npos) << model;
  const std::string settings = collective_error([] {
    ShardedOptions options = across_ranks();
    options.settings_fingerprint = "seed " + std::to_string(world_rank());
    ShardedLogDensity(builder(), 4, options);
  });
  EXPECT_NE(settings.find("started with different settings"), std::string::npos) << settings;
}

TEST(ShardedMpi, AShardThatThrowsDuringEvaluationStopsEveryRank) {
  // Every shard has the potential (the ranks check that their models agree); shard 3's throws
  // on its second call.
  auto trap = [](bool armed) {
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto function = std::make_shared<UserFunction>();
    function->name = "trap";
    function->output_types = {{DType::float64, {}}};
    function->perform = [calls, armed](const std::vector<Tensor>&, std::vector<Tensor>&) {
      if (++*calls == 2 && armed) throw Error("out of memory in the trap");
    };
    function->vjp = [](const std::vector<Tensor>&, const std::vector<Tensor>&,
                       std::vector<Tensor>&) {};
    return UserFunctionPtr(function);
  };
  ShardedLogDensity ranks(builder([trap](int shard) { return Variant{.trap = trap(shard == 3)}; }),
                          4, across_ranks());
  const std::vector<double> x = point(ranks.dim(), 0.0);
  std::vector<double> grad(ranks.dim());
  ranks.logp_grad(x.data(), grad.data());  // the trap's first call passes
  const std::string message = collective_error([&] { ranks.logp_grad(x.data(), grad.data()); });
  EXPECT_NE(message.find("shard 3 (rank " + std::to_string(world_size() - 1) +
                         "): out of memory in the trap"),
            std::string::npos)
      << message;
  // Every rank is still in step: the next evaluation works everywhere.
  EXPECT_TRUE(std::isfinite(ranks.logp_grad(x.data(), grad.data())));
}

}  // namespace
}  // namespace hypatia
