#include "backend/native/arena_plan.hpp"

#include <algorithm>

#include <unordered_set>
#include "hypatia/error.hpp"
#include "hypatia_runtime.h"

namespace hypatia::native {
namespace {

// The buffer whose storage `id` is: views resolve to what they view.
BufferId storage_of(const Program& program, BufferId id) {
  while (program.buffers.at(static_cast<std::size_t>(id)).alias_of >= 0) {
    id = program.buffers[static_cast<std::size_t>(id)].alias_of;
  }
  return id;
}

class LifetimeRecorder {
 public:
  explicit LifetimeRecorder(const Program& program)
      : program_(program), lifetimes_(program.buffers.size(), {-1, -1}) {}

  std::vector<std::pair<int, int>> record() {
    for (std::size_t step = 0; step < program_.steps.size(); ++step) {
      step_ = static_cast<int>(step);
      visited_.clear();
      std::visit([this](const auto& s) { visit(s); }, program_.steps[step]);
    }
    return std::move(lifetimes_);
  }

 private:
  void use(BufferId id) {
    if (id < 0) return;
    // Both the view and its storage are in use: the view's own entry serves tests and callers
    // asking about it, the storage's entry decides placement.
    for (BufferId b : {id, storage_of(program_, id)}) {
      auto& [first, last] = lifetimes_.at(static_cast<std::size_t>(b));
      if (first < 0) first = step_;
      last = step_;
    }
  }

  // Scalar expressions are DAGs (shared subexpressions): each node is visited once per step.
  void use(const Scalar& node) {
    if (!node || !visited_.insert(node.get()).second) return;
    if (node->kind == ScalarNode::Kind::load) {
      use(node->buffer);
      use(node->index.indirect);
    }
    for (const Scalar& arg : node->args) use(arg);
  }

  void visit(const LoopNest& nest) {
    for (const Statement& statement : nest.body) {
      use(statement.buffer);
      use(statement.index.indirect);
      use(statement.value);
    }
  }

  void visit(const LibraryCall& call) {
    for (BufferId b : call.buffers) use(b);
    for (const Callback& callback : call.callbacks) {
      for (BufferId b : callback.inputs) use(b);
      for (BufferId b : callback.outputs) use(b);
    }
  }

  void visit(const IndexCheck& check) { use(check.indices); }

  void visit(const RowChunks& group) {
    for (const ChunkedStep& step : group.steps) {
      std::visit([this](const auto& s) { visit(s); }, step);
    }
  }

  void visit(const Loop& loop) {
    for (const Loop::Binding& binding : loop.inputs) use(binding.outer);
    for (const Loop::Binding& binding : loop.outputs) use(binding.outer);
    for (BufferId b : loop.history) use(b);
  }

  const Program& program_;
  std::vector<std::pair<int, int>> lifetimes_;
  std::unordered_set<const ScalarNode*> visited_;
  int step_ = 0;
};

std::int64_t rounded_up(std::int64_t bytes, std::int64_t alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

}  // namespace

ChunkPartials plan_chunk_partials(const Program& program, std::int64_t& end,
                                  std::int64_t alignment) {
  std::vector<const LoopNest*> nests;
  for (const Step& step : program.steps) {
    if (const auto* nest = std::get_if<LoopNest>(&step); nest && runs_in_chunks(*nest)) {
      nests.push_back(nest);
    } else if (const auto* group = std::get_if<RowChunks>(&step)) {
      for (const ChunkedStep& member : group->steps) {
        if (const auto* grouped = std::get_if<LoopNest>(&member)) nests.push_back(grouped);
      }
    }
  }
  ChunkPartials partials;
  for (const LoopNest* nest : nests) {
    std::vector<std::int64_t>& offsets = partials[nest];
    for (const Statement& statement : nest->body) {
      offsets.push_back(-1);
      if (indexes_rows(statement)) continue;
      if (statement.update != Statement::Update::add) {
        throw Error(
            "a nest marked parallel_rows has a statement that neither writes its own rows nor "
            "adds into a target (an emitter bug)");
      }
      const Buffer& target = program.buffers.at(static_cast<std::size_t>(statement.buffer));
      offsets.back() = end;
      end += rounded_up(hr_chunk_count(nest->extents[0]) * target.size() *
                            static_cast<std::int64_t>(dtype_size(target.dtype)),
                        alignment);
    }
  }
  return partials;
}

std::vector<std::pair<int, int>> buffer_lifetimes(const Program& program) {
  return LifetimeRecorder(program).record();
}

ArenaPlan plan_arena(const Program& program, std::int64_t base, std::int64_t alignment) {
  const std::vector<std::pair<int, int>> lifetimes = buffer_lifetimes(program);
  ArenaPlan plan{.offsets = std::vector<std::int64_t>(program.buffers.size(), -1), .end = base};
  std::vector<std::size_t> placed_order;
  for (std::size_t id = 0; id < program.buffers.size(); ++id) {
    const Buffer& b = program.buffers[id];
    if (b.role == Buffer::Role::temporary && b.alias_of < 0) placed_order.push_back(id);
  }
  // Largest first: the big buffers settle at low offsets and the small ones fill the gaps
  // between them (first fit).
  auto bytes = [&](std::size_t id) {
    const Buffer& b = program.buffers[id];
    return rounded_up(std::max<std::int64_t>(b.size(), 1) * dtype_size(b.dtype), alignment);
  };
  std::stable_sort(placed_order.begin(), placed_order.end(),
                   [&](std::size_t a, std::size_t b) { return bytes(a) > bytes(b); });
  struct Placed {
    std::int64_t offset, bytes;
    int first, last;
  };
  std::vector<Placed> placed;
  for (std::size_t id : placed_order) {
    auto [first, last] = lifetimes[id];
    // A temporary no step touches still gets storage of its own: it costs little and keeps
    // every declared pointer valid.
    if (first < 0) first = last = -1;
    std::vector<std::pair<std::int64_t, std::int64_t>> taken;  // byte ranges live meanwhile
    for (const Placed& other : placed) {
      const bool overlap =
          first < 0 || other.first < 0 || !(other.last < first || last < other.first);
      if (overlap) taken.emplace_back(other.offset, other.offset + other.bytes);
    }
    std::sort(taken.begin(), taken.end());
    std::int64_t offset = base;
    for (const auto& [start, stop] : taken) {
      if (offset + bytes(id) <= start) break;
      offset = std::max(offset, stop);
    }
    placed.push_back({offset, bytes(id), first, last});
    plan.offsets[id] = offset;
    plan.end = std::max(plan.end, offset + bytes(id));
  }
  return plan;
}

}  // namespace hypatia::native
