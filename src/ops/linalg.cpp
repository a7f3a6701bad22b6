// Linear algebra: matmul, transposes, Cholesky, triangular and general solves, inverse, log
// determinant, diagonals and triangles. Every op here is "batched" in the manner of numpy's
// generalized ufuncs: each input has a fixed number of trailing core axes that the op works on, and
// the leading batch axes broadcast against each other. One type rule and one kernel driver serve
// them all; each op supplies only its core shape rule and either a batched function of the
// runtime library (the numeric ops: Eigen inside, shared with the native backend so both backends
// agree bit for bit) or a per-problem kernel and a loop-nest emitter (the structural ops).

#include "hypatia/ops/linalg.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <memory>

#include "backend/native/lowering.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "hypatia_linalg.h"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

// ---------------------------------------------------------------------------------------------
// The batched-op framework.

// The core block of one input for one problem: its data (as float64) and its core dims.
struct CoreBlock {
  const double* data;
  const Shape& core;
};

// The output core shape for the inputs' core shapes, or a message saying why they do not fit.
struct CoreShape {
  Shape shape;
  std::string problem;  // empty when the cores fit
};

// A batched function of the runtime library (see hypatia_linalg.h): its name (as generated code
// calls it), the function, and the function planning its scratch buffers.
struct RuntimeFunction {
  const char* name = nullptr;
  int (*run)(void* const* buffers, const std::int64_t* ints, const double* reals) = nullptr;
  void (*plan_workspace)(const std::int64_t* ints, std::int64_t* sizes) = nullptr;
};
// The binding of runtime function `name` (its planner is `name`_workspace).
#define HYPATIA_RUNTIME_FUNCTION(name) (RuntimeFunction{#name, name, name##_workspace})

struct BatchedOpSpec {
  std::string name;
  std::vector<int> core_ranks;  // trailing axes each input contributes to one problem
  bool floating_only = true;    // structural ops (transpose, tril, diag) accept any dtype
  // Core shapes may hold kUnknownDim while the graph is built; the rule then checks what it can.
  std::function<CoreShape(const std::vector<Shape>& cores, const Attrs& attrs)> core_shape;
  // Numeric ops: the runtime function solving the whole batch, and the flags it reads after the
  // operands' layout.
  RuntimeFunction runtime = {};
  std::vector<std::int64_t> (*runtime_flags)(const Attrs& attrs) = nullptr;
  // Structural ops: solves one problem, writing the output core block (row-major) to `out`, and
  // emits the native loop nests.
  std::function<void(const std::vector<CoreBlock>& in, double* out, const Shape& out_core,
                     const Attrs& attrs)>
      compute = {};
  OpDef::LowerFn lower = {};
  OpDef::GradFn grad = {};
  bool zero_grad = false;
};

Shape leading(const Shape& shape, int core_rank) {
  return Shape(shape.begin(), shape.end() - core_rank);
}
Shape trailing(const Shape& shape, int core_rank) {
  return Shape(shape.end() - core_rank, shape.end());
}
Shape concat(Shape head, const Shape& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

std::vector<TensorType> infer_batched(const BatchedOpSpec& spec, const std::vector<NodePtr>& inputs,
                                      const Attrs& attrs) {
  expect_arity(spec.name, inputs, spec.core_ranks.size());
  std::vector<Shape> cores;
  Shape batch;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int core_rank = spec.core_ranks[i];
    if (spec.floating_only) expect_floating(spec.name, inputs, i);
    if (inputs[i]->dtype() != inputs[0]->dtype()) {
      fail(spec.name, "inputs must have the same dtype", inputs);
    }
    if (inputs[i]->rank() < core_rank) {
      fail(spec.name,
           "input " + std::to_string(i) + " must have at least " + std::to_string(core_rank) +
               " dimension" + (core_rank == 1 ? "" : "s"),
           inputs);
    }
    std::optional<Shape> joined = broadcast_static(batch, leading(inputs[i]->shape(), core_rank));
    if (!joined) fail(spec.name, "batch dimensions do not broadcast", inputs);
    batch = *joined;
    cores.push_back(trailing(inputs[i]->shape(), core_rank));
  }
  CoreShape out = spec.core_shape(cores, attrs);
  if (!out.problem.empty()) fail(spec.name, out.problem, inputs);
  return {{inputs[0]->dtype(), concat(batch, out.shape)}};
}

