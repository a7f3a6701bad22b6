#include "backend/native/lowering.hpp"

#include "hypatia_runtime.h"

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"

namespace hypatia::native {

Scalar literal(double value, DType dtype) {
  auto node = std::make_shared<ScalarNode>();
  node->kind = ScalarNode::Kind::literal;
  node->literal = value;
  node->dtype = dtype;
  return node;
}

Scalar load(BufferId buffer, Index index, DType dtype) {
  auto node = std::make_shared<ScalarNode>();
  node->kind = ScalarNode::Kind::load;
  node->buffer = buffer;
  node->index = std::move(index);
  node->dtype = dtype;
  return node;
}

namespace {

// Whether the value is computed from loop variables. (A load's value is data, whatever its index.)
bool indexes_loops(const Scalar& node) {
  if (node->kind == ScalarNode::Kind::loop_variable) return true;
  if (node->kind != ScalarNode::Kind::apply) return false;
  for (const Scalar& arg : node->args) {
    if (indexes_loops(arg)) return true;
  }
  return false;
}

// The two rules that keep generated loops clear of the vectorizer miscompiles GCC 12 has shown
// (#3: `c ? load : load`; #12: at -march with AVX-512, a masked load under a condition computed on
// loop indices converted to double read the wrong lanes):
//  1. every operand of a scalar function is evaluated unconditionally, so no load is ever
//     conditional: a template has no `?:`, `&&` or `||` (choices go through hr_select and the
//     other hr_ helpers, whose arguments C++ evaluates before the call);
//  2. loop index arithmetic stays integer: an int64 operand computed from loop variables is only
//     ever read by a function computed in int64 (a boolean test of indices may then select data).
void check_unconditional(const std::string& function, const std::string& cpp_template) {
  if (cpp_template.find_first_of("?") != std::string::npos ||
      cpp_template.find("&&") != std::string::npos ||
      cpp_template.find("||") != std::string::npos) {
    throw Error("native lowering: the C++ form of '" + function + "' (" + cpp_template +
                ") evaluates an operand conditionally; use an hr_ helper taking values");
  }
}

void check_integer_indexing(const std::string& function, const std::vector<Scalar>& args,
                            DType dtype, const std::string& cpp_int_template) {
  bool integral = !cpp_int_template.empty() && !is_floating(dtype);
  bool reads_indices = false;
  for (const Scalar& arg : args) {
    integral = integral && is_integral(arg->dtype);
    // A boolean test of indices was itself computed in int64 (its own apply was checked).
    reads_indices = reads_indices || (arg->dtype == DType::int64 && indexes_loops(arg));
  }
  if (reads_indices && !integral) {
    throw Error("native lowering: '" + function +
                "' would compute on loop indices in floating point; compare and combine indices "
                "in int64 and select values separately");
  }
}

}  // namespace

Scalar apply(std::string function, std::string cpp_template, std::vector<Scalar> args, DType dtype,
             std::string cpp_int_template) {
  check_unconditional(function, cpp_template);
  check_unconditional(function, cpp_int_template);
  check_integer_indexing(function, args, dtype, cpp_int_template);
  auto node = std::make_shared<ScalarNode>();
  node->kind = ScalarNode::Kind::apply;
  node->function = std::move(function);
  node->cpp_template = std::move(cpp_template);
  node->cpp_int_template = std::move(cpp_int_template);
  node->args = std::move(args);
  node->dtype = dtype;
  return node;
}

Scalar select(Scalar condition, Scalar if_true, Scalar if_false, DType dtype) {
  return apply("where", "hr_select({0}, {1}, {2})",
               {std::move(condition), std::move(if_true), std::move(if_false)}, dtype,
               "hr_select_int({0}, {1}, {2})");
}

Scalar loop_variable(int variable) {
  auto node = std::make_shared<ScalarNode>();
  node->kind = ScalarNode::Kind::loop_variable;
  node->variable = variable;
  node->dtype = DType::int64;
  return node;
}

bool runs_in_chunks(const LoopNest& nest) {
  return nest.parallel_rows && !nest.extents.empty() && nest.extents[0] >= HR_PARALLEL_MIN_ROWS;
}

bool indexes_rows(const Statement& statement) {
  for (const auto& [variable, stride] : statement.index.terms) {
    if (variable == 0 && stride != 0) return true;
  }
  return false;
}

bool sums_in_lanes(const LoopNest& nest, const Program& program) {
  if (!nest.sum_lanes || nest.extents.empty() || nest.extents.back() < HR_SUM_LANES_MIN_RUN) {
    return false;
  }
  const int innermost = static_cast<int>(nest.extents.size()) - 1;
  for (const Statement& statement : nest.body) {
    if (statement.update != Statement::Update::add || statement.index.indirect ||
        program.buffers.at(static_cast<std::size_t>(statement.buffer)).dtype != DType::float64) {
      return false;
    }
    for (const auto& [variable, stride] : statement.index.terms) {
      if (variable == innermost && stride != 0) return false;
    }
  }
  return true;
}

Index broadcast_index(const Shape& buffer_shape, int loop_rank) {
  Index index;
  const std::vector<std::int64_t> strides = row_major_strides(buffer_shape);
  const int offset = loop_rank - static_cast<int>(buffer_shape.size());
  for (std::size_t d = 0; d < buffer_shape.size(); ++d) {
    if (buffer_shape[d] != 1) index.terms.emplace_back(offset + static_cast<int>(d), strides[d]);
  }
  return index;
}

BufferId Lowering::add_buffer(Buffer buffer) {
  program_.buffers.push_back(std::move(buffer));
  return static_cast<BufferId>(program_.buffers.size() - 1);
}

BufferId Lowering::buffer(const NodePtr& node, int index) const {
  auto it = buffers_.find(node.get());
  if (it == buffers_.end() || index >= static_cast<int>(it->second.size()) ||
      it->second[index] < 0) {
    throw Error("native lowering: '" + node->op_name() + "' was used before it was lowered");
  }
  return it->second[index];
}

BufferId Lowering::define(const Node& node, int index) {
  const TensorType& type = node.output_types().at(index);
  BufferId id = temporary(type.dtype, type.shape);
  auto& slots = buffers_[&node];
  slots.resize(node.output_types().size(), -1);
  slots[index] = id;
  return id;
}

void Lowering::define_alias(const Node& node, BufferId source, int index) {
  Buffer view;
  view.role = Buffer::Role::temporary;
  view.dtype = node.output_types().at(index).dtype;
  view.shape = node.output_types().at(index).shape;
  view.alias_of =
      program_.buffers.at(source).alias_of >= 0 ? program_.buffers[source].alias_of : source;
  auto& slots = buffers_[&node];
  slots.resize(node.output_types().size(), -1);
  slots[index] = add_buffer(std::move(view));
}

BufferId Lowering::temporary(DType dtype, const Shape& shape) {
  if (!is_fully_known(shape)) {
    throw Error("native lowering: shape " + shape_to_string(shape) +
                " is not fully known; compile for concrete input shapes");
  }
  Buffer buffer;
  buffer.dtype = dtype;
  buffer.shape = shape;
  return add_buffer(std::move(buffer));
}

BufferId Lowering::constant(const Tensor& value) {
  Buffer buffer;
  buffer.role = Buffer::Role::constant;
  buffer.dtype = value.dtype();
  buffer.shape = value.shape();
  buffer.value = value;
  buffer.position = constants_++;
  return add_buffer(std::move(buffer));
}

void Lowering::lower_node(const NodePtr& node) {
  if (is_constant(*node)) {
    buffers_[node.get()] = {constant(constant_value(*node))};
    return;
  }
  if (node->op().reads_tuple) {
    buffers_[node.get()] = {
        buffer(node->input(0), static_cast<int>(node->attrs().get_int("index")))};
    return;
  }
  if (!node->op().lower) {
    throw Error("native backend: op '" + node->op_name() + "' has no native emitter (" +
                (node->is_tuple() ? std::string("tuple") : type_to_string(node->type())) + ")");
  }
  node->op().lower(node, *this);
}

void Lowering::bind_outputs(const std::vector<NodePtr>& outputs) {
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    Buffer out;
    out.role = Buffer::Role::output;
    out.dtype = outputs[k]->dtype();
    out.shape = outputs[k]->shape();
    out.position = static_cast<int>(k);
    BufferId target = add_buffer(std::move(out));
    program_.outputs.push_back(target);
    emit_copy(*this, target, buffer(outputs[k]));
  }
}

