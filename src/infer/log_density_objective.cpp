#include "infer/log_density_objective.hpp"

#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "ppl/model_graph.hpp"

namespace hypatia {

// Built from the same graphs as the log density (so the log-density builder stays the one source).
Expr log_density_objective(const Model& model, const LogDensityGraph& graph,
                           const PointLayout& layout, bool jacobian) {
  if (jacobian) return graph.logp;
  // A transform's bounds may be other free variables: read them from x as the model does.
  const Replacements replacements = free_variable_replacements(model.variables(), layout, graph.x);
  Expr log_jacobian = Expr(0.0);
  for (const FlatBlock& block : layout.blocks) {
    if (!block.transform) continue;
    const Expr unconstrained =
        reshape(slice(graph.x, 0, Slice{block.offset, block.offset + block.size, std::nullopt}),
                block.unconstrained_shape);
    log_jacobian =
        log_jacobian +
        Expr(substitute(block.transform->log_jacobian(unconstrained).node(), replacements));
  }
  return graph.logp - log_jacobian;
}

}  // namespace hypatia