// The runtime functions' layout (see hypatia_linalg.h) of matrices shaped `shapes` (core rank 2)
// broadcast against the batch shape `batch`.
std::vector<std::int64_t> runtime_layout(const Shape& batch, const std::vector<Shape>& shapes,
                                         const std::vector<std::int64_t>& flags) {
  const std::int64_t batch_rank = static_cast<std::int64_t>(batch.size());
  std::vector<std::int64_t> ints{batch_rank};
  ints.insert(ints.end(), batch.begin(), batch.end());
  for (const Shape& shape : shapes) {
    const Shape core = trailing(shape, 2), own_batch = leading(shape, 2);
    ints.push_back(core[0]);
    ints.push_back(core[1]);
    const std::vector<std::int64_t> block_strides = row_major_strides(own_batch);
    const std::int64_t missing = batch_rank - static_cast<std::int64_t>(own_batch.size());
    for (std::int64_t d = 0; d < batch_rank; ++d) {
      const bool repeats = d < missing || own_batch[d - missing] == 1;
      ints.push_back(repeats ? 0 : block_strides[d - missing] * num_elements(core));
    }
  }
  ints.insert(ints.end(), flags.begin(), flags.end());
  return ints;
}

std::vector<std::int64_t> flags_of(const BatchedOpSpec& spec, const Attrs& attrs) {
  return spec.runtime_flags ? spec.runtime_flags(attrs) : std::vector<std::int64_t>{};
}

// The runtime function's scratch buffers for a layout: float64 and int64 element counts.
struct WorkspaceSizes {
  std::int64_t reals = 0;
  std::int64_t indices = 0;
};

WorkspaceSizes plan_workspace(const BatchedOpSpec& spec, const std::vector<std::int64_t>& layout) {
  std::int64_t sizes[2] = {0, 0};
  spec.runtime.plan_workspace(layout.data(), sizes);
  return {sizes[0], sizes[1]};
}

// Runs spec.runtime on the whole batch, or spec.compute once per problem, in float64.
std::vector<Tensor> run_batched(const BatchedOpSpec& spec, const Node& node,
                                const std::vector<Tensor>& inputs) {
  std::vector<Tensor> values;
  std::vector<Shape> batches, cores;
  Shape batch;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    values.push_back(inputs[i].cast(DType::float64));
    batches.push_back(leading(inputs[i].shape(), spec.core_ranks[i]));
    cores.push_back(trailing(inputs[i].shape(), spec.core_ranks[i]));
    std::optional<Shape> joined = broadcast_concrete(batch, batches.back());
    if (!joined) fail_runtime(spec.name, "batch dimensions do not broadcast", inputs);
    batch = *joined;
  }
  CoreShape out_core = spec.core_shape(cores, node.attrs());
  if (!out_core.problem.empty()) fail_runtime(spec.name, out_core.problem, inputs);

  Tensor out(DType::float64, concat(batch, out_core.shape));
  double* out_data = out.mutable_data<double>();
  if (spec.runtime.run) {
    std::vector<void*> buffers;
    std::vector<Shape> shapes;
    for (const Tensor& value : values) {
      buffers.push_back(const_cast<double*>(value.data<double>()));
      shapes.push_back(value.shape());
    }
    buffers.push_back(out_data);
    const std::vector<std::int64_t> layout =
        runtime_layout(batch, shapes, flags_of(spec, node.attrs()));
    const WorkspaceSizes sizes = plan_workspace(spec, layout);
    std::vector<double> reals(static_cast<std::size_t>(sizes.reals));
    std::vector<std::int64_t> indices(static_cast<std::size_t>(sizes.indices));
    buffers.push_back(reals.data());
    buffers.push_back(indices.data());
    spec.runtime.run(buffers.data(), layout.data(), nullptr);
    return {out.cast(node.dtype())};
  }
  const std::int64_t out_block = num_elements(out_core.shape);
  BroadcastWalker walker(batch, batches);
  for (std::int64_t b = 0; b < walker.size(); ++b) {
    const std::vector<std::int64_t>& offsets = walker.offsets(b);
    std::vector<CoreBlock> blocks;
    for (std::size_t i = 0; i < values.size(); ++i) {
      blocks.push_back({values[i].data<double>() + offsets[i] * num_elements(cores[i]), cores[i]});
    }
    spec.compute(blocks, out_data + b * out_block, out_core.shape, node.attrs());
  }
  return {out.cast(node.dtype())};
}

