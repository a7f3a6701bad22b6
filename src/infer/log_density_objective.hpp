#pragma once

// The log density an optimizer or a Laplace approximation works on: the model's log density over
// the flat unconstrained vector, with or without the transforms' log-Jacobians.

#include "hypatia/ppl/model.hpp"

namespace hypatia {

// With `jacobian` graph.logp itself (the density of the unconstrained vector, which NUTS
// samples); without it, graph.logp less each transformed block's log-Jacobian (the density of the
// constrained values, read at the unconstrained point), as PyMC's model.logp(jacobian=False).
Expr log_density_objective(const Model& model, const LogDensityGraph& graph,
                           const PointLayout& layout, bool jacobian);

}  // namespace hypatia
