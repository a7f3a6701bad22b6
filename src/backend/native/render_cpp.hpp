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
  // Passed at call time, in `constants` order (loop bodies' constants too: their buffer ids are
  // their own programs', so the values themselves are given).
  std::vector<Tensor> large_constants;
  std::vector<std::string> error_messages;
};

RenderedProgram render_cpp(const Program& program);

}  // namespace hypatia::native
