// The ode_solve op: an initial value problem solved by adaptive Dormand–Prince 4(5)
// (runtime/ode.cpp) or by SUNDIALS CVODES' BDF (runtime/ode_bdf.cpp) in the runtime library, with
// the right-hand side a graph kept as a Subgraph attribute.
//
// Layout of an ode_solve node:
//   inputs   [y0 (n,), t0 (), times (T,), parameters...]   (theta, then the closed-over nodes)
//   rhs      inputs [t (), y (n,), parameters...] (placeholders), output [dy/dt (n,)]
//   attrs    method ("rk45" or "bdf"), rtol, atol, max_num_steps, controlled (the leading states
//            under error control)
//   output   (T, n): the states at the times
// A BDF node also keeps, over the controlled states c alone (inputs [t, y (c,), parameters...]),
//   state_rhs  dy/dt (c,) and jacobian  df/dy (c, c),
// which CVODES calls for its Newton iterations; its states after the controlled ones are forward
// sensitivities, which CVODES' sensitivity module solves from `rhs` (the augmented system).
// Gradients solve the system augmented with the sensitivities, itself an ode_solve node whose
// controlled states are the original ones (see the header, include/hypatia/ops/ode.hpp).
// With adjoint sensitivities (attr sensitivity "adjoint", bdf only) the gradient is instead an
// ode_adjoint node:
//   inputs   [y0 (n,), t0 (), times (T,), cotangents (T, n), parameters...]
//   attrs    state_rhs and jacobian (as above), vector_jacobian: inputs [t, [y, lambda] (2n,),
//            parameters...], output [J_y^T lambda (n,), J_p^T lambda (P,)] over the P floating
//            parameter elements; rtol, atol, max_num_steps, parameters (P)
//   output   (n + P,): [dL/dy0, dL/dp]

#include "hypatia/ops/ode.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "backend/native/lowering.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia_ode.h"
#include "ops/op_util.hpp"

