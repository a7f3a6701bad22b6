#pragma once

// Renders a kernel-form Program as one C++ translation unit with the entry point
//   extern "C" int hypatia_entry(void* const* inputs, void* const* outputs,
//                                void* const* constants, unsigned char* arena);
// returning 0, or k > 0 for the k-th run-time error message (hypatia_error(k)).

#include <cstdint>
#include <string>
#include <vector>

#include "backend/native/kernel_ir.hpp"

namespace hypatia::native {

struct RenderedProgram {
  std::string source;
  std::int64_t arena_bytes = 0;
  std::vector<BufferId> large_constants;  // passed at call time, in `constants` order
  std::vector<std::string> error_messages;
};

RenderedProgram render_cpp(const Program& program);

}  // namespace hypatia::native
