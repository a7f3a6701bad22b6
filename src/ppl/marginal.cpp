#include "hypatia/ppl/marginal.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "ppl/local_log_density.hpp"

namespace hypatia {
namespace {

constexpr double kMaxCategories = 10000;

Expr block_slice(const Expr& x, const FlatBlock& block) {
  return slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt});
}

// Moves elementwise work on a selection whose condition alone reads the block inside it:
// f(where(c, a, b), z) -> where(c, f(a, z), f(b, z)) when neither a, b nor z reads the block.
// Enumerating the block's values then repeats only the selections.
class SelectionHoisting {
 public:
  explicit SelectionHoisting(const NodePtr& block_values) {
    rebuilt_[block_values.get()] = block_values;
    reading_.insert(block_values.get());
  }

  struct Selection {
    NodePtr condition, if_true, if_false;
  };

  Expr operator()(const Expr& root) {
    for (const NodePtr& node : topological_order({root.node()})) {
      if (!rebuilt_.contains(node.get())) visit(node);
    }
    return Expr(rebuilt_.at(root.node().get()));
  }

  std::optional<Selection> selection(const Expr& node) const {
    const auto found = selections_.find(node.node().get());
    if (found == selections_.end()) return std::nullopt;
    return found->second;
  }

 private:
  bool reads(const NodePtr& node) const { return reading_.contains(node.get()); }

  void visit(const NodePtr& node) {
    std::vector<NodePtr> inputs;
    bool any = false;
    for (const NodePtr& input : node->inputs()) {
      inputs.push_back(rebuilt_.at(input.get()));
      any |= reads(inputs.back());
    }
    if (!any) {
      rebuilt_[node.get()] = node;
      return;
    }
    NodePtr result = make_node(node->op(), inputs, node->attrs());
    if (!node->is_tuple() && is_elementwise_op(*node)) {
      if (std::optional<NodePtr> hoisted = hoist(*node, inputs)) result = *hoisted;
    }
    reading_.insert(result.get());
    rebuilt_[node.get()] = result;
  }

  std::optional<NodePtr> hoist(const Node& node, const std::vector<NodePtr>& inputs) {
    // A selection is born where a `where` reads the block through its condition only.
    if (node.op_name() == "where" && reads(inputs[0]) && !selections_.contains(inputs[0].get()) &&
        !reads(inputs[1]) && !reads(inputs[2])) {
      const NodePtr result = make_node(node.op(), inputs, node.attrs());
      selections_[result.get()] = {inputs[0], inputs[1], inputs[2]};
      return result;
    }
    std::optional<NodePtr> condition;
    std::vector<NodePtr> true_inputs = inputs, false_inputs = inputs;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!reads(inputs[i])) continue;
      const auto found = selections_.find(inputs[i].get());
      if (found == selections_.end()) return std::nullopt;
      if (condition && *condition != found->second.condition) return std::nullopt;
      condition = found->second.condition;
      true_inputs[i] = found->second.if_true;
      false_inputs[i] = found->second.if_false;
    }
    const NodePtr if_true = make_node(node.op(), true_inputs, node.attrs());
    const NodePtr if_false = make_node(node.op(), false_inputs, node.attrs());
    const NodePtr result = where(Expr(*condition), Expr(if_true), Expr(if_false)).node();
    if (result->type() != node.type()) return std::nullopt;  // promotion would change the value
    selections_[result.get()] = {*condition, if_true, if_false};
    return result;
  }

  std::unordered_map<const Node*, NodePtr> rebuilt_;
  std::unordered_set<const Node*> reading_;  // rebuilt nodes that read the block
  std::unordered_map<const Node*, Selection> selections_;
};

constexpr double kMaxMaskEntries = 5e7;

