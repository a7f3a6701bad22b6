#pragma once

// Compiles a C++ translation unit into a shared object with the system compiler, caching the
// result on disk, and loads it with dlopen.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hypatia::native {

struct CompilerOptions {
  std::string compiler;             // empty: $CXX, else the compiler Hypatia was built with
  std::vector<std::string> flags;   // empty: default_flags()
  std::vector<std::string> extra;   // include dirs, libraries: appended after the flags
  std::filesystem::path cache_dir;  // empty: default_cache_dir()
};

// -O3 -march=native -std=c++20 -fPIC ... -ffp-contract=off
std::vector<std::string> default_flags();
// $HYPATIA_CACHE_DIR, else $XDG_CACHE_HOME/hypatia, else ~/.cache/hypatia.
std::filesystem::path default_cache_dir();

// A loaded shared object; closes it when the last user lets go.
class SharedLibrary {
 public:
  explicit SharedLibrary(const std::filesystem::path& path);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  void* symbol(const std::string& name) const;  // throws when absent
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  void* handle_;
};

struct CompileResult {
  std::shared_ptr<SharedLibrary> library;
  bool cache_hit = false;
  double seconds = 0.0;  // compile (or load) time
  std::string key;       // the cache key
};

// Compiles `source` (or finds it in the cache) and loads it. The cache key hashes the source, the
// compiler's identity and flags and the Hypatia version; entries are written under a temporary
// name and renamed into place, so concurrent processes need no lock. A failed compile throws an
// Error giving the kept source's path and the compiler's message.
CompileResult compile_and_load(const std::string& source, const CompilerOptions& options = {});

}  // namespace hypatia::native
