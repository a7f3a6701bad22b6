// The readable graph listing.

#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "hypatia/graph.hpp"

namespace hypatia {
namespace {

class Printer {
 public:
  explicit Printer(const std::vector<NodePtr>& outputs) {
    for (const NodePtr& node : topological_order(outputs)) {
      for (const NodePtr& input : node->inputs()) ++uses_[input.get()];
    }
    for (const NodePtr& output : outputs) ++uses_[output.get()];
  }

  // Prints `node` and (once) everything it uses, `label` ahead of the node's own line.
  void print(const Node& node, int depth, const std::string& label = "") {
    out_ << indent(depth) << label;
    const bool shared = uses_[&node] > 1 && !is_leaf(node);
    if (shared && printed_.count(&node)) {
      out_ << "%" << node.id() << "\n";
      return;
    }
    if (shared) out_ << "%" << node.id() << " = ";
    out_ << describe(node) << "\n";
    printed_.insert(&node);
    print_subgraphs(node, depth + 1);
    for (const NodePtr& input : node.inputs()) print(*input, depth + 1);
  }

  std::string text() const { return out_.str(); }

 private:
  static bool is_leaf(const Node& node) { return node.inputs().empty(); }
  static std::string indent(int depth) {
    return std::string(static_cast<std::size_t>(depth) * 2, ' ');
  }

  // The bodies held as attributes (a scan's step), each a graph of its own: its inputs, then its
  // outputs listed like the outer graph, under a line naming the attribute.
  void print_subgraphs(const Node& node, int depth) {
    for (const auto& [key, value] : node.attrs().entries()) {
      const auto* body = std::get_if<SubgraphPtr>(&value);
      if (!body) continue;
      out_ << indent(depth) << key << ":\n";
      for (const NodePtr& input : (*body)->inputs) {
        out_ << indent(depth + 1) << "in " << describe(*input) << "\n";
      }
      Printer inner((*body)->outputs);
      for (std::size_t i = 0; i < (*body)->outputs.size(); ++i) {
        inner.print(*(*body)->outputs[i], depth + 1, "out " + std::to_string(i) + ": ");
      }
      out_ << inner.text();
    }
  }

  static std::string describe(const Node& node) {
    std::string type_text;
    for (std::size_t i = 0; i < node.output_types().size(); ++i) {
      type_text += (i ? ", " : "") + type_to_string(node.output_types()[i]);
    }
    if (node.is_tuple()) type_text = "(" + type_text + ")";
    if (is_input(node)) return "input \"" + node.attrs().get_string("name") + "\" : " + type_text;
    if (is_constant(node)) return "constant " + node.attrs().get_tensor("value").to_string(6);
    std::string attrs = node.attrs().to_string();
    return node.op_name() + (attrs.empty() ? "" : "[" + attrs + "]") + " : " + type_text;
  }

  std::unordered_map<const Node*, int> uses_;
  std::unordered_set<const Node*> printed_;
  std::ostringstream out_;
};

}  // namespace

std::string print_graph(const std::vector<NodePtr>& outputs) {
  Printer printer(outputs);
  for (const NodePtr& output : outputs) printer.print(*output, 0);
  return printer.text();
}

std::string print_graph(const NodePtr& output) {
  return print_graph(std::vector<NodePtr>{output});
}

}  // namespace hypatia
