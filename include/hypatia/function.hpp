#pragma once

// A graph compiled for one backend: the same graph runs on the reference interpreter or as
// generated native code, switched by one option.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/rewrite.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

// jit: LLVM IR compiled in process (LLJIT), no C++ compiler needed at run time; only in builds
// with LLVM (HYPATIA_WITH_LLVM), see backend_available.
enum class Backend { interp, native, jit };
std::string_view backend_name(Backend backend);
// Whether this build has `backend` (the JIT needs LLVM at build time).
bool backend_available(Backend backend);
// What compiles functions unless the options say otherwise: the JIT in builds with LLVM (no C++
// compiler at run time, milliseconds per model), the native backend otherwise.
Backend default_backend();

struct CompileOptions {
  Backend backend = default_backend();
  bool optimize = true;  // run the rewrite phases before compiling
  RewriteOptions rewrite = {};
  std::vector<std::string> compiler_flags = {};  // native: empty means -O3 -march=native ...
  std::string cache_dir = {};                    // native: empty means $XDG_CACHE_HOME/hypatia
  // Threads one call may use: loops over many rows run in fixed-size chunks on a pool of this
  // many threads and combine in chunk order, so results are the same bits for any value. Not part
  // of the compiled code (or its cache key).
  int threads = 1;
};

struct CompileInfo {
  double seconds = 0.0;    // optimize + lower + compile (or load from the cache)
  bool cache_hit = false;  // native: the shared object came from the on-disk cache
  std::string source;      // native: the generated C++ translation unit
};

class Function {
 public:
  // `inputs` are placeholders (op "input"); native compilation needs fully known shapes.
  Function(std::vector<NodePtr> inputs, std::vector<NodePtr> outputs,
           const CompileOptions& options = {});
  ~Function();
  Function(Function&&) noexcept;
  Function& operator=(Function&&) noexcept;

  // Checks and evaluates; allocates the outputs.
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs);
  // The raw entry for hot loops: row-major buffers of each input's and output's dtype and shape.
  // The native backend allocates nothing here. Not thread-safe: give each thread its own copy().
  void call(const void* const* inputs, void* const* outputs);
  // Another instance sharing the compiled code, with its own scratch memory.
  Function copy() const;

  const std::vector<NodePtr>& inputs() const;
  const std::vector<NodePtr>& outputs() const;
  Backend backend() const;
  const CompileInfo& info() const;

  class Impl;

 private:
  explicit Function(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hypatia
