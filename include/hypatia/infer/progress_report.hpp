#pragma once

// What a sampler tells a caller watching its progress (a Python progress bar, a GUI): per-chain
// iteration counts and divergences, sent from the progress thread at most ten times a second.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hypatia {

// NUTS counts iterations; SMC counts beta in thousandths (iterations_total = 1000).
struct ChainProgress {
  std::int64_t iterations_done = 0;   // warm-up included
  std::int64_t iterations_total = 0;  // warm-up + draws
  std::int64_t warmup = 0;            // the first `warmup` iterations are warm-up
  std::int64_t divergences = 0;       // after warm-up
};

struct ProgressReport {
  std::string label;  // "NUTS" or "SMC"
  std::vector<ChainProgress> chains;
  double seconds = 0;     // since sampling started
  bool finished = false;  // the last report of the run
};

// Called on the progress thread (and once more, finished, on the sampling thread); never two calls
// at once. A callback that throws is not called again; sampling goes on.
using ProgressCallback = std::function<void(const ProgressReport&)>;

}  // namespace hypatia