// The native emitter of a numeric op: one call of its runtime function, on float64 copies of
// float32 operands (the reference kernel computes in float64 too).
void lower_to_runtime(const BatchedOpSpec& spec, const NodePtr& node, native::Lowering& lowering) {
  std::vector<native::BufferId> buffers;
  std::vector<Shape> shapes;
  Shape batch;
  for (std::size_t i = 0; i < node->inputs().size(); ++i) {
    native::BufferId operand = lowering.input_buffer(*node, i);
    const Shape shape = node->input(i)->shape();
    if (node->input(i)->dtype() != DType::float64) {
      const native::BufferId widened = lowering.temporary(DType::float64, shape);
      native::emit_copy(lowering, widened, operand);
      operand = widened;
    }
    buffers.push_back(operand);
    shapes.push_back(shape);
    batch = broadcast_concrete(batch, leading(shape, 2)).value();
  }
  const native::BufferId out = lowering.define(*node);
  const native::BufferId result =
      node->dtype() == DType::float64 ? out : lowering.temporary(DType::float64, node->shape());
  buffers.push_back(result);
  std::vector<std::int64_t> layout = runtime_layout(batch, shapes, flags_of(spec, node->attrs()));
  // The scratch is planned here, once, into the function's arena.
  const WorkspaceSizes sizes = plan_workspace(spec, layout);
  buffers.push_back(lowering.temporary(DType::float64, {sizes.reals}));
  buffers.push_back(lowering.temporary(DType::int64, {sizes.indices}));
  lowering.emit(native::LibraryCall{spec.runtime.name, buffers, std::move(layout), {}});
  if (result != out) native::emit_copy(lowering, out, result);
}

OpDef make_batched_op(BatchedOpSpec spec_value) {
  auto spec = std::make_shared<const BatchedOpSpec>(std::move(spec_value));
  OpDef op;
  op.name = spec->name;
  op.infer = [spec](const std::vector<NodePtr>& inputs, const Attrs& attrs) {
    return infer_batched(*spec, inputs, attrs);
  };
  op.kernel = [spec](const Node& node, const std::vector<Tensor>& inputs) {
    return run_batched(*spec, node, inputs);
  };
  op.grad = spec->grad;
  op.zero_grad = spec->zero_grad;
  op.lower = spec->lower;
  if (spec->runtime.run) {
    op.lower = [spec](const NodePtr& node, native::Lowering& lowering) {
      lower_to_runtime(*spec, node, lowering);
    };
  }
  return op;
}

// ---------------------------------------------------------------------------------------------
// Core shape rules. Unknown dimensions match anything; the kernel checks again with real sizes.

bool dims_agree(std::int64_t a, std::int64_t b) {
  return a == b || a == kUnknownDim || b == kUnknownDim;
}
std::int64_t known_of(std::int64_t a, std::int64_t b) {
  return a == kUnknownDim ? b : a;
}

CoreShape square_problem(const Shape& core, const std::string& what) {
  if (dims_agree(core[0], core[1])) return {};
  return {{}, what + " must be square, not " + shape_to_string(core)};
}

// (n, n) -> (n, n)
CoreShape square_to_square(const std::vector<Shape>& cores, const Attrs&) {
  CoreShape result = square_problem(cores[0], "the matrix");
  const std::int64_t n = known_of(cores[0][0], cores[0][1]);
  result.shape = {n, n};
  return result;
}

// (n, n), (n, n) -> (n, n)
CoreShape same_square_pair(const std::vector<Shape>& cores, const Attrs& attrs) {
  CoreShape result = square_to_square(cores, attrs);
  if (result.problem.empty() &&
      !(dims_agree(cores[1][0], result.shape[0]) && dims_agree(cores[1][1], result.shape[1]))) {
    result.problem = "the second matrix is " + shape_to_string(cores[1]) + " but the first is " +
                     shape_to_string(cores[0]);
  }
  return result;
}

// (n, n) -> ()
CoreShape square_to_scalar(const std::vector<Shape>& cores, const Attrs&) {
  return square_problem(cores[0], "the matrix");
}

// (n, n), (n, k) -> (n, k): the solves.
CoreShape solve_shape(const std::vector<Shape>& cores, const Attrs&) {
  CoreShape result = square_problem(cores[0], "the coefficient matrix (input 0)");
  const std::int64_t n = known_of(cores[0][0], cores[0][1]);
  if (result.problem.empty() && !dims_agree(n, cores[1][0])) {
    result.problem = "the right-hand side has " + std::to_string(cores[1][0]) +
                     " rows but the matrix is " + shape_to_string(cores[0]);
  }
  result.shape = {known_of(n, cores[1][0]), cores[1][1]};
  return result;
}

