#pragma once

// The rewrite engine: rules over small patterns, applied bottom-up to a fixed point, phase by
// phase. A rule looks at one node (whose inputs are already rewritten) and returns a replacement
// or nothing. Scan bodies and other subgraph attributes are rewritten with the same phase. A phase
// may instead (or also) carry a whole-graph pass, for rewrites that need facts no single node
// shows, such as how often each node is used.

#include <functional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/rewrite.hpp"

namespace hypatia::rewrite {

struct Rule {
  std::string name;                             // reads like documentation: "log(1+x) -> log1p(x)"
  std::function<Expr(const Expr& node)> apply;  // an empty Expr: the rule does not apply
};

// A whole-graph pass: the rewritten outputs, with hits counted under the names the phase lists in
// `pass_rule_names`. It honours options.disabled_rules for those names and reaches into subgraph
// attributes itself.
using Pass = std::function<std::vector<NodePtr>(const std::vector<NodePtr>& outputs,
                                                const RewriteOptions& options,
                                                std::map<std::string, int>& hits)>;

struct Phase {
  std::string name;
  std::vector<Rule> rules;
  Pass pass = {};                                 // runs once, after the rules reach a fixed point
  std::vector<std::string> pass_rule_names = {};  // what the pass counts hits under
};

// The phase list, in order. Each phase file contributes its rules.
const std::vector<Phase>& phases();
std::vector<Rule> canonicalize_rules();  // canonicalize.cpp
std::vector<Rule> stabilize_rules();     // stabilize.cpp
std::vector<Rule> specialize_rules();    // specialize.cpp
Phase fuse_phase();                      // fuse.cpp

// column_sums.cpp: the specialize phase's pass, sums of scalar * data-column terms -> one
// matrix-vector product; counts hits under kColumnSumRule.
inline constexpr const char* kColumnSumRule =
    "sum of b_k * x_k over data columns x_k -> matmul(X, b)";
std::vector<NodePtr> merge_column_sums(const std::vector<NodePtr>& outputs,
                                       const RewriteOptions& options,
                                       std::map<std::string, int>& hits);

// shared_exp.cpp: the specialize phase's second pass, softplus(x) and sigmoid(x) of one x from
// one exp(-|x|); counts hits under kSharedExpRule.
inline constexpr const char* kSharedExpRule = "softplus(x) and sigmoid(x) -> one exp(-|x|) shared";
std::vector<NodePtr> share_softplus_sigmoid_exp(const std::vector<NodePtr>& outputs,
                                                const RewriteOptions& options,
                                                std::map<std::string, int>& hits);

// Rewrites `outputs` with one phase's rules until no rule fires, then runs its pass if it has one;
// counts hits per rule.
std::vector<NodePtr> run_phase(const std::vector<NodePtr>& outputs, const Phase& phase,
                               const RewriteOptions& options, std::map<std::string, int>& hits);

}  // namespace hypatia::rewrite
