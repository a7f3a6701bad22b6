#pragma once

// How shard partial results travel between the processes holding them: one process (nothing to
// send) or the ranks of MPI_COMM_WORLD. Every exchange is an allgather, which keeps rank order, so
// each rank can add the partials in shard order and all get the same bits.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hypatia {

class ShardExchange {
 public:
  virtual ~ShardExchange() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // Every rank's `count` values, in rank order, into all[0 .. ranks() * count) on every rank.
  // Collective: every rank calls it with the same count, in the same order of calls.
  virtual void allgather(const double* mine, std::int64_t count, double* all) = 0;
  virtual void allgather(const char* mine, std::int64_t count, char* all) = 0;
  // Every rank's values, of any length, in rank order on every rank. Collective.
  virtual std::vector<std::vector<double>> allgather_variable(const std::vector<double>& mine) = 0;
  // The ranks with the same `color` as a communicator of their own, ranked as here. Collective.
  virtual std::shared_ptr<ShardExchange> split(int color) = 0;
};

// This process alone (rank 0 of 1).
std::shared_ptr<ShardExchange> in_process_exchange();
// MPI_COMM_WORLD, starting MPI on first use (and finalizing it at exit). Throws Error, before
// starting MPI, when Hypatia was built without MPI or the process was not started by mpirun.
std::shared_ptr<ShardExchange> mpi_world_exchange();

// Each rank's strings (each cut to slot - 1 bytes), all ranks' in rank order on every rank.
std::vector<std::string> allgather_texts(ShardExchange& exchange,
                                         const std::vector<std::string>& mine, std::size_t slot);

}  // namespace hypatia