// (m, k), (k, n) -> (m, n)
CoreShape matmul_shape(const std::vector<Shape>& cores, const Attrs&) {
  CoreShape result{{cores[0][0], cores[1][1]}, ""};
  if (!dims_agree(cores[0][1], cores[1][0])) {
    result.problem = "inner dimensions do not match: " + shape_to_string(cores[0]) + " @ " +
                     shape_to_string(cores[1]);
  }
  return result;
}

CoreShape same_shape(const std::vector<Shape>& cores, const Attrs&) {
  return {cores[0], ""};
}

CoreShape swapped_shape(const std::vector<Shape>& cores, const Attrs&) {
  return {{cores[0][1], cores[0][0]}, ""};
}

// ---------------------------------------------------------------------------------------------
// Eigen views of the row-major core blocks.

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMatrixView = Eigen::Map<const RowMatrix>;
using MatrixView = Eigen::Map<RowMatrix>;

ConstMatrixView view(const CoreBlock& block) {
  return ConstMatrixView(block.data, block.core[0], block.core[1]);
}
MatrixView view(double* out, const Shape& core) {
  return MatrixView(out, core[0], core[1]);
}

// ---------------------------------------------------------------------------------------------
// Native emitters of the structural ops: loop nests of plain loads and stores, whose loop
// variables walk the batch axes first (variable d = batch axis d).

using IndexTerms = std::vector<std::pair<int, std::int64_t>>;

// The terms that walk the batch axes of a row-major buffer shaped `shape`.
IndexTerms batch_terms(const Shape& shape, int core_rank) {
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  IndexTerms terms;
  for (std::size_t d = 0; d + core_rank < shape.size(); ++d) {
    if (shape[d] != 1) terms.emplace_back(static_cast<int>(d), strides[d]);
  }
  return terms;
}

// The batch terms of `shape` plus the core terms `core`.
native::Index batch_index(const Shape& shape, int core_rank, const IndexTerms& core) {
  native::Index index{0, batch_terms(shape, core_rank), nullptr, 0};
  index.terms.insert(index.terms.end(), core.begin(), core.end());
  return index;
}

// One loop nest over the node's output shape assigning `value` to each element.
void emit_over_output(const NodePtr& node, native::Lowering& lowering, native::BufferId out,
                      native::Scalar value) {
  const int rank = node->rank();
  native::LoopNest nest;
  nest.extents = node->shape();
  nest.body.push_back({out, native::broadcast_index(node->shape(), rank), std::move(value)});
  lowering.emit(std::move(nest));
}

void lower_matrix_transpose(const NodePtr& node, native::Lowering& lowering) {
  const native::BufferId in = lowering.input_buffer(*node, 0);
  const Shape& shape = node->input(0)->shape();
  const int rank = node->rank();
  const std::int64_t rows = shape[rank - 2], cols = shape[rank - 1];
  // With a single row or column the transpose has the same row-major data: a view, no copy.
  if (rows == 1 || cols == 1) {
    lowering.define_alias(*node, in);
    return;
  }
  // Output element (..., i, j) is input element (..., j, i).
  const native::Index source = batch_index(shape, 2, {{rank - 2, 1}, {rank - 1, cols}});
  emit_over_output(node, lowering, lowering.define(*node), native::load(in, source, node->dtype()));
}

// Zeros, then the vector along the diagonal.
void lower_diag(const NodePtr& node, native::Lowering& lowering) {
  const native::BufferId in = lowering.input_buffer(*node, 0);
  const native::BufferId out = lowering.define(*node);
  const Shape& shape = node->input(0)->shape();
  const int rank = static_cast<int>(shape.size());
  native::LoopNest zero;
  zero.extents = {num_elements(node->shape())};
  zero.body.push_back(
      {out, native::Index{0, {{0, 1}}, nullptr, 0}, native::literal(0.0, node->dtype())});
  lowering.emit(std::move(zero));
  native::LoopNest fill;
  fill.extents = shape;
  const native::Index target = batch_index(node->shape(), 2, {{rank - 1, shape.back() + 1}});
  fill.body.push_back(
      {out, target, native::load(in, native::broadcast_index(shape, rank), node->dtype())});
  lowering.emit(std::move(fill));
}

void lower_diagonal(const NodePtr& node, native::Lowering& lowering) {
  const Shape& shape = node->input(0)->shape();
  const native::Index source = batch_index(shape, 2, {{node->rank() - 1, shape.back() + 1}});
  emit_over_output(node, lowering, lowering.define(*node),
                   native::load(lowering.input_buffer(*node, 0), source, node->dtype()));
}

