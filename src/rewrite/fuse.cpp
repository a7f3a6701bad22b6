// Fuse: regions of elementwise ops, optionally ending in a reduction, become single `fused` nodes
// that a backend computes in one loop nest (see ops/fused.hpp).
//
// A region grows from its root towards the inputs and takes in an elementwise node only when every
// use of that node lies inside the region: a node also used elsewhere stays a separate tensor and
// becomes a leaf of each region that reads it, so no work is duplicated. Whether a node is used
// elsewhere is a fact about the whole graph, so this phase is a whole-graph pass, not a rule.
//
// Gradient graphs use forward nodes for their shapes alone (broadcast_like(g, x), zeros_like(x)).
// Such a use needs no value, so when the shape is static it does not keep a node out of a region:
// the user is rebuilt on the static shape instead. And one rule runs before the pass, turning the
// gradient's sum_to of static shapes into a sum, which can then end a region.

#include <map>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "ops/fused.hpp"
#include "rewrite/engine.hpp"

namespace hypatia::rewrite {
namespace {

const std::string kChainRule = "fuse elementwise chain";
const std::string kSumRule = "fuse trailing sum";
const std::string kOtherReductionRule = "fuse trailing max/min/prod";

// A region worth fusing has at least this many ops (a lone op is already one loop).
constexpr std::size_t kMinRegionOps = 2;

// ---- The rule: sum_to of static shapes -> sum ------------------------------------------------

const std::string kStaticSumToRule = "sum_to of static shapes -> sum";

// Sums the axes of x that broadcasting to the target added (leading axes) or stretched (target
// dims of 1), then restores the target's size-1 dims.
Expr static_sum_to(const Expr& e) {
  if (e->op_name() != "sum_to") return {};
  const Expr x = e->input(0);
  const Shape& from = x.shape();
  const Shape& to = e.shape();
  if (!is_floating(x.dtype()) || !is_fully_known(from) || !is_fully_known(to)) return {};
  const std::size_t lead = from.size() - to.size();
  Axes summed;
  std::vector<std::int64_t> restored;
  for (std::size_t i = 0; i < lead; ++i) summed.push_back(static_cast<std::int64_t>(i));
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == 1 && from[lead + i] != 1) {
      summed.push_back(static_cast<std::int64_t>(lead + i));
      restored.push_back(static_cast<std::int64_t>(i));
    }
  }
  if (summed.empty()) return x;  // the same shape (empty axes would mean all of them)
  return expand_dims(sum(x, summed), restored);
}

// ---- Uses of a node for its shape alone ---------------------------------------------------------

// The input that `node` reads only for its shape, if its op has one.
std::optional<std::size_t> shape_only_input(const Node& node) {
  const std::string& op = node.op_name();
  if (op == "broadcast_like" || op == "reshape_like") return 1;
  if (op == "fill_like") return 0;
  return std::nullopt;
}

// Whether `consumer` uses `node` only for its shape, and that shape is static.
bool reads_only_static_shape(const Node& consumer, const Node& node) {
  const std::optional<std::size_t> slot = shape_only_input(consumer);
  if (!slot || !is_fully_known(node.shape())) return false;
  for (std::size_t i = 0; i < consumer.inputs().size(); ++i) {
    if (consumer.input(i).get() == &node && i != *slot) return false;
  }
  return true;
}

// `consumer` rebuilt on `inputs` (its shape-only input left null) with that input's static shape
// in its place.
NodePtr with_static_shape(const Node& consumer, const std::vector<NodePtr>& inputs) {
  const TensorType& like = consumer.input(*shape_only_input(consumer))->type();
  const std::string& op = consumer.op_name();
  Expr result;
  if (op == "broadcast_like") {
    result = broadcast_to(inputs[0], like.shape);
  } else if (op == "reshape_like") {
    result = reshape(inputs[0], like.shape);
  } else {  // fill_like
    result = broadcast_to(constant(consumer.attrs().get_double("value"), like.dtype), like.shape);
  }
  if (result.type() != consumer.type()) {
    throw Error("fuse: '" + op + "' on a static shape became " + type_to_string(result.type()) +
                " instead of " + type_to_string(consumer.type()));
  }
  return result.node();
}

