#include "hypatia/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace hypatia {
namespace {

// Lock-free, so the signal handler may touch it.
std::atomic<int> interrupts{0};
static_assert(std::atomic<int>::is_always_lock_free);

void on_interrupt_signal(int) {
  if (interrupts.fetch_add(1) > 0) ::_exit(130);
  static const char message[] =
      "\ninterrupted: stopping the chains at their next iteration to keep the draws so far "
      "(interrupt again to exit at once)\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, message, sizeof message - 1);
}

}  // namespace

bool interrupt_requested() {
  return interrupts.load(std::memory_order_relaxed) > 0;
}

void request_interrupt() {
  interrupts.fetch_add(1);
}

void clear_interrupt() {
  interrupts.store(0);
}

void install_interrupt_handler() {
  // An ignored SIGINT stays ignored, as shells ignore it for background jobs (`hypatia ... &`).
  struct sigaction current {};
  if (::sigaction(SIGINT, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) return;
  struct sigaction action {};
  action.sa_handler = on_interrupt_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
}

}  // namespace hypatia
