#include "infer/adaptation.hpp"

#include <algorithm>
#include <cmath>

namespace hypatia::infer {

DualAveraging::DualAveraging(double target_accept, double gamma, double t0, double kappa)
    : target_accept_(target_accept), gamma_(gamma), t0_(t0), kappa_(kappa) {}

void DualAveraging::restart(double step_size) {
  mu_ = std::log(10 * step_size);
  count_ = 0;
  mean_error_ = 0;
  mean_log_step_ = 0;
}

double DualAveraging::update(double acceptance) {
  ++count_;
  const double n = static_cast<double>(count_);
  const double error_weight = 1 / (n + t0_);
  mean_error_ = (1 - error_weight) * mean_error_ +
                error_weight * (target_accept_ - std::min(1.0, acceptance));
  const double log_step = mu_ - mean_error_ * std::sqrt(n) / gamma_;
  const double average_weight = std::pow(n, -kappa_);
  mean_log_step_ = (1 - average_weight) * mean_log_step_ + average_weight * log_step;
  return std::exp(log_step);
}

double DualAveraging::final_step_size() const {
  return std::exp(mean_log_step_);
}

MetricWindows::MetricWindows(std::int64_t tune, std::int64_t initial_buffer,
                             std::int64_t base_window, std::int64_t terminal_buffer) {
  if (tune < 20) return;  // too short to estimate anything: step size only
  if (initial_buffer + base_window + terminal_buffer > tune) {
    initial_buffer = static_cast<std::int64_t>(0.15 * static_cast<double>(tune));
    terminal_buffer = static_cast<std::int64_t>(0.1 * static_cast<double>(tune));
    base_window = tune - initial_buffer - terminal_buffer;
  }
  first_ = initial_buffer;
  last_ = tune - terminal_buffer;
  // Each window doubles the previous one; a window that would leave less than twice its own
  // length before the terminal buffer absorbs the rest instead.
  std::int64_t size = base_window;
  std::int64_t end = first_ + size - 1;
  while (true) {
    ends_.push_back(end);
    if (end >= last_ - 1) break;
    size *= 2;
    end += size;
    if (end + 2 * size >= last_) end = last_ - 1;
  }
}

bool MetricWindows::collects(std::int64_t iteration) const {
  return !ends_.empty() && iteration >= first_ && iteration < last_;
}

bool MetricWindows::closes(std::int64_t iteration) const {
  return std::binary_search(ends_.begin(), ends_.end(), iteration);
}

NutpieWindows::NutpieWindows(std::int64_t tune)
    : early_end_(static_cast<std::int64_t>(0.3 * static_cast<double>(tune))),
      step_size_only_from_(tune - static_cast<std::int64_t>(0.15 * static_cast<double>(tune))) {}

bool NutpieWindows::switches(std::int64_t iteration, std::int64_t recent) {
  constexpr std::int64_t early_window = 10;
  constexpr double growth = 1.5;
  const bool early = iteration < early_end_;
  // Entering the main phase, the samples gathered so far count towards its first window.
  if (iteration == early_end_) window_ = std::max(window_, recent - 1);
  const std::int64_t window = early ? early_window : window_;
  const std::int64_t next =
      early
          ? early_window
          : std::max(window_ + 1,
                     static_cast<std::int64_t>(std::round(static_cast<double>(window_) * growth)));
  if (recent < window || iteration + next > step_size_only_from_) return false;
  if (!early) window_ = next;
  return true;
}

}  // namespace hypatia::infer
