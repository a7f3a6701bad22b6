#pragma once

#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// Symbolic reverse mode: the gradient of a scalar floating cost with respect to each of `wrt`, as
// graph nodes shaped like `wrt`. Contributions along several paths are summed, broadcasting is
// undone by summing over broadcast axes, and inputs the cost does not depend on get zeros. The
// result is an ordinary graph, so it can be differentiated again. Integer or boolean `wrt`
// entries are an error: they carry no gradient.
Exprs grad(const Expr& cost, const Exprs& wrt);
Expr grad(const Expr& cost, const Expr& wrt);

}  // namespace hypatia
