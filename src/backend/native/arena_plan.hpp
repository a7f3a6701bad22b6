#pragma once

// Where each temporary of a program lives in the function's arena. Temporaries whose lifetimes
// (the first to the last step that touches them) do not overlap share storage, so a model's
// working set stays as small as its widest point rather than the sum of all its intermediates.
// Renderers of every target place buffers with it.

#include <cstdint>
#include <vector>

#include "backend/native/kernel_ir.hpp"

namespace hypatia::native {

struct ArenaPlan {
  std::vector<std::int64_t> offsets;  // per buffer: byte offset in the arena, -1 if not placed
  std::int64_t end = 0;               // one past the last byte used (from the base given)
};

// Offsets from `base` (a multiple of `alignment`) for the program's own temporaries that are not
// views of other buffers; each starts at a multiple of `alignment`.
ArenaPlan plan_arena(const Program& program, std::int64_t base, std::int64_t alignment);

// Per buffer: the first and last step index using it (directly or through a view), or {-1, -1}.
std::vector<std::pair<int, int>> buffer_lifetimes(const Program& program);

}  // namespace hypatia::native
