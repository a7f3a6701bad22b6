#pragma once

// Helpers shared by the univariate families.

#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {

// The numpy broadcast of the parameters' shapes: one draw per element.
Shape batch_shape(const std::vector<Expr>& parameters);

}  // namespace hypatia
