// The scan op: a loop over the leading axis of sequences with carried state, whose body is a
// graph kept as a Subgraph attribute.
//
// Layout of a scan node (every function below reads it through ScanLayout):
//   node inputs   [sequences..., initial carries..., non-sequences...]
//   body inputs   [sequence slices..., carries..., non-sequences...]   (placeholders)
//   body outputs  [new carries..., per-step outputs...]
//   node outputs  [final carries..., stacked outputs..., carry histories...]
// The carry history (the carry entering each step, stacked) is what the reverse pass needs; it is
// always produced, and users may ignore it.

#include "hypatia/ops/scan.hpp"

#include <atomic>
#include <cstring>
#include <unordered_set>

#include "backend/native/lowering.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

const std::string kScan = "scan";

struct ScanLayout {
  std::size_t sequences = 0;
  std::size_t carries = 0;
  std::size_t non_sequences = 0;
  std::size_t outputs = 0;

  std::size_t carry_input(std::size_t i) const { return sequences + i; }
  std::size_t non_sequence_input(std::size_t k) const { return sequences + carries + k; }
  std::size_t stacked_result(std::size_t j) const { return carries + j; }
  std::size_t history_result(std::size_t i) const { return carries + outputs + i; }
};

ScanLayout layout_of(const Attrs& attrs) {
  const Subgraph& body = *attrs.get_subgraph("body");
  ScanLayout layout;
  layout.sequences = static_cast<std::size_t>(attrs.get_int("n_sequences"));
  layout.carries = static_cast<std::size_t>(attrs.get_int("n_carries"));
  layout.non_sequences = body.inputs.size() - layout.sequences - layout.carries;
  layout.outputs = body.outputs.size() - layout.carries;
  return layout;
}

// Static shapes that some concrete shape could be an instance of both of.
bool compatible(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i] && a[i] != kUnknownDim && b[i] != kUnknownDim) return false;
  }
  return true;
}

bool compatible(const TensorType& a, const TensorType& b) {
  return a.dtype == b.dtype && compatible(a.shape, b.shape);
}

// The type of one step's slice of a sequence.
TensorType slice_type(const TensorType& sequence) {
  return {sequence.dtype, Shape(sequence.shape.begin() + 1, sequence.shape.end())};
}

TensorType stacked_type(std::int64_t steps, const TensorType& element) {
  Shape shape{steps};
  shape.insert(shape.end(), element.shape.begin(), element.shape.end());
  return {element.dtype, shape};
}

// The number of steps known before running: n_steps, or the sequences' common leading dimension
// (kUnknownDim when none is known). Throws when they disagree.
std::int64_t static_steps(const std::vector<NodePtr>& inputs, const ScanLayout& layout,
                          std::int64_t n_steps) {
  std::int64_t steps = n_steps;
  for (std::size_t i = 0; i < layout.sequences; ++i) {
    const std::int64_t length = inputs[i]->shape().at(0);
    if (length == kUnknownDim) continue;
    if (steps != kUnknownDim && steps != length) {
      fail(kScan,
           "sequence " + std::to_string(i) + " has length " + std::to_string(length) +
               (n_steps == kUnknownDim ? ", but an earlier sequence has length "
                                       : ", but n_steps is ") +
               std::to_string(steps),
           inputs);
    }
    steps = length;
  }
  return steps;
}

void check_inputs_fit_body(const std::vector<NodePtr>& inputs, const Subgraph& body,
                           const ScanLayout& layout) {
  if (inputs.size() != body.inputs.size()) {
    fail(kScan,
         "the body takes " + std::to_string(body.inputs.size()) + " inputs, but " +
             std::to_string(inputs.size()) + " were given",
         inputs);
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const bool is_sequence = i < layout.sequences;
    if (is_sequence && inputs[i]->rank() == 0) {
      fail(kScan, "sequence " + std::to_string(i) + " is a scalar; sequences need a leading axis",
           inputs);
    }
    const TensorType given = is_sequence ? slice_type(inputs[i]->type()) : inputs[i]->type();
    if (!compatible(given, body.inputs[i]->type())) {
      fail(kScan,
           "input " + std::to_string(i) + " gives the body " + type_to_string(given) +
               ", but its placeholder is " + type_to_string(body.inputs[i]->type()),
           inputs);
    }
  }
}

