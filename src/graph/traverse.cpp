// Graph traversal and clone-with-replacement.

#include <unordered_set>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"

namespace hypatia {

std::vector<NodePtr> topological_order(const std::vector<NodePtr>& outputs) {
  std::vector<NodePtr> order;
  std::unordered_set<const Node*> done;
  // Iterative depth-first search: long chains (unrolled recursions) must not exhaust the stack.
  std::vector<std::pair<NodePtr, std::size_t>> stack;
  for (const NodePtr& output : outputs) {
    if (!output || done.count(output.get())) continue;
    stack.emplace_back(output, 0);
    while (!stack.empty()) {
      auto& [node, next_input] = stack.back();
      if (next_input < node->inputs().size()) {
        const NodePtr& child = node->inputs()[next_input++];
        if (!done.count(child.get())) stack.emplace_back(child, 0);
        continue;
      }
      if (done.insert(node.get()).second) order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

std::vector<NodePtr> free_inputs(const std::vector<NodePtr>& outputs) {
  std::vector<NodePtr> inputs;
  for (const NodePtr& node : topological_order(outputs)) {
    if (is_input(*node)) inputs.push_back(node);
  }
  return inputs;
}

std::vector<NodePtr> substitute(const std::vector<NodePtr>& outputs,
                                const Replacements& replacements) {
  for (const auto& [original, replacement] : replacements) {
    if (original->is_tuple() || replacement->is_tuple()) continue;
    if (original->dtype() != replacement->dtype() || original->rank() != replacement->rank()) {
      throw_shape_error("substitute: replacement " + type_to_string(replacement->type()) +
                        " does not fit node '" + original->op_name() + "' of type " +
                        type_to_string(original->type()));
    }
  }
  std::unordered_map<const Node*, NodePtr> rebuilt;
  for (const NodePtr& node : topological_order(outputs)) {
    if (auto it = replacements.find(node.get()); it != replacements.end()) {
      rebuilt[node.get()] = it->second;
      continue;
    }
    std::vector<NodePtr> inputs;
    bool changed = false;
    for (const NodePtr& input : node->inputs()) {
      inputs.push_back(rebuilt.at(input.get()));
      changed = changed || inputs.back() != input;
    }
    rebuilt[node.get()] = changed ? make_node(node->op(), std::move(inputs), node->attrs()) : node;
  }
  std::vector<NodePtr> result;
  for (const NodePtr& output : outputs) result.push_back(rebuilt.at(output.get()));
  return result;
}

NodePtr substitute(const NodePtr& output, const Replacements& replacements) {
  return substitute(std::vector<NodePtr>{output}, replacements).front();
}

}  // namespace hypatia
