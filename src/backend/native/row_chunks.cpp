#include "backend/native/row_chunks.hpp"

#include <deque>
#include <map>
#include <set>
#include <utility>

#include "hypatia/error.hpp"
#include "hypatia_linalg.h"
#include "hypatia_runtime.h"

namespace hypatia::native {
namespace {

// How a step touches one buffer's storage (a view's accesses count for what it views).
enum AccessFlags : unsigned {
  kReadRows = 1,    // row r's elements at row r only
  kReadWhole = 2,   // any element
  kWriteRows = 4,   // row r's elements at row r only
  kAddInto = 8,     // partials added after all rows ran (a target no row owns)
  kWriteWhole = 16  // any element, at any time (a step that does not run in row chunks)
};
constexpr unsigned kWrites = kWriteRows | kAddInto | kWriteWhole;

using Accesses = std::map<BufferId, unsigned>;

struct StepInfo {
  Step step;
  Accesses accesses;
  std::int64_t rows = 0;  // > 0: the step runs in chunks over this many rows
  // It can fail, ending the program early: it may move before a group (it then only stops the
  // program sooner), never after one (steps that must not run, such as a gather from unchecked
  // indices, would run).
  bool fallible = false;
};

BufferId storage_of(const Program& program, BufferId id) {
  while (program.buffers.at(static_cast<std::size_t>(id)).alias_of >= 0) {
    id = program.buffers[static_cast<std::size_t>(id)].alias_of;
  }
  return id;
}

// Whether two steps must keep their order: one writes a buffer the other touches.
bool conflict(const Accesses& a, const Accesses& b) {
  for (const auto& [buffer, flags] : a) {
    const auto other = b.find(buffer);
    if (other == b.end()) continue;
    if ((flags & kWrites) != 0 || (other->second & kWrites) != 0) return true;
  }
  return false;
}

class AccessRecorder {
 public:
  AccessRecorder(const Program& program, Accesses& accesses)
      : program_(program), accesses_(accesses) {}

  void add(BufferId id, unsigned flags) {
    if (id >= 0) accesses_[storage_of(program_, id)] |= flags;
  }

  // Every buffer a scalar expression loads, read row by row when `rows` > 0 and its index walks
  // one row of it per outer iteration, whole otherwise. Expressions are DAGs (shared
  // subexpressions): each node is visited once per step and way of reading.
  void loads(const Scalar& node, const std::vector<std::int64_t>& extents, std::int64_t rows) {
    if (!node || !visited_.insert({node.get(), rows > 0}).second) return;
    if (node->kind == ScalarNode::Kind::load) {
      const bool by_row = rows > 0 && walks_rows(node->index, node->buffer, extents, rows);
      add(node->buffer, by_row ? kReadRows : kReadWhole);
      loads(node->index.indirect, extents, 0);
    }
    for (const Scalar& arg : node->args) loads(arg, extents, rows);
  }

  // Whether `index` into `buffer`, in a nest over `extents` whose outer loop runs over `rows`,
  // stays at outer iteration r within row r's elements [r w, (r + 1) w), w = size / rows.
  bool walks_rows(const Index& index, BufferId buffer, const std::vector<std::int64_t>& extents,
                  std::int64_t rows) const {
    const std::int64_t size = program_.buffers.at(static_cast<std::size_t>(buffer)).size();
    if (index.indirect || size % rows != 0 || index.offset < 0) return false;
    const std::int64_t width = size / rows;
    bool outer = false;
    std::int64_t last = index.offset;
    for (const auto& [variable, stride] : index.terms) {
      if (variable == 0) {
        if (stride != width || outer) return false;
        outer = true;
      } else {
        if (stride < 0) return false;
        last += (extents.at(static_cast<std::size_t>(variable)) - 1) * stride;
      }
    }
    return outer && last < width;
  }

