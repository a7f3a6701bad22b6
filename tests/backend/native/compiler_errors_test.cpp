// Every way the compile driver can fail outside the compiled program is a clear Error: a cache
// directory that is not usable or not private, a file system that refuses a write, a compiler
// killed by Ctrl-C.

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

#include "backend/native/compiler_fixture.hpp"
#include "hypatia/error.hpp"

namespace hypatia::native {
namespace {

namespace fs = std::filesystem;

using CompilerErrors = CompilerFixture;

// The Error's message, or a test failure naming what was thrown instead.
std::string error_from(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a hypatia::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no error";
  return "";
}

void expect_contains(const std::string& message, const std::string& part) {
  EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
}

// For forked children, where a GoogleTest failure would be lost: whether compiling fails with a
// message naming the cache directory and strerror(error).
bool compile_fails_with(const CompilerOptions& options, int error) {
  std::string message;
  try {
    compile_and_load(value_source("1.0"), options);
  } catch (const Error& e) {
    message = e.what();
  }
  const bool clear = message.find(options.cache_dir.string()) != std::string::npos &&
                     message.find(std::strerror(error)) != std::string::npos;
  if (!clear) std::fprintf(stderr, "message: %s\n", message.c_str());
  return clear;
}

TEST_F(CompilerErrors, CacheDirectoryThatIsAFileIsAClearError) {
  options_.cache_dir = scratch_ / "a-file";
  write_text(options_.cache_dir, "not a directory");
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  expect_contains(message, options_.cache_dir.string());
  expect_contains(message, "not a directory");
}

TEST_F(CompilerErrors, CacheDirectoryFromTheEnvironmentThatIsAFileIsAClearError) {
  const fs::path file = scratch_ / "a-file";
  write_text(file, "not a directory");
  const char* saved = std::getenv("HYPATIA_CACHE_DIR");
  const std::string previous = saved ? saved : "";
  ::setenv("HYPATIA_CACHE_DIR", file.c_str(), 1);
  options_.cache_dir.clear();
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  if (saved) {
    ::setenv("HYPATIA_CACHE_DIR", previous.c_str(), 1);
  } else {
    ::unsetenv("HYPATIA_CACHE_DIR");
  }
  expect_contains(message, file.string());
  expect_contains(message, "HYPATIA_CACHE_DIR");
}

// A directory that cannot be created says why, in the system's words.
TEST_F(CompilerErrors, UncreatableCacheDirectoryGivesTheReason) {
  write_text(scratch_ / "a-file", "");
  options_.cache_dir = scratch_ / "a-file" / "cache";
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  expect_contains(message, options_.cache_dir.string());
  expect_contains(message, std::strerror(ENOTDIR));
}

// A cache directory under one this user may not write: "Permission denied", not a bare "cannot".
// Root may write anywhere, so as root the attempt runs in a child process as user nobody.
TEST_F(CompilerErrors, UnwritableParentGivesPermissionDenied) {
  const fs::path locked = scratch_ / "locked";
  fs::create_directory(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  options_.cache_dir = locked / "cache";
  const bool as_root = ::geteuid() == 0;
  const pid_t child = as_root ? ::fork() : 0;
  if (child == 0) {
    // scratch_ is 0700 and root's: nobody is denied at the first step of the path.
    if (as_root && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(20);
    const bool clear = compile_fails_with(options_, EACCES);
    if (as_root) ::_exit(clear ? 0 : 21);
    EXPECT_TRUE(clear);
  } else {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the child's status: " << status << " (20: cannot become nobody, 21: unclear message)";
  }
  fs::permissions(locked, fs::perms::owner_all);
}

// Anything in the cache directory is loaded into the process: one others can write is refused.
TEST_F(CompilerErrors, CacheDirectoryWritableByOthersIsRefused) {
  for (const fs::perms mode :
       {fs::perms::all, fs::perms::owner_all | fs::perms::group_all | fs::perms::others_read}) {
    fs::create_directories(options_.cache_dir);
    fs::permissions(options_.cache_dir, mode);
    const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
    expect_contains(message, options_.cache_dir.string());
    expect_contains(message, "other users can write");
    EXPECT_TRUE(fs::is_empty(options_.cache_dir));
  }
}

TEST_F(CompilerErrors, CacheDirectoryOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give a directory away";
  fs::create_directories(options_.cache_dir);
  ASSERT_EQ(::chown(options_.cache_dir.c_str(), 65534, 65534), 0) << std::strerror(errno);
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  expect_contains(message, "belongs to user id 65534");
}

// With no HYPATIA_CACHE_DIR, XDG_CACHE_HOME or HOME, the fallback in the shared temporary
// directory is one per user (all users sharing /tmp/hypatia-cache could plant code for others).
TEST(CompilerCacheDirectory, FallbackInTheTemporaryDirectoryIsPerUser) {
  std::map<std::string, std::string> saved;
  for (const char* name : {"HYPATIA_CACHE_DIR", "XDG_CACHE_HOME", "HOME"}) {
    if (const char* value = std::getenv(name)) saved[name] = value;
    ::unsetenv(name);
  }
  const fs::path dir = default_cache_dir();
  for (const auto& [name, value] : saved) ::setenv(name.c_str(), value.c_str(), 1);
  EXPECT_EQ(dir.filename().string(), "hypatia-cache-" + std::to_string(::geteuid()));
}

TEST_F(CompilerErrors, MissingCompilerIsNamed) {
  options_.compiler = (scratch_ / "no-such-compiler").string();
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  expect_contains(message, options_.compiler);
  expect_contains(message, std::strerror(ENOENT));
}

TEST_F(CompilerErrors, NewCacheDirectoryIsPrivate) {
  options_.cache_dir = scratch_ / "new" / "cache";
  EXPECT_EQ(compile_and_call(value_source("1.0")), 1.0);
  EXPECT_EQ(fs::status(options_.cache_dir).permissions() & fs::perms::all, fs::perms::owner_all);
}

// A write the file system refuses says why: here the file size limit (EFBIG), the same path a full
// disk (ENOSPC) takes.
TEST_F(CompilerErrors, FailedWriteGivesTheReason) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 1024;
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string source = "// " + std::string(4096, 'x') + "\n" + value_source("1.0");
  const std::string message = error_from([&] { compile_and_call(source); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);
  expect_contains(message, options_.cache_dir.string());
  expect_contains(message, std::strerror(EFBIG));
}

// A full disk: a small tmpfs, filled, in a mount namespace of a child process (needs root, as the
// Debian set-up runs; skipped elsewhere).
TEST_F(CompilerErrors, FullDiskGivesNoSpaceLeftOnDevice) {
  constexpr int kSkip = 77;
  const fs::path tiny = scratch_ / "tiny";
  fs::create_directory(tiny);
  options_.cache_dir = tiny / "cache";
  const pid_t child = ::fork();
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0 ||
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=16k") != 0) {
      ::_exit(kSkip);
    }
    fs::create_directory(options_.cache_dir);
    fs::permissions(options_.cache_dir, fs::perms::owner_all);
    {
      std::ofstream filler(tiny / "filler");
      const std::string block(4096, 'x');
      while (filler << block << std::flush) {
      }
    }
    ::_exit(compile_fails_with(options_, ENOSPC) ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kSkip) {
    GTEST_SKIP() << "cannot mount a tmpfs here (not root, or no mount namespaces)";
  }
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child's status: " << status;
}

TEST_F(CompilerErrors, CompilerKilledBySignalIsReportedAsInterrupted) {
  // The script must be able to die of SIGINT: an ignored SIGINT would be inherited.
  const auto previous_handler = std::signal(SIGINT, SIG_DFL);
  options_.compiler = script("interrupted-g++",
                             "for argument in \"$@\"; do\n"
                             "  if [ \"$argument\" = -o ]; then kill -INT $$; fi\n"
                             "done\n"
                             "exec g++ \"$@\"\n");
  const std::string message = error_from([&] { compile_and_call(value_source("1.0")); });
  std::signal(SIGINT, previous_handler);
  expect_contains(message, "interrupted");
  expect_contains(message, "signal " + std::to_string(SIGINT));
  EXPECT_EQ(message.find("failed"), std::string::npos) << message;
}

volatile std::sig_atomic_t interrupted = 0;
void note_interrupt(int) {
  interrupted = 1;
}

// Ctrl-C at a terminal: SIGINT to the whole foreground process group while the compiler runs.
// Returns the wait status of a child process that compiles with a compiler that signals when it
// has started and then takes long; `handle_interrupt` installs a handler in the child first.
int status_after_ctrl_c(const CompilerOptions& options, const fs::path& started,
                        bool handle_interrupt) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::setpgid(0, 0);  // a process group of its own, like a job at a shell
    std::signal(SIGINT, handle_interrupt ? note_interrupt : SIG_DFL);
    try {
      compile_and_load(value_source("1.0"), options);
      ::_exit(10);  // compiled: the interrupt was swallowed
    } catch (const Error& e) {
      const bool said_interrupted = std::strstr(e.what(), "interrupted") != nullptr;
      ::_exit(said_interrupted && interrupted ? 0 : 11);
    } catch (...) {
      ::_exit(12);
    }
  }
  ::setpgid(child, child);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!fs::exists(started) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-child, SIGINT);
  int status = 0;
  ::waitpid(child, &status, 0);
  fs::remove(started);
  return status;
}