// sum(where(c, a, b)) for every value of a one-element block, in O(n + K) instead of O(n K), when
// the condition reads nothing but the block and constants and its K masks are nested (a switch
// point `s >= years`, a threshold): ordered by how many masks hold them, the elements each mask
// selects are a prefix, so the sum at value k is a prefix sum of a plus a suffix sum of b.
// Suffix sums rather than total minus prefix keep a -inf element from turning into NaN.
std::optional<Expr> threshold_sums(const Shape& shape, const Expr& condition, const Expr& if_true,
                                   const Expr& if_false, const Expr& block_values, double lower,
                                   std::int64_t categories) {
  const std::int64_t count = num_elements(shape);
  if (count < 2 || static_cast<double>(count) * static_cast<double>(categories) > kMaxMaskEntries) {
    return std::nullopt;
  }
  Exprs masks;
  for (std::int64_t k = 0; k < categories; ++k) {
    Replacements at_value;
    at_value[block_values.node().get()] = constant(
        Tensor::full(DType::float64, block_values.shape(), lower + static_cast<double>(k)));
    masks.push_back(broadcast_to(Expr(substitute(condition.node(), at_value)), shape));
  }
  const Expr stacked = cast(stack(masks, 0), DType::float64);
  if (!free_inputs({stacked.node()}).empty()) return std::nullopt;  // reads data or variables
  const std::vector<double> mask = evaluate(stacked.node()).to_doubles();
  auto held = [&](std::int64_t k, std::int64_t element) {
    return mask[static_cast<std::size_t>(k * count + element)] != 0;
  };
  std::vector<std::int64_t> holders(static_cast<std::size_t>(count), 0), selected;
  for (std::int64_t k = 0; k < categories; ++k) {
    std::int64_t size = 0;
    for (std::int64_t element = 0; element < count; ++element) {
      if (held(k, element)) ++holders[static_cast<std::size_t>(element)], ++size;
    }
    selected.push_back(size);
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t left, std::int64_t right) {
    return holders[static_cast<std::size_t>(left)] > holders[static_cast<std::size_t>(right)];
  });
  for (std::int64_t k = 0; k < categories; ++k) {
    for (std::int64_t position = 0; position < count; ++position) {
      if (held(k, order[static_cast<std::size_t>(position)]) !=
          (position < selected[static_cast<std::size_t>(k)])) {
        return std::nullopt;  // the masks are not nested
      }
    }
  }
  const Expr permutation = constant(Tensor::from_ints(order, {count}));
  auto ordered = [&](const Expr& values) {
    return gather(reshape(broadcast_to(cast(values, DType::float64), shape), {count}), permutation);
  };
  const Expr zero = constant(Tensor::full(DType::float64, {1}, 0.0));
  const Expr prefix = concatenate({zero, cumsum(ordered(if_true), 0)}, 0);
  const Expr suffix = concatenate({cumsum(ordered(if_false), 0, true), zero}, 0);
  const Expr sizes = constant(Tensor::from_ints(selected, {categories}));
  return gather(prefix, sizes) + gather(suffix, sizes);
}

// The density while variables are summed out one after the other: a sum of terms (each summed
// over its elements) reading the flat vector `x` through the slices of `blocks`.
struct Elimination {
  Expr x;
  std::vector<FlatBlock> blocks;
  std::vector<Expr> terms;
};

std::vector<FlatBlock>::const_iterator find_block(const Elimination& state, const Model& model,
                                                  const std::string& name,
                                                  const std::vector<std::string>& done) {
  const auto found = std::find_if(state.blocks.begin(), state.blocks.end(),
                                  [&](const FlatBlock& block) { return block.name == name; });
  if (found != state.blocks.end()) {
    if (!found->discrete) {
      throw Error("marginalize: '" + name +
                  "' is continuous; only discrete variables with a "
                  "finite support can be summed out");
    }
    return found;
  }
  if (std::find(done.begin(), done.end(), name) != done.end()) {
    throw Error("marginalize: '" + name + "' is listed twice");
  }
  (void)model.variable(name);  // throws for unknown names
  throw Error("marginalize: '" + name + "' is not a free random variable of the model");
}

