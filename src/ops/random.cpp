// Random draws: one op per distribution, all of one form (see include/hypatia/ops/random.hpp):
//   inputs  [state, parameters...]      attribute  shape (optional: the draws' shape)
//   outputs (draws, next state), read with tuple_get
// The sampling lives in the runtime library (src/backend/native/runtime/random.cpp): the reference
// kernel and the native emitter call the same function, so the backends agree bit for bit.
//
// Draws are deterministic in their inputs, so hash-consing equal draws is right. They are never
// constant-folded (which would bake arrays of draws into the graph): the rewrite engine folds no
// tuple-valued node.

#include "hypatia/ops/random.hpp"

#include <map>

#include "backend/native/lowering.hpp"
#include "hypatia/ops.hpp"
#include "hypatia_random.h"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

constexpr std::int64_t kStateWords = 3;  // seed, stream, counter

using RuntimeFunction = int (*)(void* const*, const std::int64_t*, const double*);

// One distribution: its op, parameters and runtime function.
struct DrawSpec {
  std::string name;
  std::vector<std::string> parameters;  // names, for messages
  DType dtype = DType::float64;         // of the draws
  bool weights_last = false;            // the parameter's last axis holds the categories' weights
  std::string runtime_name;
  RuntimeFunction runtime = nullptr;
  std::string domain;  // the parameters' domain: the message when a value lies outside it
};

const std::vector<DrawSpec>& draw_specs() {
  static const std::vector<DrawSpec> specs = {
      {"random_uniform", {}, DType::float64, false, "hr_random_uniform", hr_random_uniform, ""},
      {"random_normal", {}, DType::float64, false, "hr_random_normal", hr_random_normal, ""},
      {"random_exponential",
       {},
       DType::float64,
       false,
       "hr_random_exponential",
       hr_random_exponential,
       ""},
      {"random_gamma",
       {"alpha"},
       DType::float64,
       false,
       "hr_random_gamma",
       hr_random_gamma,
       "alpha must be positive and finite"},
      {"random_poisson",
       {"rate"},
       DType::int64,
       false,
       "hr_random_poisson",
       hr_random_poisson,
       "rate must be in [0, 1e15]"},
      {"random_binomial",
       {"n", "p"},
       DType::int64,
       false,
       "hr_random_binomial",
       hr_random_binomial,
       "n must be an integer in [0, 2^53] and p in [0, 1]"},
      {"random_categorical",
       {"weights"},
       DType::int64,
       true,
       "hr_random_categorical",
       hr_random_categorical,
       "weights must be finite and non-negative with a positive sum"},
  };
  return specs;
}

// ---- Shapes -----------------------------------------------------------------------------------

// The part of a parameter's shape that lines up with the draws.
Shape batch_shape(const DrawSpec& spec, const Shape& parameter) {
  if (!spec.weights_last || parameter.empty()) return parameter;  // (a scalar fails the type rule)
  return Shape(parameter.begin(), parameter.end() - 1);
}

// numpy's rule for a parameter filling the draws: right-aligned, each dimension 1 or the draws'
// (or unknown, checked again at run time).
bool broadcasts_to(const Shape& parameter, const Shape& draws) {
  if (parameter.size() > draws.size()) return false;
  const std::size_t offset = draws.size() - parameter.size();
  for (std::size_t d = 0; d < parameter.size(); ++d) {
    const std::int64_t dim = parameter[d];
    if (dim != 1 && dim != kUnknownDim && dim != draws[offset + d]) return false;
  }
  return true;
}

std::string parameter_label(const DrawSpec& spec, std::size_t parameter) {
  return "parameter '" + spec.parameters[parameter] + "' (input " + std::to_string(parameter + 1) +
         ")";
}

// The draws' shape when it is implied by the parameters: their broadcast shape.
std::optional<Shape> implied_shape(const DrawSpec& spec, const std::vector<Shape>& parameters,
                                   bool concrete) {
  Shape shape;
  for (const Shape& parameter : parameters) {
    const Shape batch = batch_shape(spec, parameter);
    const std::optional<Shape> joined =
        concrete ? broadcast_concrete(shape, batch) : broadcast_static(shape, batch);
    if (!joined) return std::nullopt;
    shape = *joined;
  }
  return shape;
}

std::vector<Shape> parameter_shapes(const std::vector<NodePtr>& inputs) {
  std::vector<Shape> shapes;
  for (std::size_t i = 1; i < inputs.size(); ++i) shapes.push_back(inputs[i]->shape());
  return shapes;
}

std::vector<Shape> parameter_shapes(const std::vector<Tensor>& values) {
  std::vector<Shape> shapes;
  for (std::size_t i = 1; i < values.size(); ++i) shapes.push_back(values[i].shape());
  return shapes;
}

// The draws' shape (the attribute, or the parameters' broadcast), or the reason there is none.
struct DrawShape {
  Shape shape;
  std::string problem;
};