TEST_F(CompilerErrors, CtrlCDuringCompilationIsNotSwallowed) {
  const fs::path started = scratch_ / "compiler-started";
  options_.compiler = script("slow-g++",
                             "for argument in \"$@\"; do\n"
                             "  if [ \"$argument\" = -o ]; then touch '" +
                                 started.string() +
                                 "'; exec sleep 30; fi\n"
                                 "done\n"
                                 "exec g++ \"$@\"\n");
  // No handler: the process stops on SIGINT, as any program does at Ctrl-C.
  const int plain = status_after_ctrl_c(options_, started, false);
  EXPECT_TRUE(WIFSIGNALED(plain) && WTERMSIG(plain) == SIGINT)
      << (WIFEXITED(plain) ? "exited with " + std::to_string(WEXITSTATUS(plain)) : "signalled");
  // A handler (a tool that saves what it has on Ctrl-C) ran, and compiling throws "interrupted".
  const int handled = status_after_ctrl_c(options_, started, true);
  EXPECT_TRUE(WIFEXITED(handled) && WEXITSTATUS(handled) == 0)
      << (WIFEXITED(handled) ? "exited with " + std::to_string(WEXITSTATUS(handled))
                             : "killed by signal " + std::to_string(WTERMSIG(handled)));
}

}  // namespace
}  // namespace hypatia::native