// ---- Finding regions ----------------------------------------------------------------------------

struct Region {
  NodePtr root;
  std::vector<NodePtr> leaves;  // tensors the region reads (constants aside)
  std::string rule;             // what the fusion counts as
};

// Finds the maximal fusible regions of a graph (not looking into subgraph attributes).
class RegionFinder {
 public:
  RegionFinder(const std::vector<NodePtr>& outputs, const RewriteOptions& options)
      : options_(options), order_(topological_order(outputs)) {
    for (std::size_t i = 0; i < order_.size(); ++i) position_[order_[i].get()] = i;
    for (const NodePtr& node : order_) {
      std::unordered_set<const Node*> distinct;
      for (const NodePtr& in : node->inputs()) {
        if (distinct.insert(in.get()).second) consumers_[in.get()].push_back(node.get());
      }
    }
    for (const NodePtr& output : outputs) graph_outputs_.insert(output.get());
  }

  // Regions from the outputs towards the inputs, so each root takes in as much as it can before
  // the nodes below it are considered as roots of their own.
  std::vector<Region> find() {
    std::vector<Region> regions;
    for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
      const NodePtr& node = *it;
      if (interior_.count(node.get())) continue;
      const std::string rule = root_rule(*node);
      if (rule.empty() || !enabled(rule)) continue;
      if (std::optional<Region> region = grow(node, rule)) regions.push_back(std::move(*region));
    }
    return regions;
  }

  bool is_interior(const Node& node) const { return interior_.count(&node) != 0; }

 private:
  // The rule a region rooted at `node` would count as; empty when no region can root there.
  std::string root_rule(const Node& node) const {
    if (ops::is_fusible_elementwise(node)) return kChainRule;
    if (!ops::is_fusible_reduction(node) || !absorbable(*node.input(0), {&node})) return "";
    return node.op_name() == "sum" ? kSumRule : kOtherReductionRule;
  }

  bool enabled(const std::string& rule) const { return !options_.disabled_rules.count(rule); }

  // Whether the region `members` may take in `node`: an elementwise op all of whose uses are in
  // it, apart from uses of its static shape.
  bool absorbable(const Node& node, const std::unordered_set<const Node*>& members) const {
    if (!ops::is_fusible_elementwise(node) || graph_outputs_.count(&node)) return false;
    for (const Node* consumer : consumers_.at(&node)) {
      if (!members.count(consumer) && !reads_only_static_shape(*consumer, node)) return false;
    }
    return true;
  }

  // Candidates are taken nearest the outputs first: by the time a node is considered, every
  // region member that uses it has already been taken in, so its uses can be checked.
  std::optional<Region> grow(const NodePtr& root, const std::string& rule) {
    std::unordered_set<const Node*> members{root.get()};
    std::unordered_set<const Node*> seen{root.get()};
    std::priority_queue<std::size_t> candidates;
    auto add_inputs = [&](const Node& node) {
      for (const NodePtr& in : node.inputs()) {
        if (seen.insert(in.get()).second) candidates.push(position_.at(in.get()));
      }
    };
    add_inputs(*root);
    Region region{root, {}, rule};
    std::size_t op_count = 1;
    while (!candidates.empty()) {
      const NodePtr& candidate = order_[candidates.top()];
      candidates.pop();
      if (is_constant(*candidate)) continue;  // make_fused keeps small ones, passes large ones in
      if (absorbable(*candidate, members)) {
        members.insert(candidate.get());
        add_inputs(*candidate);
        ++op_count;
      } else {
        region.leaves.push_back(candidate);
      }
    }
    if (op_count < kMinRegionOps) return std::nullopt;
    members.erase(root.get());
    interior_.insert(members.begin(), members.end());
    return region;
  }

  const RewriteOptions& options_;
  std::vector<NodePtr> order_;
  std::unordered_map<const Node*, std::size_t> position_;
  std::unordered_map<const Node*, std::vector<const Node*>> consumers_;
  std::unordered_set<const Node*> graph_outputs_;
  std::unordered_set<const Node*> interior_;  // taken into a region below its root
};