void check_new_carries(const std::vector<NodePtr>& inputs, const Subgraph& body,
                       const ScanLayout& layout) {
  for (std::size_t i = 0; i < layout.carries; ++i) {
    const TensorType& initial = inputs[layout.carry_input(i)]->type();
    const TensorType& updated = body.outputs[i]->type();
    if (!compatible(initial, updated)) {
      fail(kScan,
           "the body returns carry " + std::to_string(i) + " as " + type_to_string(updated) +
               ", but the initial carry " + std::to_string(i) + " is " + type_to_string(initial) +
               " (a carry keeps its dtype and shape)",
           inputs);
    }
  }
}

std::vector<TensorType> infer_scan(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  const Subgraph& body = *attrs.get_subgraph("body");
  const ScanLayout layout = layout_of(attrs);
  check_inputs_fit_body(inputs, body, layout);
  check_new_carries(inputs, body, layout);
  const std::int64_t steps = static_steps(inputs, layout, attrs.get_int("n_steps"));
  if (layout.sequences == 0 && steps == kUnknownDim)
    fail(kScan, "n_steps is needed when there are no sequences", inputs);

  std::vector<TensorType> types;
  for (std::size_t i = 0; i < layout.carries; ++i)
    types.push_back(inputs[layout.carry_input(i)]->type());
  for (std::size_t j = 0; j < layout.outputs; ++j)
    types.push_back(stacked_type(steps, body.outputs[layout.carries + j]->type()));
  for (std::size_t i = 0; i < layout.carries; ++i)
    types.push_back(stacked_type(steps, inputs[layout.carry_input(i)]->type()));
  return types;
}

// ---- Kernel -------------------------------------------------------------------------------------

// A freshly allocated tensor's buffer, to fill in place (nothing else shares it yet).
std::byte* writable_bytes(Tensor& fresh) {
  return const_cast<std::byte*>(fresh.bytes());
}

Tensor slice_at(const Tensor& stacked, std::int64_t index) {
  Tensor slice(stacked.dtype(), Shape(stacked.shape().begin() + 1, stacked.shape().end()));
  const std::size_t bytes = slice.byte_size();
  std::memcpy(writable_bytes(slice), stacked.bytes() + bytes * static_cast<std::size_t>(index),
              bytes);
  return slice;
}

void store_at(Tensor& stacked, std::int64_t index, const Tensor& slice) {
  const std::size_t bytes = slice.byte_size();
  std::memcpy(writable_bytes(stacked) + bytes * static_cast<std::size_t>(index), slice.bytes(),
              bytes);
}

std::int64_t runtime_steps(const Node& node, const std::vector<Tensor>& inputs,
                           const ScanLayout& layout) {
  std::int64_t steps = node.attrs().get_int("n_steps");
  for (std::size_t i = 0; i < layout.sequences; ++i) {
    const std::int64_t length = inputs[i].shape().at(0);
    if (steps != kUnknownDim && steps != length) {
      fail_runtime(kScan,
                   "sequence " + std::to_string(i) + " has length " + std::to_string(length) +
                       ", but the scan runs " + std::to_string(steps) + " steps",
                   inputs);
    }
    steps = length;
  }
  return steps;
}

// A step result for carry `i` must keep the carry's run-time dtype and shape.
void check_carry_kept(const Tensor& updated, const Tensor& carry, std::size_t i,
                      std::int64_t step) {
  if (updated.dtype() != carry.dtype() || updated.shape() != carry.shape()) {
    throw RuntimeError("scan: at step " + std::to_string(step) + " the body returned carry " +
                       std::to_string(i) + " as " + type_to_string(updated.type()) +
                       ", but the carry is " + type_to_string(carry.type()) +
                       " (a carry keeps its dtype and shape)");
  }
}