// tril / triu: each element is kept where (column - row) `comparison` k holds, else zero.
// The band test compares the column and row indices in int64 and then selects the element, which
// is loaded whatever the outcome (see native::apply for why neither may be done otherwise).
OpDef::LowerFn band_lowering(std::string comparison) {
  return [comparison](const NodePtr& node, native::Lowering& lowering) {
    const int rank = node->rank();
    const std::string in_band =
        "{1} - {0} " + comparison + " " + std::to_string(node->attrs().get_int("k"));
    const native::Scalar keep =
        native::apply(node->op_name() + "_mask", "",
                      {native::loop_variable(rank - 2), native::loop_variable(rank - 1)},
                      DType::boolean, in_band);
    const native::Scalar element =
        native::load(lowering.input_buffer(*node, 0), native::broadcast_index(node->shape(), rank),
                     node->dtype());
    emit_over_output(
        node, lowering, lowering.define(*node),
        native::select(keep, element, native::literal(0.0, node->dtype()), node->dtype()));
  };
}

// ---------------------------------------------------------------------------------------------
// The ops.

const OpDef& matmul_op();
const OpDef& matrix_transpose_op();
const OpDef& cholesky_op();
const OpDef& solve_triangular_op();
const OpDef& solve_op();
const OpDef& inverse_op();
const OpDef& logdet_op();
const OpDef& det_sign_op();
const OpDef& diag_op();
const OpDef& diagonal_op();
const OpDef& tril_op();
const OpDef& triu_op();

Expr mT(const Expr& x) {
  return matrix_transpose(x);
}

// Adds two trailing unit axes so a per-matrix value (shape batch) scales whole matrices.
Expr per_matrix(const Expr& value) {
  return expand_dims(value, {-2, -1});
}

// A^T G for A (m, k) and G (m, n). When A is the large operand (a data matrix times a residual
// vector, in a regression's gradient) (G^T A)^T is cheaper: it transposes only G and the (n, k)
// result, and transposes of a single row or column are free views.
Expr transposed_times(const Expr& a, const Expr& g) {
  const std::int64_t m = a.shape()[a.rank() - 2], k = a.shape().back(), n = g.shape().back();
  const bool known = m != kUnknownDim && k != kUnknownDim && n != kUnknownDim;
  if (known && m * n + n * k < m * k) return mT(matmul(mT(g), a));
  return matmul(mT(a), g);
}

const OpDef& matmul_op() {
  static const OpDef op = make_batched_op({
      .name = "matmul",
      .core_ranks = {2, 2},
      .core_shape = matmul_shape,
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_matmul),
      // C = A B: dA = dC B^T, dB = A^T dC (broadcast batch axes are summed back by the driver).
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        const Expr a = node->input(0), b = node->input(1), g = grads[0];
        return {matmul(g, mT(b)), transposed_times(a, g)};
      },
  });
  return op;
}

const OpDef& matrix_transpose_op() {
  static const OpDef op = make_batched_op({
      .name = "matrix_transpose",
      .core_ranks = {2},
      .floating_only = false,
      .core_shape = swapped_shape,
      .compute = [](const std::vector<CoreBlock>& in, double* out, const Shape& core,
                    const Attrs&) { view(out, core) = view(in[0]).transpose(); },
      .lower = lower_matrix_transpose,
      .grad = [](const NodePtr&, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {mT(grads[0])};
      },
  });
  return op;
}

// Phi(X): the lower triangle of X with its diagonal halved.
Expr lower_half_diagonal(const Expr& x) {
  return 0.5 * (tril(x, 0) + tril(x, -1));
}

// For symmetric perturbations dA the factor moves by dL = L Phi(L^-1 dA L^-T), so the cotangent
// of A is S = L^-T Phi(L^T dL_bar) L^-1 (Murray 2016). The kernel reads only A's lower triangle,
// so the exact gradient folds the upper half onto it: Phi(S + S^T). This is the formula as graph
// ops; the cholesky_grad op computes the same values with the blocked algorithm, and uses this
// form only for its own derivatives (Hessian-vector products).
Expr cholesky_grad_as_graph(const Expr& l, const Expr& l_bar) {
  const Expr p = lower_half_diagonal(matmul(mT(l), tril(l_bar)));
  const Expr lt_inv_p = solve_triangular(mT(l), p, false);          // L^-T P
  const Expr s = mT(solve_triangular(mT(l), mT(lt_inv_p), false));  // L^-T P L^-1
  return lower_half_diagonal(s + mT(s));
}

