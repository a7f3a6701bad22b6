#ifdef HYPATIA_HAVE_LLVM

#include "backend/jit/arena_scopes.hpp"

#include <llvm/IR/Instruction.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Metadata.h>

#include <algorithm>

#include "hypatia/dtype.hpp"

namespace hypatia::jit {
namespace {

using native::Buffer;
using native::BufferId;

BufferId storage_of(const native::Program& program, BufferId id) {
  while (program.buffers.at(static_cast<std::size_t>(id)).alias_of >= 0) {
    id = program.buffers[static_cast<std::size_t>(id)].alias_of;
  }
  return id;
}

}  // namespace

ArenaScopes::ArenaScopes(const native::Program& program, const std::vector<std::int64_t>& offsets,
                         llvm::LLVMContext& context)
    : range_of_buffer_(program.buffers.size(), -1) {
  // Each distinct [begin, end) byte range of the arena, and which buffers lie in it.
  std::map<std::pair<std::int64_t, std::int64_t>, int> range_numbers;
  std::vector<std::pair<std::int64_t, std::int64_t>> bounds;
  for (std::size_t id = 0; id < program.buffers.size(); ++id) {
    const Buffer& buffer = program.buffers[id];
    if (buffer.role != Buffer::Role::temporary) continue;
    const BufferId storage = storage_of(program, static_cast<BufferId>(id));
    const Buffer& stored = program.buffers[static_cast<std::size_t>(storage)];
    if (stored.role != Buffer::Role::temporary) continue;
    const std::int64_t begin = offsets.at(static_cast<std::size_t>(storage));
    if (begin < 0) continue;
    // A view's elements lie in its storage's; the larger of the two sizes bounds both.
    const std::int64_t bytes = std::max(
        {buffer.size() * static_cast<std::int64_t>(dtype_size(buffer.dtype)),
         stored.size() * static_cast<std::int64_t>(dtype_size(stored.dtype)), std::int64_t{1}});
    const std::pair<std::int64_t, std::int64_t> range{begin, begin + bytes};
    auto [it, added] = range_numbers.emplace(range, static_cast<int>(bounds.size()));
    if (added) bounds.push_back(range);
    range_of_buffer_[id] = it->second;
  }
  if (bounds.empty()) return;
  llvm::MDBuilder builder(context);
  llvm::MDNode* domain = builder.createAnonymousAliasScopeDomain("arena");
  std::vector<llvm::Metadata*> scopes;
  for (std::size_t r = 0; r < bounds.size(); ++r) {
    scopes.push_back(builder.createAnonymousAliasScope(domain, "range"));
  }
  for (std::size_t r = 0; r < bounds.size(); ++r) {
    std::vector<llvm::Metadata*> disjoint;
    for (std::size_t other = 0; other < bounds.size(); ++other) {
      const bool overlaps =
          bounds[r].first < bounds[other].second && bounds[other].first < bounds[r].second;
      if (!overlaps) disjoint.push_back(scopes[other]);
    }
    ranges_.push_back({llvm::MDNode::get(context, {scopes[r]}),
                       disjoint.empty() ? nullptr : llvm::MDNode::get(context, disjoint)});
  }
}

void ArenaScopes::mark(llvm::Instruction& access, BufferId buffer) const {
  if (buffer < 0 || static_cast<std::size_t>(buffer) >= range_of_buffer_.size()) return;
  const int range = range_of_buffer_[static_cast<std::size_t>(buffer)];
  if (range < 0) return;
  access.setMetadata(llvm::LLVMContext::MD_alias_scope, ranges_[range].scope);
  if (ranges_[range].noalias != nullptr) {
    access.setMetadata(llvm::LLVMContext::MD_noalias, ranges_[range].noalias);
  }
}

}  // namespace hypatia::jit

#endif  // HYPATIA_HAVE_LLVM
