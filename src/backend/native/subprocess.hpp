#pragma once

// Runs the C++ compiler as a child process without a shell: posix_spawn and waitpid, so that the
// signals of the caller are left as they are (std::system ignores SIGINT in the caller while the
// child runs, which swallowed Ctrl-C) and a child killed by a signal is told apart from a failure.

#include <filesystem>
#include <string>
#include <vector>

namespace hypatia::native {

struct ProcessOutcome {
  int exit_status = 0;  // when it exited
  int signal = 0;       // nonzero: the signal that killed it
  std::string output;   // stdout and stderr, interleaved

  bool succeeded() const { return signal == 0 && exit_status == 0; }
  // "exited with status 1", "was killed by signal 2 (Interrupt)"
  std::string describe() const;
};

// Runs `argv` (argv[0] is looked up in PATH when it has no slash) with stdin from /dev/null and
// stdout and stderr collected. Throws an Error naming the program when it cannot be started.
// The child stays in the caller's process group, so Ctrl-C at a terminal reaches both.
ProcessOutcome run_process(const std::vector<std::string>& argv);

}  // namespace hypatia::native