// The second derivatives: differentiate the graph form. It is built on placeholders and then
// substituted, because L's cotangent usually depends on L itself, and differentiating at the
// actual inputs would add that path a second time (these are partial derivatives).
std::vector<NodePtr> cholesky_grad_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const Expr l = input("cholesky_factor", node->input(0)->type());
  const Expr l_bar = input("cholesky_factor_cotangent", node->input(1)->type());
  const Expr out_bar = input("cholesky_grad_cotangent", grads[0]->type());
  const Expr cost = sum(cholesky_grad_as_graph(l, l_bar) * out_bar);
  const Exprs partials = hypatia::grad(cost, {l, l_bar});
  const Replacements actual = {{l.node().get(), node->input(0)},
                               {l_bar.node().get(), node->input(1)},
                               {out_bar.node().get(), grads[0]}};
  return substitute({partials[0].node(), partials[1].node()}, actual);
}

const OpDef& cholesky_grad_op() {
  static const OpDef op = make_batched_op({
      .name = "cholesky_grad",
      .core_ranks = {2, 2},
      .core_shape = same_square_pair,
      // Inputs L and L's cotangent; output the cotangent of A's lower triangle (upper zero).
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_cholesky_grad),
      .grad = cholesky_grad_grad,
  });
  return op;
}

std::vector<NodePtr> cholesky_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  return {make_node(cholesky_grad_op(), {node, grads[0]})};
}

const OpDef& cholesky_op() {
  static const OpDef op = make_batched_op({
      .name = "cholesky",
      .core_ranks = {2},
      .core_shape = square_to_square,
      // Reads the lower triangle only; NaN (a value a sampler rejects) when not positive definite.
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_cholesky),
      .grad = cholesky_grad,
  });
  return op;
}

// X = A^-1 B with A triangular: dB = A^-T dX, and dA = -dB X^T restricted to the triangle the
// kernel reads (the other triangle does not affect the result).
std::vector<NodePtr> solve_triangular_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  const bool lower = node->attrs().get_int("lower") != 0;
  const Expr a = node->input(0), x = node;
  const Expr b_bar = solve_triangular(mT(a), grads[0], !lower);
  const Expr a_bar = -matmul(b_bar, mT(x));
  return {lower ? tril(a_bar) : triu(a_bar), b_bar};
}

const OpDef& solve_triangular_op() {
  static const OpDef op = make_batched_op({
      .name = "solve_triangular",
      .core_ranks = {2, 2},
      .core_shape = solve_shape,
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_solve_triangular),
      .runtime_flags = [](const Attrs& attrs) -> std::vector<std::int64_t> {
        return {attrs.get_int("lower") != 0 ? 1 : 0};
      },
      .grad = solve_triangular_grad,
  });
  return op;
}

const OpDef& solve_op() {
  static const OpDef op = make_batched_op({
      .name = "solve",
      .core_ranks = {2, 2},
      .core_shape = solve_shape,
      // LU with partial pivoting; a zero pivot gives inf/NaN, not an error.
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_solve),
      // X = A^-1 B: dB = A^-T dX, dA = -dB X^T.
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        const Expr b_bar = solve(mT(node->input(0)), grads[0]);
        return {-matmul(b_bar, mT(Expr(node))), b_bar};
      },
  });
  return op;
}

const OpDef& inverse_op() {
  static const OpDef op = make_batched_op({
      .name = "inverse",
      .core_ranks = {2},
      .core_shape = square_to_square,
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_inverse),
      // X = A^-1: dA = -X^T dX X^T.
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        const Expr xt = mT(node);
        return {-matmul(xt, matmul(grads[0], xt))};
      },
  });
  return op;
}

const OpDef& logdet_op() {
  static const OpDef op = make_batched_op({
      .name = "logdet",
      .core_ranks = {2},
      .core_shape = square_to_scalar,
      // log |det| from an LU factorization; -inf when singular.
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_logdet),
      // d log |det A| = tr(A^-1 dA): dA = g A^-T.
      .grad = [](const NodePtr& node, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {per_matrix(grads[0]) * mT(inverse(node->input(0)))};
      },
  });
  return op;
}

const OpDef& det_sign_op() {
  static const OpDef op = make_batched_op({
      .name = "det_sign",
      .core_ranks = {2},
      .core_shape = square_to_scalar,
      .runtime = HYPATIA_RUNTIME_FUNCTION(hr_linalg_det_sign),
      .zero_grad = true,
  });
  return op;
}