Program Lowering::lower(const std::vector<NodePtr>& inputs, const std::vector<NodePtr>& outputs) {
  Lowering lowering;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    Buffer in;
    in.role = Buffer::Role::input;
    in.dtype = inputs[k]->dtype();
    in.shape = inputs[k]->shape();
    in.position = static_cast<int>(k);
    if (!is_fully_known(in.shape)) {
      throw Error("native lowering: input '" + inputs[k]->attrs().get_string("name") +
                  "' has shape " + shape_to_string(in.shape) +
                  "; compile for concrete input shapes");
    }
    BufferId id = lowering.add_buffer(std::move(in));
    lowering.buffers_[inputs[k].get()] = {id};
    lowering.program_.inputs.push_back(id);
  }
  for (const NodePtr& node : topological_order(outputs)) {
    if (lowering.buffers_.count(node.get())) continue;
    if (is_input(*node)) {
      throw Error("native lowering: the graph needs input '" + node->attrs().get_string("name") +
                  "', which is not among the function's inputs");
    }
    lowering.lower_node(node);
  }
  lowering.bind_outputs(outputs);
  return std::move(lowering.program_);
}

void emit_elementwise(Lowering& lowering, BufferId out, const std::vector<BufferId>& inputs,
                      const std::function<Scalar(const std::vector<Scalar>& loaded)>& expression) {
  const Buffer& target = lowering.buffer_info(out);
  const int rank = static_cast<int>(target.shape.size());
  std::vector<Scalar> loaded;
  for (BufferId in : inputs) {
    const Buffer& source = lowering.buffer_info(in);
    loaded.push_back(load(in, broadcast_index(source.shape, rank), source.dtype));
  }
  LoopNest nest;
  nest.extents = target.shape;
  nest.body.push_back({out, broadcast_index(target.shape, rank), expression(loaded)});
  nest.parallel_rows = true;  // each row writes its own elements
  lowering.emit(std::move(nest));
}

void emit_copy(Lowering& lowering, BufferId target, BufferId source) {
  const Buffer& from = lowering.buffer_info(source);
  const Buffer& to = lowering.buffer_info(target);
  LoopNest nest;
  nest.extents = {to.size()};
  Scalar value = load(source, Index{0, {{0, 1}}, nullptr, 0}, from.dtype);
  if (from.dtype != to.dtype) value = apply("cast", "{0}", {value}, to.dtype, "{0}");
  nest.body.push_back({target, Index{0, {{0, 1}}, nullptr, 0}, value});
  nest.parallel_rows = true;  // each element is its own row
  lowering.emit(std::move(nest));
}

}  // namespace hypatia::native
