#pragma once

// Compiles a C++ translation unit into a shared object with the system compiler, caching the
// result on disk, and loads it with dlopen.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "backend/native/cache_directory.hpp"

namespace hypatia::native {

struct CompilerOptions {
  std::string compiler;             // empty: $CXX, else the compiler Hypatia was built with
  std::vector<std::string> flags;   // empty: default_flags()
  std::vector<std::string> extra;   // include dirs, libraries: appended after the flags
  std::filesystem::path cache_dir;  // empty: default_cache_dir(); must be private to this user
};

// -O3 -march=native -std=c++20 -fPIC ... -ffp-contract=off
std::vector<std::string> default_flags();

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

// Compiles `source` (or finds it in the cache) and loads it. The cache key hashes the contents of
// everything that goes into the object (see cache_key.hpp); an entry is loaded only after its seal
// is checked (cache_entry.hpp), from a directory only this user can write (cache_directory.hpp).
// Entries are written under a temporary name, flushed and renamed into place, so concurrent
// processes need no lock. A failed compile throws an Error giving the kept source's path and the
// compiler's message; a compiler killed by a signal (Ctrl-C) throws an Error saying it was
// interrupted; a file system failure throws an Error naming the path and the system's reason.
CompileResult compile_and_load(const std::string& source, const CompilerOptions& options = {});

}  // namespace hypatia::native
