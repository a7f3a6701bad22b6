#include "backend/native/subprocess.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "backend/native/durable_file.hpp"
#include "hypatia/error.hpp"

extern char** environ;

namespace hypatia::native {
namespace {

class FileActions {
 public:
  FileActions() { ::posix_spawn_file_actions_init(&actions_); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

[[noreturn]] void cannot_run(const std::string& program, int error_number) {
  throw Error("native: cannot run '" + program + "': " + errno_text(error_number));
}

}  // namespace

std::string ProcessOutcome::describe() const {
  if (signal != 0) {
    return "was killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
  return "exited with status " + std::to_string(exit_status);
}

ProcessOutcome run_process(const std::vector<std::string>& argv) {
  std::vector<char*> arguments;
  for (const std::string& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
  arguments.push_back(nullptr);

  // Close-on-exec, so that a child another thread spawns meanwhile does not hold the write end
  // open (we would then never see the end of the output).
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) cannot_run(argv.front(), errno);
  FileActions actions;
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(actions.get(), pipe_ends[1], STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), pipe_ends[1], STDERR_FILENO);

  pid_t child = 0;
  const int spawn_error =
      ::posix_spawnp(&child, arguments.front(), actions.get(), nullptr, arguments.data(), environ);
  ::close(pipe_ends[1]);
  if (spawn_error != 0) {
    ::close(pipe_ends[0]);
    cannot_run(argv.front(), spawn_error);
  }

  ProcessOutcome outcome;
  char chunk[4096];
  for (;;) {
    const ssize_t count = ::read(pipe_ends[0], chunk, sizeof chunk);
    if (count < 0 && errno == EINTR) continue;  // a signal handler ran; the child goes on
    if (count <= 0) break;
    outcome.output.append(chunk, static_cast<std::size_t>(count));
  }
  ::close(pipe_ends[0]);

  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) cannot_run(argv.front(), errno);
  }
  if (WIFSIGNALED(status)) {
    outcome.signal = WTERMSIG(status);
  } else {
    outcome.exit_status = WEXITSTATUS(status);
  }
  return outcome;
}

}  // namespace hypatia::native
