#pragma once

// Lowering a whole graph to the kernel form. The driver walks the graph in topological order and
// asks each op's emitter (OpDef::lower) to append steps that compute its outputs into buffers.

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/native/kernel_ir.hpp"
#include "hypatia/node.hpp"

namespace hypatia::native {

class Lowering {
 public:
  // The buffer holding output `index` of an already lowered node.
  BufferId buffer(const NodePtr& node, int index = 0) const;
  BufferId input_buffer(const Node& node, std::size_t input) const {
    return buffer(node.input(input));
  }
  // Allocates the buffer an emitter writes output `index` of `node` into.
  BufferId define(const Node& node, int index = 0);
  // Makes output `index` of `node` a view of `source` with the node's shape (no copy).
  void define_alias(const Node& node, BufferId source, int index = 0);
  BufferId temporary(DType dtype, const Shape& shape);
  // A buffer holding `value` (for constants inside op bodies, e.g. fused regions).
  BufferId constant(const Tensor& value);
  void emit(Step step) { program_.steps.push_back(std::move(step)); }

  const Buffer& buffer_info(BufferId id) const { return program_.buffers.at(id); }
  Program& program() { return program_; }

  // Lowers `outputs` as a function of `inputs` (placeholders). Every shape must be fully known.
  static Program lower(const std::vector<NodePtr>& inputs, const std::vector<NodePtr>& outputs);

 private:
  BufferId add_buffer(Buffer buffer);
  void lower_node(const NodePtr& node);
  void bind_outputs(const std::vector<NodePtr>& outputs);

  Program program_;
  std::unordered_map<const Node*, std::vector<BufferId>> buffers_;
  int constants_ = 0;
};

// Emitters shared by op families.
// out = f(inputs...) elementwise with numpy broadcasting: one loop nest over the output shape.
void emit_elementwise(Lowering& lowering, BufferId out, const std::vector<BufferId>& inputs,
                      const std::function<Scalar(const std::vector<Scalar>& loaded)>& expression);
// A row-major copy of `source` into `target` (same number of elements).
void emit_copy(Lowering& lowering, BufferId target, BufferId source);

}  // namespace hypatia::native
