#pragma once

// A progress bar for samplers on stderr: iterations of all chains combined, speed, divergences
// and time left, redrawn on one line at most ten times a second by a thread of its own. Shown only
// when enabled and stderr is a terminal. A callback, when given, is sent the per-chain counts at
// the same pace (for front ends drawing their own bars). With neither, every call is a cheap no-op.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hypatia/infer/progress_report.hpp"

namespace hypatia::infer {

struct ProgressSnapshot {
  std::string label;  // e.g. "NUTS"
  int chains = 0;
  std::int64_t iterations_done = 0;  // summed over chains
  std::int64_t iterations_total = 0;
  std::int64_t divergences = 0;
  double seconds = 0;
};

// The line shown, e.g. "NUTS 4 chains [#####-----]  50%  4000/8000  2391 it/s  3 divergent
// 0:02 left".
std::string format_progress(const ProgressSnapshot& snapshot, int bar_width = 30);

class Progress {
 public:
  // `warmup`: how many of each chain's iterations are warm-up (reported to the callback).
  Progress(std::string label, int chains, std::int64_t iterations_per_chain, bool enabled,
           ProgressCallback callback = {}, std::int64_t warmup = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool shown() const { return shown_; }
  // Shown, or reporting to a callback: updates are stored and a thread runs.
  bool active() const { return shown_ || reporting_; }
  // Called by chain threads; only stores two numbers.
  void update(int chain, std::int64_t iterations_done, std::int64_t divergences);
  // Draws the final state and ends the line (also done by the destructor).
  void finish();

 private:
  struct alignas(64) ChainCounts {  // one cache line per chain: chains never contend
    std::atomic<std::int64_t> iterations{0};
    std::atomic<std::int64_t> divergences{0};
  };

  ProgressSnapshot snapshot() const;
  ProgressReport report(bool finished) const;
  void draw() const;
  void tell(bool finished);
  void redraw_until_finished();

  std::string label_;
  std::int64_t iterations_per_chain_;
  bool shown_;
  bool reporting_;             // given a callback (fixed, so chain threads may read it)
  ProgressCallback callback_;  // emptied when it throws; used by one thread at a time
  std::int64_t warmup_;
  std::vector<ChainCounts> counts_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;
  std::thread redrawer_;
};

}  // namespace hypatia::infer
