#pragma once

// Alias scopes for the arena's temporaries. Every temporary is an offset into one `arena`
// pointer, so to LLVM they are all one object: a loop storing into one temporary while reading a
// value of another must reload that value every iteration, and the loop vectorizer, which can
// only check overlap at run time between different objects, gives up on such loops. The arena
// plan knows each temporary's byte range, so each access to a temporary can carry the scope of
// its range and, as noalias, the scopes of every range disjoint from it. These are facts about
// where the buffers lie, not about when they are used: temporaries sharing storage (disjoint
// lifetimes) overlap and get no noalias between them, so no step can be moved across another
// that reuses its memory.

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "backend/native/kernel_ir.hpp"

namespace llvm {
class Instruction;
class LLVMContext;
class MDNode;
}  // namespace llvm

namespace hypatia::jit {

class ArenaScopes {
 public:
  // `offsets`: the arena plan's byte offset of each buffer (-1 where not placed); views take the
  // range of the buffer they view.
  ArenaScopes(const native::Program& program, const std::vector<std::int64_t>& offsets,
              llvm::LLVMContext& context);

  // Marks `access` (a load, store or gather of `buffer`'s own elements) with its range's scopes;
  // leaves it unmarked (may alias anything) when `buffer` is not an arena temporary.
  void mark(llvm::Instruction& access, native::BufferId buffer) const;

 private:
  struct Range {
    llvm::MDNode* scope = nullptr;    // a list holding this range's scope
    llvm::MDNode* noalias = nullptr;  // the scopes of the ranges disjoint from it
  };
  std::vector<int> range_of_buffer_;  // index into ranges_, or -1
  std::vector<Range> ranges_;
};

}  // namespace hypatia::jit