 private:
  const Program& program_;
  Accesses& accesses_;
  std::set<std::pair<const ScalarNode*, bool>> visited_;
};

StepInfo describe_nest(const Program& program, const LoopNest& nest) {
  StepInfo info{.step = nest, .accesses = {}, .rows = 0, .fallible = false};
  AccessRecorder recorder(program, info.accesses);
  const std::int64_t rows = runs_in_chunks(nest) ? nest.extents[0] : 0;
  bool rows_only = rows > 0;
  for (const Statement& statement : nest.body) {
    recorder.loads(statement.value, nest.extents, rows);
    recorder.loads(statement.index.indirect, nest.extents, 0);
    if (rows == 0) {
      recorder.add(statement.buffer, kReadWhole | kWriteWhole);
    } else if (!indexes_rows(statement)) {
      recorder.add(statement.buffer, kAddInto);  // a chunk adds into its own partial
    } else if (recorder.walks_rows(statement.index, statement.buffer, nest.extents, rows)) {
      recorder.add(statement.buffer, statement.update == Statement::Update::assign
                                         ? kWriteRows
                                         : kReadRows | kWriteRows);
    } else {
      rows_only = false;  // it owns its rows' elements, but they are not row blocks
      recorder.add(statement.buffer, kReadWhole | kWriteWhole);
    }
  }
  if (rows_only) {
    info.rows = rows;
  } else if (rows > 0) {
    // Recorded as a group member would touch them; as a lone step it reads and writes anything.
    for (auto& [buffer, flags] : info.accesses) {
      flags = (flags & kWrites) != 0 ? kReadWhole | kWriteWhole : kReadWhole;
    }
  }
  return info;
}

// A matmul's buffers: A, B, C, then its float64 and int64 scratch.
StepInfo describe_call(const Program& program, const LibraryCall& call) {
  StepInfo info{.step = call,
                .accesses = {},
                .rows = 0,
                .fallible = !call.error_message.empty() || !call.callbacks.empty()};
  AccessRecorder recorder(program, info.accesses);
  std::int64_t rows = 0;
  int chunking = HR_NOT_CHUNKED;
  if (call.function == "hr_linalg_matmul" && !info.fallible) {
    chunking = hr_linalg_matmul_chunking(call.ints.data(), &rows);
  }
  if (chunking == HR_CHUNKS_OUTPUT_ROWS) {
    recorder.add(call.buffers.at(0), kReadRows);
    recorder.add(call.buffers.at(1), kReadWhole);
    recorder.add(call.buffers.at(2), kWriteRows);
  } else if (chunking == HR_CHUNKS_INNER_AXIS) {
    recorder.add(call.buffers.at(0), kReadRows);
    recorder.add(call.buffers.at(1), kReadRows);
    recorder.add(call.buffers.at(2), kAddInto);
  } else {
    rows = 0;
  }
  for (std::size_t i = rows > 0 ? 3 : 0; i < call.buffers.size(); ++i) {
    recorder.add(call.buffers[i], kReadWhole | kWriteWhole);
  }
  for (const Callback& callback : call.callbacks) {
    for (BufferId b : callback.inputs) recorder.add(b, kReadWhole | kWriteWhole);
    for (BufferId b : callback.outputs) recorder.add(b, kReadWhole | kWriteWhole);
  }
  info.rows = rows;
  return info;
}

StepInfo describe(const Program& program, const Step& step) {
  if (const auto* nest = std::get_if<LoopNest>(&step)) return describe_nest(program, *nest);
  if (const auto* call = std::get_if<LibraryCall>(&step)) return describe_call(program, *call);
  // Index checks and loops can fail.
  StepInfo info{.step = step, .accesses = {}, .rows = 0, .fallible = true};
  AccessRecorder recorder(program, info.accesses);
  if (const auto* check = std::get_if<IndexCheck>(&step)) {
    recorder.add(check->indices, kReadWhole);
  } else if (const auto* loop = std::get_if<Loop>(&step)) {
    // A carry's state buffer is an input the loop also writes.
    for (const auto* bindings : {&loop->inputs, &loop->outputs}) {
      for (const Loop::Binding& binding : *bindings) {
        recorder.add(binding.outer, kReadWhole | kWriteWhole);
      }
    }
    for (BufferId history : loop->history) recorder.add(history, kWriteWhole);
  } else {
    throw Error("group_row_chunks: a program is grouped once (it already has a RowChunks step)");
  }
  return info;
}

// Whether a step over the group's rows reads from the group only row by row what the group
// writes row by row, and touches nothing else the group writes or reads whole.
bool fits_group(const Accesses& group, const Accesses& step) {
  for (const auto& [buffer, flags] : step) {
    const auto found = group.find(buffer);
    if (found == group.end()) continue;
    const unsigned in_group = found->second;
    if ((flags & (kAddInto | kWriteWhole)) != 0 || (in_group & (kAddInto | kWriteWhole)) != 0) {
      return false;
    }
    if ((flags & kReadWhole) != 0 && (in_group & kWriteRows) != 0) return false;
    if ((flags & kWriteRows) != 0 && (in_group & kReadWhole) != 0) return false;
  }
  return true;
}

class Grouper {
 public:
  explicit Grouper(const Program& program) : program_(program) {}

