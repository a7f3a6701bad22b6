// The user_op op: a black-box function (include/hypatia/ops/user_op.hpp) as a graph node.
//
// Layout of a user_op node:
//   inputs   the function's inputs, any types
//   attrs    function (its id in this process's registry), name (for messages)
//   outputs  a tuple of the function's declared output types, read with tuple_get
// The node is a tuple even with one output, so constant folding (which runs reference kernels at
// compile time, possibly on a compiler thread) never calls user code.
//
// Native code calls the function through the runtime (hr_user_op_call), which hands the buffers
// to the dispatcher below. Ids are given in registration order, so a script that builds the same
// graphs gets the same generated source, and the on-disk cache, run after run.

#include "hypatia/ops/user_op.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "backend/native/lowering.hpp"
#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "hypatia_user_op.h"
#include "ops/op_util.hpp"

namespace hypatia {
namespace ops {
namespace {

const std::string kUserOp = "user_op";

// Never destroyed: functions may hold Python objects, which must not be released after the
// interpreter has shut down.
struct Registry {
  std::mutex mutex;
  std::vector<UserFunctionPtr> functions;
  std::unordered_map<const UserFunction*, std::int64_t> ids;
  // (function id, its inputs' types) -> the id of its vjp for inputs of those types
  std::map<std::pair<std::int64_t, std::string>, std::int64_t> vjp_of;
};

Registry& registry() {
  static auto* instance = new Registry;
  return *instance;
}

std::int64_t register_function(const UserFunctionPtr& function) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto [found, inserted] =
      r.ids.emplace(function.get(), static_cast<std::int64_t>(r.functions.size()));
  if (inserted) r.functions.push_back(function);
  return found->second;
}

UserFunctionPtr function_by_id(std::int64_t id) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (id < 0 || id >= static_cast<std::int64_t>(r.functions.size()))
    throw Error("user_op: no user function with id " + std::to_string(id));
  return r.functions[static_cast<std::size_t>(id)];
}

const UserFunction& function_of(const Node& node) {
  // Registry entries are never removed, so the reference outlives the shared pointer.
  return *function_by_id(node.attrs().get_int("function"));
}

thread_local bool nan_gradients = false;
thread_local std::exception_ptr pending_failure;

// ---- Type rule ----------------------------------------------------------------------------------

std::vector<TensorType> infer_user_op(const std::vector<NodePtr>& inputs, const Attrs& attrs) {
  for (const NodePtr& input : inputs) {
    if (input->is_tuple()) fail(kUserOp, "an input is a tuple; read one with tuple_get", inputs);
  }
  return function_by_id(attrs.get_int("function"))->output_types;
}

// ---- Kernel -------------------------------------------------------------------------------------

std::vector<Tensor> allocate_outputs(const UserFunction& function) {
  std::vector<Tensor> outputs;
  for (const TensorType& type : function.output_types) outputs.emplace_back(type.dtype, type.shape);
  return outputs;
}

void check_outputs(const UserFunction& function, const std::vector<Tensor>& outputs) {
  if (outputs.size() != function.output_types.size()) {
    throw RuntimeError(function.name + ": returned " + std::to_string(outputs.size()) +
                       " outputs, but declares " + std::to_string(function.output_types.size()));
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (outputs[k].type() != function.output_types[k]) {
      throw RuntimeError(function.name + ": output " + std::to_string(k) + " is " +
                         type_to_string(outputs[k].type()) + ", but the op declares " +
                         type_to_string(function.output_types[k]));
    }
  }
}

std::vector<Tensor> perform(const UserFunction& function, const std::vector<Tensor>& inputs) {
  std::vector<Tensor> outputs = allocate_outputs(function);
  function.perform(inputs, outputs);
  check_outputs(function, outputs);
  return outputs;
}

std::vector<Tensor> run_user_op(const Node& node, const std::vector<Tensor>& inputs) {
  return perform(function_of(node), inputs);
}

// ---- Native lowering ----------------------------------------------------------------------------

// ints: function id, number of inputs, then each input's dtype code, rank and extents.
std::vector<std::int64_t> call_description(const Node& node) {
  std::vector<std::int64_t> ints{node.attrs().get_int("function"),
                                 static_cast<std::int64_t>(node.inputs().size())};
  for (const NodePtr& input : node.inputs()) {
    ints.push_back(static_cast<std::int64_t>(input->dtype()));
    ints.push_back(input->rank());
    ints.insert(ints.end(), input->shape().begin(), input->shape().end());
  }
  return ints;
}

void lower_user_op(const NodePtr& node, native::Lowering& lowering) {
  std::vector<native::BufferId> buffers;
  for (std::size_t i = 0; i < node->inputs().size(); ++i)
    buffers.push_back(lowering.input_buffer(*node, i));
  for (std::size_t k = 0; k < node->output_types().size(); ++k)
    buffers.push_back(lowering.define(*node, static_cast<int>(k)));
  lowering.emit(native::LibraryCall{
      .function = "hr_user_op_call",
      .buffers = std::move(buffers),
      .ints = call_description(*node),
      .error_message = node->attrs().get_string("name") + ": the user function failed",
  });
}

// Called by hr_user_op_call from generated code: no exception may leave it.
int dispatch(void* const* buffers, const std::int64_t* ints) {
  try {
    const UserFunctionPtr function = function_by_id(ints[0]);
    const std::int64_t count = ints[1];
    std::vector<Tensor> inputs;
    const std::int64_t* description = ints + 2;
    for (std::int64_t i = 0; i < count; ++i) {
      const auto dtype = static_cast<DType>(description[0]);
      const Shape shape(description + 2, description + 2 + description[1]);
      description += 2 + description[1];
      Tensor value(dtype, shape);
      std::memcpy(const_cast<std::byte*>(value.bytes()), buffers[i], value.byte_size());
      inputs.push_back(std::move(value));
    }
    const std::vector<Tensor> outputs = perform(*function, inputs);
    for (std::size_t k = 0; k < outputs.size(); ++k)
      std::memcpy(buffers[count + static_cast<std::int64_t>(k)], outputs[k].bytes(),
                  outputs[k].byte_size());
    return 0;
  } catch (...) {
    pending_failure = std::current_exception();
    return 1;
  }
}

void install_dispatcher() {
  static std::once_flag installed;
  std::call_once(installed, [] { hr_set_user_op_dispatcher(dispatch); });
}

// ---- Gradient -----------------------------------------------------------------------------------

// The vjp as a user function of its own: inputs..., output gradients... -> input gradients.
UserFunctionPtr vjp_function(const UserFunctionPtr& base, const Node& node) {
  auto vjp = std::make_shared<UserFunction>();
  vjp->name = base->name + ".vjp";
  for (const NodePtr& input : node.inputs())
    vjp->output_types.push_back({DType::float64, input->shape()});
  const std::size_t input_count = node.inputs().size();
  vjp->perform = [base, input_count](const std::vector<Tensor>& all, std::vector<Tensor>& grads) {
    const std::vector<Tensor> inputs(all.begin(), all.begin() + static_cast<long>(input_count));
    const std::vector<Tensor> output_grads(all.begin() + static_cast<long>(input_count), all.end());
    base->vjp(inputs, output_grads, grads);
  };
  return vjp;
}

// The vjp function registered for this node's function (inputs of other shapes get their own).
std::int64_t vjp_id(const UserFunctionPtr& base, const Node& node) {
  UserFunctionPtr vjp = vjp_function(base, node);
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::string input_types;
  for (const NodePtr& input : node.inputs()) input_types += type_to_string(input->type()) + ";";
  const std::pair key{node.attrs().get_int("function"), input_types};
  auto [found, inserted] = r.vjp_of.emplace(key, static_cast<std::int64_t>(r.functions.size()));
  if (inserted) {
    r.ids.emplace(vjp.get(), found->second);
    r.functions.push_back(std::move(vjp));
  }
  return found->second;
}

std::vector<NodePtr> user_op_grad(const NodePtr& node, const std::vector<NodePtr>& output_grads) {
  const UserFunctionPtr function = function_by_id(node->attrs().get_int("function"));
  const std::vector<NodePtr>& in = node->inputs();
  Exprs outputs, grads;
  for (std::size_t k = 0; k < node->output_types().size(); ++k) {
    outputs.push_back(tuple_get(node, static_cast<std::int64_t>(k)));
    grads.push_back(output_grads[k] ? Expr(output_grads[k]) : zeros_like(outputs.back()));
  }
  std::vector<NodePtr> input_grads(in.size());
  if (function->grad) {
    const Exprs inputs(in.begin(), in.end());
    const Exprs given = function->grad(inputs, outputs, grads);
    if (given.size() != in.size()) {
      throw Error(function->name + ": its gradient returned " + std::to_string(given.size()) +
                  " values for " + std::to_string(in.size()) + " inputs");
    }
    for (std::size_t i = 0; i < in.size(); ++i)
      input_grads[i] = given[i] ? given[i].node() : nullptr;
    return input_grads;
  }
  if (function->vjp) {
    std::vector<NodePtr> vjp_inputs = in;
    for (const Expr& g : grads)
      vjp_inputs.push_back(g.dtype() == DType::float64 ? g : cast(g, DType::float64));
    const NodePtr vjp =
        make_node(node->op(), std::move(vjp_inputs),
                  Attrs{{"function", vjp_id(function, *node)}, {"name", function->name + ".vjp"}});
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (is_floating(in[i]->dtype()))
        input_grads[i] = tuple_get(vjp, static_cast<std::int64_t>(i));
    }
    return input_grads;
  }
  if (!nan_gradients) {
    throw Error("grad: the user op '" + function->name +
                "' has no gradient (give it a grad or a vector-Jacobian product), and the cost "
                "depends on its output");
  }
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (is_floating(in[i]->dtype()) && is_fully_known(in[i]->shape()))
      input_grads[i] = full_like(in[i], std::numeric_limits<double>::quiet_NaN()).node();
  }
  return input_grads;
}