namespace hypatia::ops {
namespace {

const std::string kOde = "ode_solve";
const std::string kAdjoint = "ode_adjoint";
const std::string kRk45 = "rk45", kBdf = "bdf";
const std::string kForwardSensitivity = "forward", kAdjointSensitivity = "adjoint";
const std::string kTimesNotSorted = "the output times must be non-decreasing, with none before t0";
constexpr std::size_t kFirstParameter = 3;         // node inputs: y0, t0, times, parameters...
constexpr std::size_t kFirstRhsParameter = 2;      // rhs inputs: t, y, parameters...
constexpr std::size_t kFirstAdjointParameter = 4;  // y0, t0, times, cotangents, parameters...

const OpDef& ode_op();
const OpDef& ode_adjoint_op();

const Subgraph& rhs_of(const Node& node) {
  return *node.attrs().get_subgraph("rhs");
}

bool is_bdf(const Attrs& attrs) {
  return attrs.get_string("method") == kBdf;
}

bool is_adjoint(const Attrs& attrs) {
  return attrs.get_string("sensitivity") == kAdjointSensitivity;
}

// ---- Type rule ----------------------------------------------------------------------------------

void check_rhs_inputs(const std::vector<NodePtr>& inputs, const Subgraph& rhs) {
  if (rhs.inputs.size() != inputs.size() - 1) {
    fail(kOde,
         "the right-hand side takes " + std::to_string(rhs.inputs.size()) +
             " inputs (t, y, parameters...), but " + std::to_string(inputs.size() - 1) +
             " are given (t0, y0, parameters...)",
         inputs);
  }
  if (rhs.inputs[0]->type() != TensorType{DType::float64, {}})
    fail(kOde, "the right-hand side's t must be a float64 scalar", inputs);
  for (std::size_t i = 1; i < rhs.inputs.size(); ++i) {
    const std::size_t given = i == 1 ? 0 : i + 1;
    if (rhs.inputs[i]->type() != inputs[given]->type()) {
      fail(kOde,
           "input " + std::to_string(given) + " gives the right-hand side " +
               type_to_string(inputs[given]->type()) + ", but its placeholder is " +
               type_to_string(rhs.inputs[i]->type()),
           inputs);
    }
    if (!is_fully_known(inputs[given]->shape()))
      fail(kOde, "input " + std::to_string(given) + " needs a static shape", inputs);
  }
}

std::vector<TensorType> infer_ode(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  if (inputs.size() < kFirstParameter)
    fail(kOde, "expected inputs y0, t0, times and parameters", inputs);
  const TensorType& y0 = inputs[0]->type();
  if (y0.dtype != DType::float64 || y0.rank() != 1 || y0.shape[0] < 1)
    fail(kOde, "y0 must be a float64 vector of static length at least 1", inputs);
  if (inputs[1]->type() != TensorType{DType::float64, {}})
    fail(kOde, "t0 must be a float64 scalar", inputs);
  if (inputs[2]->dtype() != DType::float64 || inputs[2]->rank() != 1)
    fail(kOde, "times must be a float64 vector", inputs);
  const Subgraph& rhs = *attrs.get_subgraph("rhs");
  check_rhs_inputs(inputs, rhs);
  if (rhs.outputs.size() != 1 || rhs.outputs[0]->type() != y0) {
    fail(kOde, "the right-hand side must return one value shaped like y0, " + type_to_string(y0),
         inputs);
  }
  const std::int64_t controlled = attrs.get_int("controlled");
  if (controlled < 1 || controlled > y0.shape[0])
    fail(kOde, "controlled must be between 1 and the number of states", inputs);
  const std::string& method = attrs.get_string("method");
  if (method != kRk45 && method != kBdf)
    fail(kOde, "method must be rk45 or bdf, not " + method, inputs);
  const std::string& sensitivity = attrs.get_string("sensitivity");
  if (sensitivity != kForwardSensitivity && sensitivity != kAdjointSensitivity)
    fail(kOde, "sensitivity must be forward or adjoint, not " + sensitivity, inputs);
  if (sensitivity == kAdjointSensitivity && method != kBdf)
    fail(kOde, "adjoint sensitivities need method bdf, not " + method, inputs);
  if (method == kBdf) {
    if (y0.shape[0] % controlled != 0)
      fail(kOde, "bdf: the states after the controlled ones must be sensitivity columns", inputs);
    const TensorType state{DType::float64, {controlled}};
    const Subgraph& state_rhs = *attrs.get_subgraph("state_rhs");
    const Subgraph& jacobian = *attrs.get_subgraph("jacobian");
    if (state_rhs.outputs.size() != 1 || state_rhs.outputs[0]->type() != state ||
        jacobian.outputs.size() != 1 ||
        jacobian.outputs[0]->type() != TensorType{DType::float64, {controlled, controlled}})
      fail(kOde, "bdf: state_rhs or jacobian has the wrong shape", inputs);
  }
  return {{DType::float64, {inputs[2]->shape()[0], y0.shape[0]}}};
}

hr_ode_problem problem_of(const Node& node, std::int64_t times) {
  hr_ode_problem problem;
  problem.states = node.input(0)->shape()[0];
  problem.controlled = node.attrs().get_int("controlled");
  problem.times = times;
  problem.max_num_steps = node.attrs().get_int("max_num_steps");
  problem.rtol = node.attrs().get_double("rtol");
  problem.atol = node.attrs().get_double("atol");
  return problem;
}

// ---- Kernel -------------------------------------------------------------------------------------

// The right-hand side graph run by the interpreter, for the solver to call.
struct InterpretedRhs {
  Interpreter interpreter;
  std::vector<Tensor> inputs;  // t, y, then the parameters' values
  std::string failure;         // the message of an error raised in the right-hand side
};

// `graph` with the node's parameter values (its inputs from `first_parameter` on) bound, t and y
// filled in at each call.
InterpretedRhs interpreted(const Subgraph& graph, const std::vector<Tensor>& inputs,
                           std::size_t first_parameter = kFirstParameter) {
  InterpretedRhs context{Interpreter(graph.inputs, graph.outputs),
                         {Tensor(), Tensor(DType::float64, graph.inputs[1]->shape())},
                         {}};
  context.inputs.insert(context.inputs.end(),
                        inputs.begin() + static_cast<std::ptrdiff_t>(first_parameter),
                        inputs.end());
  return context;
}

int interpret_rhs(void* context, double t, const double* y, double* dydt) {
  auto& rhs = *static_cast<InterpretedRhs*>(context);
  try {
    const std::int64_t n = rhs.inputs[1].size();
    Tensor state(DType::float64, {n});
    std::copy_n(y, n, state.mutable_data<double>());
    rhs.inputs[0] = Tensor::scalar(t);
    rhs.inputs[1] = state;
    const Tensor derivative = rhs.interpreter.run(rhs.inputs).front();
    std::copy_n(derivative.data<double>(), derivative.size(), dydt);
    return 0;
  } catch (const std::exception& e) {
    rhs.failure = e.what();
    return 1;
  }
}

std::vector<Tensor> run_ode(const Node& node, const std::vector<Tensor>& inputs) {
  const hr_ode_problem problem = problem_of(node, inputs[2].size());
  InterpretedRhs context = interpreted(rhs_of(node), inputs);
  Tensor states(DType::float64, {problem.times, problem.states});
  int status = 0;
  std::string failure;
  if (is_bdf(node.attrs())) {
    InterpretedRhs state_rhs = interpreted(*node.attrs().get_subgraph("state_rhs"), inputs);
    InterpretedRhs jacobian = interpreted(*node.attrs().get_subgraph("jacobian"), inputs);
    const hr_ode_bdf_system system{interpret_rhs, &state_rhs,    interpret_rhs,
                                   &jacobian,     interpret_rhs, &context};
    status = hr_ode_bdf(&problem, &system, inputs[1].at(0), inputs[0].data<double>(),
                        inputs[2].data<double>(), states.mutable_data<double>());
    for (const InterpretedRhs* part : {&state_rhs, &jacobian, &context})
      if (failure.empty()) failure = part->failure;
  } else {
    std::vector<double> scratch(static_cast<std::size_t>(hr_ode_scratch_size(problem.states)));
    status =
        hr_ode_dopri5(&problem, interpret_rhs, &context, inputs[1].at(0), inputs[0].data<double>(),
                      inputs[2].data<double>(), states.mutable_data<double>(), scratch.data());
    failure = context.failure;
  }
  if (!failure.empty()) throw RuntimeError(kOde + ": in the right-hand side: " + failure);
  if (status == HR_ODE_TIMES_NOT_SORTED) fail_runtime(kOde, kTimesNotSorted, inputs);
  return {states};
}

// ---- Native lowering ----------------------------------------------------------------------------

// The right-hand side becomes a program of its own that the runtime solver calls back: t and y
// are pointed at the solver's data before each call, the parameters bound to their buffers once.
native::Callback lower_callback(const Subgraph& graph, const NodePtr& node,
                                native::Lowering& lowering,
                                std::size_t first_parameter = kFirstParameter) {
  auto program =
      std::make_shared<native::Program>(native::Lowering::lower(graph.inputs, graph.outputs));
  for (native::Step& step : program->steps) {
    if (auto* check = std::get_if<native::IndexCheck>(&step))
      check->message = kOde + ": in the right-hand side: " + check->message;
  }
  native::Callback callback{program, {-1, -1}, {-1}};
  for (std::size_t i = first_parameter; i < node->inputs().size(); ++i)
    callback.inputs.push_back(lowering.input_buffer(*node, i));
  return callback;
}

void lower_ode(const NodePtr& node, native::Lowering& lowering) {
  const hr_ode_problem problem = problem_of(*node, node->shape()[0]);
  const native::BufferId states = lowering.define(*node);
  if (is_bdf(node->attrs())) {
    std::vector<native::Callback> callbacks{
        lower_callback(*node->attrs().get_subgraph("state_rhs"), node, lowering),
        lower_callback(*node->attrs().get_subgraph("jacobian"), node, lowering)};
    if (problem.states > problem.controlled)
      callbacks.push_back(lower_callback(rhs_of(*node), node, lowering));
    lowering.emit(native::LibraryCall{
        .function = "hr_ode_bdf_program",
        .buffers = {lowering.input_buffer(*node, 0), lowering.input_buffer(*node, 1),
                    lowering.input_buffer(*node, 2), states},
        .ints = {problem.states, problem.controlled, problem.times, problem.max_num_steps},
        .doubles = {problem.rtol, problem.atol},
        .error_message = kOde + ": " + kTimesNotSorted,
        .callbacks = std::move(callbacks),
    });
    return;
  }
  native::Callback callback = lower_callback(rhs_of(*node), node, lowering);
  const native::BufferId scratch =
      lowering.temporary(DType::float64, {hr_ode_scratch_size(problem.states)});
  lowering.emit(native::LibraryCall{
      .function = "hr_ode_dopri5_program",
      .buffers = {lowering.input_buffer(*node, 0), lowering.input_buffer(*node, 1),
                  lowering.input_buffer(*node, 2), states, scratch},
      .ints = {problem.states, problem.controlled, problem.times, problem.max_num_steps},
      .doubles = {problem.rtol, problem.atol},
      .error_message = kOde + ": " + kTimesNotSorted,
      .callbacks = {std::move(callback)},
  });
}

// ---- Gradient -----------------------------------------------------------------------------------
//
// The sensitivities S(t) = dy(t)/d(y0, p) of the states to the initial state and the (floating)
// parameters p, an (n, m) matrix with m = n + size(p), solve
//   dS/dt = J_y S + [0 | J_p],   S(t0) = [I | 0],
// with the Jacobians J_y = df/dy and J_p = df/dp at (t, y(t)). The system [y, S] is solved by an
// ode_solve node whose error control still covers y alone, and
//   dL/d(y0, p) = sum over times k of S_k^T dL/dy_k.

// Placeholders named by their role, so that equal right-hand sides are equal graphs and their
// nodes one node. A finished right-hand side uses no node from outside it, so these cannot clash.
NodePtr canonical_placeholder(const std::string& role, const TensorType& type) {
  return input("ode." + role, type);
}

struct SensitivityLayout {
  std::int64_t states = 0;              // n
  std::vector<std::size_t> parameters;  // which parameters (positions among them) are floating
  std::vector<std::int64_t> offsets;    // the first column of each
  std::int64_t columns = 0;             // m: n for y0, then each parameter's elements
};

SensitivityLayout sensitivity_layout(const Node& node) {
  SensitivityLayout layout;
  layout.states = node.input(0)->shape()[0];
  layout.columns = layout.states;
  for (std::size_t k = 0; kFirstParameter + k < node.inputs().size(); ++k) {
    const TensorType& type = node.input(kFirstParameter + k)->type();
    if (!is_floating(type.dtype)) continue;
    layout.parameters.push_back(k);
    layout.offsets.push_back(layout.columns);
    layout.columns += num_elements(type.shape);
  }
  return layout;
}

// d[y, S]/dt = [f, J_y S + [0 | J_p]] with S flattened after y; the Jacobians are built row by
// row, each row the gradient of one component of f.
SubgraphPtr augmented_rhs(const Subgraph& rhs, const SensitivityLayout& layout) {
  const std::int64_t n = layout.states, m = layout.columns;
  const Expr f = rhs.outputs[0], y = rhs.inputs[1];
  Exprs wrt{y};
  for (std::size_t k : layout.parameters) wrt.push_back(rhs.inputs[kFirstRhsParameter + k]);
  Exprs state_rows, parameter_rows;
  for (std::int64_t i = 0; i < n; ++i) {
    const Exprs row = grad(slice(f, 0, Index{i}), wrt);
    state_rows.push_back(row[0]);
    Exprs flattened;
    for (std::size_t j = 1; j < row.size(); ++j) flattened.push_back(flatten(row[j]));
    if (!flattened.empty()) parameter_rows.push_back(concatenate(flattened));
  }

  const NodePtr augmented_state = canonical_placeholder("y", {DType::float64, {n * (1 + m)}});
  const Expr z = augmented_state;
  const Expr sensitivities = reshape(slice(z, 0, Slice{n}), {n, m});
  Expr derivative = matmul(stack(state_rows), sensitivities);
  if (!parameter_rows.empty()) {
    const Expr initial_state_columns = constant(Tensor(DType::float64, {n, n}));
    derivative = derivative + concatenate({initial_state_columns, stack(parameter_rows)}, 1);
  }
  const Expr augmented = concatenate({f, flatten(derivative)});
  auto body = std::make_shared<Subgraph>();
  body->inputs = rhs.inputs;
  body->inputs[1] = augmented_state;
  body->outputs = {substitute(augmented.node(), {{y.node().get(), slice(z, 0, Slice{0, n})}})};
  return body;
}

// The adjoint system's vector-Jacobian products [J_y^T lambda, J_p^T lambda] at (t, [y, lambda]),
// one reverse-mode gradient of f . lambda (so one pass however many parameters there are).
SubgraphPtr vector_jacobian_of(const Subgraph& rhs, const SensitivityLayout& layout) {
  const std::int64_t n = layout.states;
  const Expr f = rhs.outputs[0], y = rhs.inputs[1];
  const NodePtr point = canonical_placeholder("adjoint_point", {DType::float64, {2 * n}});
  const Expr lambda = slice(Expr(point), 0, Slice{n, 2 * n});
  Exprs wrt{y};
  for (std::size_t k : layout.parameters) wrt.push_back(rhs.inputs[kFirstRhsParameter + k]);
  const Exprs products = grad(sum(f * lambda), wrt);
  Exprs flattened{products[0]};
  for (std::size_t j = 1; j < products.size(); ++j) flattened.push_back(flatten(products[j]));
  const Expr all = concatenate(flattened);
  auto body = std::make_shared<Subgraph>();
  body->inputs = rhs.inputs;
  body->inputs[1] = point;
  body->outputs = {substitute(all.node(), {{y.node().get(), slice(Expr(point), 0, Slice{0, n})}})};
  return body;
}

// dL/d(y0, p) as an ode_adjoint node: CVODES' adjoint solve for the cotangents `output_grad`.
Expr adjoint_gradient(const NodePtr& node, const Expr& output_grad,
                      const SensitivityLayout& layout) {
  const std::vector<NodePtr>& in = node->inputs();
  std::vector<NodePtr> inputs{
      in[0], in[1], in[2],
      output_grad.dtype() == DType::float64 ? output_grad : cast(output_grad, DType::float64)};
  inputs.insert(inputs.end(), in.begin() + kFirstParameter, in.end());
  const Attrs& forward = node->attrs();
  Attrs attrs{{"state_rhs", forward.get_subgraph("state_rhs")},
              {"jacobian", forward.get_subgraph("jacobian")},
              {"vector_jacobian", vector_jacobian_of(rhs_of(*node), layout)},
              {"rtol", forward.get_double("rtol")},
              {"atol", forward.get_double("atol")},
              {"max_num_steps", forward.get_int("max_num_steps")},
              {"parameters", layout.columns - layout.states}};
  return make_node(ode_adjoint_op(), std::move(inputs), std::move(attrs));
}

// S(t0) = [I | 0], flattened.
Expr initial_sensitivities(const SensitivityLayout& layout) {
  Tensor initial(DType::float64, {layout.states * layout.columns});
  for (std::int64_t i = 0; i < layout.states; ++i) initial.set(i * layout.columns + i, 1.0);
  return constant(initial);
}

// The right-hand side of `node` at (t, y), with the node's parameters.
Expr rhs_at(const NodePtr& node, const Expr& t, const Expr& y) {
  const Subgraph& rhs = rhs_of(*node);
  Replacements values{{rhs.inputs[0].get(), t}, {rhs.inputs[1].get(), y}};
  for (std::size_t k = kFirstRhsParameter; k < rhs.inputs.size(); ++k)
    values[rhs.inputs[k].get()] = node->input(k + 1);
  return substitute(rhs.outputs[0], values);
}

// dL/dtimes[k] = dL/dy_k . f(times[k], y_k): the right-hand side evaluated at every output time.
Expr time_gradients(const NodePtr& node, const Expr& output_grad) {
  const ScanResult at_times = scan(
      [&](const Exprs& at, const Exprs&) {
        return ScanStep{{}, {sum(rhs_at(node, at[0], at[1]) * at[2])}};
      },
      {node->input(2), node, output_grad}, {});
  return at_times.outputs[0];
}

std::vector<NodePtr> ode_grad(const NodePtr& node, const std::vector<NodePtr>& output_grads) {
  if (is_bdf(node->attrs()) && node->attrs().get_int("controlled") != node->shape()[1]) {
    throw_shape_error(kOde +
                      ": second derivatives of the bdf solver are not supported "
                      "(its sensitivities come from CVODES); use method rk45");
  }
  const Expr output_grad = output_grads[0];
  const SensitivityLayout layout = sensitivity_layout(*node);
  const std::int64_t n = layout.states;
  const std::vector<NodePtr>& in = node->inputs();

  Expr total;
  if (is_adjoint(node->attrs())) {
    total = adjoint_gradient(node, output_grad, layout);
  } else {
    std::vector<NodePtr> augmented_inputs = in;
    augmented_inputs[0] = concatenate({in[0], initial_sensitivities(layout)});
    Attrs attrs = node->attrs();
    attrs.set("rhs", augmented_rhs(rhs_of(*node), layout));
    const Expr solution = make_node(ode_op(), std::move(augmented_inputs), std::move(attrs));
    const Expr sensitivities = reshape(slice(solution, 1, Slice{n}), {-1, n, layout.columns});
    total = sum(expand_dims(output_grad, {2}) * sensitivities, {0, 1});
  }

  std::vector<NodePtr> grads(in.size());
  grads[0] = slice(total, 0, Slice{0, n});
  for (std::size_t j = 0; j < layout.parameters.size(); ++j) {
    const std::size_t position = kFirstParameter + layout.parameters[j];
    const Shape& shape = in[position]->shape();
    const std::int64_t begin = layout.offsets[j];
    grads[position] = reshape(slice(total, 0, Slice{begin, begin + num_elements(shape)}), shape);
  }
  // Constant times (data) need no gradient; skipping them keeps the graph small.
  if (!is_constant(*in[1])) grads[1] = -sum(Expr(grads[0]) * rhs_at(node, in[1], in[0]));
  if (!is_constant(*in[2])) grads[2] = time_gradients(node, output_grad);
  return grads;
}

const OpDef& ode_op() {
  static const OpDef op{
      .name = kOde,
      .infer = infer_ode,
      .kernel = run_ode,
      .grad = ode_grad,
      .lower = lower_ode,
  };
  return op;
}

// ---- The adjoint op
// ------------------------------------------------------------------------------

std::vector<TensorType> infer_adjoint(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  if (inputs.size() < kFirstAdjointParameter)
    fail(kAdjoint, "expected inputs y0, t0, times, cotangents and parameters", inputs);
  const TensorType& y0 = inputs[0]->type();
  if (y0.dtype != DType::float64 || y0.rank() != 1 || !is_fully_known(y0.shape))
    fail(kAdjoint, "y0 must be a float64 vector of static length", inputs);
  const std::int64_t n = y0.shape[0];
  if (inputs[1]->type() != TensorType{DType::float64, {}} || inputs[2]->dtype() != DType::float64 ||
      inputs[2]->rank() != 1)
    fail(kAdjoint, "t0 must be a float64 scalar and times a float64 vector", inputs);
  const TensorType& cotangents = inputs[3]->type();
  if (cotangents.dtype != DType::float64 || cotangents.rank() != 2 || cotangents.shape[1] != n)
    fail(kAdjoint, "the cotangents must be a float64 (T, " + std::to_string(n) + ") matrix",
         inputs);
  const std::int64_t parameters = attrs.get_int("parameters");
  const Subgraph& products = *attrs.get_subgraph("vector_jacobian");
  if (parameters < 0 || products.outputs.size() != 1 ||
      products.outputs[0]->type() != TensorType{DType::float64, {n + parameters}} ||
      products.inputs.size() != inputs.size() - kFirstAdjointParameter + kFirstRhsParameter)
    fail(kAdjoint, "vector_jacobian does not fit the inputs", inputs);
  return {{DType::float64, {n + parameters}}};
}

std::vector<Tensor> run_adjoint(const Node& node, const std::vector<Tensor>& inputs) {
  const std::int64_t n = inputs[0].size();
  hr_ode_problem problem;
  problem.states = problem.controlled = n;
  problem.times = inputs[2].size();
  problem.max_num_steps = node.attrs().get_int("max_num_steps");
  problem.rtol = node.attrs().get_double("rtol");
  problem.atol = node.attrs().get_double("atol");
  const std::int64_t parameters = node.attrs().get_int("parameters");
  InterpretedRhs rhs =
      interpreted(*node.attrs().get_subgraph("state_rhs"), inputs, kFirstAdjointParameter);
  InterpretedRhs jacobian =
      interpreted(*node.attrs().get_subgraph("jacobian"), inputs, kFirstAdjointParameter);
  InterpretedRhs products =
      interpreted(*node.attrs().get_subgraph("vector_jacobian"), inputs, kFirstAdjointParameter);
  const hr_ode_adjoint_system system{interpret_rhs, &rhs,          interpret_rhs,
                                     &jacobian,     interpret_rhs, &products};
  Tensor gradient(DType::float64, {n + parameters});
  const int status = hr_ode_bdf_adjoint(&problem, parameters, &system, inputs[1].at(0),
                                        inputs[0].data<double>(), inputs[2].data<double>(),
                                        inputs[3].data<double>(), gradient.mutable_data<double>());
  for (const InterpretedRhs* part : {&rhs, &jacobian, &products}) {
    if (!part->failure.empty())
      throw RuntimeError(kOde + ": in the right-hand side: " + part->failure);
  }
  if (status == HR_ODE_TIMES_NOT_SORTED) fail_runtime(kOde, kTimesNotSorted, inputs);
  return {gradient};
}

void lower_adjoint(const NodePtr& node, native::Lowering& lowering) {
  const Attrs& attrs = node->attrs();
  std::vector<native::Callback> callbacks;
  for (const char* graph : {"state_rhs", "jacobian", "vector_jacobian"}) {
    callbacks.push_back(
        lower_callback(*attrs.get_subgraph(graph), node, lowering, kFirstAdjointParameter));
  }
  const native::BufferId gradient = lowering.define(*node);
  lowering.emit(native::LibraryCall{
      .function = "hr_ode_bdf_adjoint_program",
      .buffers = {lowering.input_buffer(*node, 0), lowering.input_buffer(*node, 1),
                  lowering.input_buffer(*node, 2), lowering.input_buffer(*node, 3), gradient},
      .ints = {node->input(0)->shape()[0], node->input(2)->shape()[0],
               attrs.get_int("max_num_steps"), attrs.get_int("parameters")},
      .doubles = {attrs.get_double("rtol"), attrs.get_double("atol")},
      .error_message = kOde + ": " + kTimesNotSorted,
      .callbacks = std::move(callbacks),
  });
}

std::vector<NodePtr> adjoint_grad(const NodePtr&, const std::vector<NodePtr>&) {
  throw_shape_error(kOde +
                    ": second derivatives with adjoint sensitivities are not supported; use "
                    "sensitivity forward with method rk45");
}

const OpDef& ode_adjoint_op() {
  static const OpDef op{
      .name = kAdjoint,
      .infer = infer_adjoint,
      .kernel = run_adjoint,
      .grad = adjoint_grad,
      .lower = lower_adjoint,
  };
  return op;
}

// ---- Building -----------------------------------------------------------------------------------

// Placeholders while the right-hand side is being built, unique so they never meet another's.
NodePtr building_placeholder(const TensorType& type) {
  static std::atomic<std::uint64_t> counter{0};
  return input("ode.building" + std::to_string(counter++), type);
}

Expr as_float64(const Expr& x) {
  return x.dtype() == DType::float64 ? x : cast(x, DType::float64);
}

void check_arguments(const Expr& y0, const Expr& t0, const Expr& times, const Expr& theta,
                     const OdeOptions& options) {
  for (const Expr* argument : {&y0, &t0, &times, &theta}) {
    if (!*argument) throw_shape_error(kOde + ": an argument is empty");
    if ((*argument)->is_tuple())
      throw_shape_error(kOde + ": an argument is a tuple; read one with tuple_get");
  }
  const std::vector<NodePtr> given{y0, t0, times, theta};
  if (y0.rank() != 1 || y0.shape()[0] == kUnknownDim || y0.shape()[0] == 0)
    fail(kOde, "y0 (input 0) must be a vector of static length at least 1", given);
  if (t0.rank() != 0) fail(kOde, "t0 (input 1) must be a scalar", given);
  if (times.rank() != 1) fail(kOde, "times (input 2) must be a vector", given);
  if (!is_fully_known(theta.shape())) fail(kOde, "theta (input 3) needs a static shape", given);
  if (options.method != OdeMethod::rk45 && options.method != OdeMethod::bdf)
    throw_shape_error(kOde + ": unknown method");
  if (options.sensitivity != OdeSensitivity::forward &&
      options.sensitivity != OdeSensitivity::adjoint)
    throw_shape_error(kOde + ": unknown sensitivity");
  if (options.sensitivity == OdeSensitivity::adjoint && options.method != OdeMethod::bdf) {
    throw_shape_error(kOde +
                      ": adjoint sensitivities need method bdf (CVODES' adjoint module); "
                      "rk45 has forward sensitivities only");
  }
  if (!(options.rtol > 0.0 && std::isfinite(options.rtol)) ||
      !(options.atol > 0.0 && std::isfinite(options.atol)) || options.max_num_steps < 1) {
    throw_shape_error(kOde + ": rtol (" + std::to_string(options.rtol) + ") and atol (" +
                      std::to_string(options.atol) +
                      ") must be positive and finite, max_num_steps (" +
                      std::to_string(options.max_num_steps) + ") at least 1");
  }
}

Expr build_derivative(const OdeRhs& rhs, const Expr& t, const Expr& y, const Expr& theta) {
  Expr derivative = rhs(t, y, theta);
  if (!derivative) throw_shape_error(kOde + ": the right-hand side returned an empty Expr");
  if (derivative->is_tuple())
    throw_shape_error(kOde + ": the right-hand side returned a tuple; read one with tuple_get");
  if (derivative.shape() != y.shape()) {
    throw_shape_error(kOde + ": the right-hand side returns " + type_to_string(derivative.type()) +
                      ", but the state y is " + type_to_string(y.type()) +
                      " (dy/dt must be shaped like y)");
  }
  return as_float64(derivative);
}

struct ClosedRhs {
  SubgraphPtr rhs;
  std::vector<NodePtr> closed_over;  // outer nodes it uses: parameters after theta
};

// The right-hand side on canonical placeholders, with the outer nodes it uses (and what it
// computes from them alone) turned into parameters.
ClosedRhs close_rhs(const NodePtr& derivative, const NodePtr& t, const NodePtr& y,
                    const NodePtr& theta) {
  ClosedRhs closed;
  closed.closed_over = loop_invariants({derivative}, {t.get(), y.get(), theta.get()});
  auto body = std::make_shared<Subgraph>();
  Replacements canonical;
  auto rename = [&](const NodePtr& from, const std::string& role) {
    body->inputs.push_back(canonical_placeholder(role, from->type()));
    canonical[from.get()] = body->inputs.back();
  };
  rename(t, "t");
  rename(y, "y");
  rename(theta, "parameter0");
  for (std::size_t k = 0; k < closed.closed_over.size(); ++k) {
    const NodePtr& outer = closed.closed_over[k];
    if (!is_fully_known(outer->shape())) {
      throw_shape_error(kOde + ": the right-hand side uses an outer value of type " +
                        type_to_string(outer->type()) + ", which needs a static shape");
    }
    rename(outer, "parameter" + std::to_string(k + 1));
  }
  body->outputs = {substitute(derivative, canonical)};
  closed.rhs = std::move(body);
  return closed;
}

// df/dy of the right-hand side, (n, n), on the same placeholders, row by row.
SubgraphPtr jacobian_of(const Subgraph& rhs) {
  const Expr f = rhs.outputs[0], y = rhs.inputs[1];
  Exprs rows;
  for (std::int64_t i = 0; i < y.shape()[0]; ++i)
    rows.push_back(grad(slice(f, 0, Index{i}), Exprs{y})[0]);
  auto jacobian = std::make_shared<Subgraph>();
  jacobian->inputs = rhs.inputs;
  jacobian->outputs = {stack(rows)};
  return jacobian;
}

}  // namespace
}  // namespace hypatia::ops

