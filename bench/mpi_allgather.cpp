// What one sharded log density evaluation pays to MPI (docs/scaling.md): the median time of the
// exchange ShardedLogDensity makes per evaluation, an MPI_Allgather of each rank's (ok, value,
// gradient) record, next to an MPI_Allreduce of the same record (the cheaper collective whose
// order of addition MPI does not fix), for several model dimensions. Repeats are interleaved so
// a loaded machine slows both alike.
// Then one sharded evaluation end to end: the bundled logreg (10,000 x 50) split into R shards,
// one per rank, against the same R shards in one process and the unsharded model (rank 0).
// Usage: mpirun -n R hypatia-bench-mpi-allgather [repeats]   (default 2000 per size)

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "hypatia/models.hpp"
#include "hypatia/sharded.hpp"

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Median microseconds of one log density + gradient of `target`, interleaved with nothing else;
// every rank calls it together when the target is sharded over MPI.
double median_evaluation_us(hypatia::Target& target, int repeats) {
  std::vector<double> x(target.dim(), 0.01), grad(target.dim());
  std::vector<double> times;
  for (int i = 0; i < repeats + 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    target.logp_grad(x.data(), grad.data());
    const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
    if (i >= 5) times.push_back(took.count());
  }
  return median(times);
}

void sharded_logreg(int rank, int ranks) {
  const hypatia::BundledModel& logreg = hypatia::find_bundled_model("logreg");
  const int repeats = 200;
  hypatia::ShardedLogDensity across(logreg.build_shard, ranks,
                                    {.placement = hypatia::ShardPlacement::mpi});
  MPI_Barrier(MPI_COMM_WORLD);
  const double across_us = median_evaluation_us(across, repeats);
  if (rank != 0) return;
  hypatia::ShardedLogDensity one_process(logreg.build_shard, ranks, {});
  auto unsharded = logreg.build().compile();
  const double one_process_us = median_evaluation_us(one_process, repeats);
  const double unsharded_us = median_evaluation_us(*unsharded, repeats);
  std::printf(
      "logreg 10000 x 50, native, median microseconds per log density + gradient:\n"
      "  unsharded %.1f, %d shards in one process %.1f, %d shards on %d ranks %.1f\n",
      unsharded_us, ranks, one_process_us, ranks, ranks, across_us);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 2000;
  if (rank == 0) {
    std::printf("%d ranks, %d repeats; median microseconds per call\n", ranks, repeats);
    std::printf("%10s %14s %14s %14s\n", "dim", "allgather", "allreduce", "barrier");
  }
  for (int dim : {1, 51, 175, 1000, 10000, 100000}) {
    const int record = dim + 2;  // ok flag, value, gradient
    std::vector<double> mine(record, 1.0 + rank), all(static_cast<std::size_t>(record) * ranks);
    std::vector<double> sum(record);
    std::vector<double> gather_us, reduce_us, barrier_us;
    for (int i = 0; i < repeats + 50; ++i) {
      MPI_Barrier(MPI_COMM_WORLD);
      double start = MPI_Wtime();
      MPI_Allgather(mine.data(), record, MPI_DOUBLE, all.data(), record, MPI_DOUBLE,
                    MPI_COMM_WORLD);
      const double gathered = MPI_Wtime() - start;
      MPI_Barrier(MPI_COMM_WORLD);
      start = MPI_Wtime();
      MPI_Allreduce(mine.data(), sum.data(), record, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
      const double reduced = MPI_Wtime() - start;
      start = MPI_Wtime();
      MPI_Barrier(MPI_COMM_WORLD);
      const double barrier = MPI_Wtime() - start;
      if (i >= 50) {  // the first calls set up connections
        gather_us.push_back(gathered * 1e6);
        reduce_us.push_back(reduced * 1e6);
        barrier_us.push_back(barrier * 1e6);
      }
    }
    // Rank 0's view; the slowest rank bounds an evaluation, so report the maximum median.
    double medians[3] = {median(gather_us), median(reduce_us), median(barrier_us)};
    double slowest[3];
    MPI_Reduce(medians, slowest, 3, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) {
      std::printf("%10d %14.2f %14.2f %14.2f\n", dim, slowest[0], slowest[1], slowest[2]);
    }
  }
  sharded_logreg(rank, ranks);
  MPI_Barrier(MPI_COMM_WORLD);
  MPI_Finalize();
  return 0;
}
