#include "ppl/local_log_density.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "ops/fused.hpp"

namespace hypatia {
namespace {

enum class Dependence { none, aligned, mixed };

std::int64_t element_count(const Node& node) {
  std::int64_t count = 1;
  for (std::int64_t length : node.shape()) count *= length;
  return count;
}

bool is_elementwise(const Node& node) {
  static const std::unordered_set<std::string> binary = {
      "add", "sub", "mul", "div", "neg", "pow", "maximum", "minimum", "clip", "where", "cast",
      "arctan2"};
  return binary.contains(node.op_name()) || ops::is_fusible_elementwise(node);
}

// Ops that only relabel the elements of their first input without reordering them.
bool keeps_element_order(const Node& node) {
  static const std::unordered_set<std::string> relabel = {"reshape", "expand_dims", "squeeze",
                                                          "broadcast_to", "broadcast_like",
                                                          "reshape_like", "sum_to"};
  return relabel.contains(node.op_name());
}

class Alignment {
 public:
  Alignment(const NodePtr& block_values, std::int64_t size) : size_(size) {
    dependence_[block_values.get()] = Dependence::aligned;
  }

  Dependence of(const NodePtr& root) {
    for (const NodePtr& node : topological_order({root})) {
      if (!dependence_.contains(node.get())) dependence_[node.get()] = classify(*node);
    }
    return dependence_.at(root.get());
  }

 private:
  Dependence classify(const Node& node) const {
    std::vector<Dependence> inputs;
    bool depends = false;
    for (const NodePtr& input : node.inputs()) {
      auto found = dependence_.find(input.get());
      inputs.push_back(found == dependence_.end() ? Dependence::none : found->second);
      depends |= inputs.back() != Dependence::none;
    }
    if (!depends) return Dependence::none;
    if (node.is_tuple() || element_count(node) != size_) return Dependence::mixed;
    if (is_elementwise(node)) {
      // Aligned inputs must not be broadcast: each must already have the output's shape.
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] == Dependence::mixed) return Dependence::mixed;
        if (inputs[i] == Dependence::aligned && node.input(i)->shape() != node.shape()) {
          return Dependence::mixed;
        }
      }
      return Dependence::aligned;
    }
    if (keeps_element_order(node)) {
      if (inputs[0] != Dependence::aligned) return Dependence::mixed;
      for (std::size_t i = 1; i < inputs.size(); ++i) {
        if (inputs[i] != Dependence::none) return Dependence::mixed;
      }
      return Dependence::aligned;
    }
    if (node.op_name() == "gather" && inputs.size() == 2 && inputs[0] == Dependence::none &&
        inputs[1] == Dependence::aligned) {
      return Dependence::aligned;  // a table indexed by the block: element j reads index j only
    }
    return Dependence::mixed;
  }

  std::int64_t size_;
  std::unordered_map<const Node*, Dependence> dependence_;
};

// The least and greatest values of a bound that is a constant; +-inf otherwise.
double constant_bound(const std::optional<Expr>& bound, bool lower) {
  const double open = lower ? -INFINITY : INFINITY;
  if (!bound || !is_constant(*bound->node())) return open;
  const std::vector<double> values = constant_value(*bound->node()).to_doubles();
  if (values.empty()) return open;
  return lower ? *std::min_element(values.begin(), values.end())
               : *std::max_element(values.begin(), values.end());
}

}  // namespace

std::pair<double, double> discrete_support_bounds(const Model& model, const std::string& name) {
  const Support support = model.variable(name).distribution->support();
  switch (support.kind) {
    case SupportKind::binary:
      return {0, 1};
    case SupportKind::nonnegative_integers:
    case SupportKind::counts:
      return {0, INFINITY};
    case SupportKind::bounded_integers:
    case SupportKind::point:
      return {constant_bound(support.lower, true), constant_bound(support.upper, false)};
    default:
      return {-INFINITY, INFINITY};
  }
}

std::optional<BlockTerms> split_by_block(const Model& model, const Expr& x,
                                         const FlatBlock& block) {
  const Expr block_values = slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt});
  Alignment alignment(block_values.node(), block.size);
  Expr independent(0.0);
  std::optional<Expr> dependent;
  for (const ElementwiseLogDensity& term : model.elementwise_log_density(x)) {
    for (const std::optional<Expr>& part : {std::optional<Expr>(term.logp), term.log_jacobian}) {
      if (!part) continue;
      const Expr value = cast(*part, DType::float64);
      const Dependence dependence = alignment.of(part->node());
      if (dependence == Dependence::none) {
        independent = independent + (value.rank() == 0 ? value : sum(value));
        continue;
      }
      Expr piece;
      if (block.size == 1) {
        piece = value.rank() == 0 ? value : sum(value);
      } else if (dependence == Dependence::aligned) {
        piece = reshape(value, {block.size});
      } else {
        return std::nullopt;
      }
      dependent = dependent ? *dependent + piece : piece;
    }
  }
  if (!dependent) dependent = block.size == 1 ? Expr(0.0) : zeros_like(block_values);
  return BlockTerms{independent, *dependent};
}

std::optional<Expr> local_log_density(const Model& model, const Expr& x, const FlatBlock& block) {
  if (block.size == 0) return std::nullopt;
  // Every use of the block goes through this slice of x (hash-consing makes it the same node
  // the model's graphs hold); x itself is read only through slices of other blocks.
  const Expr block_values = slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt});
  Alignment alignment(block_values.node(), block.size);
  std::optional<Expr> local;
  for (const ElementwiseLogDensity& term : model.elementwise_log_density(x)) {
    for (const std::optional<Expr>& part : {std::optional<Expr>(term.logp), term.log_jacobian}) {
      if (!part) continue;
      switch (alignment.of(part->node())) {
        case Dependence::none:
          continue;
        case Dependence::mixed:
          return std::nullopt;
        case Dependence::aligned: {
          const Expr flat = reshape(cast(*part, DType::float64), {block.size});
          local = local ? *local + flat : flat;
        }
      }
    }
  }
  return local;
}

}  // namespace hypatia
