// The fused op: a region of elementwise ops (and at most one trailing reduction) as one node whose
// body is a Subgraph attribute. The layout is described in ops/fused.hpp.

#include "ops/fused.hpp"

#include <unordered_set>

#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "ops/elementwise.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

const std::string kFused = "fused";

const std::unordered_set<const OpDef*>& elementwise_table_ops() {
  static const std::unordered_set<const OpDef*> ops = [] {
    std::unordered_set<const OpDef*> table;
    for (const ScalarFunction& fn : scalar_function_table()) table.insert(&elementwise_op(fn.name));
    return table;
  }();
  return ops;
}

bool is_inline_constant(const Node& node) {
  return is_constant(node) && constant_value(node).size() <= kMaxInlineConstant;
}

std::string describe_node(const Node& node) {
  return "'" + node.op_name() + "' " + type_to_string(node.type());
}

// ---- Type rule ----------------------------------------------------------------------------------

// Static shapes that some concrete shape could be an instance of both of.
bool compatible(const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype || a.shape.size() != b.shape.size()) return false;
  for (std::size_t i = 0; i < a.shape.size(); ++i) {
    if (a.shape[i] != b.shape[i] && a.shape[i] != kUnknownDim && b.shape[i] != kUnknownDim)
      return false;
  }
  return true;
}

void check_placeholders(const std::vector<NodePtr>& inputs, const Subgraph& body) {
  if (body.inputs.size() != inputs.size()) {
    fail(kFused,
         "the body takes " + std::to_string(body.inputs.size()) + " inputs, but " +
             std::to_string(inputs.size()) + " were given",
         inputs);
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!is_input(*body.inputs[i]))
      fail(kFused, "body input " + std::to_string(i) + " is not a placeholder", inputs);
    if (!compatible(inputs[i]->type(), body.inputs[i]->type())) {
      fail(kFused,
           "input " + std::to_string(i) + " is " + type_to_string(inputs[i]->type()) +
               ", but the body's placeholder is " + type_to_string(body.inputs[i]->type()),
           inputs);
    }
  }
}

// Every body node is a placeholder, a small constant or an elementwise op; the root may instead
// be a reduction of an elementwise op.
void check_body_nodes(const std::vector<NodePtr>& inputs, const Subgraph& body) {
  const NodePtr& root = body.outputs.front();
  const std::unordered_set<const Node*> placeholders = [&] {
    std::unordered_set<const Node*> set;
    for (const NodePtr& p : body.inputs) set.insert(p.get());
    return set;
  }();
  for (const NodePtr& node : topological_order(body.outputs)) {
    if (placeholders.count(node.get()) || is_inline_constant(*node) ||
        is_fusible_elementwise(*node)) {
      continue;
    }
    if (node == root && is_fusible_reduction(*node) && is_fusible_elementwise(*node->input(0)))
      continue;
    fail(kFused,
         "the body contains " + describe_node(*node) +
             ", which is not a placeholder, a constant of at most " +
             std::to_string(kMaxInlineConstant) +
             " elements, an elementwise op or a trailing reduction of one",
         inputs);
  }
}

std::vector<TensorType> infer_fused(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  const Subgraph& body = *attrs.get_subgraph("body");
  if (body.outputs.size() != 1) {
    fail(kFused, "the body has " + std::to_string(body.outputs.size()) + " outputs, not 1", inputs);
  }
  check_placeholders(inputs, body);
  check_body_nodes(inputs, body);
  return {body.outputs.front()->type()};
}

// ---- Kernel -------------------------------------------------------------------------------------

// The reference evaluation: the body run by a nested interpreter. Backends compute the same in one
// loop nest.
std::vector<Tensor> run_fused(const Node& node, const std::vector<Tensor>& inputs) {
  const Subgraph& body = fused_body(node);
  const Interpreter interpreter(body.inputs, body.outputs);
  try {
    return interpreter.run(inputs);
  } catch (const Error& e) {
    throw RuntimeError("fused: in the body: " + std::string(e.what()));
  }
}

