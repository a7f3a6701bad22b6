#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hypatia/node.hpp"

namespace hypatia {

// Every node reachable from `outputs`, each after all of its inputs (a topological order).
std::vector<NodePtr> topological_order(const std::vector<NodePtr>& outputs);

// The input (placeholder) nodes reachable from `outputs`, in topological order.
std::vector<NodePtr> free_inputs(const std::vector<NodePtr>& outputs);

// Rebuilds `outputs` with each key node replaced by its value (clone-with-replacement). Types of a
// replacement must match the node it replaces; rebuilt nodes re-run type inference.
using Replacements = std::unordered_map<const Node*, NodePtr>;
std::vector<NodePtr> substitute(const std::vector<NodePtr>& outputs,
                                const Replacements& replacements);
NodePtr substitute(const NodePtr& output, const Replacements& replacements);

// A readable listing: one line per node, indented by depth, with op, attributes and type. A node
// used more than once is printed in full the first time as `%id = ...` and referred to as `%id`.
std::string print_graph(const std::vector<NodePtr>& outputs);
std::string print_graph(const NodePtr& output);

}  // namespace hypatia
