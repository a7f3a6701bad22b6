#include "backend/native/compiler.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <system_error>

#include "backend/native/cache_entry.hpp"
#include "backend/native/cache_key.hpp"
#include "backend/native/durable_file.hpp"
#include "backend/native/subprocess.hpp"
#include "hypatia/error.hpp"

#ifndef HYPATIA_CXX_COMPILER
#define HYPATIA_CXX_COMPILER "c++"
#endif

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

std::string compiler_path(const CompilerOptions& options) {
  if (!options.compiler.empty()) return options.compiler;
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx) return cxx;
  return HYPATIA_CXX_COMPILER;
}

// Runs the compiler on the kept source; the object lands at a temporary name.
ProcessOutcome run_compile(const std::string& compiler, const std::vector<std::string>& arguments,
                           const fs::path& source_path, const fs::path& object) {
  // The source comes before the arguments, which may name libraries: a linker drops a library
  // named before the code that uses it.
  std::vector<std::string> command = {compiler, source_path.string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  command.insert(command.end(), {"-o", object.string()});
  return run_process(command);
}

void compile(const std::string& compiler, const std::vector<std::string>& arguments,
             const fs::path& source_path, const fs::path& object,
             const std::optional<fs::path>& header_dir) {
  ProcessOutcome outcome;
  if (header_dir) {
    std::vector<std::string> with_header = arguments;
    with_header.insert(with_header.begin(), "-I" + header_dir->string());
    outcome = run_compile(compiler, with_header, source_path, object);
    if (outcome.succeeded()) return;
    if (outcome.signal == 0) {
      // GCC stops at an unreadable (damaged) .gch instead of reading the header: drop the
      // precompiled header, so that the next compile makes a new one, and compile without it.
      std::error_code ignored;
      fs::remove_all(*header_dir, ignored);
      outcome = run_compile(compiler, arguments, source_path, object);
    }
  } else {
    outcome = run_compile(compiler, arguments, source_path, object);
  }
  if (outcome.succeeded()) return;
  ::unlink(object.c_str());
  if (outcome.signal != 0) {
    // Ctrl-C at a terminal reaches the compiler too (same process group). Our own process is
    // then either gone already (the default action) or has a handler that wants to stop: either
    // way this is an interruption, not a broken program or compiler.
    throw Error("native: compiling " + source_path.string() + " was interrupted: the compiler " +
                outcome.describe());
  }
  throw Error("native: compiling " + source_path.string() +
              " failed (source kept there); the compiler " + outcome.describe() + ":\n" +
              outcome.output);
}

constexpr const char* kRuntimeHeader = "hypatia_runtime.h";

// The -I directory holding the runtime header, if the arguments name one.
std::optional<fs::path> runtime_include_dir(const std::vector<std::string>& arguments) {
  for (const std::string& argument : arguments) {
    if (argument.rfind("-I", 0) != 0 || argument.size() == 2) continue;
    const fs::path directory = argument.substr(2);
    std::error_code error;
    if (fs::is_regular_file(directory / kRuntimeHeader, error)) return directory;
  }
  return std::nullopt;
}

// The options that shape the header's compilation: everything but linking and libraries.
std::vector<std::string> header_arguments(const std::vector<std::string>& arguments) {
  std::vector<std::string> kept;
  for (const std::string& argument : arguments) {
    const bool linking = argument == "-shared" || argument.rfind("-Wl,", 0) == 0 ||
                         argument.rfind("-l", 0) == 0 || argument.rfind("-L", 0) == 0 ||
                         fs::path(argument).extension() == ".so";
    if (!linking) kept.push_back(argument);
  }
  return kept;
}

// GCC spends most of a small model's compile reading the runtime header and <cmath> behind it
// (about 0.25 of 0.37 s). A precompiled header, made once per cache directory, compiler, flags and
// header contents, cuts that to a few milliseconds. GCC uses the .gch only when it matches the
// compile's options and otherwise reads the header itself, and other compilers ignore it: a
// missing or foreign file costs time, never correctness. Returns the directory to search first,
// or nothing when the header could not be precompiled.
std::optional<fs::path> precompiled_header_dir(const fs::path& cache_dir,
                                               const std::string& compiler,
                                               const std::vector<std::string>& arguments) {
  const std::optional<fs::path> include_dir = runtime_include_dir(arguments);
  if (!include_dir) return std::nullopt;
  const fs::path directory =
      cache_dir / ("pch-" + cache_key("precompiled runtime header", compiler, arguments));
  const fs::path precompiled = directory / (std::string(kRuntimeHeader) + ".gch");
  // One thread per process builds it; the others (a model's functions compile side by side) wait
  // for it rather than build their own copy on the same cores.
  static std::mutex building;
  std::lock_guard lock(building);
  std::error_code error;
  if (fs::is_regular_file(precompiled, error)) return directory;
  const fs::path staging = temporary_name(directory);
  try {
    fs::create_directory(staging);
    fs::copy_file(*include_dir / kRuntimeHeader, staging / kRuntimeHeader);
    std::vector<std::string> command = {compiler, "-x", "c++-header",
                                        (staging / kRuntimeHeader).string()};
    const std::vector<std::string> options = header_arguments(arguments);
    command.insert(command.end(), options.begin(), options.end());
    command.insert(command.end(), {"-o", (staging / precompiled.filename()).string()});
    if (!run_process(command).succeeded()) throw Error("the header did not precompile");
    sync_file(staging / precompiled.filename());
    // A directory renames atomically; another process may have put one there first.
    if (::rename(staging.c_str(), directory.c_str()) != 0) fs::remove_all(staging, error);
  } catch (const std::exception&) {
    fs::remove_all(staging, error);
    return std::nullopt;
  }
  return fs::is_regular_file(precompiled, error) ? std::optional(directory) : std::nullopt;
}

}  // namespace