// ---- Building -----------------------------------------------------------------------------------

// The region between `root` and `leaves`: its op nodes in topological order, and the inputs of
// the body (leaves and large constants) in the order a depth-first walk from the root, inputs left
// to right, first reaches them. Small constants belong to neither list: they stay as they are.
struct Region {
  std::vector<NodePtr> ops;
  std::vector<NodePtr> inputs;
};

Region walk_region(const NodePtr& root, const std::vector<NodePtr>& leaves) {
  const std::unordered_set<const Node*> leaf_set = [&] {
    std::unordered_set<const Node*> set;
    for (const NodePtr& leaf : leaves) set.insert(leaf.get());
    return set;
  }();
  auto fits = [&](const NodePtr& node) {
    if (is_fusible_elementwise(*node)) return true;
    return node == root && is_fusible_reduction(*node) && !leaf_set.count(node->input(0).get()) &&
           is_fusible_elementwise(*node->input(0));
  };
  if (leaf_set.count(root.get()) || is_constant(*root) || !fits(root)) {
    fail(kFused, "the root " + describe_node(*root) + " cannot head a fused region", leaves);
  }

  Region region;
  std::unordered_set<const Node*> done;
  // Iterative depth-first search: long chains must not exhaust the stack.
  std::vector<std::pair<NodePtr, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [node, next_input] = stack.back();
    if (next_input < node->inputs().size()) {
      NodePtr child = node->inputs()[next_input++];
      if (!done.insert(child.get()).second || is_inline_constant(*child)) continue;
      if (leaf_set.count(child.get()) || is_constant(*child)) {
        region.inputs.push_back(child);
      } else if (fits(child)) {
        stack.emplace_back(std::move(child), 0);
      } else {
        fail(kFused,
             "the region under " + describe_node(*root) + " reaches " + describe_node(*child) +
                 ", which is neither fusible nor one of the leaves",
             leaves);
      }
      continue;
    }
    region.ops.push_back(node);
    stack.pop_back();
  }
  return region;
}

// The region rebuilt on placeholders named by position, so that equal regions are equal bodies.
SubgraphPtr build_body(const Region& region) {
  auto body = std::make_shared<Subgraph>();
  Replacements renamed;
  for (std::size_t i = 0; i < region.inputs.size(); ++i) {
    body->inputs.push_back(input("fused.in" + std::to_string(i), region.inputs[i]->type()));
    renamed[region.inputs[i].get()] = body->inputs.back();
  }
  for (const NodePtr& node : region.ops) {
    std::vector<NodePtr> inputs;
    for (const NodePtr& in : node->inputs()) {
      auto it = renamed.find(in.get());
      inputs.push_back(it != renamed.end() ? it->second : in);  // small constants stay
    }
    renamed[node.get()] = make_node(node->op(), std::move(inputs), node->attrs());
  }
  body->outputs.push_back(renamed.at(region.ops.back().get()));
  return body;
}

}  // namespace

bool is_fusible_elementwise(const Node& node) {
  return elementwise_table_ops().count(&node.op()) || node.op_name() == "cast";
}

bool is_fusible_reduction(const Node& node) {
  const std::string& name = node.op_name();
  return name == "sum" || name == "prod" || name == "max" || name == "min";
}

const OpDef& fused_op() {
  // No gradient: fusion runs after differentiation (see ops/fused.hpp).
  static const OpDef op{
      .name = kFused,
      .infer = infer_fused,
      .kernel = run_fused,
      .grad = {},
      .lower = lower_fused,
  };
  return op;
}

NodePtr make_fused(const NodePtr& root, const std::vector<NodePtr>& leaves) {
  const Region region = walk_region(root, leaves);
  return make_node(fused_op(), region.inputs, Attrs{{"body", build_body(region)}});
}

bool is_fused(const Node& node) {
  return &node.op() == &fused_op();
}

const Subgraph& fused_body(const Node& node) {
  return *node.attrs().get_subgraph("body");
}

}  // namespace hypatia::ops
