#pragma once

// Why a model's log density is not finite at a point, for the error a sampler gives when it finds
// no initial point: each term that is not finite, with the parameter or data value that makes it
// so ("y_obs (log density -inf: Normal: parameter sigma must be > 0, but sigma[3] = -1, from data
// 'sigma')"), not only the term's name.

#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

// One entry per variable whose log-density term or its gradient is not finite at the flat
// unconstrained point `x`, evaluated by the reference interpreter. When the interpreter finds
// every term finite, the terms are evaluated again on `options`' backend, so a compiled function
// that disagrees with the reference (a miscompile) still names the variable whose code does.
std::vector<std::string> diagnose_nonfinite_terms(const Model& model, const std::vector<double>& x,
                                                  const CompileOptions& options);

// Why `variable`'s term is not finite at the constrained point `point` (free variables' values
// by name): a parameter outside its domain or not finite, an observed value outside the support,
// a data value that is not finite, or for a potential its value and what it depends on. Empty
// when none of these is found.
std::string explain_nonfinite_term(const Model& model, const ModelVariable& variable,
                                   const Point& point);

}  // namespace hypatia