DrawShape draw_shape(const DrawSpec& spec, const std::vector<Shape>& parameters, const Attrs& attrs,
                     bool concrete) {
  if (!attrs.has("shape")) {
    std::optional<Shape> shape = implied_shape(spec, parameters, concrete);
    if (!shape) return {{}, "the parameters' shapes do not broadcast"};
    return {*shape, ""};
  }
  const Shape& shape = attrs.get_ints("shape");
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!broadcasts_to(batch_shape(spec, parameters[i]), shape)) {
      return {shape, parameter_label(spec, i) + " does not broadcast to the draws' shape " +
                         shape_to_string(shape)};
    }
  }
  return {shape, ""};
}

// ---- Type rule --------------------------------------------------------------------------------

void check_state(const DrawSpec& spec, const std::vector<NodePtr>& inputs) {
  const Node& state = *inputs[0];
  const bool fits = state.dtype() == DType::int64 && state.rank() == 1 &&
                    (state.shape()[0] == kStateWords || state.shape()[0] == kUnknownDim);
  if (!fits) {
    fail(spec.name, "the state (input 0) must be int64 of shape (3,): [seed, stream, counter]",
         inputs);
  }
}

void check_parameter(const DrawSpec& spec, const std::vector<NodePtr>& inputs,
                     std::size_t parameter) {
  const Node& value = *inputs[parameter + 1];
  if (value.dtype() == DType::boolean) {
    fail(spec.name, parameter_label(spec, parameter) + " must be numeric, not bool", inputs);
  }
  if (spec.weights_last && (value.rank() == 0 || value.shape().back() == 0)) {
    fail(spec.name,
         parameter_label(spec, parameter) + " needs a last axis holding at least one weight",
         inputs);
  }
}

void check_shape_attribute(const DrawSpec& spec, const std::vector<NodePtr>& inputs,
                           const Attrs& attrs) {
  if (!attrs.has("shape")) return;
  for (std::int64_t dim : attrs.get_ints("shape")) {
    if (dim < 0) {
      fail(spec.name,
           "the draws' shape " + shape_to_string(attrs.get_ints("shape")) +
               " must have known, non-negative dimensions",
           inputs);
    }
  }
}

std::vector<TensorType> infer_draw(const DrawSpec& spec, const std::vector<NodePtr>& inputs,
                                   const Attrs& attrs) {
  expect_arity(spec.name, inputs, 1 + spec.parameters.size());
  check_state(spec, inputs);
  for (std::size_t i = 0; i < spec.parameters.size(); ++i) check_parameter(spec, inputs, i);
  check_shape_attribute(spec, inputs, attrs);
  const DrawShape shape = draw_shape(spec, parameter_shapes(inputs), attrs, false);
  if (!shape.problem.empty()) fail(spec.name, shape.problem, inputs);
  return {{spec.dtype, shape.shape}, random_state_type()};
}

// ---- Reference kernel and native emitter: one runtime call ------------------------------------

// The runtime's layout (hypatia_random.h): the draws' rank and dims, each parameter's strides
// aligned to them (0 where it repeats), and for categorical draws the number of categories.
std::vector<std::int64_t> runtime_layout(const DrawSpec& spec, const Shape& draws,
                                         const std::vector<Shape>& parameters) {
  const std::size_t rank = draws.size();
  std::vector<std::int64_t> ints{static_cast<std::int64_t>(rank)};
  ints.insert(ints.end(), draws.begin(), draws.end());
  for (const Shape& parameter : parameters) {
    const Shape batch = batch_shape(spec, parameter);
    const std::vector<std::int64_t> strides = row_major_strides(parameter);
    const std::size_t missing = rank - batch.size();
    for (std::size_t d = 0; d < rank; ++d) {
      const bool repeats = d < missing || batch[d - missing] == 1;
      ints.push_back(repeats ? 0 : strides[d - missing]);
    }
  }
  if (spec.weights_last) ints.push_back(parameters.front().back());
  return ints;
}

std::vector<Tensor> run_draw(const DrawSpec& spec, const Node& node,
                             const std::vector<Tensor>& inputs) {
  if (inputs[0].size() != kStateWords) {
    fail_runtime(spec.name, "the state (input 0) must hold 3 words: seed, stream, counter", inputs);
  }
  const std::vector<Shape> shapes = parameter_shapes(inputs);
  const DrawShape shape = draw_shape(spec, shapes, node.attrs(), true);
  if (!shape.problem.empty()) fail_runtime(spec.name, shape.problem, inputs);

  std::vector<Tensor> parameters;  // float64 copies where needed; they must outlive the call
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    parameters.push_back(inputs[i].cast(DType::float64));
  }
  Tensor draws(spec.dtype, shape.shape);
  Tensor next_state(DType::int64, {kStateWords});
  std::vector<void*> buffers{const_cast<std::int64_t*>(inputs[0].data<std::int64_t>())};
  for (const Tensor& parameter : parameters) {
    buffers.push_back(const_cast<double*>(parameter.data<double>()));
  }
  buffers.push_back(const_cast<std::byte*>(draws.bytes()));  // freshly allocated, not shared
  buffers.push_back(next_state.mutable_data<std::int64_t>());
  const std::vector<std::int64_t> layout = runtime_layout(spec, shape.shape, shapes);
  if (spec.runtime(buffers.data(), layout.data(), nullptr) != 0) {
    fail_runtime(spec.name, spec.domain, inputs);
  }
  return {draws, next_state};
}

