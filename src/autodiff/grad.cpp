// Symbolic reverse mode over graphs: gradients are more graph, built from each op's rule.

#include "hypatia/grad.hpp"

#include <unordered_map>
#include <unordered_set>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"

namespace hypatia {
namespace {

// Gradient contributions to each output of each node, summed when the node is visited.
class Accumulator {
 public:
  void add(const Node& node, std::size_t output, NodePtr contribution) {
    auto& slots = contributions_[&node];
    slots.resize(std::max(slots.size(), node.output_types().size()));
    slots[output].push_back(std::move(contribution));
  }

  // The summed gradient of each output (nullptr where none arrived); empty if the node got none.
  std::vector<NodePtr> take(const Node& node) {
    auto it = contributions_.find(&node);
    if (it == contributions_.end()) return {};
    std::vector<NodePtr> totals;
    for (const std::vector<NodePtr>& parts : it->second) {
      NodePtr total;
      for (const NodePtr& part : parts) total = total ? (Expr(total) + Expr(part)).node() : part;
      totals.push_back(total);
    }
    contributions_.erase(it);
    return totals;
  }

 private:
  std::unordered_map<const Node*, std::vector<std::vector<NodePtr>>> contributions_;
};

// Which nodes of `order` depend on any of `wrt` (so gradients are built only where they flow).
std::unordered_set<const Node*> nodes_depending_on(const std::vector<NodePtr>& order,
                                                   const Exprs& wrt) {
  std::unordered_set<const Node*> depends;
  for (const Expr& w : wrt) depends.insert(w.node().get());
  for (const NodePtr& node : order) {
    for (const NodePtr& input : node->inputs()) {
      if (depends.count(input.get())) {
        depends.insert(node.get());
        break;
      }
    }
  }
  return depends;
}

// Brings an input gradient to its input's shape (undoing broadcasting) and dtype.
NodePtr fit_to_input(const NodePtr& gradient, const NodePtr& input) {
  Expr g = sum_to_like(gradient, input);
  if (g.dtype() != input->dtype()) g = cast(g, input->dtype());
  return g.node();
}

void check_arguments(const Expr& cost, const Exprs& wrt) {
  if (!cost || cost->is_tuple() || cost.rank() != 0 || !is_floating(cost.dtype())) {
    throw_shape_error(
        "grad: the cost must be a floating scalar; got " +
        (cost && !cost->is_tuple() ? type_to_string(cost.type()) : std::string("a tuple")));
  }
  for (std::size_t i = 0; i < wrt.size(); ++i) {
    if (!is_floating(wrt[i].dtype())) {
      std::string name =
          is_input(*wrt[i].node()) ? " '" + wrt[i]->attrs().get_string("name") + "'" : "";
      throw_shape_error("grad: wrt " + std::to_string(i) + name + " has dtype " +
                        std::string(dtype_name(wrt[i].dtype())) +
                        "; integer and boolean values carry no gradient");
    }
  }
}

}  // namespace

Exprs grad(const Expr& cost, const Exprs& wrt) {
  check_arguments(cost, wrt);
  const std::vector<NodePtr> order = topological_order({cost.node()});
  const std::unordered_set<const Node*> depends = nodes_depending_on(order, wrt);
  std::unordered_set<const Node*> targets;
  for (const Expr& w : wrt) targets.insert(w.node().get());

  Accumulator accumulator;
  std::unordered_map<const Node*, NodePtr> results;
  accumulator.add(*cost.node(), 0, constant(1.0, cost.dtype()));
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const NodePtr& node = *it;
    if (!depends.count(node.get())) continue;
    std::vector<NodePtr> output_grads = accumulator.take(*node);
    if (output_grads.empty()) continue;
    if (targets.count(node.get())) results[node.get()] = output_grads[0];
    if (node->inputs().empty() || node->op().zero_grad) continue;
    if (node->op().reads_tuple) {  // tuple_get: route to the tuple's output slot
      const auto index = static_cast<std::size_t>(node->attrs().get_int("index"));
      accumulator.add(*node->input(0), index, output_grads[0]);
      continue;
    }
    if (!node->op().grad) {
      throw Error("grad: op '" + node->op_name() +
                  "' has no gradient rule, and the cost depends on " + "its output " +
                  (node->is_tuple() ? std::string("tuple") : type_to_string(node->type())));
    }
    const std::vector<NodePtr> input_grads = node->op().grad(node, output_grads);
    for (std::size_t i = 0; i < node->inputs().size() && i < input_grads.size(); ++i) {
      const NodePtr& input = node->input(i);
      if (!input_grads[i] || !depends.count(input.get()) || !is_floating(input->dtype())) continue;
      const NodePtr fitted =
          input->is_tuple() ? input_grads[i] : fit_to_input(input_grads[i], input);
      accumulator.add(*input, 0, fitted);
    }
  }

  Exprs gradients;
  for (const Expr& w : wrt) {
    auto found = results.find(w.node().get());
    gradients.push_back(found != results.end() ? Expr(found->second) : zeros_like(w));
  }
  return gradients;
}

Expr grad(const Expr& cost, const Expr& wrt) {
  return grad(cost, Exprs{wrt}).front();
}

}  // namespace hypatia
