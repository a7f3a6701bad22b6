// hr_parallel_for_chunks on oneTBB task arenas: each pool is an arena limited to its thread count,
// so the chains of a sampler, each with its own pool, share the machine as the user divided it.
// Which thread runs a chunk never changes what it computes: callers give every chunk its own
// output memory and combine partial results in chunk order themselves.

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>

#include "hypatia_parallel.h"
#include "hypatia_runtime.h"

struct hr_thread_pool {
  explicit hr_thread_pool(int threads) : arena(threads) {}
  tbb::task_arena arena;
};

namespace {

thread_local hr_thread_pool* current_pool = nullptr;

}  // namespace

extern "C" hr_thread_pool* hr_thread_pool_create(int threads) {
  // More threads than the machine runs at once would only queue (and oneTBB warns that it
  // cannot add the workers); the chunks, hence the results, are the same either way.
  threads = std::min(threads, tbb::info::default_concurrency());
  return threads > 1 ? new hr_thread_pool(threads) : nullptr;
}

extern "C" void hr_thread_pool_destroy(hr_thread_pool* pool) {
  delete pool;
}

extern "C" hr_thread_pool* hr_thread_pool_enter(hr_thread_pool* pool) {
  hr_thread_pool* previous = current_pool;
  current_pool = pool;
  return previous;
}

extern "C" void hr_parallel_for_chunks(std::int64_t chunks, hr_chunk_function chunk,
                                       void* context) {
  hr_thread_pool* pool = current_pool;
  if (pool == nullptr || chunks < 2) {
    for (std::int64_t c = 0; c < chunks; ++c) chunk(c, context);
    return;
  }
  pool->arena.execute([&] {
    // One chunk per task: chunks are already the unit of work (thousands of rows each).
    tbb::parallel_for(
        tbb::blocked_range<std::int64_t>(0, chunks, 1),
        [&](const tbb::blocked_range<std::int64_t>& range) {
          for (std::int64_t c = range.begin(); c != range.end(); ++c) chunk(c, context);
        },
        tbb::simple_partitioner());
  });
}
