#include "backend/native/compiler.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>

#include "hypatia/error.hpp"

#ifndef HYPATIA_CXX_COMPILER
#define HYPATIA_CXX_COMPILER "c++"
#endif
#ifndef HYPATIA_VERSION
#define HYPATIA_VERSION "0"
#endif

namespace hypatia::native {
namespace fs = std::filesystem;
namespace {

// 128 bits from two differently seeded 64-bit FNV-1a passes: cache keys, not security.
std::string hash_hex(const std::string& text) {
  std::uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
  for (unsigned char c : text) {
    a = (a ^ c) * 1099511628211ull;
    b = (b ^ c) * 0x100000001b3ull + 0x632be59bd9b4e019ull;
  }
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buffer;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to `path` atomically: a temporary file in the same directory, then a rename.
void write_atomically(const fs::path& path, const std::string& text) {
  fs::path temporary = path;
  temporary += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
  {
    std::ofstream out(temporary);
    out << text;
    if (!out) throw Error("native: cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

std::string compiler_path(const CompilerOptions& options) {
  if (!options.compiler.empty()) return options.compiler;
  if (const char* cxx = std::getenv("CXX"); cxx && *cxx) return cxx;
  return HYPATIA_CXX_COMPILER;
}

// The compiler's `--version` banner, part of the cache key (one call per compiler per process).
std::string compiler_identity(const std::string& compiler) {
  static std::mutex mutex;
  static std::map<std::string, std::string> known;
  std::lock_guard lock(mutex);
  if (auto it = known.find(compiler); it != known.end()) return it->second;
  std::string banner;
  if (FILE* pipe = ::popen((shell_quote(compiler) + " --version 2>/dev/null").c_str(), "r")) {
    std::array<char, 256> chunk;
    while (std::fgets(chunk.data(), chunk.size(), pipe)) banner += chunk.data();
    ::pclose(pipe);
  }
  if (banner.empty()) throw Error("native: cannot run the C++ compiler '" + compiler + "'");
  return known[compiler] = banner;
}

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += " " + shell_quote(part);
  return text;
}

}  // namespace

// -ffp-contract=off: GCC would otherwise fuse a * b + c into one FMA instruction (rounded once),
// so that generated code differed in the last bit from the interpreter (built without FMA) and
// the same seed would not give the same draws on every backend.
std::vector<std::string> default_flags() {
  return {"-O3",     "-march=native",   "-std=c++20",       "-fPIC",
          "-shared", "-fno-math-errno", "-ffp-contract=off"};
}

fs::path default_cache_dir() {
  if (const char* dir = std::getenv("HYPATIA_CACHE_DIR"); dir && *dir) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return fs::path(xdg) / "hypatia";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".cache" / "hypatia";
  return fs::temp_directory_path() / "hypatia-cache";
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
  std::vector<std::string> flags = options.flags.empty() ? default_flags() : options.flags;
  flags.insert(flags.end(), options.extra.begin(), options.extra.end());
  const fs::path dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  fs::create_directories(dir);

  CompileResult result;
  result.key = hash_hex(source + "\n" + compiler_identity(compiler) + "\n" + join(flags) + "\n" +
                        HYPATIA_VERSION);
  const fs::path library = dir / (result.key + ".so");
  result.cache_hit = fs::exists(library);
  if (!result.cache_hit) {
    const fs::path source_path = dir / (result.key + ".cpp");
    write_atomically(source_path, source);
    fs::path temporary = library;
    temporary +=
        ".tmp." + std::to_string(::getpid()) + "." + std::to_string(std::random_device{}());
    fs::path log = temporary;
    log += ".log";
    const std::string command =
        shell_quote(compiler) + join(flags) + " " + shell_quote(source_path.string()) + " -o " +
        shell_quote(temporary.string()) + " > " + shell_quote(log.string()) + " 2>&1";
    const int status = std::system(command.c_str());
    const std::string messages = read_file(log);
    fs::remove(log);
    if (status != 0) {
      fs::remove(temporary);
      throw Error("native: compiling " + source_path.string() + " failed (source kept there):\n" +
                  messages);
    }
    fs::rename(temporary, library);
  }
  result.library = std::make_shared<SharedLibrary>(library);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hypatia::native
