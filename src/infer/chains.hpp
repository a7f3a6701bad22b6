#pragma once

// What every MCMC sampler does around its transitions: find starting points and run independent
// chains on a pool of threads.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "hypatia/infer/rng.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia::infer {

// A starting point with finite log density and gradient: `given` when it is not empty (checked,
// not redrawn), else the first of up to `max_tries` uniform draws in (-radius, radius). Throws
// hypatia::Error naming target.nonfinite_variables() at the last point tried.
std::vector<double> find_initial_point(Target& target, const std::vector<double>& given,
                                       double radius, CounterRng& rng,
                                       const std::string& chain_label, int max_tries = 100);

// Runs work(chain, stop) for every chain in [0, chains) on up to `threads` threads. When a chain
// throws, `stop` turns true so the others can return early, and the exception of the
// lowest-numbered failing chain is rethrown once all threads have finished.
void run_chains(int chains, int threads,
                const std::function<void(int chain, const std::atomic<bool>& stop)>& work);

}  // namespace hypatia::infer