// -ffp-contract=off: GCC would otherwise fuse a * b + c into one FMA instruction (rounded once),
// so that generated code differed in the last bit from the interpreter (built without FMA) and
// the same seed would not give the same draws on every backend. -fopenmp-simd: the lanes of a sum
// (hr_sum_lanes) are marked `omp simd`, which only promises GCC that lanes are independent (it
// reorders nothing, and needs no OpenMP runtime).
std::vector<std::string> default_flags() {
  return {"-O3",     "-march=native",   "-std=c++20",        "-fPIC",
          "-shared", "-fno-math-errno", "-ffp-contract=off", "-fopenmp-simd"};
}

SharedLibrary::SharedLibrary(const fs::path& path) : path_(path) {
  handle_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw Error("native: cannot load " + path.string() + ": " + ::dlerror());
}

SharedLibrary::~SharedLibrary() {
  ::dlclose(handle_);
}

void* SharedLibrary::symbol(const std::string& name) const {
  void* address = ::dlsym(handle_, name.c_str());
  if (!address) throw Error("native: " + path_.string() + " has no symbol '" + name + "'");
  return address;
}

CompileResult compile_and_load(const std::string& source, const CompilerOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::string compiler = compiler_path(options);
  std::vector<std::string> arguments = options.flags.empty() ? default_flags() : options.flags;
  arguments.insert(arguments.end(), options.extra.begin(), options.extra.end());
  const fs::path dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  prepare_cache_dir(dir);

  CompileResult result;
  result.key = cache_key(source, compiler, arguments);
  result.cache_hit = entry_is_sound(dir, result.key);
  if (!result.cache_hit) {
    const fs::path source_path = dir / (result.key + ".cpp");
    write_file_atomically(source_path, source);
    const fs::path object = temporary_name(entry_object(dir, result.key));
    compile(compiler, arguments, source_path, object,
            precompiled_header_dir(dir, compiler, arguments));
    try {
      store_entry(dir, result.key, object);
    } catch (const Error&) {
      ::unlink(object.c_str());
      throw;
    }
  }
  result.library = std::make_shared<SharedLibrary>(entry_object(dir, result.key));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hypatia::native
