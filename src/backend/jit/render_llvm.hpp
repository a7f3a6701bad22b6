#pragma once

// Renders a kernel-form Program as an LLVM module with the entry point
//   i32 hypatia_entry(ptr inputs, ptr outputs, ptr constants, ptr arena)
// that computes what render_cpp's translation unit computes, operation for operation: the same
// arena plan, large constants in the same order, the same run-time error numbering, chunks run by
// hr_parallel_for_chunks and lane sums in hr_sum_lanes's order. Scalar templates are parsed
// (scalar_template.hpp) and named functions called through the scalar library's wrappers, which
// the caller links into the module afterwards.

#include <cstdint>
#include <string>
#include <vector>

#include "backend/native/kernel_ir.hpp"

namespace llvm {
class Module;
}

namespace hypatia::jit {

struct RenderedModule {
  std::int64_t arena_bytes = 0;
  std::vector<Tensor> large_constants;
  std::vector<std::string> error_messages;
};

// Adds the program's functions to `module`; `scalars` (the scalar library, same context) gives the
// wrappers' signatures. Throws an Error naming what is not supported.
RenderedModule render_llvm(const native::Program& program, llvm::Module& module,
                           const llvm::Module& scalars);

}  // namespace hypatia::jit
