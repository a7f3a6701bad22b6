#pragma once

// The backend-neutral kernel form a graph is lowered to once: planned buffers with static shapes,
// loop nests whose statements are scalar expression trees, and calls into the precompiled runtime.
// Renderers (C++ now; LLVM IR and CUDA later) turn a Program into source for one target.

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "hypatia/tensor.hpp"

namespace hypatia::native {

using BufferId = int;

struct Buffer {
  enum class Role { input, output, constant, temporary };
  Role role = Role::temporary;
  DType dtype = DType::float64;
  Shape shape;             // fully known
  int position = -1;       // index among the function's inputs, outputs or constants
  Tensor value;            // for constants
  BufferId alias_of = -1;  // a view of another buffer's storage (reshape-like ops copy nothing)
  std::int64_t size() const { return num_elements(shape); }
};

struct ScalarNode;
using Scalar = std::shared_ptr<const ScalarNode>;

// offset + sum(stride * loop variable) [+ indirect_stride * indirect]: an element of a buffer.
// The indirect term (an integer scalar, e.g. a loaded index) serves gathers and scatters.
struct Index {
  std::int64_t offset = 0;
  std::vector<std::pair<int, std::int64_t>> terms;  // (loop variable, stride), zero strides dropped
  Scalar indirect;
  std::int64_t indirect_stride = 0;
};

// A scalar expression, evaluated per iteration of the innermost loop.
struct ScalarNode {
  enum class Kind { literal, load, apply, loop_variable };
  Kind kind = Kind::literal;
  DType dtype = DType::float64;  // the value's type
  double literal = 0.0;
  BufferId buffer = -1;      // load
  Index index;               // load
  std::string function;      // apply: a scalar function's name ("add", "exp", "cast", ...)
  std::string cpp_template;  // apply: its C++ form over doubles {0}, {1}, ... (C++ renderer)
  std::string
      cpp_int_template;      // apply: its C++ form over int64 arguments, used when all are integral
  std::vector<Scalar> args;  // apply
  int variable = -1;         // loop_variable
};

// Scalar function templates evaluate every operand unconditionally (no `?:`, `&&`, `||`), and
// operands computed from loop variables are only combined in int64: `apply` refuses anything else
// (see lowering.cpp for the compiler bugs behind both rules).
Scalar literal(double value, DType dtype = DType::float64);
Scalar load(BufferId buffer, Index index, DType dtype);
Scalar apply(std::string function, std::string cpp_template, std::vector<Scalar> args, DType dtype,
             std::string cpp_int_template = "");
// where(condition, if_true, if_false) with both branches evaluated (no conditional load).
Scalar select(Scalar condition, Scalar if_true, Scalar if_false, DType dtype);
Scalar loop_variable(int variable);

// buffer[index] = value, or buffer[index] op= value for accumulations.
struct Statement {
  enum class Update { assign, add, multiply, maximum, minimum };
  BufferId buffer = -1;
  Index index;
  Scalar value;
  Update update = Update::assign;
};

// Nested loops over `extents` (loop variable k ranges over extents[k], outermost first); the
// statements run in order in the innermost body.
// With `parallel_rows`, the emitter allows the outermost loop to run in chunks of HR_CHUNK_ROWS
// iterations on several threads (when its extent reaches HR_PARALLEL_MIN_ROWS): every statement
// either indexes its target with loop variable 0, writing elements no other outer iteration
// touches, or is an `add` whose target no outer iteration owns (at a fixed or an indirect index:
// a sum or a scatter), which then sums each chunk into a partial of its own, the partials added
// to the target in chunk order afterwards (the interpreter's sum and scatter_add kernels use the
// same order; see ops/reduce_util.hpp, ops/index.cpp). No statement reads what another statement
// of the nest writes.
// With `sum_lanes`, when every statement is a float64 `add` into an element the innermost loop
// variable does not index and that loop runs at least HR_SUM_LANES_MIN_RUN times, the emitter
// sums each run of the innermost loop (within a chunk, when chunked) in HR_SUM_LANES lanes and
// adds the lanes' total to the target (see hr_sum_lanes; ops/reduce_util.hpp's slice_total is the
// interpreter's side of it).
struct LoopNest {
  std::vector<std::int64_t> extents;
  std::vector<Statement> body;
  bool parallel_rows = false;
  bool sum_lanes = false;
};
// Whether a nest marked parallel_rows runs in chunks here: its outer loop is long enough.
bool runs_in_chunks(const LoopNest& nest);
// Whether a statement's target index walks the outer loop variable (it writes its own rows).
bool indexes_rows(const Statement& statement);
struct Program;
// Whether a nest of `program` sums over its innermost loop in lanes (see sum_lanes above).
bool sums_in_lanes(const LoopNest& nest, const Program& program);

struct Program;

// A program that a library function calls back (an ODE's right-hand side, ...). Each of its inputs
// and outputs is bound to an outer buffer, or left unbound (-1) for the library function to point
// at its own data before each call (see hr_callback in the runtime header).
struct Callback {
  std::shared_ptr<const Program> program;
  std::vector<BufferId> inputs;   // one per program input
  std::vector<BufferId> outputs;  // one per program output
};

// A call into the precompiled runtime library: `function(buffers..., ints..., doubles...)`.
// A function that can fail on its operands' values (a nonzero return) names the failure in
// `error_message`, which the call then raises. A function with callbacks takes them as a fourth
// argument (an array of hr_callback); it returns a callback's nonzero status unchanged, and a
// negative status for its own failure, which raises `error_message`.
struct LibraryCall {
  std::string function;
  std::vector<BufferId> buffers;
  std::vector<std::int64_t> ints;
  std::vector<double> doubles;
  std::string error_message = {};
  std::vector<Callback> callbacks = {};
};

// Fails the call with `message` when an integer buffer holds an entry outside [-size, size).
struct IndexCheck {
  BufferId indices = -1;
  std::int64_t size = 0;
  std::string message;
};

// A loop running `body` (a Program of its own, with its own buffer ids) `steps` times, at
// positions t (or steps-1-t when reversed). Each body input and output binds an outer buffer:
// sliced, the slice at the current position of its leading axis (sequences, stacked per-step
// outputs); whole, all of it (carries' states, non-sequences, carries' next values).
// Carries: body output k (carry_input[k] >= 0) is the next value of body input carry_input[k].
// Its input binds the carry's state buffer, which holds the initial carry before the loop and the
// final one after it; its output binds a scratch buffer of the same type, and the two swap roles
// each step (double buffering: the body never reads what it writes). history[k] >= 0 names a
// stacked buffer receiving, at each position, the carry entering that step.
// A nonzero status of the body ends the loop and is returned as the program's status.
struct Loop {
  std::int64_t steps = 0;
  bool reverse = false;
  std::shared_ptr<const Program> body;
  struct Binding {
    BufferId outer = -1;
    bool sliced = false;  // slice t of `outer` (its leading axis) instead of all of it
  };
  std::vector<Binding> inputs;    // one per body input
  std::vector<Binding> outputs;   // one per body output
  std::vector<int> carry_input;   // one per body output: the body input it feeds, or -1
  std::vector<BufferId> history;  // one per body output: the carry's history buffer, or -1
};

// Steps over the same `rows` outer rows, each of which would run alone in chunks of HR_CHUNK_ROWS
// rows (a LoopNest that runs in chunks, a LibraryCall with a chunked form: see row_chunks.hpp),
// run chunk by chunk instead: one task per chunk runs every step's part for its rows in order,
// so what a chunk's earlier steps write is still in cache when its later steps read it (a
// regression's X beta, its likelihood and X^T r read each chunk of the design matrix from memory
// once, and the evaluation waits for its threads once instead of once per step). Each step
// computes per chunk exactly what it computes alone, and adds its partials (of targets no row
// owns) in chunk order after all chunks ran, so the values are the bits of the steps run one
// after another. A step reads what an earlier step of the group writes only row by row.
using ChunkedStep = std::variant<LoopNest, LibraryCall>;
struct RowChunks {
  std::int64_t rows = 0;
  std::vector<ChunkedStep> steps;
};

using Step = std::variant<LoopNest, LibraryCall, IndexCheck, Loop, RowChunks>;

struct Program {
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  std::vector<BufferId> inputs;   // in the function's input order
  std::vector<BufferId> outputs;  // in the function's output order
};

// Row-major index of a buffer shaped `shape` where loop variable k (of `rank` variables aligned to
// the right of the shape, numpy broadcasting) walks the dimensions; size-1 dims repeat.
Index broadcast_index(const Shape& buffer_shape, int loop_rank);

}  // namespace hypatia::native