// Per-step outputs stacked into one tensor each; allocated on the first step, whose shapes fix
// the others.
class OutputStack {
 public:
  OutputStack(std::size_t count, std::int64_t steps) : stacked_(count), steps_(steps) {}

  void store(std::size_t j, std::int64_t position, std::int64_t step, const Tensor& value) {
    Tensor& stack = stacked_[j];
    if (step == 0) {
      stack = Tensor(value.dtype(), stacked_type(steps_, value.type()).shape);
    } else if (Shape(stack.shape().begin() + 1, stack.shape().end()) != value.shape()) {
      throw RuntimeError("scan: output " + std::to_string(j) + " is " +
                         type_to_string(value.type()) + " at step " + std::to_string(step) +
                         ", but " + type_to_string(slice_type(stack.type())) +
                         " at step 0 (per-step outputs are stacked, so their shapes must agree)");
    }
    store_at(stack, position, value);
  }

  // With zero steps nothing fixed the shapes: unknown dimensions become 0.
  std::vector<Tensor> take(const std::vector<TensorType>& static_types) {
    if (steps_ == 0) {
      for (std::size_t j = 0; j < stacked_.size(); ++j) {
        Shape shape = static_types[j].shape;
        for (std::int64_t& d : shape) d = d == kUnknownDim ? 0 : d;
        stacked_[j] = Tensor(static_types[j].dtype, shape);
      }
    }
    return std::move(stacked_);
  }

 private:
  std::vector<Tensor> stacked_;
  std::int64_t steps_;
};

std::vector<Tensor> run_scan(const Node& node, const std::vector<Tensor>& inputs) {
  const Subgraph& body = *node.attrs().get_subgraph("body");
  const ScanLayout layout = layout_of(node.attrs());
  const bool reverse = node.attrs().get_int("reverse") != 0;
  const std::int64_t steps = runtime_steps(node, inputs, layout);
  const Interpreter interpreter(body.inputs, body.outputs);

  // Slots of the body's inputs: slices change every step, carries are replaced by each step's
  // result, non-sequences stay.
  std::vector<Tensor> body_inputs = inputs;
  std::vector<Tensor> histories;
  for (std::size_t i = 0; i < layout.carries; ++i) {
    const Tensor& initial = inputs[layout.carry_input(i)];
    histories.emplace_back(initial.dtype(), stacked_type(steps, initial.type()).shape);
  }
  OutputStack outputs(layout.outputs, steps);

  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t position = reverse ? steps - 1 - step : step;
    for (std::size_t i = 0; i < layout.sequences; ++i)
      body_inputs[i] = slice_at(inputs[i], position);
    for (std::size_t i = 0; i < layout.carries; ++i)
      store_at(histories[i], position, body_inputs[layout.carry_input(i)]);
    std::vector<Tensor> results;
    try {
      results = interpreter.run(body_inputs);
    } catch (const Error& e) {
      throw RuntimeError("scan: at step " + std::to_string(step) + ", in the body: " + e.what());
    }
    for (std::size_t i = 0; i < layout.carries; ++i) {
      check_carry_kept(results[i], body_inputs[layout.carry_input(i)], i, step);
      body_inputs[layout.carry_input(i)] = results[i];
    }
    for (std::size_t j = 0; j < layout.outputs; ++j)
      outputs.store(j, position, step, results[layout.carries + j]);
  }

  std::vector<Tensor> results;
  for (std::size_t i = 0; i < layout.carries; ++i)
    results.push_back(body_inputs[layout.carry_input(i)]);
  std::vector<TensorType> output_types(
      node.output_types().begin() + static_cast<std::ptrdiff_t>(layout.carries),
      node.output_types().begin() + static_cast<std::ptrdiff_t>(layout.carries + layout.outputs));
  for (Tensor& stacked : outputs.take(output_types)) results.push_back(std::move(stacked));
  for (Tensor& history : histories) results.push_back(std::move(history));
  return results;
}

