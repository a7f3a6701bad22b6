// Sums of scalar-times-data-column terms become one matrix-vector product: the Stan-style
// regression b0 + b1 * x1 + ... + bK * xK (each x_k a constant vector of N rows, each b_k a
// scalar) becomes b0 + matmul(X, (b1 .. bK)) with X the (N, K) matrix of the columns, stacked once
// here at compile time. The forward pass then reads the data once in one library call instead of
// K elementwise passes, and, because LogpGrad runs this phase before differentiating, the
// gradient of the product is one X^T g instead of K separate reductions sum(g * x_k) over the same
// adjoint g.
//
// An add tree is taken whole: its interior adds must be used by the tree alone (a partial sum used
// elsewhere is a leaf), so nothing is computed twice. Whether a node is used elsewhere is a fact
// about the whole graph, so this is a pass, not a rule. The matrix-vector product sums the terms
// in the library's order rather than left to right, so results may differ by a few ulps.

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "rewrite/engine.hpp"

namespace hypatia::rewrite {

namespace {

// Below this many rows a library call costs more than the few elementwise passes it replaces
// (which fusion makes one loop anyway).
constexpr std::int64_t kMinRows = 16;

struct ColumnTerm {
  NodePtr coefficient;  // rank 0, in the original graph
  NodePtr column;       // a float64 constant of shape (rows,)
};

bool is_data_column(const NodePtr& node) {
  return is_constant(*node) && node->dtype() == DType::float64 && node->rank() == 1 &&
         is_fully_known(node->shape());
}

// s * c or c * s of a float64 scalar s and a data column c, with the product shaped like c.
std::optional<ColumnTerm> column_term(const NodePtr& node) {
  if (node->op_name() != "mul" || node->dtype() != DType::float64) return std::nullopt;
  for (int column_side : {0, 1}) {
    const NodePtr& column = node->input(column_side);
    const NodePtr& coefficient = node->input(1 - column_side);
    if (is_data_column(column) && coefficient->rank() == 0 &&
        coefficient->dtype() == DType::float64 && node->shape() == column->shape()) {
      return ColumnTerm{coefficient, column};
    }
  }
  return std::nullopt;
}

// (x[j], x[j+1], ..., x[j+m-1]) as the slice x[j:j+m] when `scalars` are exactly those elements
// of one 1-d x of known length; nullopt otherwise. Regression coefficients are usually such runs
// of the parameter vector, and a slice's gradient is one block instead of m scattered elements.
std::optional<Expr> contiguous_run(const std::vector<NodePtr>& scalars) {
  const NodePtr& first = scalars.front();
  if (first->op_name() != "slice") return std::nullopt;
  const Expr source = first->input(0);
  if (source.rank() != 1 || !is_fully_known(source.shape())) return std::nullopt;
  const std::int64_t length = source.shape()[0];
  const auto count = static_cast<std::int64_t>(scalars.size());
  // Hash-consing makes equal nodes one object, so a rebuilt x[j] is the same node when it matches.
  for (std::int64_t start = 0; start + count <= length; ++start) {
    if (slice(source, 0, Index{start}).node() != first) continue;
    for (std::int64_t k = 1; k < count; ++k) {
      if (slice(source, 0, Index{start + k}).node() != scalars[k]) return std::nullopt;
    }
    return slice(source, 0, Slice{start, start + count, std::nullopt});
  }
  return std::nullopt;
}

class ColumnSumMerger {
 public:
  ColumnSumMerger(const std::vector<NodePtr>& outputs, const RewriteOptions& options,
                  std::map<std::string, int>& hits)
      : options_(options), hits_(hits), order_(topological_order(outputs)) {
    for (const NodePtr& node : order_) {
      for (const NodePtr& in : node->inputs()) {
        ++uses_[in.get()];
        if (node->op_name() == "add") add_consumer_dtype_[in.get()] = node->dtype();
      }
    }
    for (const NodePtr& output : outputs) outputs_.insert(output.get());
  }

  std::vector<NodePtr> run(const std::vector<NodePtr>& outputs) {
    for (const NodePtr& node : order_) rebuilt_[node.get()] = rewrite(node);
    std::vector<NodePtr> result;
    for (const NodePtr& output : outputs) result.push_back(rebuilt_.at(output.get()));
    return result;
  }

 private:
  NodePtr rewrite(const NodePtr& node) {
    if (node->op_name() == "add" && is_floating(node->dtype())) {
      if (NodePtr merged = merged_sum(node)) {
        ++hits_[kColumnSumRule];
        return merged;
      }
    }
    return rebuilt_on_new_inputs(node);
  }