std::vector<NodePtr> fuse_graph(const std::vector<NodePtr>& outputs, const RewriteOptions& options,
                                std::map<std::string, int>& hits);

// The node's attributes with its subgraphs (scan bodies) fused; nullopt when nothing changed. A
// fused node's own body is left as it is.
std::optional<Attrs> with_fused_subgraphs(const Node& node, const RewriteOptions& options,
                                          std::map<std::string, int>& hits) {
  if (ops::is_fused(node)) return std::nullopt;
  std::optional<Attrs> attrs;
  for (const auto& [key, value] : node.attrs().entries()) {
    if (const auto* body = std::get_if<SubgraphPtr>(&value)) {
      std::vector<NodePtr> fused = fuse_graph((*body)->outputs, options, hits);
      if (fused == (*body)->outputs) continue;
      if (!attrs) attrs = node.attrs();
      attrs->set(key, std::make_shared<const Subgraph>(Subgraph{(*body)->inputs, fused}));
    }
  }
  return attrs;
}

// Rebuilds the graph with each region replaced by its fused node. Interior nodes of a region are
// used only inside it, so nothing outside needs them rebuilt.
std::vector<NodePtr> fuse_graph(const std::vector<NodePtr>& outputs, const RewriteOptions& options,
                                std::map<std::string, int>& hits) {
  RegionFinder finder(outputs, options);
  std::unordered_map<const Node*, const Region*> region_at;
  const std::vector<Region> regions = finder.find();
  for (const Region& region : regions) region_at[region.root.get()] = &region;

  std::unordered_map<const Node*, NodePtr> rebuilt;
  auto mapped = [&rebuilt](const std::vector<NodePtr>& nodes) {
    std::vector<NodePtr> result;
    for (const NodePtr& node : nodes) result.push_back(rebuilt.at(node.get()));
    return result;
  };
  for (const NodePtr& node : topological_order(outputs)) {
    if (finder.is_interior(*node)) continue;
    if (auto it = region_at.find(node.get()); it != region_at.end()) {
      // The body is built from the original region; only its leaves change to their rebuilt form.
      const NodePtr fused = ops::make_fused(node, it->second->leaves);
      rebuilt[node.get()] = make_node(fused->op(), mapped(fused->inputs()), fused->attrs());
      ++hits[it->second->rule];
      continue;
    }
    const std::optional<std::size_t> shape_slot = shape_only_input(*node);
    if (shape_slot && finder.is_interior(*node->input(*shape_slot))) {
      std::vector<NodePtr> inputs(node->inputs().size());
      for (std::size_t i = 0; i < inputs.size(); ++i)
        if (i != *shape_slot) inputs[i] = rebuilt.at(node->input(i).get());
      rebuilt[node.get()] = with_static_shape(*node, inputs);
      continue;
    }
    std::vector<NodePtr> inputs = mapped(node->inputs());
    std::optional<Attrs> attrs = with_fused_subgraphs(*node, options, hits);
    const bool changed = attrs || inputs != node->inputs();
    rebuilt[node.get()] =
        changed ? make_node(node->op(), std::move(inputs), attrs.value_or(node->attrs())) : node;
  }
  return mapped(outputs);
}

}  // namespace

Phase fuse_phase() {
  return {.name = "fuse",
          .rules = {{kStaticSumToRule, static_sum_to}},
          .pass = fuse_graph,
          .pass_rule_names = {kChainRule, kSumRule, kOtherReductionRule}};
}

}  // namespace hypatia::rewrite
