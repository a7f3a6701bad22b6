#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "hypatia/shape.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

class Node;
using NodePtr = std::shared_ptr<const Node>;
struct OpDef;
namespace native {
class Lowering;
}

// A graph used as an attribute (the body of a scan): placeholders in, results out.
struct Subgraph {
  std::vector<NodePtr> inputs;   // input nodes (op "input")
  std::vector<NodePtr> outputs;  // single-output nodes
};
using SubgraphPtr = std::shared_ptr<const Subgraph>;

using AttrValue = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>, DType,
                               Tensor, SubgraphPtr>;

// Static parameters of a node (axes, names, constant values), kept sorted by key.
class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<std::string, AttrValue>> entries);

  Attrs& set(const std::string& key, AttrValue value);
  bool has(const std::string& key) const;
  const AttrValue& get(const std::string& key) const;  // throws when absent

  std::int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  const std::string& get_string(const std::string& key) const;
  const std::vector<std::int64_t>& get_ints(const std::string& key) const;
  DType get_dtype(const std::string& key) const;
  const Tensor& get_tensor(const std::string& key) const;
  const SubgraphPtr& get_subgraph(const std::string& key) const;

  const std::vector<std::pair<std::string, AttrValue>>& entries() const { return entries_; }
  bool operator==(const Attrs& other) const;
  std::size_t hash() const;
  std::string to_string() const;  // "axes=[0, 1], keepdims=1"

 private:
  std::vector<std::pair<std::string, AttrValue>> entries_;
};

// Everything about one op: how to type it, evaluate it and differentiate it. Each op family file
// defines its descriptors next to each other; the table in ops/registry lists them all.
struct OpDef {
  // The output types for these inputs and attributes; throws ShapeError naming the op, the input
  // positions and the shapes when the inputs do not fit.
  using InferFn = std::function<std::vector<TensorType>(const std::vector<NodePtr>& inputs,
                                                        const Attrs& attrs)>;
  // The reference kernel: the outputs computed from concrete inputs.
  using KernelFn =
      std::function<std::vector<Tensor>(const Node& node, const std::vector<Tensor>& inputs)>;
  // Reverse-mode rule, written with graph ops: given the gradient of the cost with respect to each
  // output (nullptr for an output that receives none), the gradient for each input (nullptr for
  // none). Gradients of broadcast inputs may have the broadcast shape; the driver sums them back.
  using GradFn = std::function<std::vector<NodePtr>(const NodePtr& node,
                                                    const std::vector<NodePtr>& output_grads)>;

  // The native backend's emitter: appends kernel-form steps computing the node's outputs.
  using LowerFn = std::function<void(const NodePtr& node, native::Lowering& lowering)>;

  // Every member has a default, so a designated initializer names only what an op needs.
  std::string name = {};
  InferFn infer = {};
  KernelFn kernel = {};
  GradFn grad = {};           // empty: not differentiable (a gradient reaching it is an error)
  bool tuple_output = false;  // outputs are read through tuple_get nodes
  bool zero_grad = false;     // piecewise constant (floor, sign, comparisons): gradient is zero
  bool reads_tuple = false;   // takes a tuple node as input (tuple_get only)
  LowerFn lower = {};         // empty: the native backend rejects the op, naming it
};

// An immutable, hash-consed graph node. Equal (op, attrs, inputs) give the same object, so
// structural equality is pointer equality and common subexpressions are shared for free.
class Node {
 public:
  const OpDef& op() const { return *op_; }
  const std::string& op_name() const { return op_->name; }
  const std::vector<NodePtr>& inputs() const { return inputs_; }
  const NodePtr& input(std::size_t i) const { return inputs_.at(i); }
  const Attrs& attrs() const { return attrs_; }

  bool is_tuple() const { return op_->tuple_output; }
  // The type of a single-output node; throws for tuples.
  const TensorType& type() const;
  const std::vector<TensorType>& output_types() const { return types_; }
  DType dtype() const { return type().dtype; }
  const Shape& shape() const { return type().shape; }
  int rank() const { return type().rank(); }

  std::size_t hash() const { return hash_; }
  std::uint64_t id() const { return id_; }  // creation order, for printing

 private:
  friend NodePtr make_node(const OpDef&, std::vector<NodePtr>, Attrs);
  Node() = default;

  const OpDef* op_ = nullptr;
  std::vector<NodePtr> inputs_;
  Attrs attrs_;
  std::vector<TensorType> types_;
  std::size_t hash_ = 0;
  std::uint64_t id_ = 0;
};

// Builds (or finds) the node; runs the op's type rule, which throws on a mismatch.
NodePtr make_node(const OpDef& op, std::vector<NodePtr> inputs, Attrs attrs = {});

// Leaves and structural ops every graph needs.
NodePtr input(const std::string& name, TensorType type);
NodePtr constant(const Tensor& value);
NodePtr constant(double value, DType dtype = DType::float64);
NodePtr tuple_get(const NodePtr& tuple, std::int64_t index);

bool is_input(const Node& node);
bool is_constant(const Node& node);
// The value of a constant node; throws for other nodes.
const Tensor& constant_value(const Node& node);
// A constant whose every element equals `value`.
bool is_constant_equal_to(const Node& node, double value);

// Number of live interned nodes (for tests of hash-consing and of memory release).
std::size_t live_node_count();

}  // namespace hypatia