void lower_draw(const DrawSpec& spec, const NodePtr& node, native::Lowering& lowering) {
  std::vector<native::BufferId> buffers{lowering.input_buffer(*node, 0)};
  std::vector<Shape> shapes;
  for (std::size_t i = 1; i < node->inputs().size(); ++i) {
    native::BufferId operand = lowering.input_buffer(*node, i);
    const Shape& shape = node->input(i)->shape();
    if (node->input(i)->dtype() != DType::float64) {
      const native::BufferId widened = lowering.temporary(DType::float64, shape);
      native::emit_copy(lowering, widened, operand);
      operand = widened;
    }
    buffers.push_back(operand);
    shapes.push_back(shape);
  }
  buffers.push_back(lowering.define(*node, 0));
  buffers.push_back(lowering.define(*node, 1));
  lowering.emit(native::LibraryCall{spec.runtime_name,
                                    buffers,
                                    runtime_layout(spec, node->output_types()[0].shape, shapes),
                                    {},
                                    spec.domain.empty() ? "" : spec.name + ": " + spec.domain});
}

OpDef make_draw_op(const DrawSpec& spec) {
  return OpDef{
      .name = spec.name,
      .infer = [&spec](const std::vector<NodePtr>& inputs,
                       const Attrs& attrs) { return infer_draw(spec, inputs, attrs); },
      .kernel = [&spec](const Node& node,
                        const std::vector<Tensor>& inputs) { return run_draw(spec, node, inputs); },
      .tuple_output = true,
      // Draws are constants to differentiation: no gradient reaches the parameters.
      .zero_grad = true,
      .lower = [&spec](const NodePtr& node,
                       native::Lowering& lowering) { lower_draw(spec, node, lowering); },
  };
}

// The ops, by name; each refers to its spec in draw_specs(), which lives as long.
const OpDef& draw_op(const std::string& name) {
  static const std::map<std::string, OpDef> ops = [] {
    std::map<std::string, OpDef> table;
    for (const DrawSpec& spec : draw_specs()) table.emplace(spec.name, make_draw_op(spec));
    return table;
  }();
  return ops.at(name);
}

const DrawSpec& draw_spec(const std::string& name) {
  for (const DrawSpec& spec : draw_specs()) {
    if (spec.name == name) return spec;
  }
  throw Error("random: no distribution '" + name + "'");
}

// Builds the draw node. A shape equal to the one the parameters imply is dropped, so that equal
// draws written either way are one node.
RandomDraw make_draw(const std::string& name, const Expr& state, const Exprs& parameters,
                     const std::optional<Shape>& shape) {
  std::vector<NodePtr> inputs{state.node()};
  for (const Expr& parameter : parameters) inputs.push_back(parameter.node());
  Attrs attrs;
  if (shape) {
    std::vector<Shape> shapes;
    for (const Expr& parameter : parameters) {
      if (parameter->is_tuple()) break;  // make_node names the mistake
      shapes.push_back(parameter.shape());
    }
    const std::optional<Shape> implied = implied_shape(draw_spec(name), shapes, false);
    if (!implied || *implied != *shape || !is_fully_known(*shape)) attrs.set("shape", *shape);
  }
  const NodePtr node = make_node(draw_op(name), std::move(inputs), std::move(attrs));
  return {tuple_get(node, 0), tuple_get(node, 1)};
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Tensor random_state(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter) {
  return Tensor::from_ints({static_cast<std::int64_t>(seed), static_cast<std::int64_t>(stream),
                            static_cast<std::int64_t>(counter)},
                           {ops::kStateWords});
}

TensorType random_state_type() {
  return {DType::int64, {ops::kStateWords}};
}

RandomDraw random_uniform(const Expr& state, const Shape& shape) {
  return ops::make_draw("random_uniform", state, {}, shape);
}

RandomDraw random_normal(const Expr& state, const Shape& shape) {
  return ops::make_draw("random_normal", state, {}, shape);
}

RandomDraw random_exponential(const Expr& state, const Shape& shape) {
  return ops::make_draw("random_exponential", state, {}, shape);
}

RandomDraw random_gamma(const Expr& state, const Expr& alpha, const std::optional<Shape>& shape) {
  return ops::make_draw("random_gamma", state, {alpha}, shape);
}

RandomDraw random_poisson(const Expr& state, const Expr& rate, const std::optional<Shape>& shape) {
  return ops::make_draw("random_poisson", state, {rate}, shape);
}

RandomDraw random_binomial(const Expr& state, const Expr& n, const Expr& p,
                           const std::optional<Shape>& shape) {
  return ops::make_draw("random_binomial", state, {n, p}, shape);
}

RandomDraw random_categorical(const Expr& state, const Expr& weights,
                              const std::optional<Shape>& shape) {
  return ops::make_draw("random_categorical", state, {weights}, shape);
}

}  // namespace hypatia
