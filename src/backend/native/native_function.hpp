#pragma once

// A graph lowered, rendered, compiled and loaded: the native backend's executable.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "backend/native/compiler.hpp"
#include "hypatia/function.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::native {

using EntryPoint = int (*)(void* const* inputs, void* const* outputs, void* const* constants,
                           unsigned char* arena);

struct CompiledProgram {
  std::shared_ptr<SharedLibrary> library;
  std::shared_ptr<const void> jit_code;  // the JIT backend's compiled code (library stays null)
  EntryPoint entry = nullptr;
  // The JIT's: where the code in use is published (its first tier, later the optimized code);
  // read on every call. Null for the native backend.
  const std::atomic<EntryPoint>* live_entry = nullptr;
  std::int64_t arena_bytes = 0;
  std::vector<Tensor> large_constants;  // kept alive; passed by pointer on every call
  std::vector<std::string> error_messages;
  std::vector<TensorType> input_types;
  std::vector<TensorType> output_types;
  std::vector<std::string> input_names;
  std::string source;
  bool cache_hit = false;
};

// Lowers `outputs` (already optimized) over `inputs`, renders C++ and compiles it (or loads it
// from the cache).
std::shared_ptr<const CompiledProgram> compile_program(const std::vector<NodePtr>& inputs,
                                                       const std::vector<NodePtr>& outputs,
                                                       const CompileOptions& options);

// One instance: the shared compiled program plus this instance's scratch memory (the arena).
class NativeFunction {
 public:
  explicit NativeFunction(std::shared_ptr<const CompiledProgram> program);

  void call(const void* const* inputs, void* const* outputs);
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);
  const std::shared_ptr<const CompiledProgram>& program() const { return program_; }

 private:
  std::shared_ptr<const CompiledProgram> program_;
  std::vector<const void*> constants_;
  std::unique_ptr<unsigned char[]> arena_storage_;
  unsigned char* arena_ = nullptr;
};

}  // namespace hypatia::native
