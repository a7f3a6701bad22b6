#pragma once

// The thread pools behind hr_parallel_for_chunks (runtime/parallel.cpp), for the code that calls
// compiled functions and reference kernels: a pool of n threads (a oneTBB task arena), entered by
// the calling thread for the duration of a call. A thread that entered no pool runs chunks one
// after another itself, as do the pool's own workers (a chunk never splits into more chunks).

#include <cstdint>

extern "C" {
typedef struct hr_thread_pool hr_thread_pool;
// A pool of `threads` threads, counting the thread that enters it; `threads` <= 1 gives none
// (null: chunks run on the calling thread).
hr_thread_pool* hr_thread_pool_create(int threads);
void hr_thread_pool_destroy(hr_thread_pool* pool);
// Makes `pool` (or null) the calling thread's pool; returns the one it replaces.
hr_thread_pool* hr_thread_pool_enter(hr_thread_pool* pool);
}

#ifdef __cplusplus
namespace hypatia {

// The calling thread's pool for the lifetime of a scope.
class ThreadPoolScope {
 public:
  explicit ThreadPoolScope(hr_thread_pool* pool) : previous_(hr_thread_pool_enter(pool)) {}
  ~ThreadPoolScope() { hr_thread_pool_enter(previous_); }
  ThreadPoolScope(const ThreadPoolScope&) = delete;
  ThreadPoolScope& operator=(const ThreadPoolScope&) = delete;

 private:
  hr_thread_pool* previous_;
};

}  // namespace hypatia
#endif
