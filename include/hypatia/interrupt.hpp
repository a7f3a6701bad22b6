#pragma once

// A request to stop sampling early, as Ctrl-C makes it: the samplers poll it between iterations,
// stop their chains at the next one and return the draws made so far (see hypatia::sample).

namespace hypatia {

// Whether an interrupt was requested since the last clear_interrupt(). One atomic load, cheap
// enough for every iteration.
bool interrupt_requested();

// Async-signal-safe: may be called from a signal handler.
void request_interrupt();

void clear_interrupt();

// For command-line programs: the first SIGINT requests an interrupt (and says so on stderr), a
// second one exits at once with status 130, as an interrupted shell command does. Does nothing
// when SIGINT is ignored (a shell's background job).
void install_interrupt_handler();

}  // namespace hypatia
