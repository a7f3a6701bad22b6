#include "fuzz/shrink.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>

namespace hypatia::fuzz {
namespace {

// Candidates compiled together per round: enough to make progress with one compile, few enough
// that the translation unit stays quick to build.
constexpr std::size_t kCandidatesPerBatch = 24;

using Clock = std::chrono::steady_clock;

bool same_failure(const CaseResult& a, const CaseResult& b) {
  return a.failed() && a.kind == b.kind;
}

FuzzCase with_outputs(const FuzzCase& base, std::vector<NodePtr> outputs) {
  FuzzCase candidate = base;
  candidate.outputs = std::move(outputs);
  prune_inputs(candidate);
  return candidate;
}

void add_shape_candidates(const FuzzCase& current, std::vector<FuzzCase>& candidates);

// Every smaller graph one step away from `current`.
std::vector<FuzzCase> candidates_of(const FuzzCase& current) {
  std::vector<FuzzCase> candidates;
  if (current.outputs.size() > 1) {
    for (const NodePtr& out : current.outputs) candidates.push_back(with_outputs(current, {out}));
  }
  std::vector<NodePtr> inner;
  for (const NodePtr& node : topological_order(current.outputs)) {
    if (is_input(*node) || is_constant(*node) || node->is_tuple()) continue;
    inner.push_back(node);
  }
  std::vector<Tensor> node_values;
  try {
    node_values = Interpreter(current.inputs, inner).run(current.values);
  } catch (const std::exception&) {
    node_values.clear();
  }
  for (std::size_t n = 0; n < inner.size(); ++n) {
    const NodePtr& node = inner[n];
    // A subexpression as the whole graph.
    if (std::find(current.outputs.begin(), current.outputs.end(), node) == current.outputs.end()) {
      candidates.push_back(with_outputs(current, {node}));
    }
    // The node replaced by one of its operands.
    for (const NodePtr& operand : node->inputs()) {
      if (operand->is_tuple() || !(operand->type() == node->type())) continue;
      candidates.push_back(
          with_outputs(current, substitute(current.outputs, Replacements{{node.get(), operand}})));
    }
    // The node replaced by a new input holding its value: what computed it is gone.
    if (!node_values.empty() && !is_input(*node)) {
      FuzzCase cut = current;
      NodePtr placeholder = input("s" + std::to_string(node->id()), node->type());
      cut.inputs.push_back(placeholder);
      cut.values.push_back(node_values[n]);
      cut.outputs = substitute(current.outputs, Replacements{{node.get(), placeholder}});
      prune_inputs(cut);
      candidates.push_back(std::move(cut));
    }
  }
  add_shape_candidates(current, candidates);
  return candidates;
}

// The graph rebuilt over a smaller version of one input (the leading block of its values), each
// op's type rule run again; nullopt when an op's attributes do not fit the new shape.
std::optional<FuzzCase> with_input_shape(const FuzzCase& current, std::size_t which,
                                         const Shape& shape) {
  const Tensor& old_value = current.values[which];
  Tensor value(old_value.dtype(), shape);
  const std::vector<std::int64_t> old_strides = row_major_strides(old_value.shape());
  const std::vector<std::int64_t> new_strides = row_major_strides(shape);
  for (std::int64_t i = 0; i < value.size(); ++i) {
    std::int64_t source = 0;
    for (std::size_t axis = 0; axis < shape.size(); ++axis)
      source += (i / new_strides[axis]) % shape[axis] * old_strides[axis];
    value.set(i, old_value.at(source));
  }
  const NodePtr& old_input = current.inputs[which];
  std::unordered_map<const Node*, NodePtr> rebuilt{
      {old_input.get(), input(old_input->attrs().get_string("name"), value.type())}};
  try {
    for (const NodePtr& node : topological_order(current.outputs)) {
      if (rebuilt.count(node.get())) continue;
      std::vector<NodePtr> operands;
      bool changed = false;
      for (const NodePtr& operand : node->inputs()) {
        operands.push_back(rebuilt.at(operand.get()));
        changed = changed || operands.back() != operand;
      }
      rebuilt[node.get()] = changed ? make_node(node->op(), operands, node->attrs()) : node;
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  FuzzCase candidate = current;
  candidate.inputs[which] = rebuilt.at(old_input.get());
  candidate.values[which] = value;
  for (NodePtr& out : candidate.outputs) out = rebuilt.at(out.get());
  return candidate;
}

// Each input with one dimension cut to 1, to half or by one.
void add_shape_candidates(const FuzzCase& current, std::vector<FuzzCase>& candidates) {
  for (std::size_t i = 0; i < current.inputs.size(); ++i) {
    const Shape& shape = current.values[i].shape();
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      for (std::int64_t smaller : {std::int64_t{1}, shape[axis] / 2, shape[axis] - 1}) {
        if (smaller < 1 || smaller >= shape[axis]) continue;
        Shape cut = shape;
        cut[axis] = smaller;
        if (auto candidate = with_input_shape(current, i, cut)) candidates.push_back(*candidate);
      }
    }
  }
}

// Smaller first: fewer nodes, then fewer input elements.
std::pair<std::size_t, std::int64_t> size_key(const FuzzCase& c) {
  std::int64_t elements = 0;
  for (const Tensor& v : c.values) elements += v.size();
  return {graph_size(c), elements};
}

}  // namespace

std::size_t graph_size(const FuzzCase& fuzz_case) {
  return topological_order(fuzz_case.outputs).size();
}

ShrinkResult shrink(const FuzzCase& failing, const CaseResult& failure, const CheckOptions& options,
                    const ShrinkBudget& budget) {
  const auto start = Clock::now();
  auto out_of_time = [&] {
    return std::chrono::duration<double>(Clock::now() - start).count() > budget.seconds;
  };
  ShrinkResult result{failing, failure, graph_size(failing), graph_size(failing), false};

  // Smaller dimensions first: the same seed at a smaller max_dim draws the same kinds of ops.
  for (std::int64_t max_dim : {1, 2, 3, 5}) {
    if (max_dim >= failing.max_dim || out_of_time()) break;
    FuzzCase smaller = generate_case(failing.seed, max_dim);
    CaseResult r = check_case(smaller, options);
    if (same_failure(r, failure)) {
      result.shrunk = std::move(smaller);
      result.result = std::move(r);
      break;
    }
  }

  bool progress = true;
  while (progress && !out_of_time()) {
    progress = false;
    std::vector<FuzzCase> candidates = candidates_of(result.shrunk);
    const auto current_key = size_key(result.shrunk);
    std::erase_if(candidates, [&](const FuzzCase& c) { return !(size_key(c) < current_key); });
    std::stable_sort(
        candidates.begin(), candidates.end(),
        [](const FuzzCase& a, const FuzzCase& b) { return size_key(a) < size_key(b); });
    for (std::size_t begin = 0; begin < candidates.size() && !progress && !out_of_time();
         begin += kCandidatesPerBatch) {
      const std::size_t end = std::min(candidates.size(), begin + kCandidatesPerBatch);
      std::vector<const FuzzCase*> batch;
      for (std::size_t i = begin; i < end; ++i) batch.push_back(&candidates[i]);
      std::vector<CaseResult> results = check_cases(batch, options);
      // The batch is sorted by size: the first failure confirmed alone is the smallest.
      for (std::size_t i = 0; i < batch.size() && !progress; ++i) {
        if (!same_failure(results[i], failure)) continue;
        CaseResult alone = batch.size() == 1 ? results[i] : check_case(*batch[i], options);
        if (!same_failure(alone, failure)) continue;
        result.shrunk = *batch[i];
        result.result = std::move(alone);
        progress = true;
      }
    }
  }
  result.out_of_time = out_of_time();
  result.shrunk_nodes = graph_size(result.shrunk);
  return result;
}

}  // namespace hypatia::fuzz
