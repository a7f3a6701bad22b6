#include "backend/native/cache_key.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "backend/native/durable_file.hpp"
#include "backend/native/subprocess.hpp"
#include "hypatia/error.hpp"

#ifndef HYPATIA_VERSION
#define HYPATIA_VERSION "0"
#endif

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

// Bumped when what an entry holds or how it is checked changes.
constexpr const char* kCacheFormat = "hypatia-cache-format 2";

// The executable that runs: a name without a slash is looked up in PATH, as posix_spawnp does,
// and symbolic links are resolved (c++ -> x86_64-linux-gnu-g++-12), so that what is hashed is
// the file that runs, and a wrapper script never shares entries with the compiler it wraps.
fs::path resolve_executable(const std::string& compiler) {
  std::error_code ignored;
  if (compiler.find('/') != std::string::npos) {
    const fs::path resolved = fs::canonical(compiler, ignored);
    return resolved.empty() ? fs::path(compiler) : resolved;
  }
  const char* path = std::getenv("PATH");
  std::stringstream directories(path ? path : "/usr/bin:/bin");
  for (std::string directory; std::getline(directories, directory, ':');) {
    const fs::path candidate = fs::path(directory.empty() ? "." : directory) / compiler;
    if (::access(candidate.c_str(), X_OK) == 0) {
      const fs::path resolved = fs::canonical(candidate, ignored);
      return resolved.empty() ? candidate : resolved;
    }
  }
  throw Error("native: cannot find the C++ compiler '" + compiler + "' in PATH");
}

// The compiler is run by the name it was given: a wrapper such as ccache's g++ symlink looks at
// the name it was called by.
ProcessOutcome run_compiler(const std::string& compiler, std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), compiler);
  ProcessOutcome outcome = run_process(arguments);
  if (outcome.signal != 0) {
    throw Error("native: the C++ compiler " + compiler + " was interrupted (" + outcome.describe() +
                ")");
  }
  return outcome;
}

// The target the compiler generates code for, from the options it passes to its compiler proper
// (`-###` prints them without running anything): GCC turns -march=native into -march=znver4 and
// one -m flag per feature plus cache-size --params; Clang into -target-cpu and -target-feature.
// Anything else is kept whole, which may miss but never confuses two targets.
std::string target_of(const std::string& compiler, const std::vector<std::string>& arguments) {
  std::vector<std::string> options;
  for (const std::string& argument : arguments) {
    const bool input_or_output = argument.rfind("-I", 0) == 0 || argument.rfind("-L", 0) == 0 ||
                                 argument.rfind("-l", 0) == 0 || argument.rfind("-Wl,", 0) == 0;
    if (!argument.empty() && argument[0] == '-' && !input_or_output) options.push_back(argument);
  }
  options.insert(options.end(), {"-###", "-E", "-x", "c++", "-"});
  const ProcessOutcome outcome = run_compiler(compiler, options);
  if (!outcome.succeeded()) {
    throw Error("native: the C++ compiler " + compiler + " rejects the flags (it " +
                outcome.describe() + "):\n" + outcome.output);
  }
  std::istringstream words(outcome.output);
  std::string target;
  bool keep_next = false;
  for (std::string word; words >> word;) {
    word.erase(std::remove(word.begin(), word.end(), '"'), word.end());
    const bool option_with_value = word == "--param" || word == "-target-cpu" ||
                                   word == "-target-feature" || word == "-tune-cpu";
    if (keep_next || option_with_value || word.rfind("-m", 0) == 0) target += word + " ";
    keep_next = option_with_value;
  }
  return target.empty() ? outcome.output : target;
}

// The executable's contents, so a wrapper script edited in place changes the key; an executable
// we may run but not read (mode 0711) is known by its size and modification time instead.
std::string executable_fingerprint(const fs::path& executable) {
  try {
    return hash_hex(read_whole_file(executable));
  } catch (const Error&) {
    struct stat info {};
    ::stat(executable.c_str(), &info);
    return std::to_string(info.st_size) + " " + std::to_string(info.st_mtim.tv_sec) + "." +
           std::to_string(info.st_mtim.tv_nsec);
  }
}