// Sums `block` out of the state's density; returns what recovering it needs.
MarginalizedVariable eliminate(Elimination& state, const FlatBlock& block, double lower,
                               std::int64_t categories) {
  const Expr block_values = block_slice(state.x, block);
  const std::optional<BlockTerms> terms = split_by_block(state.terms, block_values, block.size);
  if (!terms) {
    throw Error("marginalize: the " + std::to_string(block.size) + " elements of '" + block.name +
                "' are not conditionally independent (some term reads several of them), so they "
                "cannot be summed out one by one");
  }
  MarginalizedVariable variable{.block = block, .lower = lower, .categories = categories};
  variable.rest = input("model:marginal:" + block.name,
                        TensorType{DType::float64, {state.x.shape()[0] - block.size}});
  // Every other block is read from the smaller vector.
  Replacements renamed;
  std::vector<FlatBlock> blocks;
  for (const FlatBlock& other : state.blocks) {
    if (other.name == block.name) continue;
    FlatBlock moved = other;
    if (moved.offset > block.offset) moved.offset -= block.size;
    renamed[block_slice(state.x, other).node().get()] = block_slice(variable.rest, moved).node();
    blocks.push_back(moved);
  }
  // Terms read by a one-element block whose selection masks are nested are summed for every
  // value at once (threshold_sums); the rest are enumerated value by value.
  SelectionHoisting hoisting(block_values.node());
  std::vector<Expr> enumerated;
  std::optional<Expr> all_values;
  if (block.size == 1) {
    std::unordered_set<const Node*> independent;
    for (const Expr& term : terms->independent_terms) independent.insert(term.node().get());
    for (const Expr& term : state.terms) {
      if (independent.contains(term.node().get())) continue;
      const Expr hoisted = hoisting(term);
      std::optional<Expr> sums;
      if (const auto selection = hoisting.selection(hoisted)) {
        sums = threshold_sums(hoisted.shape(), Expr(selection->condition), Expr(selection->if_true),
                              Expr(selection->if_false), block_values, lower, categories);
      }
      if (sums) {
        all_values = all_values ? *all_values + *sums : *sums;
      } else {
        const Expr value = cast(hoisted, DType::float64);
        enumerated.push_back(value.rank() == 0 ? value : sum(value));
      }
    }
  } else {
    enumerated.push_back(hoisting(terms->dependent));
  }
  std::optional<Expr> stacked;  // (size, categories)
  for (const Expr& piece : enumerated) {
    Exprs per_value;
    for (std::int64_t k = 0; k < categories; ++k) {
      Replacements at_value = renamed;
      at_value[block_values.node().get()] =
          constant(Tensor::full(DType::float64, {block.size}, lower + static_cast<double>(k)));
      per_value.push_back(broadcast_to(Expr(substitute(piece.node(), at_value)), {block.size}));
    }
    Expr values = stack(per_value, 1);
    // A term of the variable alone (its own prior) is the same numbers at every evaluation.
    if (free_inputs({values.node()}).empty()) values = constant(evaluate(values.node()));
    stacked = stacked ? *stacked + values : values;
  }
  if (!stacked) stacked = constant(Tensor::full(DType::float64, {block.size, categories}, 0.0));
  if (all_values) {
    stacked = *stacked + reshape(Expr(substitute(all_values->node(), renamed)), {1, categories});
  }
  const Expr normalizer = logsumexp(*stacked, {1}, true);
  variable.log_probabilities = *stacked - normalizer;

  std::vector<Expr> kept;
  for (const Expr& term : terms->independent_terms) {
    kept.push_back(Expr(substitute(term.node(), renamed)));
  }
  kept.push_back(reshape(normalizer, {block.size}));
  std::vector<NodePtr> outputs = {variable.log_probabilities.node()};
  for (const Expr& term : kept) outputs.push_back(term.node());
  for (const NodePtr& placeholder : free_inputs(outputs)) {
    if (placeholder == state.x.node()) {
      throw Error(
          "marginalize: internal error: the log density reads the flat vector other "
          "than through the variables' blocks");
    }
  }
  state = Elimination{variable.rest, std::move(blocks), std::move(kept)};
  return variable;
}