const OpDef& diag_op() {
  static const OpDef op = make_batched_op({
      .name = "diag",
      .core_ranks = {1},
      .floating_only = false,
      .core_shape = [](const std::vector<Shape>& cores, const Attrs&) -> CoreShape {
        return {{cores[0][0], cores[0][0]}, ""};
      },
      .compute =
          [](const std::vector<CoreBlock>& in, double* out, const Shape& core, const Attrs&) {
            view(out, core).setZero();
            for (std::int64_t i = 0; i < core[0]; ++i) out[i * core[0] + i] = in[0].data[i];
          },
      .lower = lower_diag,
      .grad = [](const NodePtr&, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {diagonal(grads[0])};
      },
  });
  return op;
}

const OpDef& diagonal_op() {
  static const OpDef op = make_batched_op({
      .name = "diagonal",
      .core_ranks = {2},
      .floating_only = false,
      .core_shape = [](const std::vector<Shape>& cores, const Attrs& attrs) -> CoreShape {
        CoreShape result = square_to_square(cores, attrs);
        result.shape.pop_back();
        return result;
      },
      .compute =
          [](const std::vector<CoreBlock>& in, double* out, const Shape& core, const Attrs&) {
            for (std::int64_t i = 0; i < core[0]; ++i) out[i] = in[0].data[i * core[0] + i];
          },
      .lower = lower_diagonal,
      .grad = [](const NodePtr&, const std::vector<NodePtr>& grads) -> std::vector<NodePtr> {
        return {diag(grads[0])};
      },
  });
  return op;
}

// The gradient of a band (tril, triu) is the same band of the cotangent.
std::vector<NodePtr> band_grad(const NodePtr& node, const std::vector<NodePtr>& grads) {
  return {make_node(node->op(), {grads[0]}, node->attrs())};
}

// tril and triu: keep the entries whose offset (column - row) from the main diagonal passes
// `keep(offset, k)`, zero the rest.
BatchedOpSpec band_spec(std::string name, bool (*keep)(std::int64_t offset, std::int64_t k),
                        std::string comparison) {
  return {
      .name = std::move(name),
      .core_ranks = {2},
      .floating_only = false,
      .core_shape = same_shape,
      .compute =
          [keep](const std::vector<CoreBlock>& in, double* out, const Shape& core,
                 const Attrs& attrs) {
            const std::int64_t k = attrs.get_int("k");
            const std::int64_t rows = core[0], cols = core[1];
            for (std::int64_t i = 0; i < rows; ++i) {
              for (std::int64_t j = 0; j < cols; ++j) {
                out[i * cols + j] = keep(j - i, k) ? in[0].data[i * cols + j] : 0.0;
              }
            }
          },
      .lower = band_lowering(std::move(comparison)),
      .grad = band_grad,
  };
}

const OpDef& tril_op() {
  static const OpDef op = make_batched_op(band_spec(
      "tril", [](std::int64_t offset, std::int64_t k) { return offset <= k; }, "<="));
  return op;
}

const OpDef& triu_op() {
  static const OpDef op = make_batched_op(band_spec(
      "triu", [](std::int64_t offset, std::int64_t k) { return offset >= k; }, ">="));
  return op;
}

// ---------------------------------------------------------------------------------------------
// Builder helpers.

// The floating dtype numeric ops compute in: integers and booleans become float64.
DType floating_dtype(DType dtype) {
  return is_floating(dtype) ? dtype : DType::float64;
}

Expr as_floating(const Expr& x) {
  return cast(x, floating_dtype(x.dtype()));
}

// Both operands cast to their common floating dtype.
std::pair<Expr, Expr> as_common_floating(const Expr& a, const Expr& b) {
  const DType common = floating_dtype(promote_types(a.dtype(), b.dtype()));
  return {cast(a, common), cast(b, common)};
}

// Checks each operand's rank against its minimum; the message shows all the operands.
void expect_min_ranks(const std::string& op, const Exprs& operands,
                      const std::vector<int>& min_ranks) {
  for (std::size_t i = 0; i < operands.size(); ++i) {
    if (operands[i].rank() < min_ranks[i]) {
      fail(op,
           "input " + std::to_string(i) + " must have at least " + std::to_string(min_ranks[i]) +
               " dimension" + (min_ranks[i] == 1 ? "" : "s"),
           as_nodes(operands));
    }
  }
}

// Applies a (matrix, matrix) solve op to b, treating a 1-d b as a column vector.
Expr solve_with(const OpDef& op, const std::string& name, const Expr& a, const Expr& b,
                Attrs attrs) {
  expect_min_ranks(name, {a, b}, {2, 1});
  const auto [a_f, b_f] = as_common_floating(a, b);
  if (b.rank() != 1) return make_node(op, {a_f, b_f}, std::move(attrs));
  if (!dims_agree(a.shape().back(), b.shape()[0])) {
    fail(name,
         "the right-hand side has " + std::to_string(b.shape()[0]) + " rows but the matrix is " +
             shape_to_string(trailing(a.shape(), 2)),
         {a, b});
  }
  return squeeze(make_node(op, {a_f, expand_dims(b_f, {1})}, std::move(attrs)), {-1});
}

