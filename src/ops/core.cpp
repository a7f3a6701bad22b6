// Leaves (named inputs, constants) and tuple access: the ops every graph is made of.

#include "ops/core.hpp"

#include "hypatia/error.hpp"
#include "ops/op_util.hpp"

namespace hypatia {
namespace ops {

const OpDef& input_op() {
  static const OpDef op{
      .name = "input",
      .infer = [](const std::vector<NodePtr>&, const Attrs& attrs) -> std::vector<TensorType> {
        return {{attrs.get_dtype("dtype"), attrs.get_ints("shape")}};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>&) -> std::vector<Tensor> {
        throw RuntimeError("input '" + node.attrs().get_string("name") + "' has no value bound");
      },
  };
  return op;
}

const OpDef& constant_op() {
  static const OpDef op{
      .name = "constant",
      .infer = [](const std::vector<NodePtr>&, const Attrs& attrs) -> std::vector<TensorType> {
        return {attrs.get_tensor("value").type()};
      },
      .kernel = [](const Node& node, const std::vector<Tensor>&) -> std::vector<Tensor> {
        return {node.attrs().get_tensor("value")};
      },
      .zero_grad = true,
  };
  return op;
}

const OpDef& tuple_get_op() {
  static const OpDef op{
      .name = "tuple_get",
      .infer = [](const std::vector<NodePtr>& inputs,
                  const Attrs& attrs) -> std::vector<TensorType> {
        // make_node rejects tuple inputs for every other op, so this rule sees the raw tuple.
        const auto& types = inputs.at(0)->output_types();
        const std::int64_t index = attrs.get_int("index");
        if (index < 0 || index >= static_cast<std::int64_t>(types.size())) {
          throw_shape_error("tuple_get: index " + std::to_string(index) + " is out of range for '" +
                            inputs[0]->op_name() + "' with " + std::to_string(types.size()) +
                            " outputs");
        }
        return {types[static_cast<std::size_t>(index)]};
      },
      // The interpreter reads tuple elements directly; this kernel is never called.
      .kernel = [](const Node&, const std::vector<Tensor>&) -> std::vector<Tensor> {
        throw RuntimeError("tuple_get: evaluated without its tuple");
      },
      .reads_tuple = true,
  };
  return op;
}

}  // namespace ops

NodePtr input(const std::string& name, TensorType type) {
  for (std::int64_t d : type.shape) {
    if (d < 0 && d != kUnknownDim) {
      throw_shape_error("input '" + name + "': dimension " + std::to_string(d) +
                        " is negative (use kUnknownDim for a size known only at run time)");
    }
  }
  return make_node(ops::input_op(), {},
                   Attrs{{"name", name}, {"dtype", type.dtype}, {"shape", type.shape}});
}

NodePtr constant(const Tensor& value) {
  return make_node(ops::constant_op(), {}, Attrs{{"value", value}});
}

NodePtr constant(double value, DType dtype) {
  return constant(Tensor::scalar(value, dtype));
}

NodePtr tuple_get(const NodePtr& tuple, std::int64_t index) {
  if (!tuple->is_tuple()) {
    throw_shape_error("tuple_get: '" + tuple->op_name() + "' is not a multi-output op");
  }
  return make_node(ops::tuple_get_op(), {tuple}, Attrs{{"index", index}});
}

bool is_input(const Node& node) {
  return &node.op() == &ops::input_op();
}
bool is_constant(const Node& node) {
  return &node.op() == &ops::constant_op();
}

const Tensor& constant_value(const Node& node) {
  if (!is_constant(node))
    throw Error("constant_value: node '" + node.op_name() + "' is not a constant");
  return node.attrs().get_tensor("value");
}

bool is_constant_equal_to(const Node& node, double value) {
  if (!is_constant(node)) return false;
  const Tensor& t = constant_value(node);
  for (std::int64_t i = 0; i < t.size(); ++i) {
    if (t.at(i) != value) return false;
  }
  return true;
}

Expr::Expr(double value) : node_(constant(value)) {}
Expr::Expr(int value) : node_(constant(Tensor::from_ints({value}, {}))) {}

}  // namespace hypatia