  NodePtr rebuilt_on_new_inputs(const NodePtr& node) {
    std::vector<NodePtr> inputs;
    bool changed = false;
    for (const NodePtr& in : node->inputs()) {
      inputs.push_back(rebuilt_.at(in.get()));
      changed = changed || inputs.back() != in;
    }
    Attrs attrs = node->attrs();
    for (const auto& [key, value] : node->attrs().entries()) {
      if (const auto* body = std::get_if<SubgraphPtr>(&value)) {
        std::vector<NodePtr> body_outputs =
            ColumnSumMerger((*body)->outputs, options_, hits_).run((*body)->outputs);
        if (body_outputs == (*body)->outputs) continue;
        attrs.set(key, std::make_shared<const Subgraph>(Subgraph{(*body)->inputs, body_outputs}));
        changed = true;
      }
    }
    return changed ? make_node(node->op(), std::move(inputs), std::move(attrs)) : node;
  }

  // An add of `dtype` whose only use is the add tree being collected.
  bool is_interior_add(const NodePtr& node, DType dtype) const {
    return node->op_name() == "add" && node->dtype() == dtype && uses_.at(node.get()) == 1 &&
           !outputs_.count(node.get());
  }

  void collect_leaves(const NodePtr& node, DType dtype, std::vector<NodePtr>& leaves) const {
    for (const NodePtr& in : node->inputs()) {
      if (is_interior_add(in, dtype)) {
        collect_leaves(in, dtype, leaves);
      } else {
        leaves.push_back(in);
      }
    }
  }

  // The add tree rooted at `root` with its column terms merged into matrix-vector products, or
  // null when it has no two column terms of one length (or when `root` lies inside a larger tree,
  // whose root takes it in).
  NodePtr merged_sum(const NodePtr& root) {
    const DType dtype = root->dtype();
    if (inside_larger_tree(root)) return nullptr;
    std::vector<NodePtr> leaves;
    collect_leaves(root, dtype, leaves);
    // Every leaf of the root's dtype, so summing in another order promotes nothing differently.
    for (const NodePtr& leaf : leaves) {
      if (leaf->is_tuple() || leaf->dtype() != dtype) return nullptr;
    }
    std::map<std::int64_t, std::vector<std::size_t>> terms_by_rows;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (uses_.at(leaves[i].get()) != 1 || !column_term(leaves[i])) continue;
      const std::int64_t rows = leaves[i]->shape()[0];
      if (rows >= kMinRows) terms_by_rows[rows].push_back(i);
    }
    std::vector<bool> merged(leaves.size(), false);
    std::vector<Expr> products;
    for (const auto& [rows, indices] : terms_by_rows) {
      if (indices.size() < 2) continue;
      std::vector<ColumnTerm> terms;
      for (std::size_t i : indices) {
        terms.push_back(*column_term(leaves[i]));
        merged[i] = true;
      }
      products.push_back(matrix_times_coefficients(rows, terms));
    }
    if (products.empty()) return nullptr;
    // The other leaves first, in their order, then the products.
    Expr sum;
    auto accumulate = [&sum](const Expr& term) { sum = sum ? sum + term : term; };
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      if (!merged[i]) accumulate(rebuilt_.at(leaves[i].get()));
    }
    for (const Expr& product : products) accumulate(product);
    return sum.type() == root->type() ? sum.node() : nullptr;
  }

  // Whether the add `node` is interior to the tree of the add that uses it.
  bool inside_larger_tree(const NodePtr& node) const {
    const auto consumer = add_consumer_dtype_.find(node.get());
    return consumer != add_consumer_dtype_.end() && is_interior_add(node, consumer->second);
  }

  // matmul(X, b) with X (rows, m) the columns side by side, built now from the constants, and b
  // the m rebuilt coefficients.
  Expr matrix_times_coefficients(std::int64_t rows, const std::vector<ColumnTerm>& terms) {
    const auto count = static_cast<std::int64_t>(terms.size());
    Tensor matrix(DType::float64, {rows, count});
    double* out = matrix.mutable_data<double>();
    for (std::int64_t k = 0; k < count; ++k) {
      const double* column = constant_value(*terms[k].column).data<double>();
      for (std::int64_t n = 0; n < rows; ++n) out[n * count + k] = column[n];
    }
    std::vector<NodePtr> coefficients;
    for (const ColumnTerm& term : terms)
      coefficients.push_back(rebuilt_.at(term.coefficient.get()));
    std::optional<Expr> vector = contiguous_run(coefficients);
    if (!vector) {
      Exprs scalars(coefficients.begin(), coefficients.end());
      vector = stack(scalars);
    }
    return matmul(constant(matrix), *vector);
  }

  const RewriteOptions& options_;
  std::map<std::string, int>& hits_;
  std::vector<NodePtr> order_;
  std::unordered_map<const Node*, int> uses_;
  std::unordered_set<const Node*> outputs_;
  std::unordered_map<const Node*, DType> add_consumer_dtype_;  // meaningful for single-use nodes
  std::unordered_map<const Node*, NodePtr> rebuilt_;
};

}  // namespace

std::vector<NodePtr> merge_column_sums(const std::vector<NodePtr>& outputs,
                                       const RewriteOptions& options,
                                       std::map<std::string, int>& hits) {
  if (options.disabled_rules.count(kColumnSumRule)) return outputs;
  return ColumnSumMerger(outputs, options, hits).run(outputs);
}

}  // namespace hypatia::rewrite