// ---- Native lowering ----------------------------------------------------------------------------

// The body as a Program of its own. Its placeholders may have unknown dimensions, so it is first
// specialized to the concrete types the scan's inputs give it; a carry that then changes type is
// the interpreter's run-time error, found here at compile time.
std::shared_ptr<const native::Program> lower_body(const Node& node, const ScanLayout& layout) {
  const Subgraph& body = *node.attrs().get_subgraph("body");
  std::vector<NodePtr> placeholders;
  Replacements concrete;
  for (std::size_t i = 0; i < body.inputs.size(); ++i) {
    const TensorType& given = node.input(i)->type();
    placeholders.push_back(input(body.inputs[i]->attrs().get_string("name"),
                                 i < layout.sequences ? slice_type(given) : given));
    concrete[body.inputs[i].get()] = placeholders.back();
  }
  const std::vector<NodePtr> outputs = substitute(body.outputs, concrete);
  for (std::size_t i = 0; i < layout.carries; ++i) {
    const TensorType& carry = placeholders[layout.carry_input(i)]->type();
    if (outputs[i]->type() != carry) {
      throw RuntimeError("scan: the body returns carry " + std::to_string(i) + " as " +
                         type_to_string(outputs[i]->type()) + ", but the carry is " +
                         type_to_string(carry) + " (a carry keeps its dtype and shape)");
    }
  }
  auto program = std::make_shared<native::Program>(native::Lowering::lower(placeholders, outputs));
  for (native::Step& step : program->steps) {
    if (auto* check = std::get_if<native::IndexCheck>(&step))
      check->message = "scan: in the body: " + check->message;
  }
  return program;
}

// One Loop step: sequences are read and per-step outputs written in place, slice by slice; each
// carry lives in the node's final-carry buffer (initialized from the initial carry) and a scratch
// buffer, swapped every step.
void lower_scan(const NodePtr& node, native::Lowering& lowering) {
  const ScanLayout layout = layout_of(node->attrs());
  native::Loop loop;
  loop.steps = static_steps(node->inputs(), layout, node->attrs().get_int("n_steps"));
  loop.reverse = node->attrs().get_int("reverse") != 0;
  loop.body = lower_body(*node, layout);
  for (std::size_t i = 0; i < layout.sequences; ++i)
    loop.inputs.push_back({lowering.input_buffer(*node, i), true});
  for (std::size_t i = 0; i < layout.carries; ++i) {
    const native::BufferId state = lowering.define(*node, static_cast<int>(i));
    native::emit_copy(lowering, state, lowering.input_buffer(*node, layout.carry_input(i)));
    loop.inputs.push_back({state, false});
  }
  for (std::size_t k = 0; k < layout.non_sequences; ++k)
    loop.inputs.push_back({lowering.input_buffer(*node, layout.non_sequence_input(k)), false});
  for (std::size_t i = 0; i < layout.carries; ++i) {
    const TensorType& carry = node->output_types()[i];
    loop.outputs.push_back({lowering.temporary(carry.dtype, carry.shape), false});
    loop.carry_input.push_back(static_cast<int>(layout.carry_input(i)));
    loop.history.push_back(lowering.define(*node, static_cast<int>(layout.history_result(i))));
  }
  for (std::size_t j = 0; j < layout.outputs; ++j) {
    loop.outputs.push_back(
        {lowering.define(*node, static_cast<int>(layout.stacked_result(j))), true});
    loop.carry_input.push_back(-1);
    loop.history.push_back(-1);
  }
  lowering.emit(std::move(loop));
}

std::vector<NodePtr> scan_grad(const NodePtr& node, const std::vector<NodePtr>& output_grads);

