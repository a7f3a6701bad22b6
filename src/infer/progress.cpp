#include "infer/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <sstream>

namespace hypatia::infer {
namespace {

std::string format_duration(double seconds) {
  const auto total = static_cast<std::int64_t>(std::llround(seconds));
  std::ostringstream text;
  text << total / 60 << ':' << (total % 60 < 10 ? "0" : "") << total % 60;
  return text.str();
}

}  // namespace

std::string format_progress(const ProgressSnapshot& snapshot, int bar_width) {
  const double fraction =
      snapshot.iterations_total > 0
          ? static_cast<double>(snapshot.iterations_done) / snapshot.iterations_total
          : 1.0;
  const int filled = static_cast<int>(fraction * bar_width);
  std::ostringstream line;
  line << snapshot.label << ' ' << snapshot.chains << (snapshot.chains == 1 ? " chain" : " chains")
       << " [" << std::string(filled, '#') << std::string(bar_width - filled, '-') << "] "
       << static_cast<int>(fraction * 100) << "%  " << snapshot.iterations_done << '/'
       << snapshot.iterations_total;
  if (snapshot.seconds > 0) {
    const double rate = snapshot.iterations_done / snapshot.seconds;
    line << "  " << std::llround(rate) << " it/s";
  }
  line << "  " << snapshot.divergences << " divergent";
  if (snapshot.iterations_done > 0 && snapshot.iterations_done < snapshot.iterations_total) {
    const double left = snapshot.seconds / snapshot.iterations_done *
                        (snapshot.iterations_total - snapshot.iterations_done);
    line << "  " << format_duration(left) << " left";
  } else {
    line << "  " << format_duration(snapshot.seconds);
  }
  return line.str();
}

Progress::Progress(std::string label, int chains, std::int64_t iterations_per_chain, bool enabled,
                   ProgressCallback callback, std::int64_t warmup)
    : label_(std::move(label)),
      iterations_per_chain_(iterations_per_chain),
      shown_(enabled && isatty(STDERR_FILENO) == 1),
      reporting_(static_cast<bool>(callback)),
      callback_(std::move(callback)),
      warmup_(warmup),
      counts_(static_cast<std::size_t>(chains)),
      start_(std::chrono::steady_clock::now()) {
  if (active()) redrawer_ = std::thread([this] { redraw_until_finished(); });
}

Progress::~Progress() {
  finish();
}

void Progress::update(int chain, std::int64_t iterations_done, std::int64_t divergences) {
  if (!active()) return;
  ChainCounts& counts = counts_[static_cast<std::size_t>(chain)];
  counts.iterations.store(iterations_done, std::memory_order_relaxed);
  counts.divergences.store(divergences, std::memory_order_relaxed);
}

void Progress::finish() {
  if (!redrawer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
  }
  wake_.notify_one();
  redrawer_.join();
  if (shown_) {
    draw();
    std::fputc('\n', stderr);
  }
  tell(true);
}

ProgressSnapshot Progress::snapshot() const {
  ProgressSnapshot snapshot;
  snapshot.label = label_;
  snapshot.chains = static_cast<int>(counts_.size());
  snapshot.iterations_total = iterations_per_chain_ * snapshot.chains;
  for (const ChainCounts& counts : counts_) {
    snapshot.iterations_done += counts.iterations.load(std::memory_order_relaxed);
    snapshot.divergences += counts.divergences.load(std::memory_order_relaxed);
  }
  snapshot.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return snapshot;
}

ProgressReport Progress::report(bool finished) const {
  ProgressReport report;
  report.label = label_;
  report.finished = finished;
  for (const ChainCounts& counts : counts_) {
    report.chains.push_back({.iterations_done = counts.iterations.load(std::memory_order_relaxed),
                             .iterations_total = iterations_per_chain_,
                             .warmup = warmup_,
                             .divergences = counts.divergences.load(std::memory_order_relaxed)});
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return report;
}

void Progress::tell(bool finished) {
  if (!callback_) return;
  try {
    callback_(report(finished));
  } catch (...) {
    // A broken display must not end the run (nor the process, on this thread): stop calling it.
    callback_ = nullptr;
  }
}

void Progress::draw() const {
  // "\r" returns to the start of the line, "\x1b[K" clears what a longer previous line left.
  std::fprintf(stderr, "\r%s\x1b[K", format_progress(snapshot()).c_str());
  std::fflush(stderr);
}

void Progress::redraw_until_finished() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    if (shown_) draw();
    lock.unlock();  // the callback may be slow (it waits for Python's GIL): do not hold finish()
    tell(false);
    lock.lock();
    if (finished_) break;
    wake_.wait_for(lock, std::chrono::milliseconds(100), [this] { return finished_; });
  }
}

}  // namespace hypatia::infer
