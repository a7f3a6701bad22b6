// The reference interpreter: runs each node's reference kernel in topological order.

#include "hypatia/interpreter.hpp"

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"

namespace hypatia {
namespace {

std::string input_name(const Node& node) {
  return node.attrs().get_string("name");
}

void check_bound_value(const Node& input, const Tensor& value) {
  const TensorType& expected = input.type();
  if (value.dtype() != expected.dtype || !matches(expected.shape, value.shape())) {
    throw RuntimeError("input '" + input_name(input) + "': expected " + type_to_string(expected) +
                       ", got " + type_to_string(value.type()));
  }
}

// Kernels must return what the type rule promised; a mismatch is a bug in the op, caught here
// rather than as a wrong value later.
void check_outputs(const Node& node, const std::vector<Tensor>& outputs) {
  const auto& types = node.output_types();
  if (outputs.size() != types.size()) {
    throw RuntimeError(node.op_name() + ": kernel returned " + std::to_string(outputs.size()) +
                       " values, expected " + std::to_string(types.size()));
  }
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (outputs[i].dtype() != types[i].dtype || !matches(types[i].shape, outputs[i].shape())) {
      throw RuntimeError(node.op_name() + ": output " + std::to_string(i) + " is " +
                         type_to_string(outputs[i].type()) + ", but its type rule says " +
                         type_to_string(types[i]));
    }
  }
}

std::vector<Tensor> run_kernel(const Node& node, const std::vector<Tensor>& args) {
  try {
    return node.op().kernel(node, args);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    // A user function's own exception (a Python error with its traceback) reaches the caller
    // unchanged, as it does from compiled code.
    if (node.op_name() == "user_op") throw;
    std::string shapes;
    for (std::size_t i = 0; i < args.size(); ++i) {
      shapes +=
          (i ? ", input " : "input ") + std::to_string(i) + " " + type_to_string(args[i].type());
    }
    throw RuntimeError(node.op_name() + ": " + e.what() + "; got " + shapes);
  }
}

}  // namespace

Interpreter::Interpreter(std::vector<NodePtr> inputs, std::vector<NodePtr> outputs)
    : inputs_(std::move(inputs)), outputs_(std::move(outputs)) {
  order_ = topological_order(outputs_);
  for (std::size_t i = 0; i < order_.size(); ++i) slot_[order_[i].get()] = i;
  std::unordered_map<const Node*, bool> bound;
  for (const NodePtr& in : inputs_) {
    if (!is_input(*in))
      throw Error("Interpreter: '" + in->op_name() + "' given as an input is not an input node");
    bound[in.get()] = true;
  }
  for (const NodePtr& node : order_) {
    if (is_input(*node) && !bound.count(node.get())) {
      throw Error("Interpreter: the graph needs input '" + input_name(*node) + "' (" +
                  type_to_string(node->type()) + "), which is not among the given inputs");
    }
  }
}

std::vector<Tensor> Interpreter::run(const std::vector<Tensor>& input_values) const {
  if (input_values.size() != inputs_.size()) {
    throw RuntimeError("Interpreter::run: expected " + std::to_string(inputs_.size()) +
                       " input values, got " + std::to_string(input_values.size()));
  }
  std::vector<std::vector<Tensor>> values(order_.size());
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    check_bound_value(*inputs_[i], input_values[i]);
    auto it = slot_.find(inputs_[i].get());
    if (it != slot_.end()) values[it->second] = {input_values[i]};
  }
  std::vector<Tensor> args;
  for (std::size_t i = 0; i < order_.size(); ++i) {
    const Node& node = *order_[i];
    if (is_input(node)) continue;
    if (node.op().reads_tuple) {
      const auto index = static_cast<std::size_t>(node.attrs().get_int("index"));
      values[i] = {values[slot_.at(node.input(0).get())].at(index)};
      continue;
    }
    args.clear();
    for (const NodePtr& input : node.inputs())
      args.push_back(values[slot_.at(input.get())].front());
    values[i] = run_kernel(node, args);
    check_outputs(node, values[i]);
  }
  std::vector<Tensor> results;
  for (const NodePtr& output : outputs_) {
    const std::vector<Tensor>& value = values[slot_.at(output.get())];
    if (value.size() != 1)
      throw RuntimeError("Interpreter: output '" + output->op_name() + "' is a tuple");
    results.push_back(value.front());
  }
  return results;
}

std::vector<Tensor> evaluate(const std::vector<NodePtr>& outputs,
                             const std::unordered_map<std::string, Tensor>& values) {
  std::vector<NodePtr> inputs = free_inputs(outputs);
  std::vector<Tensor> bound;
  for (const NodePtr& in : inputs) {
    auto it = values.find(input_name(*in));
    if (it == values.end()) {
      throw RuntimeError("evaluate: no value given for input '" + input_name(*in) + "' (" +
                         type_to_string(in->type()) + ")");
    }
    bound.push_back(it->second);
  }
  return Interpreter(inputs, outputs).run(bound);
}

Tensor evaluate(const NodePtr& output, const std::unordered_map<std::string, Tensor>& values) {
  return evaluate(std::vector<NodePtr>{output}, values).front();
}

}  // namespace hypatia
