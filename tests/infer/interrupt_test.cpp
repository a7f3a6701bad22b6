// The interrupt flag and the command-line SIGINT handler: the first SIGINT only requests an
// interrupt, the second exits at once with status 130.

#include "hypatia/interrupt.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>

namespace hypatia {
namespace {

TEST(Interrupt, RequestAndClear) {
  clear_interrupt();
  EXPECT_FALSE(interrupt_requested());
  request_interrupt();
  EXPECT_TRUE(interrupt_requested());
  clear_interrupt();
  EXPECT_FALSE(interrupt_requested());
}

void interrupt_twice() {
  clear_interrupt();
  std::signal(SIGINT, SIG_DFL);  // not ignored, whatever started the tests
  install_interrupt_handler();
  std::raise(SIGINT);
  if (!interrupt_requested()) std::exit(3);  // the first SIGINT must only set the flag
  std::raise(SIGINT);
  std::exit(4);  // not reached: the second exits
}

TEST(InterruptDeathTest, TheFirstSigintRequestsTheSecondExitsWith130) {
  EXPECT_EXIT(interrupt_twice(), ::testing::ExitedWithCode(130), "interrupted");
}

}  // namespace
}  // namespace hypatia