namespace hypatia {

Expr ode_solve(const OdeRhs& rhs, const Expr& y0, const Expr& t0, const Expr& times,
               const Expr& theta, const OdeOptions& options) {
  using namespace ops;
  check_arguments(y0, t0, times, theta, options);
  const Expr state = as_float64(y0), parameters = as_float64(theta);
  const Expr t = building_placeholder({DType::float64, {}});
  const Expr y = building_placeholder(state.type());
  const Expr p = building_placeholder(parameters.type());
  const NodePtr derivative = build_derivative(rhs, t, y, p).node();

  const ClosedRhs closed = close_rhs(derivative, t, y, p);
  std::vector<NodePtr> inputs{state, as_float64(t0), as_float64(times), parameters};
  inputs.insert(inputs.end(), closed.closed_over.begin(), closed.closed_over.end());
  Attrs attrs{
      {"rhs", closed.rhs},
      {"method", options.method == OdeMethod::bdf ? kBdf : kRk45},
      {"rtol", options.rtol},
      {"atol", options.atol},
      {"max_num_steps", options.max_num_steps},
      {"controlled", state.shape()[0]},
      {"sensitivity",
       options.sensitivity == OdeSensitivity::adjoint ? kAdjointSensitivity : kForwardSensitivity}};
  if (options.method == OdeMethod::bdf) {
    attrs.set("state_rhs", closed.rhs);
    attrs.set("jacobian", jacobian_of(*closed.rhs));
  }
  return make_node(ode_op(), std::move(inputs), std::move(attrs));
}

}  // namespace hypatia
