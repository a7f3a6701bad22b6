#include "ops/op_util.hpp"

#include "hypatia/graph.hpp"

namespace hypatia::ops {

std::string describe_inputs(const std::vector<NodePtr>& inputs) {
  std::string text;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (i > 0) text += ", ";
    text += "input " + std::to_string(i) + " " +
            (inputs[i]->is_tuple() ? std::string("tuple") : type_to_string(inputs[i]->type()));
  }
  return text;
}

std::string describe_values(const std::vector<Tensor>& values) {
  std::string text;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ", ";
    text += "input " + std::to_string(i) + " " + type_to_string(values[i].type());
  }
  return text;
}

void fail(const std::string& op, const std::string& message, const std::vector<NodePtr>& inputs) {
  throw_shape_error(op + ": " + message + "; got " + describe_inputs(inputs));
}

void fail_runtime(const std::string& op, const std::string& message,
                  const std::vector<Tensor>& values) {
  throw RuntimeError(op + ": " + message + "; got " + describe_values(values));
}

void expect_arity(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t arity) {
  if (inputs.size() != arity) {
    fail(op, "expected " + std::to_string(arity) + " inputs, got " + std::to_string(inputs.size()),
         inputs);
  }
}

void expect_floating(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t index) {
  if (!is_floating(inputs.at(index)->dtype())) {
    fail(op, "input " + std::to_string(index) + " must be float32 or float64", inputs);
  }
}

void expect_integer(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t index) {
  if (inputs.at(index)->dtype() != DType::int64) {
    fail(op, "input " + std::to_string(index) + " must be int64", inputs);
  }
}

BroadcastWalker::BroadcastWalker(const Shape& out_shape, const std::vector<Shape>& input_shapes)
    : out_shape_(out_shape), offsets_(input_shapes.size(), 0), size_(num_elements(out_shape)) {
  const std::size_t rank = out_shape.size();
  for (const Shape& shape : input_shapes) {
    std::vector<std::int64_t> own = row_major_strides(shape);
    std::vector<std::int64_t> aligned(rank, 0);
    const std::size_t offset = rank - shape.size();
    for (std::size_t i = 0; i < shape.size(); ++i) {
      aligned[offset + i] = shape[i] == 1 ? 0 : own[i];
    }
    strides_.push_back(std::move(aligned));
  }
}

const std::vector<std::int64_t>& BroadcastWalker::offsets(std::int64_t flat) {
  std::fill(offsets_.begin(), offsets_.end(), 0);
  for (std::size_t d = out_shape_.size(); d-- > 0;) {
    const std::int64_t index = flat % out_shape_[d];
    flat /= out_shape_[d];
    for (std::size_t k = 0; k < strides_.size(); ++k) offsets_[k] += index * strides_[k][d];
  }
  return offsets_;
}

std::vector<NodePtr> loop_invariants(const std::vector<NodePtr>& outputs,
                                     const std::unordered_set<const Node*>& placeholders) {
  const std::vector<NodePtr> order = topological_order(outputs);
  std::unordered_set<const Node*> varies(placeholders);
  for (const NodePtr& node : order) {
    for (const NodePtr& in : node->inputs()) {
      if (varies.count(in.get())) varies.insert(node.get());
    }
  }
  std::vector<NodePtr> invariants;
  std::unordered_set<const Node*> seen;
  auto add = [&](const NodePtr& candidate) {
    if (!varies.count(candidate.get()) && !is_constant(*candidate) &&
        seen.insert(candidate.get()).second) {
      invariants.push_back(candidate);
    }
  };
  for (const NodePtr& node : order) {
    if (!varies.count(node.get())) continue;
    for (const NodePtr& in : node->inputs()) add(in);
  }
  for (const NodePtr& output : outputs) add(output);
  return invariants;
}

Exprs as_exprs(const std::vector<NodePtr>& nodes) {
  return Exprs(nodes.begin(), nodes.end());
}

std::vector<NodePtr> as_nodes(const Exprs& exprs) {
  std::vector<NodePtr> nodes;
  nodes.reserve(exprs.size());
  for (const Expr& e : exprs) nodes.push_back(e.node());
  return nodes;
}

}  // namespace hypatia::ops
