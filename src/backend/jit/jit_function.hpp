#pragma once

// The JIT backend: a graph lowered to the kernel form, rendered as LLVM IR (render_llvm.hpp),
// optimized with LLVM's O3 pipeline for the host CPU and compiled in process by ORC's LLJIT; no
// C++ compiler is needed at run time. The result is the native backend's CompiledProgram (the
// same calling convention), so NativeFunction runs it. Compiled code is kept in memory per process
// by content (the program's rendered C++ form, which fixes every operation and the arena plan).

#include <memory>
#include <vector>

#include "backend/native/native_function.hpp"
#include "hypatia/function.hpp"

namespace hypatia::jit {

// Whether this build has the JIT (LLVM at build time).
bool available();

// Throws an Error saying so in a build without LLVM.
std::shared_ptr<const native::CompiledProgram> compile_program(const std::vector<NodePtr>& inputs,
                                                               const std::vector<NodePtr>& outputs,
                                                               const CompileOptions& options);

// Where the last compile on this thread spent its time, in seconds (bench/jit_compile.cpp).
struct CompileTimes {
  double setup = 0.0;     // the process's first compile only: LLVM and the JIT set up
  double lowering = 0.0;  // graph -> kernel form
  double key = 0.0;       // the content key (render_cpp) and the in-memory cache lookup
  double ir_build = 0.0;  // kernel form -> LLVM IR, scalar library linked
  double optimize = 0.0;  // LLVM's O3 pipeline
  double codegen = 0.0;   // machine code and linking in the JIT
  bool cache_hit = false;
};
const CompileTimes& last_compile_times();

}  // namespace hypatia::jit
