#pragma once

// Where each temporary of a program lives in the function's arena. Temporaries whose lifetimes
// (the first to the last step that touches them) do not overlap share storage, so a model's
// working set stays as small as its widest point rather than the sum of all its intermediates.
// Renderers of every target place buffers with it.

#include <cstdint>
#include <unordered_map>
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

// Where each chunk's partials live for every nest that runs in chunks (alone or in a RowChunks
// group): per nest, per statement, the byte offset of chunk 0's partial of its target (chunk c's
// follows c target sizes later), or -1 for a statement that writes its own rows. Placed from
// `end` on (after the temporaries; never shared), each at a multiple of `alignment`; `end` is
// advanced past them.
using ChunkPartials = std::unordered_map<const LoopNest*, std::vector<std::int64_t>>;
ChunkPartials plan_chunk_partials(const Program& program, std::int64_t& end,
                                  std::int64_t alignment);

// Per buffer: the first and last step index using it (directly or through a view), or {-1, -1}.
std::vector<std::pair<int, int>> buffer_lifetimes(const Program& program);

}  // namespace hypatia::native
