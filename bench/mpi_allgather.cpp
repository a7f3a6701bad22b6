// What one sharded log density evaluation pays to MPI (docs/scaling.md): the median time of the
// exchange ShardedLogDensity makes per evaluation, an MPI_Allgather of each rank's (ok, value,
// gradient) record, next to an MPI_Allreduce of the same record (the cheaper collective whose
// order of addition MPI does not fix), for several model dimensions. Repeats are interleaved so
// a loaded machine slows both alike.
// Usage: mpirun -n R hypatia-bench-mpi-allgather [repeats]   (default 2000 per size)

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
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
  MPI_Finalize();
  return 0;
}
