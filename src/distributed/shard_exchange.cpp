// The in-process exchange and MPI_COMM_WORLD's (src/distributed/shard_exchange.hpp), and the MPI
// session behind it: started on first use, finalized at exit unless a rank aborted.

#include "distributed/shard_exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

#include "hypatia/error.hpp"
#include "hypatia/sharded.hpp"

#ifdef HYPATIA_HAVE_MPI
#define OMPI_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace hypatia {
namespace {

class InProcessExchange final : public ShardExchange {
 public:
  int rank() const override { return 0; }
  int ranks() const override { return 1; }
  void allgather(const double* mine, std::int64_t count, double* all) override {
    std::copy(mine, mine + count, all);
  }
  void allgather(const char* mine, std::int64_t count, char* all) override {
    std::copy(mine, mine + count, all);
  }
  std::vector<std::vector<double>> allgather_variable(const std::vector<double>& mine) override {
    return {mine};
  }
  std::shared_ptr<ShardExchange> split(int) override {
    return std::make_shared<InProcessExchange>();
  }
};

#ifdef HYPATIA_HAVE_MPI

// MPI_Init_thread once per process; MPI_Finalize when the process exits normally.
class MpiSession {
 public:
  static MpiSession& get() {
    static MpiSession session;
    return session;
  }
  void start() {
    std::lock_guard lock(mutex_);
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return;
    // Serialized: a chain may run on a thread other than main, never two at once.
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    if (provided < MPI_THREAD_SERIALIZED) {
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    started_ = true;
  }
  ~MpiSession() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (started_ && !finalized) MPI_Finalize();
  }

 private:
  std::mutex mutex_;
  bool started_ = false;
};

bool mpi_running() {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized && !finalized;
}

int checked_count(std::int64_t count) {
  if (count > INT_MAX) {
    throw Error("MPI exchange: " + std::to_string(count) +
                " values in one message, more than MPI's int count allows");
  }
  return static_cast<int>(count);
}

class MpiWorldExchange final : public ShardExchange {
 public:
  explicit MpiWorldExchange(MPI_Comm communicator = MPI_COMM_WORLD) : communicator_(communicator) {
    MPI_Comm_rank(communicator_, &rank_);
    MPI_Comm_size(communicator_, &ranks_);
  }
  ~MpiWorldExchange() override {
    if (communicator_ != MPI_COMM_WORLD && mpi_running()) MPI_Comm_free(&communicator_);
  }
  MpiWorldExchange(const MpiWorldExchange&) = delete;
  MpiWorldExchange& operator=(const MpiWorldExchange&) = delete;
  int rank() const override { return rank_; }
  int ranks() const override { return ranks_; }
  void allgather(const double* mine, std::int64_t count, double* all) override {
    const int n = checked_count(count);
    MPI_Allgather(mine, n, MPI_DOUBLE, all, n, MPI_DOUBLE, communicator_);
  }
  void allgather(const char* mine, std::int64_t count, char* all) override {
    const int n = checked_count(count);
    MPI_Allgather(mine, n, MPI_CHAR, all, n, MPI_CHAR, communicator_);
  }
  std::vector<std::vector<double>> allgather_variable(const std::vector<double>& mine) override {
    const int count = checked_count(static_cast<std::int64_t>(mine.size()));
    std::vector<int> counts(ranks_);
    MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, communicator_);
    std::vector<int> offsets(ranks_);
    std::int64_t total = 0;
    for (int rank = 0; rank < ranks_; ++rank) {
      offsets[rank] = checked_count(total);
      total += counts[rank];
    }
    std::vector<double> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                   MPI_DOUBLE, communicator_);
    std::vector<std::vector<double>> pieces;
    for (int rank = 0; rank < ranks_; ++rank) {
      pieces.emplace_back(all.begin() + offsets[rank], all.begin() + offsets[rank] + counts[rank]);
    }
    return pieces;
  }
  std::shared_ptr<ShardExchange> split(int color) override {
    MPI_Comm group;
    MPI_Comm_split(communicator_, color, rank_, &group);
    return std::make_shared<MpiWorldExchange>(group);
  }

 private:
  MPI_Comm communicator_;
  int rank_ = 0;
  int ranks_ = 1;
};

#endif

}  // namespace

bool mpi_built() {
#ifdef HYPATIA_HAVE_MPI
  return true;
#else
  return false;
#endif
}

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

int mpi_rank() {
#ifdef HYPATIA_HAVE_MPI
  if (mpi_running()) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
  }
#endif
  return 0;
}

int mpi_ranks() {
#ifdef HYPATIA_HAVE_MPI
  if (mpi_running()) {
    int ranks = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    return ranks;
  }
#endif
  return 1;
}

void mpi_abort(const std::string& reason, int exit_code) {
#ifdef HYPATIA_HAVE_MPI
  if (!mpi_running()) return;
  std::cerr << "hypatia rank " << mpi_rank() << " of " << mpi_ranks() << ": " << reason
            << "\nhypatia rank " << mpi_rank() << ": cannot continue alone; ending every rank"
            << std::endl;
  MPI_Abort(MPI_COMM_WORLD, exit_code);
#else
  (void)reason;
  (void)exit_code;
#endif
}

std::shared_ptr<ShardExchange> in_process_exchange() {
  return std::make_shared<InProcessExchange>();
}

std::shared_ptr<ShardExchange> mpi_world_exchange() {
#ifdef HYPATIA_HAVE_MPI
  if (!launched_by_mpi()) {
    throw Error(
        "data shards across processes need the processes started by an MPI launcher (mpirun -n R "
        "hypatia sample MODEL --data-shards K ...); this process was not (none of "
        "OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK is set)");
  }
  MpiSession::get().start();
  return std::make_shared<MpiWorldExchange>();
#else
  throw Error(
      "data shards across processes need MPI, and this Hypatia was built without it: install "
      "libopenmpi-dev and openmpi-bin (scripts/setup-debian.sh does) and configure again");
#endif
}

std::vector<std::string> allgather_texts(ShardExchange& exchange,
                                         const std::vector<std::string>& mine, std::size_t slot) {
  std::vector<char> sent(mine.size() * slot, '\0');
  for (std::size_t i = 0; i < mine.size(); ++i) {
    std::memcpy(sent.data() + i * slot, mine[i].data(), std::min(mine[i].size(), slot - 1));
  }
  std::vector<char> received(sent.size() * static_cast<std::size_t>(exchange.ranks()));
  exchange.allgather(sent.data(), static_cast<std::int64_t>(sent.size()), received.data());
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < received.size() / slot; ++i) {
    texts.emplace_back(received.data() + i * slot);
  }
  return texts;
}

}  // namespace hypatia
