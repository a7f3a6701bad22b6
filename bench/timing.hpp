#pragma once

// The median wall time of single calls, repeated for about `budget_seconds` (at least
// `min_repeats` times, at most 10000): medians resist the machine's slow phases.

#include <algorithm>
#include <chrono>
#include <vector>

namespace hypatia::bench {

template <typename F>
double median_seconds(F&& call, std::size_t min_repeats, double budget_seconds) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> times;
  const auto start = Clock::now();
  while (times.size() < min_repeats ||
         (std::chrono::duration<double>(Clock::now() - start).count() < budget_seconds &&
          times.size() < 10000)) {
    const auto t0 = Clock::now();
    call();
    times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

}  // namespace hypatia::bench
