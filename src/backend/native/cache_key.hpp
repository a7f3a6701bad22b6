#pragma once

// The compile cache's key: a hash of the contents of everything that goes into a shared object,
// so that a changed header, another compiler or another CPU never finds an old entry.

#include <string>
#include <string_view>
#include <vector>

namespace hypatia::native {

// 128 bits from two differently seeded 64-bit FNV-1a passes, as 32 hex digits. Each step is a
// bijection of the state, so any single changed byte changes the hash; it detects corruption, not
// a forger (the private cache directory keeps those out).
std::string hash_hex(std::string_view bytes);

// Hashes the source, the compiler (its resolved path, the executable's contents and its --version
// banner), the target it compiles for with these flags (-march=native resolved into the CPU and
// its features), the contents of the headers in every -I directory, the flags themselves and the
// Hypatia version. The compiler-dependent parts are computed once per process.
std::string cache_key(const std::string& source, const std::string& compiler,
                      const std::vector<std::string>& arguments);

// What the compiler at `compiler` (a path or a name in PATH) generates code for with
// `arguments`: the -march, -mtune and one -m per CPU feature it resolves them to (GCC; Clang's
// -target-cpu and -target-feature), else its whole `-###` report.
std::string resolved_target(const std::string& compiler, const std::vector<std::string>& arguments);

}  // namespace hypatia::native
