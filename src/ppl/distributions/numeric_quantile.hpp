#pragma once

// The quantile function of any continuous univariate family with a CDF, for the families whose
// inverse CDF has no closed form (Gamma, Beta, Student's t, ...): a root search on the family's log
// CDF and log survival function inside the graph, bisection until the bracket is within a factor 2,
// then Newton steps kept inside the bracket.

#include "hypatia/expr.hpp"
#include "hypatia/ppl/distribution.hpp"

namespace hypatia {

// The x with log F(x) = log_p (where log_p < log_q) or log S(x) = log_q (elsewhere), 0 < p < 1,
// to within a few ulps where the log CDF is smooth. Working in log space against the smaller of the
// two probabilities keeps far tails exact. The search's branches make the result's gradient with
// respect to the family's parameters meaningless: use it for draws, not inside a differentiated log
// density.
Expr numeric_quantile(const DistributionImpl& family, const Expr& log_p, const Expr& log_q);

}  // namespace hypatia
