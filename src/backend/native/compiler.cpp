#include "backend/native/compiler.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

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
void compile(const std::string& compiler, const std::vector<std::string>& arguments,
             const fs::path& source_path, const fs::path& object) {
  // The source comes before the arguments, which may name libraries: a linker drops a library
  // named before the code that uses it.
  std::vector<std::string> command = {compiler, source_path.string()};
  command.insert(command.end(), arguments.begin(), arguments.end());
  command.insert(command.end(), {"-o", object.string()});
  const ProcessOutcome outcome = run_process(command);
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

}  // namespace

// -ffp-contract=off: GCC would otherwise fuse a * b + c into one FMA instruction (rounded once),
// so that generated code differed in the last bit from the interpreter (built without FMA) and
// the same seed would not give the same draws on every backend.
std::vector<std::string> default_flags() {
  return {"-O3",     "-march=native",   "-std=c++20",       "-fPIC",
          "-shared", "-fno-math-errno", "-ffp-contract=off"};
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
    compile(compiler, arguments, source_path, object);
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
