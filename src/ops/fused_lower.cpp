// The native emitter of the fused op: the whole region becomes one loop nest, the body's
// elementwise ops one scalar expression per iteration, and a trailing reduction accumulates into
// the output inside the same loops.

#include <limits>
#include <unordered_map>

#include "backend/native/lowering.hpp"
#include "hypatia/error.hpp"
#include "ops/elementwise.hpp"
#include "ops/fused.hpp"
#include "ops/reduce_util.hpp"

namespace hypatia::ops {
namespace {

using native::Scalar;

// Builds scalar expressions for body nodes over a loop nest of `rank` variables walking the
// shape the expression is computed on; body placeholders load the fused node's input buffers.
class BodyExpression {
 public:
  BodyExpression(const Node& fused, const Subgraph& body, native::Lowering& lowering, int rank)
      : lowering_(lowering), rank_(rank) {
    for (std::size_t i = 0; i < body.inputs.size(); ++i) {
      inputs_[body.inputs[i].get()] = lowering.input_buffer(fused, i);
    }
  }

  Scalar build(const NodePtr& node) {
    if (auto it = memo_.find(node.get()); it != memo_.end()) return it->second;
    Scalar result;
    if (auto it = inputs_.find(node.get()); it != inputs_.end()) {
      result = load(it->second);
    } else if (is_constant(*node)) {
      result = load(lowering_.constant(constant_value(*node)));
    } else {
      std::vector<Scalar> args;
      for (const NodePtr& input : node->inputs()) args.push_back(build(input));
      result = lower_scalar(*node, std::move(args));
    }
    memo_[node.get()] = result;
    return result;
  }

 private:
  Scalar load(native::BufferId buffer) {
    const native::Buffer& info = lowering_.buffer_info(buffer);
    return native::load(buffer, native::broadcast_index(info.shape, rank_), info.dtype);
  }

  native::Lowering& lowering_;
  int rank_;
  std::unordered_map<const Node*, native::BufferId> inputs_;
  std::unordered_map<const Node*, Scalar> memo_;
};

double reduction_identity(const std::string& op) {
  if (op == "sum") return 0.0;
  if (op == "prod") return 1.0;
  if (op == "max") return -std::numeric_limits<double>::infinity();
  return std::numeric_limits<double>::infinity();  // min
}

native::Statement::Update reduction_update(const std::string& op) {
  if (op == "sum") return native::Statement::Update::add;
  if (op == "prod") return native::Statement::Update::multiply;
  if (op == "max") return native::Statement::Update::maximum;
  return native::Statement::Update::minimum;
}

// Index of the reduced output element for loop variables walking the reduction's input shape.
native::Index reduced_index(const Shape& input_shape, const std::vector<int>& axes) {
  const Shape kept = reduced_shape(input_shape, axes, true);
  native::Index index = native::broadcast_index(kept, static_cast<int>(input_shape.size()));
  return index;
}

void lower_reduction(const NodePtr& node, const Subgraph& body, native::Lowering& lowering) {
  const NodePtr& root = body.outputs.front();
  const NodePtr& argument = root->input(0);
  const Shape& shape = argument->shape();
  const std::vector<int> axes = attr_axes(*root);
  const native::BufferId out = lowering.define(*node);
  // Floating reductions accumulate in double and round once, like the reference kernels.
  const DType accumulator_dtype = is_floating(node->dtype()) ? DType::float64 : node->dtype();
  const native::BufferId accumulator = accumulator_dtype == node->dtype()
                                           ? out
                                           : lowering.temporary(accumulator_dtype, node->shape());
  const std::int64_t count = num_elements(node->shape());

  native::LoopNest init;
  init.extents = {count};
  init.body.push_back({accumulator, native::Index{0, {{0, 1}}, nullptr, 0},
                       native::literal(reduction_identity(root->op_name()), accumulator_dtype)});
  lowering.emit(std::move(init));

  BodyExpression expression(*node, body, lowering, static_cast<int>(shape.size()));
  native::LoopNest accumulate;
  accumulate.extents = shape;
  accumulate.body.push_back({accumulator, reduced_index(shape, axes), expression.build(argument),
                             reduction_update(root->op_name())});
  // A float sum may run in chunks of rows and in lanes, in the sum kernel's order (see
  // slice_total).
  accumulate.parallel_rows = root->op_name() == "sum" && accumulator_dtype == DType::float64;
  accumulate.sum_lanes = accumulate.parallel_rows;
  lowering.emit(std::move(accumulate));
  if (accumulator != out) native::emit_copy(lowering, out, accumulator);
}

}  // namespace

void lower_fused(const NodePtr& node, native::Lowering& lowering) {
  const Subgraph& body = fused_body(*node);
  const NodePtr& root = body.outputs.front();
  if (is_fusible_reduction(*root)) {
    lower_reduction(node, body, lowering);
    return;
  }
  const native::BufferId out = lowering.define(*node);
  BodyExpression expression(*node, body, lowering, node->rank());
  native::LoopNest nest;
  nest.extents = node->shape();
  nest.body.push_back(
      {out, native::broadcast_index(node->shape(), node->rank()), expression.build(root)});
  nest.parallel_rows = true;  // each row writes its own elements
  lowering.emit(std::move(nest));
}

}  // namespace hypatia::ops