// The name it is called by, the file that runs, its contents and its own account of itself.
std::string compiler_identity(const std::string& compiler, const fs::path& executable) {
  const ProcessOutcome banner = run_compiler(compiler, {"--version"});
  if (!banner.succeeded() || banner.output.empty()) {
    throw Error("native: the C++ compiler " + compiler + " --version " + banner.describe() + ":\n" +
                banner.output);
  }
  return compiler + "\n" + executable.string() + "\n" + executable_fingerprint(executable) + "\n" +
         banner.output;
}

// Once per compiler executable (as it is on disk now) and flags per process: running the
// compiler twice costs tens of milliseconds, a warm-cache load should not pay that each time.
std::string toolchain(const std::string& compiler, const std::vector<std::string>& arguments) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  const fs::path executable = resolve_executable(compiler);
  struct stat info {};
  if (::stat(executable.c_str(), &info) != 0) {
    throw Error("native: cannot run the C++ compiler " + executable.string() + ": " +
                errno_text(errno));
  }
  std::string memo_key = compiler + "\n" + executable.string() + "\n" +
                         std::to_string(info.st_size) + " " + std::to_string(info.st_mtim.tv_sec) +
                         "." + std::to_string(info.st_mtim.tv_nsec);
  for (const std::string& argument : arguments) memo_key += "\n" + argument;
  std::lock_guard lock(mutex);
  if (auto it = known.find(memo_key); it != known.end()) return it->second;
  return known[memo_key] =
             compiler_identity(compiler, executable) + "\n" + target_of(compiler, arguments);
}

bool is_header(const fs::path& path) {
  static const char* const kExtensions[] = {".h", ".hh", ".hpp", ".hxx", ".inc", ".ipp", ".tcc"};
  const std::string extension = path.extension().string();
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* known) { return extension == known; });
}

// The name and contents of every header directly in each -I directory (the runtime's headers
// include each other by name, all from that one directory). Read on every call: a few kilobytes,
// and a header edited while a process runs must still change the key.
std::string include_directory_contents(const std::vector<std::string>& arguments) {
  std::string contents;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    std::string directory;
    if (arguments[i] == "-I" && i + 1 < arguments.size()) {
      directory = arguments[++i];
    } else if (arguments[i].rfind("-I", 0) == 0) {
      directory = arguments[i].substr(2);
    } else {
      continue;
    }
    std::vector<fs::path> headers;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
      if (it->is_regular_file() && is_header(it->path())) headers.push_back(it->path());
    }
    if (error) {
      throw Error("native: cannot read the include directory " + directory + ": " +
                  error.message());
    }
    std::sort(headers.begin(), headers.end());
    for (const fs::path& header : headers) {
      contents += header.string() + " " + hash_hex(read_whole_file(header)) + "\n";
    }
  }
  return contents;
}

}  // namespace

std::string hash_hex(std::string_view bytes) {
  std::uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
  for (unsigned char c : bytes) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 0x100000001b3ull + 0x632be59bd9b4e019ull;
  }
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buffer;
}

std::string resolved_target(const std::string& compiler,
                            const std::vector<std::string>& arguments) {
  return target_of(compiler, arguments);
}

std::string cache_key(const std::string& source, const std::string& compiler,
                      const std::vector<std::string>& arguments) {
  std::string flags;
  for (const std::string& argument : arguments) flags += argument + "\n";
  return hash_hex(std::string(kCacheFormat) + "\n" + HYPATIA_VERSION + "\n" +
                  toolchain(compiler, arguments) + "\n" + include_directory_contents(arguments) +
                  "\n" + flags + "\n" + source);
}

}  // namespace hypatia::native
