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

}  // namespace

bool is_elementwise_op(const Node& node) {
  static const std::unordered_set<std::string> binary = {"add",  "sub",   "mul",     "div",
                                                         "neg",  "pow",   "maximum", "minimum",
                                                         "clip", "where", "cast",    "arctan2"};
  return binary.contains(node.op_name()) || ops::is_fusible_elementwise(node);
}

namespace {

// Ops that only relabel the elements of their first input without reordering them.
bool keeps_element_order(const Node& node) {
  static const std::unordered_set<std::string> relabel = {"reshape", "expand_dims", "squeeze",
                                                          "reshape_like"};
  return relabel.contains(node.op_name());
}

bool is_broadcast(const Node& node) {
  return node.op_name() == "broadcast_to" || node.op_name() == "broadcast_like";
}

bool is_reduction(const Node& node) {
  static const std::unordered_set<std::string> reductions = {"sum", "prod",      "mean", "max",
                                                             "min", "logsumexp", "all",  "any"};
  return reductions.contains(node.op_name());
}

// How a node reads the block. "Aligned": its shape is L + T with prod(L) = the block's size,
// and the sub-array at index j of L depends on the block's element j alone (prefix = rank of L).
struct Reading {
  Dependence dependence = Dependence::none;
  int prefix = 0;
};

class Alignment {
 public:
  Alignment(const NodePtr& block_values, std::int64_t size) : size_(size) {
    readings_[block_values.get()] = {Dependence::aligned, 1};
  }

  Reading of(const NodePtr& root) {
    for (const NodePtr& node : topological_order({root})) {
      if (!readings_.contains(node.get())) readings_[node.get()] = classify(*node);
    }
    return readings_.at(root.get());
  }

 private:
  static constexpr Reading kMixed{Dependence::mixed, 0};

  // The smallest prefix of `shape` whose elements number the block's size.
  std::optional<int> prefix_of(const Shape& shape) const {
    std::int64_t product = 1;
    if (size_ == 1) return 0;
    for (std::size_t k = 0; k < shape.size(); ++k) {
      product *= shape[k];
      if (product == size_) return static_cast<int>(k + 1);
      if (product > size_) return std::nullopt;
    }
    return std::nullopt;
  }

  static bool same_prefix(const Shape& a, const Shape& b, int prefix) {
    return static_cast<int>(a.size()) >= prefix && static_cast<int>(b.size()) >= prefix &&
           std::equal(a.begin(), a.begin() + prefix, b.begin());
  }

  Reading classify(const Node& node) const {
    std::vector<Reading> inputs;
    bool depends = false;
    for (const NodePtr& input : node.inputs()) {
      auto found = readings_.find(input.get());
      inputs.push_back(found == readings_.end() ? Reading{} : found->second);
      if (inputs.back().dependence == Dependence::mixed) return kMixed;
      depends |= inputs.back().dependence != Dependence::none;
    }
    if (!depends) return {};
    if (node.is_tuple()) return kMixed;
    const Shape& shape = node.shape();
    if (is_elementwise_op(node) || is_broadcast(node)) {
      // Aligned inputs keep their rank and prefix; only their trailing axes may broadcast.
      std::optional<int> prefix;
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].dependence != Dependence::aligned) continue;
        if (is_broadcast(node) && i > 0) return kMixed;
        const Shape& in = node.input(i)->shape();
        if (in.size() != shape.size() || !same_prefix(in, shape, inputs[i].prefix)) return kMixed;
        if (prefix && *prefix != inputs[i].prefix) return kMixed;
        prefix = inputs[i].prefix;
      }
      return {Dependence::aligned, *prefix};
    }
    if (keeps_element_order(node)) {
      for (std::size_t i = 1; i < inputs.size(); ++i) {
        if (inputs[i].dependence != Dependence::none) return kMixed;
      }
      const std::optional<int> prefix = prefix_of(shape);
      if (!prefix) return kMixed;
      // Each group of the input stays one contiguous run of the output's.
      return {Dependence::aligned, *prefix};
    }
    if (is_reduction(node)) {
      const int rank = node.input(0)->rank();
      const std::vector<std::int64_t> axes = node.attrs().get_ints("axes");
      if (axes.empty()) return inputs[0].prefix == 0 ? Reading{Dependence::aligned, 0} : kMixed;
      for (std::int64_t axis : axes) {
        if ((axis < 0 ? axis + rank : axis) < inputs[0].prefix) return kMixed;
      }
      return {Dependence::aligned, inputs[0].prefix};
    }
    if (node.op_name() == "gather" && inputs.size() == 2 &&
        inputs[0].dependence == Dependence::none && node.attrs().get_int("axis") == 0) {
      return {Dependence::aligned, inputs[1].prefix};  // a table indexed by the block: mu[z]
    }
    return kMixed;
  }

  std::int64_t size_;
  std::unordered_map<const Node*, Reading> readings_;
};

