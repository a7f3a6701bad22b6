#pragma once

// Automatic marginalization of a finite discrete free variable: its values are summed out of the
// log density with log-sum-exp, so NUTS samples the other variables on a smaller flat vector;
// afterwards each draw's conditional probabilities of the variable's values give its posterior.
//
// A variable of one element is summed over its support whatever reads it (K copies of the terms
// that depend on it; the rest is shared). A vector is marginalized element by element when its
// elements are conditionally independent given the rest (ppl/local_log_density.hpp), as
// per-observation memberships or outlier indicators are: sum_j logsumexp_k terms_j(k).

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/ppl/model.hpp"

namespace hypatia {

struct MarginalizedLogDensity {
  FlatBlock block;   // the marginalized variable in the model's full flat vector
  double lower = 0;  // its support is lower, ..., lower + categories - 1
  std::int64_t categories = 0;
  Expr x;     // the flat vector without the block (model.layout().dim - block.size)
  Expr logp;  // the marginal log density, a graph of x and the data
  // log p(value_j = lower + k | x, data), shape {block.size, categories}.
  Expr log_probabilities;
  std::vector<Expr> data_inputs;
  std::vector<Tensor> data_values;
};

// Throws hypatia::Error naming the variable when it is not a discrete free variable, its support
// is not finite with constant bounds (at most 10000 values), or its elements are not
// conditionally independent.
MarginalizedLogDensity marginalize(const Model& model, const std::string& name);

// x (without the block) and the block's values -> the model's full flat vector.
std::vector<double> insert_block(const MarginalizedLogDensity& marginal, const double* x,
                                 const double* block_values);

}  // namespace hypatia
