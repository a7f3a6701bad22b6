#include "rewrite/engine.hpp"

#include <iostream>
#include <unordered_map>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"

namespace hypatia::rewrite {
namespace {

// Guards against rule sets that undo each other: a fixed point must come within this many sweeps.
constexpr int kMaxSweeps = 50;
constexpr int kMaxRulesPerNode = 100;

class PhaseRunner {
 public:
  PhaseRunner(const Phase& phase, const RewriteOptions& options, std::map<std::string, int>& hits)
      : phase_(phase), options_(options), hits_(hits) {}

  std::vector<NodePtr> sweep(const std::vector<NodePtr>& outputs) {
    std::vector<NodePtr> result;
    for (const NodePtr& output : topological_order(outputs)) rewritten(output);
    for (const NodePtr& output : outputs) result.push_back(memo_.at(output.get()));
    return result;
  }

  bool changed() const { return changed_; }

 private:
  // The node rebuilt on rewritten inputs (and subgraphs), then rewritten by the rules until none
  // applies. Inputs are visited first by the topological order of sweep().
  NodePtr rewritten(const NodePtr& node) {
    if (auto it = memo_.find(node.get()); it != memo_.end()) return it->second;
    NodePtr current = rebuild(node);
    for (int applied = 0; applied < kMaxRulesPerNode; ++applied) {
      NodePtr next = apply_first_rule(current);
      if (!next) break;
      // The replacement may contain new nodes that other rules can still simplify.
      current = rewritten(next);
      changed_ = true;
    }
    memo_[node.get()] = current;
    memo_[current.get()] = current;  // a fixed point: revisiting it (inside a replacement) is free
    // The memo is keyed by address, so every key's node must outlive it: a replacement that was
    // itself rewritten away would otherwise be freed, and a node built later at its address
    // would be taken for it (a wrong graph, depending on where the allocator put things).
    keys_alive_.push_back(node);
    return current;
  }

  NodePtr rebuild(const NodePtr& node) {
    std::vector<NodePtr> inputs;
    bool changed = false;
    for (const NodePtr& input : node->inputs()) {
      inputs.push_back(rewritten(input));
      changed = changed || inputs.back() != input;
    }
    Attrs attrs = node->attrs();
    for (const auto& [key, value] : node->attrs().entries()) {
      if (const auto* body = std::get_if<SubgraphPtr>(&value)) {
        SubgraphPtr new_body = rewrite_subgraph(*body);
        if (new_body != *body) {
          attrs.set(key, new_body);
          changed = true;
        }
      }
    }
    return changed ? make_node(node->op(), std::move(inputs), std::move(attrs)) : node;
  }

  SubgraphPtr rewrite_subgraph(const SubgraphPtr& body) {
    PhaseRunner inner(phase_, options_, hits_);
    std::vector<NodePtr> outputs = inner.sweep(body->outputs);
    if (!inner.changed()) return body;
    changed_ = true;
    return std::make_shared<const Subgraph>(Subgraph{body->inputs, std::move(outputs)});
  }

  NodePtr apply_first_rule(const NodePtr& node) {
    if (node->is_tuple()) return nullptr;
    for (const Rule& rule : phase_.rules) {
      if (options_.disabled_rules.count(rule.name)) continue;
      Expr replacement = rule.apply(Expr(node));
      if (!replacement || replacement.node() == node) continue;
      check_replacement(rule, node, replacement.node());
      ++hits_[rule.name];
      return replacement.node();
    }
    return nullptr;
  }

  static void check_replacement(const Rule& rule, const NodePtr& node, const NodePtr& replacement) {
    const TensorType& before = node->type();
    const TensorType& after = replacement->type();
    if (before.dtype != after.dtype || before.rank() != after.rank()) {
      throw Error("rewrite rule '" + rule.name + "' changed " + type_to_string(before) + " into " +
                  type_to_string(after));
    }
  }

  const Phase& phase_;
  const RewriteOptions& options_;
  std::map<std::string, int>& hits_;
  std::unordered_map<const Node*, NodePtr> memo_;
  std::vector<NodePtr> keys_alive_;
  bool changed_ = false;
};

std::vector<NodePtr> run_rules(const std::vector<NodePtr>& outputs, const Phase& phase,
                               const RewriteOptions& options, std::map<std::string, int>& hits) {
  std::vector<NodePtr> current = outputs;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    PhaseRunner runner(phase, options, hits);
    current = runner.sweep(current);
    if (!runner.changed()) return current;
  }
  throw Error("rewrite phase '" + phase.name + "' reached no fixed point in " +
              std::to_string(kMaxSweeps) + " sweeps; its rules undo each other");
}

// The specialize phase's whole-graph passes, in order.
std::vector<NodePtr> specialize_passes(const std::vector<NodePtr>& outputs,
                                       const RewriteOptions& options,
                                       std::map<std::string, int>& hits) {
  return share_softplus_sigmoid_exp(merge_column_sums(outputs, options, hits), options, hits);
}

}  // namespace

std::vector<NodePtr> run_phase(const std::vector<NodePtr>& outputs, const Phase& phase,
                               const RewriteOptions& options, std::map<std::string, int>& hits) {
  std::vector<NodePtr> current = run_rules(outputs, phase, options, hits);
  return phase.pass ? phase.pass(current, options, hits) : current;
}

const std::vector<Phase>& phases() {
  static const std::vector<Phase> list = {
      {"canonicalize", canonicalize_rules()},
      {"stabilize", stabilize_rules()},
      {"specialize", specialize_rules(), specialize_passes, {kColumnSumRule, kSharedExpRule}},
      fuse_phase(),
  };
  return list;
}

}  // namespace hypatia::rewrite

namespace hypatia {

int RewriteReport::total_hits() const {
  int total = 0;
  for (const auto& [phase, rules] : hits) {
    for (const auto& [rule, count] : rules) total += count;
  }
  return total;
}

std::vector<NodePtr> optimize(const std::vector<NodePtr>& outputs, const RewriteOptions& options,
                              RewriteReport* report) {
  std::ostream& log = options.explain_stream ? *options.explain_stream : std::cerr;
  RewriteReport local;
  RewriteReport& out = report ? *report : local;
  std::vector<NodePtr> current = outputs;
  for (const rewrite::Phase& phase : rewrite::phases()) {
    if (options.disabled_phases.count(phase.name)) continue;
    if (options.explain) log << "== before " << phase.name << " ==\n" << print_graph(current);
    std::map<std::string, int>& hits = out.hits[phase.name];
    current = rewrite::run_phase(current, phase, options, hits);
    if (options.explain) {
      log << "== after " << phase.name << " ==\n" << print_graph(current);
      for (const auto& [rule, count] : hits) log << "  fired " << count << "x: " << rule << "\n";
    }
  }
  return current;
}

std::vector<std::string> rewrite_phase_names() {
  std::vector<std::string> names;
  for (const rewrite::Phase& phase : rewrite::phases()) names.push_back(phase.name);
  return names;
}

std::vector<std::string> rewrite_rule_names(const std::string& phase_name) {
  for (const rewrite::Phase& phase : rewrite::phases()) {
    if (phase.name != phase_name) continue;
    std::vector<std::string> names;
    for (const rewrite::Rule& rule : phase.rules) names.push_back(rule.name);
    names.insert(names.end(), phase.pass_rule_names.begin(), phase.pass_rule_names.end());
    return names;
  }
  throw Error("no rewrite phase named '" + phase_name + "'");
}

}  // namespace hypatia