// Vectors first: a vector summed out element by element leaves per-element terms that a scalar
// can still be enumerated over, while a scalar summed out first ties the vector's elements
// together in one term.
std::vector<std::string> elimination_order(const PointLayout& layout,
                                           const std::vector<std::string>& names) {
  auto size = [&](const std::string& name) {
    for (const FlatBlock& block : layout.blocks) {
      if (block.name == name) return block.size;
    }
    return std::int64_t{0};
  };
  std::vector<std::string> order = names;
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return size(a) > size(b); });
  return order;
}

}  // namespace

MarginalizedLogDensity marginalize(const Model& model, const std::vector<std::string>& names) {
  if (names.empty()) throw Error("marginalize: no variable given");
  const LogDensityGraph graph = model.log_density();
  const PointLayout layout = model.layout();
  Elimination state{graph.x, layout.blocks, log_density_terms(model, graph.x)};
  MarginalizedLogDensity marginal;
  std::vector<std::string> done;
  for (const std::string& name : elimination_order(layout, names)) {
    const FlatBlock block = *find_block(state, model, name, done);
    const auto [lower, upper] = discrete_support_bounds(model, name);
    if (!std::isfinite(lower) || !std::isfinite(upper) || upper - lower + 1 > kMaxCategories) {
      throw Error("marginalize: '" + name +
                  "' needs a finite support with constant bounds (at most " +
                  std::to_string(static_cast<int>(kMaxCategories)) + " values) to be summed out");
    }
    marginal.variables.push_back(
        eliminate(state, block, lower, static_cast<std::int64_t>(upper - lower) + 1));
    done.push_back(name);
  }
  Expr logp(0.0);
  for (const Expr& term : state.terms) {
    const Expr value = cast(term, DType::float64);
    logp = logp + (value.rank() == 0 ? value : sum(value));
  }
  marginal.x = state.x;
  marginal.logp = logp;
  marginal.data_inputs = graph.data_inputs;
  marginal.data_values = graph.data_values;
  return marginal;
}

MarginalRecovery::MarginalRecovery(const MarginalizedLogDensity& marginal,
                                   const CompileOptions& options)
    : marginal_(marginal) {
  for (const MarginalizedVariable& variable : marginal.variables) {
    std::vector<NodePtr> inputs = {variable.rest.node()};
    for (const Expr& placeholder : marginal.data_inputs) inputs.push_back(placeholder.node());
    functions_.emplace_back(inputs, std::vector<NodePtr>{variable.log_probabilities.node()},
                            options);
  }
  data_.push_back(nullptr);
  for (const Tensor& value : marginal.data_values) data_.push_back(value.bytes());
}

std::vector<double> MarginalRecovery::evaluate(std::size_t variable,
                                               const std::vector<double>& rest) {
  const MarginalizedVariable& marginalized = marginal_.variables[variable];
  std::vector<double> log_probabilities(
      static_cast<std::size_t>(marginalized.block.size * marginalized.categories));
  data_[0] = rest.data();
  void* outputs[] = {log_probabilities.data()};
  functions_[variable].call(data_.data(), outputs);
  return log_probabilities;
}

std::int64_t MarginalRecovery::category(const double* log_probabilities, std::int64_t count,
                                        double u) {
  for (std::int64_t k = 0; k < count; ++k) {
    if ((u -= std::exp(log_probabilities[k])) <= 0) return k;
  }
  return count - 1;  // rounding left a sliver of mass past the last category
}

}  // namespace hypatia