Expr unary_numeric(const OpDef& op, const Expr& x) {
  expect_min_ranks(op.name, {x}, {2});
  return make_node(op, {as_floating(x)});
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr matmul(const Expr& a, const Expr& b) {
  ops::expect_min_ranks("matmul", {a, b}, {1, 1});
  // Check the inner dimension here, so that the message shows the shapes as given (before 1-d
  // operands become matrices).
  const std::int64_t b_rows = b.shape()[static_cast<std::size_t>(std::max(b.rank() - 2, 0))];
  if (!ops::dims_agree(a.shape().back(), b_rows)) {
    ops::fail("matmul",
              "inner dimensions do not match: " + shape_to_string(a.shape()) + " @ " +
                  shape_to_string(b.shape()),
              {a, b});
  }
  const auto [a_f, b_f] = ops::as_common_floating(a, b);
  const Expr a_matrix = a.rank() == 1 ? expand_dims(a_f, {0}) : a_f;
  const Expr b_matrix = b.rank() == 1 ? expand_dims(b_f, {1}) : b_f;
  const Expr product = make_node(ops::matmul_op(), {a_matrix, b_matrix});
  Axes added_axes;
  if (a.rank() == 1) added_axes.push_back(-2);
  if (b.rank() == 1) added_axes.push_back(-1);
  return added_axes.empty() ? product : squeeze(product, added_axes);
}

Expr dot(const Expr& a, const Expr& b) {
  if (a.rank() == 0 || b.rank() == 0) return a * b;
  if (a.rank() > 2 || b.rank() > 2) {
    ops::fail("dot", "operands of rank above 2 are not supported (use matmul)", {a, b});
  }
  return matmul(a, b);
}

Expr outer(const Expr& a, const Expr& b) {
  if (a.rank() != 1 || b.rank() != 1) ops::fail("outer", "operands must be 1-d", {a, b});
  return expand_dims(a, {1}) * expand_dims(b, {0});
}

Expr matrix_transpose(const Expr& x) {
  ops::expect_min_ranks("matrix_transpose", {x}, {2});
  return make_node(ops::matrix_transpose_op(), {x});
}

Expr cholesky(const Expr& a) {
  return ops::unary_numeric(ops::cholesky_op(), a);
}

Expr solve_triangular(const Expr& a, const Expr& b, bool lower) {
  return ops::solve_with(ops::solve_triangular_op(), "solve_triangular", a, b,
                         Attrs{{"lower", std::int64_t{lower}}});
}

Expr solve(const Expr& a, const Expr& b) {
  return ops::solve_with(ops::solve_op(), "solve", a, b, {});
}

Expr inverse(const Expr& a) {
  return ops::unary_numeric(ops::inverse_op(), a);
}

Expr logdet(const Expr& a) {
  return ops::unary_numeric(ops::logdet_op(), a);
}

Expr det_sign(const Expr& a) {
  return ops::unary_numeric(ops::det_sign_op(), a);
}

Expr cholesky_logdet(const Expr& l) {
  return 2.0 * sum(log(diagonal(l)), {-1});
}

Expr diag(const Expr& x) {
  ops::expect_min_ranks("diag", {x}, {1});
  return make_node(ops::diag_op(), {x});
}

Expr diagonal(const Expr& x) {
  ops::expect_min_ranks("diagonal", {x}, {2});
  return make_node(ops::diagonal_op(), {x});
}

Expr trace(const Expr& x) {
  return sum(diagonal(x), {-1});
}

Expr eye(std::int64_t n, DType dtype) {
  if (n < 0) throw_shape_error("eye: size " + std::to_string(n) + " is negative");
  Tensor identity(dtype, {n, n});
  for (std::int64_t i = 0; i < n; ++i) identity.set(i * n + i, 1.0);
  return constant(identity);
}

Expr tril(const Expr& x, std::int64_t k) {
  ops::expect_min_ranks("tril", {x}, {2});
  return make_node(ops::tril_op(), {x}, Attrs{{"k", k}});
}

Expr triu(const Expr& x, std::int64_t k) {
  ops::expect_min_ranks("triu", {x}, {2});
  return make_node(ops::triu_op(), {x}, Attrs{{"k", k}});
}

}  // namespace hypatia