const OpDef& scan_op() {
  static const OpDef op{
      .name = kScan,
      .infer = infer_scan,
      .kernel = run_scan,
      .grad = scan_grad,
      .tuple_output = true,
      .lower = lower_scan,
  };
  return op;
}

// ---- Building the body --------------------------------------------------------------------------

// Builds the body from placeholders: (slices, carries, non-sequences) -> [new carries, outputs].
using BodyBuilder = std::function<std::vector<NodePtr>(const Exprs& slices, const Exprs& carries,
                                                       const Exprs& non_sequences)>;

// Placeholders while the body is being built, unique so that they never meet another body's.
NodePtr temporary_placeholder(const TensorType& type) {
  static std::atomic<std::uint64_t> counter{0};
  return input("scan.building" + std::to_string(counter++), type);
}

Exprs temporary_placeholders(const std::vector<TensorType>& types) {
  Exprs placeholders;
  for (const TensorType& type : types) placeholders.push_back(temporary_placeholder(type));
  return placeholders;
}

// Placeholders named by their role, so that equal bodies are equal graphs and their scan nodes
// are one node. A finished body uses no node from outside it, so these names cannot clash.
NodePtr canonical_placeholder(const std::string& role, std::size_t index, const TensorType& type) {
  return input("scan." + role + std::to_string(index), type);
}

struct BuiltBody {
  SubgraphPtr body;
  std::vector<NodePtr> invariants;  // computed outside, passed as extra non-sequence inputs
};

BuiltBody close_body(const std::vector<NodePtr>& placeholders, std::vector<NodePtr> outputs,
                     const ScanLayout& layout) {
  std::unordered_set<const Node*> own(placeholders.size());
  for (const NodePtr& p : placeholders) own.insert(p.get());
  BuiltBody built;
  // Invariants become non-sequence inputs, computed once outside the loop (and differentiated
  // there).
  built.invariants = loop_invariants(outputs, own);

  auto body = std::make_shared<Subgraph>();
  Replacements renaming;
  auto rename = [&](const NodePtr& from, const std::string& role, std::size_t index) {
    body->inputs.push_back(canonical_placeholder(role, index, from->type()));
    renaming[from.get()] = body->inputs.back();
  };
  for (std::size_t i = 0; i < placeholders.size(); ++i) {
    if (i < layout.sequences) {
      rename(placeholders[i], "sequence", i);
    } else if (i < layout.sequences + layout.carries) {
      rename(placeholders[i], "carry", i - layout.sequences);
    } else {
      rename(placeholders[i], "non_sequence", i - layout.sequences - layout.carries);
    }
  }
  for (std::size_t k = 0; k < built.invariants.size(); ++k)
    rename(built.invariants[k], "non_sequence", layout.non_sequences + k);
  body->outputs = substitute(outputs, renaming);
  built.body = std::move(body);
  return built;
}

void check_body_outputs(const std::vector<NodePtr>& outputs, std::size_t carries) {
  if (outputs.size() < carries) {
    throw_shape_error("scan: the body returns " + std::to_string(outputs.size()) +
                      " values, fewer than its " + std::to_string(carries) + " carries");
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const std::string what =
        i < carries ? "carry " + std::to_string(i) : "output " + std::to_string(i - carries);
    if (!outputs[i]) throw_shape_error("scan: the body's " + what + " is empty");
    if (outputs[i]->is_tuple())
      throw_shape_error("scan: the body's " + what + " is a tuple; read one with tuple_get");
  }
}