const OpDef& user_op_def() {
  static const OpDef op{
      .name = kUserOp,
      .infer = infer_user_op,
      .kernel = run_user_op,
      .grad = user_op_grad,
      .tuple_output = true,
      .lower = lower_user_op,
  };
  return op;
}

bool differentiable(const Node& node) {
  const UserFunction& function = function_of(node);
  return static_cast<bool>(function.grad) || static_cast<bool>(function.vjp);
}

}  // namespace
}  // namespace ops

Exprs user_op(const UserFunctionPtr& function, const Exprs& inputs) {
  if (!function || !function->perform)
    throw Error("user_op: the function is empty (it needs a perform)");
  if (function->grad && function->vjp)
    throw Error("user_op: " + function->name + " gives both grad and vjp; give one");
  for (const TensorType& type : function->output_types) {
    if (!is_fully_known(type.shape)) {
      throw_shape_error("user_op: " + function->name + " declares an output " +
                        type_to_string(type) + "; output shapes must be static");
    }
  }
  for (const Expr& input : inputs) {
    if (!input) throw Error("user_op: " + function->name + ": an input is empty");
  }
  ops::install_dispatcher();
  const std::int64_t id = ops::register_function(function);
  const NodePtr node =
      make_node(ops::user_op_def(), std::vector<NodePtr>(inputs.begin(), inputs.end()),
                Attrs{{"function", id}, {"name", function->name}});
  Exprs outputs;
  for (std::size_t k = 0; k < function->output_types.size(); ++k)
    outputs.push_back(tuple_get(node, static_cast<std::int64_t>(k)));
  return outputs;
}

std::vector<std::string> non_differentiable_user_ops(const Exprs& outputs, const Exprs& wrt) {
  std::vector<NodePtr> roots;
  for (const Expr& output : outputs) roots.push_back(output.node());
  std::unordered_set<const Node*> depends;
  for (const Expr& w : wrt) depends.insert(w.node().get());
  std::vector<std::string> names;
  for (const NodePtr& node : topological_order(roots)) {
    bool reached = depends.count(node.get()) > 0;
    for (const NodePtr& input : node->inputs()) reached = reached || depends.count(input.get()) > 0;
    if (!reached) continue;
    depends.insert(node.get());
    if (node->op_name() == ops::kUserOp && !ops::differentiable(*node)) {
      const std::string& name = node->attrs().get_string("name");
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

NanGradientsThroughUserOps::NanGradientsThroughUserOps() : previous_(ops::nan_gradients) {
  ops::nan_gradients = true;
}

NanGradientsThroughUserOps::~NanGradientsThroughUserOps() {
  ops::nan_gradients = previous_;
}

std::exception_ptr take_user_op_failure() {
  return std::exchange(ops::pending_failure, nullptr);
}

}  // namespace hypatia
