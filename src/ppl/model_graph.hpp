#pragma once

// The model's free variables as graphs of the flat unconstrained vector.

#include <vector>

#include "hypatia/graph.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

// For each free variable of `variables` (laid out by `layout`), its placeholder -> its constrained
// value read from the flat unconstrained vector `x`. Substituting these turns any graph of the
// model's variables into a graph of x. A transform's bounds may use earlier free variables: the
// value graphs already have those replaced.
Replacements free_variable_replacements(const std::vector<ModelVariable>& variables,
                                        const PointLayout& layout, const Expr& x);

}  // namespace hypatia