void check_arguments(const Exprs& sequences, const Exprs& carries, const Exprs& non_sequences,
                     std::optional<std::int64_t> n_steps) {
  for (const Exprs* group : {&sequences, &carries, &non_sequences}) {
    for (const Expr& e : *group) {
      if (!e) throw_shape_error("scan: an argument is empty");
      if (e->is_tuple()) throw_shape_error("scan: an argument is a tuple; read one with tuple_get");
    }
  }
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i].rank() == 0) {
      throw_shape_error("scan: sequence " + std::to_string(i) + " is a scalar " +
                        type_to_string(sequences[i].type()) +
                        "; sequences need a leading axis to scan over");
    }
  }
  if (n_steps && *n_steps < 0)
    throw_shape_error("scan: n_steps is " + std::to_string(*n_steps) + ", it must be >= 0");
  if (!n_steps && sequences.empty())
    throw_shape_error("scan: n_steps is needed when there are no sequences to scan over");
}

// n_steps adds nothing when a sequence's static length already says it; dropping it then keeps
// equal scans one node.
std::int64_t n_steps_attribute(const Exprs& sequences, std::optional<std::int64_t> n_steps) {
  if (!n_steps) return kUnknownDim;
  for (const Expr& sequence : sequences) {
    if (sequence.shape().at(0) == *n_steps) return kUnknownDim;
  }
  return *n_steps;
}

std::vector<TensorType> types_of(const Exprs& exprs, bool slices) {
  std::vector<TensorType> types;
  for (const Expr& e : exprs) types.push_back(slices ? slice_type(e.type()) : e.type());
  return types;
}

NodePtr make_scan(const BodyBuilder& build_body, const Exprs& sequences, const Exprs& carries,
                  const Exprs& non_sequences, std::optional<std::int64_t> n_steps, bool reverse) {
  check_arguments(sequences, carries, non_sequences, n_steps);
  const ScanLayout layout{sequences.size(), carries.size(), non_sequences.size(), 0};
  const Exprs slice_inputs = temporary_placeholders(types_of(sequences, true));
  const Exprs carry_inputs = temporary_placeholders(types_of(carries, false));
  const Exprs fixed_inputs = temporary_placeholders(types_of(non_sequences, false));
  const std::vector<NodePtr> outputs = build_body(slice_inputs, carry_inputs, fixed_inputs);
  check_body_outputs(outputs, carries.size());

  std::vector<NodePtr> placeholders = as_nodes(slice_inputs);
  for (const Exprs* group : {&carry_inputs, &fixed_inputs})
    for (const Expr& e : *group) placeholders.push_back(e.node());
  BuiltBody built = close_body(placeholders, outputs, layout);

  std::vector<NodePtr> inputs = as_nodes(sequences);
  for (const Exprs* group : {&carries, &non_sequences})
    for (const Expr& e : *group) inputs.push_back(e.node());
  inputs.insert(inputs.end(), built.invariants.begin(), built.invariants.end());
  return make_node(scan_op(), std::move(inputs),
                   Attrs{{"body", built.body},
                         {"n_sequences", static_cast<std::int64_t>(sequences.size())},
                         {"n_carries", static_cast<std::int64_t>(carries.size())},
                         {"n_steps", n_steps_attribute(sequences, n_steps)},
                         {"reverse", static_cast<std::int64_t>(reverse)}});
}

// ---- Gradient -----------------------------------------------------------------------------------
//
// With the body f(s_t, c_t, n) = (c_{t+1}, y_t), the reverse pass is itself a scan, run in the
// opposite direction over the sequences and the stored carry history. It carries the adjoint
// a_{t+1} = dL/dc_{t+1} and running sums of dL/dn. Each step takes the vector-Jacobian product of
// the body with the cost  sum(c_{t+1} * a_{t+1}) + sum(y_t * dL/dy_t):
//   a_t = d cost/d c_t + dL/dhistory_t,   dL/ds_t = d cost/d s_t,   dL/dn += d cost/d n.
// Only floating values carry gradients; outputs that received none contribute nothing.

struct GradPlan {
  std::vector<std::size_t> carries;        // floating carries: adjoint carried back
  std::vector<std::size_t> non_sequences;  // floating non-sequences: gradient accumulated
  std::vector<std::size_t> sequences;      // floating sequences: gradient per step
  std::vector<std::size_t> outputs;        // floating outputs that received a gradient
  std::vector<std::size_t> histories;      // floating carries whose history received a gradient
};

