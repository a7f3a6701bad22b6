#pragma once

// What every multi-chain sampler (NUTS, SMC) does around its transitions: check its options, find
// starting points and run independent chains on a pool of threads.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/infer/rng.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia::infer {

// A starting point with finite log density and gradient: `given` when it is not empty (checked,
// not redrawn), else the first of up to `max_tries` uniform draws in (-radius, radius). Throws
// hypatia::Error naming target.nonfinite_variables() at the last point tried.
std::vector<double> find_initial_point(Target& target, const std::vector<double>& given,
                                       double radius, CounterRng& rng,
                                       const std::string& chain_label, int max_tries = 100);

// Checks a sampler's options, wording every failure the same way:
// "<sampler>: options.<option> must be <expected>, got <got>" (a hypatia::Error).
class OptionCheck {
 public:
  explicit OptionCheck(std::string sampler) : sampler_(std::move(sampler)) {}

  template <typename Value>
  void operator()(bool holds, const std::string& option, const std::string& expected,
                  const Value& got) const {
    if (holds) return;
    std::ostringstream message;
    message << sampler_ << ": options." << option << " must be " << expected << ", got " << got;
    throw Error(message.str());
  }

  // The checks every multi-chain sampler makes: a target with at least one coordinate, at least
  // one chain, and a thread count of at least 0.
  void chain_options(const Target& target, std::int64_t chains, std::int64_t cores) const;

 private:
  std::string sampler_;
};

// One clone of `target` per chain, made on this thread (clone() need not be safe to call
// concurrently); each chain then owns its scratch memory.
std::vector<std::unique_ptr<Target>> clone_per_chain(const std::string& sampler,
                                                     const Target& target, std::int64_t chains);

// Runs work(chain, stop) for every chain in [0, chains) on up to `cores` threads (0: one per
// hardware thread), the calling thread among them. A chain's result must depend on its number
// only, never on the thread that runs it. When a chain throws, `stop` turns true so the others
// can return early, no new chain starts, and the exception of the lowest-numbered failing chain
// is rethrown once all threads have finished.
void run_chains(std::int64_t chains, std::int64_t cores,
                const std::function<void(std::int64_t chain, const std::atomic<bool>& stop)>& work);

}  // namespace hypatia::infer
