#pragma once

// Checks a rewrite rule: it fires on a graph built to contain its pattern, and the rewritten graph
// computes the same values as the original on the given inputs.

#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "support/gradient_check.hpp"

namespace hypatia::testing {

struct RewriteOutcome {
  NodePtr original;
  NodePtr rewritten;
  RewriteReport report;
};

// Options that stop optimize() after `phase` (later phases disabled), so that a test sees what that
// phase made of a graph rather than what later phases (fusion) make of it in turn.
RewriteOptions through_phase(const std::string& phase);

// Optimizes f(placeholders like `points`) through `phase`, expects `rule` of `phase` to have fired,
// and compares values (relative tolerance `rtol`, NaN matching NaN) before and after.
RewriteOutcome expect_rule_preserves_values(const std::string& phase, const std::string& rule,
                                            const GraphBuilder& f,
                                            const std::vector<Tensor>& points, double rtol = 1e-12);

// How many nodes of `graph` (fused bodies not entered) run op `name`.
int count_op(const std::vector<NodePtr>& graph, const std::string& name);

// How many times `rule` of `phase` fired in `report`.
int rule_hits(const RewriteReport& report, const std::string& phase, const std::string& rule);

}  // namespace hypatia::testing
