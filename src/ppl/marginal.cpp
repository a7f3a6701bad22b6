#include "hypatia/ppl/marginal.hpp"

#include <cmath>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "ppl/local_log_density.hpp"

namespace hypatia {
namespace {

constexpr double kMaxCategories = 10000;

const FlatBlock& find_block(const PointLayout& layout, const Model& model,
                            const std::string& name) {
  for (const FlatBlock& block : layout.blocks) {
    if (block.name == name) {
      if (!block.discrete) {
        throw Error("marginalize: '" + name +
                    "' is continuous; only discrete variables with a "
                    "finite support can be summed out");
      }
      return block;
    }
  }
  (void)model.variable(name);  // throws for unknown names
  throw Error("marginalize: '" + name + "' is not a free random variable of the model");
}

// The full flat vector as a graph of the smaller one, with the block's values `values`.
Expr full_vector(const Expr& x, const FlatBlock& block, const Expr& values) {
  Exprs pieces;
  const std::int64_t rest = x.shape()[0];
  if (block.offset > 0) pieces.push_back(slice(x, 0, Slice{0, block.offset, std::nullopt}));
  pieces.push_back(values);
  if (block.offset < rest) pieces.push_back(slice(x, 0, Slice{block.offset, rest, std::nullopt}));
  return pieces.size() == 1 ? pieces.front() : concatenate(pieces, 0);
}

}  // namespace

MarginalizedLogDensity marginalize(const Model& model, const std::string& name) {
  const PointLayout layout = model.layout();
  const FlatBlock& block = find_block(layout, model, name);
  const auto [lower, upper] = discrete_support_bounds(model, name);
  if (!std::isfinite(lower) || !std::isfinite(upper) || upper - lower + 1 > kMaxCategories) {
    throw Error("marginalize: '" + name +
                "' needs a finite support with constant bounds (at most " +
                std::to_string(static_cast<int>(kMaxCategories)) + " values) to be summed out");
  }
  LogDensityGraph graph = model.log_density();
  const std::optional<BlockTerms> terms = split_by_block(model, graph.x, block);
  if (!terms) {
    throw Error("marginalize: the " + std::to_string(block.size) + " elements of '" + name +
                "' are not conditionally independent (some term reads several of them), so they "
                "cannot be summed out one by one");
  }
  MarginalizedLogDensity marginal{
      .block = block, .lower = lower, .categories = static_cast<std::int64_t>(upper - lower) + 1};
  marginal.x =
      input("model:marginal:" + name, TensorType{DType::float64, {layout.dim - block.size}});
  auto at = [&](const Expr& values, const Expr& term) {
    Replacements replacements;
    replacements[graph.x.node().get()] = full_vector(marginal.x, block, values).node();
    return Expr(substitute(term.node(), replacements));
  };
  // The independent terms do not read the block: any value will do.
  marginal.logp =
      at(constant(Tensor::full(DType::float64, {block.size}, lower)), terms->independent);
  Exprs per_value;
  for (std::int64_t k = 0; k < marginal.categories; ++k) {
    per_value.push_back(broadcast_to(
        at(constant(Tensor::full(DType::float64, {block.size}, lower + static_cast<double>(k))),
           terms->dependent),
        {block.size}));
  }
  const Expr stacked = stack(per_value, 1);  // (size, categories)
  const Expr normalizer = logsumexp(stacked, {1}, true);
  marginal.logp = marginal.logp + sum(normalizer);
  marginal.log_probabilities = stacked - normalizer;
  marginal.data_inputs = graph.data_inputs;
  marginal.data_values = graph.data_values;
  return marginal;
}

std::vector<double> insert_block(const MarginalizedLogDensity& marginal, const double* x,
                                 const double* block_values) {
  const std::int64_t rest = marginal.x.shape()[0];
  const FlatBlock& block = marginal.block;
  std::vector<double> full(x, x + block.offset);
  full.insert(full.end(), block_values, block_values + block.size);
  full.insert(full.end(), x + block.offset, x + rest);
  return full;
}

}  // namespace hypatia