// An aligned term as one value per element of the block (its trailing axes summed).
Expr per_element(const Expr& term, std::int64_t size) {
  const Expr value = cast(term, DType::float64);
  const std::int64_t count = num_elements(value.shape());
  if (count == size) return reshape(value, {size});
  return sum(reshape(value, {size, count / size}), {1});
}

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

std::vector<Expr> log_density_terms(const Model& model, const Expr& x) {
  std::vector<Expr> terms;
  for (const ElementwiseLogDensity& term : model.elementwise_log_density(x)) {
    terms.push_back(term.logp);
    if (term.log_jacobian) terms.push_back(*term.log_jacobian);
  }
  return terms;
}

std::optional<BlockTerms> split_by_block(const std::vector<Expr>& terms, const Expr& block_values,
                                         std::int64_t block_size) {
  Alignment alignment(block_values.node(), block_size);
  Expr independent(0.0);
  std::vector<Expr> independent_terms;
  std::optional<Expr> dependent;
  for (const Expr& term : terms) {
    const Expr value = cast(term, DType::float64);
    const Dependence dependence = alignment.of(term.node()).dependence;
    if (dependence == Dependence::none) {
      independent = independent + (value.rank() == 0 ? value : sum(value));
      independent_terms.push_back(term);
      continue;
    }
    Expr piece;
    if (block_size == 1) {
      piece = value.rank() == 0 ? value : sum(value);
    } else if (dependence == Dependence::aligned) {
      piece = per_element(value, block_size);
    } else {
      return std::nullopt;
    }
    dependent = dependent ? *dependent + piece : piece;
  }
  if (!dependent) dependent = block_size == 1 ? Expr(0.0) : zeros_like(block_values);
  return BlockTerms{independent, *dependent, std::move(independent_terms)};
}

std::optional<BlockTerms> split_by_block(const Model& model, const Expr& x,
                                         const FlatBlock& block) {
  const Expr block_values =
      slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt});
  return split_by_block(log_density_terms(model, x), block_values, block.size);
}

std::optional<Expr> local_log_density(const Model& model, const Expr& x, const FlatBlock& block) {
  if (block.size == 0) return std::nullopt;
  // Every use of the block goes through this slice of x (hash-consing makes it the same node
  // the model's graphs hold); x itself is read only through slices of other blocks.
  const Expr block_values =
      slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt});
  Alignment alignment(block_values.node(), block.size);
  std::optional<Expr> local;
  for (const ElementwiseLogDensity& term : model.elementwise_log_density(x)) {
    for (const std::optional<Expr>& part : {std::optional<Expr>(term.logp), term.log_jacobian}) {
      if (!part) continue;
      switch (alignment.of(part->node()).dependence) {
        case Dependence::none:
          continue;
        case Dependence::mixed:
          return std::nullopt;
        case Dependence::aligned: {
          const Expr flat = per_element(*part, block.size);
          local = local ? *local + flat : flat;
        }
      }
    }
  }
  return local;
}

}  // namespace hypatia
