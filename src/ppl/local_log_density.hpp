#pragma once

// Conditional independence read off the graph: for one free variable's block of the flat vector
// x, whether the log density is a sum of terms each depending on at most one of its elements
// (outlier indicators, per-observation memberships), and if so those terms per element.

#include <optional>

#include "hypatia/ppl/model.hpp"

namespace hypatia {

// A graph of x (and the data) of shape {block.size}: element j is the sum of every log-density
// term that depends on element j of the block. Empty when some term depends on several elements
// at once (a sum over them, a broadcast across them, a matrix product, ...), or on the block in
// a way the analysis does not follow: then a step must evaluate the whole density per element.
//
// A node is "aligned" with the block when it has as many elements as the block and its flat
// element j depends on the block's element j alone. Elementwise ops, casts, reshapes and gathers
// from a table that does not depend on the block (mu[z]) keep alignment; everything else that
// reads an aligned node breaks it.
std::optional<Expr> local_log_density(const Model& model, const Expr& x, const FlatBlock& block);

// The model's log-density terms split by whether they depend on `block`: `independent` sums the
// others (a scalar); `dependent` is, for a block of one element, the sum of every term that
// reads it (a scalar), and otherwise the per-element sum of local_log_density (shape
// {block.size}). Empty when the block has several elements that are not conditionally
// independent.
struct BlockTerms {
  Expr independent;
  Expr dependent;
  std::vector<Expr> independent_terms;  // the terms `independent` sums, as given
};
std::optional<BlockTerms> split_by_block(const Model& model, const Expr& x, const FlatBlock& block);

// The same for a log density given as a sum of terms (each summed over its elements), which read
// the block through `block_values`.
std::optional<BlockTerms> split_by_block(const std::vector<Expr>& terms, const Expr& block_values,
                                         std::int64_t block_size);

// The model's log-density terms (log densities and log-Jacobians) as graphs of x.
std::vector<Expr> log_density_terms(const Model& model, const Expr& x);

// Elementwise ops (arithmetic, comparisons, selections, casts, the fusible scalar functions).
bool is_elementwise_op(const Node& node);

// [lower, upper] of a discrete variable whose support bounds are constants (binary: [0, 1]);
// +-inf for a bound that is not a constant or absent.
std::pair<double, double> discrete_support_bounds(const Model& model, const std::string& name);

}  // namespace hypatia
