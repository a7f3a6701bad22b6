#pragma once

// The JIT backend: a graph lowered to the kernel form, rendered as LLVM IR (render_llvm.hpp),
// optimized with LLVM's O3 pipeline for the host CPU and compiled in process by ORC's LLJIT; no
// C++ compiler is needed at run time. The result is the native backend's CompiledProgram (the
// same calling convention), so NativeFunction runs it. Compiled code is kept in memory per process
// by content (the program's rendered C++ form, which fixes every operation and the arena plan),
// and on disk as object files keyed by the IR and the target (object_cache.hpp): a process that
// finds its program there links the object and skips optimization and code generation.
//
// Compiling is tiered (set_tiered, on by default): a program not on disk, compiled on the main
// thread, is first compiled without optimization (O0 pipeline, fast instruction selection: a
// fraction of the time), so it can run at once, and LLVM's O3 pipeline compiles it again on the
// process's one background thread; that code then replaces the first (an atomic pointer swap
// between calls) and goes into the disk cache. Both tiers compute the same bits (no fast-math, no
// contraction; the tests and `hypatia_fuzz --tiers` compare them). A process exiting while the
// background compile runs waits for it before anything is destroyed: exit() runs the exiting
// thread's thread_local destructors first, and a guard made in the main thread waits there
// (an atexit hook alone ran too late: LLVM's function-local statics first used by the background
// compile were destroyed before it, and most test processes crashed at exit). Programs compiled
// on other threads go straight to optimized code, since exit() from the main thread would not
// wait for them.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/jit/object_cache.hpp"
#include "backend/native/native_function.hpp"
#include "hypatia/function.hpp"

namespace hypatia::jit {

// Whether this build has the JIT (LLVM at build time).
bool available();

// Throws an Error saying so in a build without LLVM.
std::shared_ptr<const native::CompiledProgram> compile_program(const std::vector<NodePtr>& inputs,
                                                               const std::vector<NodePtr>& outputs,
                                                               const CompileOptions& options);

// What the on-disk cache did on a compile.
enum class DiskCache {
  unused,      // an in-memory hit, or no usable cache directory (disk_problem says why)
  hit,         // the object came from disk: no optimization, no code generation
  stored,      // not on disk: compiled and stored
  rebuilt,     // the entry was damaged (disk_problem says how): compiled and stored anew
  not_stored,  // compiled, but the entry could not be written (disk_problem says why)
};

// Where the last compile on this thread spent its time, in seconds (bench/eval.cpp), and what
// the caches did.
struct CompileTimes {
  double setup = 0.0;     // the process's first compile only: LLVM and the JIT set up
  double lowering = 0.0;  // graph -> kernel form
  double key = 0.0;       // the content key (render_cpp) and the in-memory cache lookup
  double ir_build = 0.0;  // kernel form -> LLVM IR, scalar library linked
  double optimize = 0.0;  // LLVM's O3 pipeline
  double codegen = 0.0;   // machine code (an object file in memory)
  double disk = 0.0;      // the disk cache: the IR's key, reading and checking, writing an entry
  double link = 0.0;      // the object linked into the JIT
  // Whether the code linked is the quick first tier, with optimized code to follow; then
  // optimize and codegen above are the quick tier's, and the disk cache is left to the
  // background compile (disk_cache stays unused; its times are last_optimized_times()).
  bool optimized_later = false;
  bool cache_hit = false;  // in memory (CompiledProgram::cache_hit is true on a disk hit too)
  DiskCache disk_cache = DiskCache::unused;
  std::string disk_problem;
  std::string disk_key;  // the entry's key (object_cache.hpp), when the disk cache was consulted
};
const CompileTimes& last_compile_times();

// Whether programs not on disk compile in two tiers (the default, main thread only) or straight
// to optimized code. Process-wide.
void set_tiered(bool tiered);
bool tiered();

// Blocks until every optimized compile started so far in the background has finished (its code
// is then in use, and in the disk cache), e.g. before timing a gradient. Also run at exit and
// before fork(), so that no compile is cut off half-way.
void wait_for_optimized_code();

// The last background compile finished in this process: its optimize, codegen, disk and link
// times and what the disk cache did; `optimized_later` is false.
CompileTimes last_optimized_times();

// What this process's JIT generates code for (part of every disk cache key). Throws an Error
// saying so in a build without LLVM.
TargetIdentity target_identity();

// Tests only: disk cache keys are computed as if the JIT were `identity` (another CPU, another
// LLVM), while the code is still generated for this one; std::nullopt restores the real identity.
void key_as_if_for_testing(std::optional<TargetIdentity> identity);

// Tests only: LLVM IR text compiled as a program's (O3 or the quick tier's pipeline, then the
// matching code generator); the object file's size, or an Error with what LLVM reported.
std::size_t object_size_for_testing(const std::string& ir, bool optimized);

}  // namespace hypatia::jit