std::vector<std::size_t> floating_positions(const std::vector<NodePtr>& nodes, std::size_t begin,
                                            std::size_t count) {
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < count; ++i) {
    if (is_floating(nodes[begin + i]->dtype())) positions.push_back(i);
  }
  return positions;
}

GradPlan plan_gradient(const Node& node, const ScanLayout& layout,
                       const std::vector<NodePtr>& output_grads) {
  GradPlan plan;
  plan.carries = floating_positions(node.inputs(), layout.sequences, layout.carries);
  plan.non_sequences =
      floating_positions(node.inputs(), layout.non_sequence_input(0), layout.non_sequences);
  plan.sequences = floating_positions(node.inputs(), 0, layout.sequences);
  const auto& types = node.output_types();
  for (std::size_t j = 0; j < layout.outputs; ++j) {
    const std::size_t slot = layout.stacked_result(j);
    if (output_grads.size() > slot && output_grads[slot] && is_floating(types[slot].dtype))
      plan.outputs.push_back(j);
  }
  for (std::size_t i : plan.carries) {
    const std::size_t slot = layout.history_result(i);
    if (output_grads.size() > slot && output_grads[slot]) plan.histories.push_back(i);
  }
  return plan;
}

// One step of the reverse pass, built on the reverse scan's placeholders. Its sequences are
// [forward sequences, carry histories, output gradients (plan.outputs), history gradients
// (plan.histories)]; its carries [adjoints (plan.carries), sums (plan.non_sequences)].
std::vector<NodePtr> reverse_step(const Subgraph& body, const ScanLayout& layout,
                                  const GradPlan& plan, const Exprs& slices, const Exprs& carries,
                                  const Exprs& non_sequences) {
  Replacements forward_inputs;
  for (std::size_t i = 0; i < layout.sequences + layout.carries; ++i)
    forward_inputs[body.inputs[i].get()] = slices[i];
  for (std::size_t k = 0; k < layout.non_sequences; ++k)
    forward_inputs[body.inputs[layout.non_sequence_input(k)].get()] = non_sequences[k];
  const std::vector<NodePtr> forward = substitute(body.outputs, forward_inputs);

  Expr cost;
  auto add_term = [&cost](const Expr& value, const Expr& cotangent) {
    const Expr term = sum(value * cotangent);
    cost = cost ? cost + term : term;
  };
  for (std::size_t a = 0; a < plan.carries.size(); ++a)
    add_term(forward[plan.carries[a]], carries[a]);
  std::size_t next_slice = layout.sequences + layout.carries;
  for (std::size_t j : plan.outputs) add_term(forward[layout.carries + j], slices[next_slice++]);
  if (!cost) cost = constant(0.0);

  Exprs wrt;
  for (std::size_t i : plan.carries) wrt.push_back(slices[layout.carry_input(i)]);
  for (std::size_t k : plan.non_sequences) wrt.push_back(non_sequences[k]);
  for (std::size_t i : plan.sequences) wrt.push_back(slices[i]);
  const Exprs gradients = grad(cost, wrt);

  std::vector<NodePtr> step;  // [new adjoints, new sums, sequence gradients]
  for (std::size_t a = 0; a < plan.carries.size(); ++a) {
    Expr adjoint = gradients[a];
    for (std::size_t h = 0; h < plan.histories.size(); ++h) {
      if (plan.histories[h] == plan.carries[a]) adjoint = adjoint + slices[next_slice + h];
    }
    step.push_back(adjoint);
  }
  for (std::size_t k = 0; k < plan.non_sequences.size(); ++k)
    step.push_back(carries[plan.carries.size() + k] + gradients[plan.carries.size() + k]);
  for (std::size_t s = 0; s < plan.sequences.size(); ++s)
    step.push_back(gradients[plan.carries.size() + plan.non_sequences.size() + s]);
  return step;
}