  std::vector<Step> run() {
    std::deque<StepInfo> pending;
    for (const Step& step : program_.steps) pending.push_back(describe(program_, step));
    while (!pending.empty()) {
      StepInfo step = std::move(pending.front());
      pending.pop_front();
      if (group_.empty()) {
        if (step.rows > 0) {
          open(std::move(step));
        } else {
          out_.push_back(std::move(step.step));
        }
        continue;
      }
      if (step.rows == rows_ && fits_group(group_accesses_, step.accesses) &&
          !conflicts_with(deferred_, step.accesses)) {
        add_to_group(std::move(step));
      } else if (!conflicts_with(group_, step.accesses) &&
                 !conflicts_with(deferred_, step.accesses)) {
        out_.push_back(std::move(step.step));  // before the group
      } else if (!step.fallible && step.rows == 0) {
        deferred_.push_back(std::move(step));
      } else {
        // Close the group; the deferred steps and this one are considered again after it.
        pending.push_front(std::move(step));
        close(pending);
      }
    }
    close(pending);
    while (!pending.empty()) {  // deferred steps after the last group
      StepInfo step = std::move(pending.front());
      pending.pop_front();
      out_.push_back(std::move(step.step));
    }
    return std::move(out_);
  }

 private:
  static bool conflicts_with(const std::vector<StepInfo>& steps, const Accesses& accesses) {
    for (const StepInfo& other : steps) {
      if (conflict(other.accesses, accesses)) return true;
    }
    return false;
  }

  void open(StepInfo step) {
    rows_ = step.rows;
    add_to_group(std::move(step));
  }

  void add_to_group(StepInfo step) {
    for (const auto& [buffer, flags] : step.accesses) group_accesses_[buffer] |= flags;
    group_.push_back(std::move(step));
  }

  // Emits the open group and puts the steps deferred past it back at the front of `pending`.
  void close(std::deque<StepInfo>& pending) {
    if (group_.size() == 1) {
      out_.push_back(std::move(group_.front().step));
    } else if (!group_.empty()) {
      RowChunks chunks{.rows = rows_, .steps = {}};
      for (StepInfo& member : group_) {
        if (auto* nest = std::get_if<LoopNest>(&member.step)) {
          chunks.steps.emplace_back(std::move(*nest));
        } else {
          chunks.steps.emplace_back(std::move(std::get<LibraryCall>(member.step)));
        }
      }
      out_.emplace_back(std::move(chunks));
    }
    group_.clear();
    group_accesses_.clear();
    for (auto it = deferred_.rbegin(); it != deferred_.rend(); ++it) {
      pending.push_front(std::move(*it));
    }
    deferred_.clear();
  }

  const Program& program_;
  std::vector<Step> out_;
  std::vector<StepInfo> group_;
  Accesses group_accesses_;
  std::int64_t rows_ = 0;
  std::vector<StepInfo> deferred_;  // steps that run after the open group
};

}  // namespace

Program group_row_chunks(Program program) {
  program.steps = Grouper(program).run();
  return program;
}

}  // namespace hypatia::native
