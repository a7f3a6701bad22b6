#pragma once

// Warm-up schedules shared by gradient-based samplers: dual averaging of the step size and Stan's
// doubling windows for estimating the metric.

#include <cstdint>
#include <vector>

namespace hypatia::infer {

// Nesterov dual averaging of log(step size) towards a target mean acceptance (Hoffman & Gelman,
// 2014, section 3.2), shrinking towards mu = log(10 * eps0).
class DualAveraging {
 public:
  DualAveraging(double target_accept, double gamma, double t0, double kappa);

  // Starts over from step size `step_size` (after the metric changed).
  void restart(double step_size);
  // Learns from one transition's mean acceptance; returns the step size for the next one.
  double update(double acceptance);
  // The averaged step size to sample with once warm-up ends.
  double final_step_size() const;

 private:
  double target_accept_, gamma_, t0_, kappa_;
  double mu_ = 0;
  std::int64_t count_ = 0;
  double mean_error_ = 0;     // running average of target - acceptance
  double mean_log_step_ = 0;  // the averaged iterate, x-bar
};

// Which warm-up iterations feed the metric estimate and after which ones it is updated: a fast
// initial buffer, slow windows doubling in length (the last one stretched to reach the terminal
// buffer), then a fast terminal buffer, as Stan schedules them.
class MetricWindows {
 public:
  MetricWindows(std::int64_t tune, std::int64_t initial_buffer, std::int64_t base_window,
                std::int64_t terminal_buffer);

  bool collects(std::int64_t iteration) const;
  // Whether the metric is updated after warm-up iteration `iteration`.
  bool closes(std::int64_t iteration) const;
  // The iterations that close a window, ascending.
  const std::vector<std::int64_t>& window_ends() const { return ends_; }

 private:
  std::int64_t first_ = 0;  // collecting iterations are [first_, last_)
  std::int64_t last_ = 0;
  std::vector<std::int64_t> ends_;
};

// nutpie's schedule: the metric is re-estimated after every warm-up draw before the last 15%,
// from overlapping windows that switch every 10 draws in the first 30% of warm-up and then
// after 80 draws, each later window 1.5 times the one before; a window switches only when the
// next one still fits before the last 15%.
class NutpieWindows {
 public:
  explicit NutpieWindows(std::int64_t tune);

  // The first warm-up iteration that tunes only the step size.
  std::int64_t step_size_only_from() const { return step_size_only_from_; }
  // Whether to switch windows after iteration `iteration`, with `recent` samples added since the
  // last switch (call once per iteration, in order: it tracks the growing window length).
  bool switches(std::int64_t iteration, std::int64_t recent);

 private:
  std::int64_t early_end_ = 0;
  std::int64_t step_size_only_from_ = 0;
  std::int64_t window_ = 80;
};

}  // namespace hypatia::infer