std::vector<NodePtr> scan_grad(const NodePtr& node, const std::vector<NodePtr>& output_grads) {
  const ScanLayout layout = layout_of(node->attrs());
  const SubgraphPtr body = node->attrs().get_subgraph("body");
  const GradPlan plan = plan_gradient(*node, layout, output_grads);
  const std::vector<NodePtr>& in = node->inputs();

  Exprs sequences(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(layout.sequences));
  for (std::size_t i = 0; i < layout.carries; ++i)
    sequences.push_back(tuple_get(node, static_cast<std::int64_t>(layout.history_result(i))));
  for (std::size_t j : plan.outputs) sequences.push_back(output_grads[layout.stacked_result(j)]);
  for (std::size_t i : plan.histories) sequences.push_back(output_grads[layout.history_result(i)]);
  Exprs carries;
  for (std::size_t i : plan.carries) {
    const NodePtr& final_grad = output_grads.size() > i ? output_grads[i] : nullptr;
    carries.push_back(final_grad ? Expr(final_grad) : zeros_like(in[layout.carry_input(i)]));
  }
  for (std::size_t k : plan.non_sequences)
    carries.push_back(zeros_like(in[layout.non_sequence_input(k)]));
  const Exprs non_sequences(in.begin() + static_cast<std::ptrdiff_t>(layout.non_sequence_input(0)),
                            in.end());

  const std::int64_t n_steps = node->attrs().get_int("n_steps");
  const NodePtr reverse_scan = make_scan(
      [&](const Exprs& slices, const Exprs& adjoints, const Exprs& fixed) {
        return reverse_step(*body, layout, plan, slices, adjoints, fixed);
      },
      sequences, carries, non_sequences,
      n_steps == kUnknownDim ? std::nullopt : std::optional<std::int64_t>(n_steps),
      node->attrs().get_int("reverse") == 0);

  std::vector<NodePtr> input_grads(in.size());
  std::size_t result = 0;
  for (std::size_t i : plan.carries)
    input_grads[layout.carry_input(i)] =
        tuple_get(reverse_scan, static_cast<std::int64_t>(result++));
  for (std::size_t k : plan.non_sequences)
    input_grads[layout.non_sequence_input(k)] =
        tuple_get(reverse_scan, static_cast<std::int64_t>(result++));
  for (std::size_t i : plan.sequences)
    input_grads[i] = tuple_get(reverse_scan, static_cast<std::int64_t>(result++));
  return input_grads;
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

ScanResult scan(const ScanBody& body, const Exprs& sequences, const Exprs& initial_carries,
                const ScanOptions& options) {
  const std::size_t carries = initial_carries.size();
  const NodePtr node = ops::make_scan(
      [&](const Exprs& slices, const Exprs& carry_inputs, const Exprs&) {
        ScanStep step = body(slices, carry_inputs);
        if (step.carries.size() != carries) {
          throw_shape_error("scan: the body returns " + std::to_string(step.carries.size()) +
                            " carries for " + std::to_string(carries) + " initial carries");
        }
        std::vector<NodePtr> outputs = ops::as_nodes(step.carries);
        for (const Expr& output : step.outputs) outputs.push_back(output.node());
        return outputs;
      },
      sequences, initial_carries, {}, options.n_steps, options.reverse);

  const std::size_t n_outputs = node->output_types().size() - 2 * carries;
  ScanResult result;
  std::int64_t index = 0;
  for (std::size_t i = 0; i < carries; ++i) result.carries.push_back(tuple_get(node, index++));
  for (std::size_t j = 0; j < n_outputs; ++j) result.outputs.push_back(tuple_get(node, index++));
  for (std::size_t i = 0; i < carries; ++i)
    result.carry_history.push_back(tuple_get(node, index++));
  return result;
}

}  // namespace hypatia
