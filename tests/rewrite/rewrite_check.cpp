#include "rewrite/rewrite_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace hypatia::testing {

RewriteOptions through_phase(const std::string& phase) {
  const std::vector<std::string> names = rewrite_phase_names();
  auto it = std::find(names.begin(), names.end(), phase);
  EXPECT_NE(it, names.end()) << "no rewrite phase named '" << phase << "'";
  RewriteOptions options;
  if (it != names.end()) options.disabled_phases.insert(it + 1, names.end());
  return options;
}

RewriteOutcome expect_rule_preserves_values(const std::string& phase, const std::string& rule,
                                            const GraphBuilder& f,
                                            const std::vector<Tensor>& points, double rtol) {
  std::vector<NodePtr> placeholders;
  Exprs inputs;
  for (std::size_t i = 0; i < points.size(); ++i) {
    placeholders.push_back(input("x" + std::to_string(i), points[i].type()));
    inputs.push_back(placeholders.back());
  }
  RewriteOutcome outcome;
  outcome.original = f(inputs).node();
  outcome.rewritten = optimize({outcome.original}, through_phase(phase), &outcome.report).front();
  EXPECT_GT(outcome.report.hits[phase][rule], 0) << "rule '" << rule << "' did not fire on\n"
                                                 << print_graph(outcome.original);
  const Tensor before = Interpreter(placeholders, {outcome.original}).run(points).front();
  const Tensor after = Interpreter(placeholders, {outcome.rewritten}).run(points).front();
  EXPECT_EQ(before.type(), after.type());
  for (std::int64_t i = 0; i < before.size() && i < after.size(); ++i) {
    const double b = before.at(i), a = after.at(i);
    if (std::isnan(b)) {
      EXPECT_TRUE(std::isnan(a)) << "element " << i;
    } else if (std::isinf(b)) {
      EXPECT_EQ(a, b) << "element " << i;
    } else {
      EXPECT_NEAR(a, b, rtol * std::max(1.0, std::abs(b))) << "element " << i;
    }
  }
  return outcome;
}

int count_op(const std::vector<NodePtr>& graph, const std::string& name) {
  const std::vector<NodePtr> nodes = topological_order(graph);
  return static_cast<int>(std::count_if(nodes.begin(), nodes.end(), [&name](const NodePtr& node) {
    return node->op_name() == name;
  }));
}

int rule_hits(const RewriteReport& report, const std::string& phase, const std::string& rule) {
  const auto found_phase = report.hits.find(phase);
  if (found_phase == report.hits.end()) return 0;
  const auto found_rule = found_phase->second.find(rule);
  return found_rule == found_phase->second.end() ? 0 : found_rule->second;
}

}  // namespace hypatia::testing
