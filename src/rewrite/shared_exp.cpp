// softplus(x) and sigmoid(x) of the same x computed from one exp. A logistic regression's log
// density has softplus of the linear predictor and its gradient sigmoid of the same values; the
// two land in different loops (the log density's sum and the gradient's residual), each with its
// own exp. With e = exp(-|x|) computed once:
//   softplus(x) = max(x, 0) + log1p(e)
//   sigmoid(x)  = (x >= 0 ? 1 : e) / (1 + e)
// which are the very branches the kernels take (x + log1p(exp(-x)) or log1p(exp(x)); 1 / (1 +
// exp(-x)) or exp(x) / (1 + exp(x))), so every value, infinities and NaN included, is the same.
// Fusion then keeps e as one tensor that both loops read. Whether both ops exist is a fact about
// the whole graph, so this is a pass; it looks at the top-level graph, not into scan bodies.

#include <unordered_map>

#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "rewrite/engine.hpp"

namespace hypatia::rewrite {
namespace {

struct SoftplusAndSigmoid {
  NodePtr softplus;
  NodePtr sigmoid;
};

}  // namespace

std::vector<NodePtr> share_softplus_sigmoid_exp(const std::vector<NodePtr>& outputs,
                                                const RewriteOptions& options,
                                                std::map<std::string, int>& hits) {
  if (options.disabled_rules.count(kSharedExpRule)) return outputs;
  std::unordered_map<const Node*, SoftplusAndSigmoid> by_argument;
  std::vector<const Node*> arguments;  // in topological order, so the rewrite is deterministic
  for (const NodePtr& node : topological_order(outputs)) {
    const bool softplus = node->op_name() == "softplus", sigmoid = node->op_name() == "sigmoid";
    // float32 kernels compute in double and round once; the split forms would round e and each
    // step to float32, so they are only identical for float64.
    if ((!softplus && !sigmoid) || node->dtype() != DType::float64) continue;
    const Node* argument = node->input(0).get();
    auto [entry, inserted] = by_argument.try_emplace(argument);
    if (inserted) arguments.push_back(argument);
    (softplus ? entry->second.softplus : entry->second.sigmoid) = node;
  }
  Replacements replacements;
  for (const Node* argument : arguments) {
    const SoftplusAndSigmoid& pair = by_argument.at(argument);
    if (!pair.softplus || !pair.sigmoid) continue;
    const Expr x = pair.softplus->input(0);
    const Expr e = exp(-abs(x));
    const Expr softplus = maximum(x, 0.0) + log1p(e);
    const Expr sigmoid = where(greater_equal(x, 0.0), 1.0, e) / (1.0 + e);
    if (softplus.type() != pair.softplus->type() || sigmoid.type() != pair.sigmoid->type())
      continue;
    replacements[pair.softplus.get()] = softplus.node();
    replacements[pair.sigmoid.get()] = sigmoid.node();
    ++hits[kSharedExpRule];
  }
  return replacements.empty() ? outputs : substitute(outputs, replacements);
}

}  // namespace hypatia::rewrite
