#pragma once

// Helpers shared by the op family files: error messages in one format, and the index arithmetic
// of broadcasting that several reference kernels need.

#include <string>
#include <unordered_set>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/expr.hpp"
#include "hypatia/node.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::ops {

// "input 0 float64(3, 4), input 1 float64(5,)".
std::string describe_inputs(const std::vector<NodePtr>& inputs);
std::string describe_values(const std::vector<Tensor>& values);

// Throws ShapeError "op: message; got input 0 float64(3,), input 1 ...".
[[noreturn]] void fail(const std::string& op, const std::string& message,
                       const std::vector<NodePtr>& inputs);
// Throws RuntimeError "op: message; got input 0 float64(3,), ..." for concrete values.
[[noreturn]] void fail_runtime(const std::string& op, const std::string& message,
                               const std::vector<Tensor>& values);

// Checks the input count of `op`.
void expect_arity(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t arity);
// Checks that input `index` has a floating dtype (or any of `allowed`).
void expect_floating(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t index);
void expect_integer(const std::string& op, const std::vector<NodePtr>& inputs, std::size_t index);

// Walks the elements of an output of shape `out_shape` and, for each, the flat offset into each
// input broadcast against it (numpy rules; inputs are right-aligned, size-1 dims repeat).
class BroadcastWalker {
 public:
  BroadcastWalker(const Shape& out_shape, const std::vector<Shape>& input_shapes);
  std::int64_t size() const { return size_; }
  // Offsets of element `flat` of the output into each input (valid until the next call).
  const std::vector<std::int64_t>& offsets(std::int64_t flat);

 private:
  Shape out_shape_;
  std::vector<std::vector<std::int64_t>> strides_;  // per input, aligned to out rank, 0 = repeat
  std::vector<std::int64_t> offsets_;
  std::int64_t size_;
};

// The loop invariants of a body graph (a scan body, an ODE's right-hand side): the largest parts of
// the graph of `outputs` that depend on none of `placeholders` (closures over outer nodes, work on
// constant data), in the order first used. Constant leaves are not among them: a body keeps those.
// A body takes its invariants as extra inputs, computed once outside it.
std::vector<NodePtr> loop_invariants(const std::vector<NodePtr>& outputs,
                                     const std::unordered_set<const Node*>& placeholders);

// Wraps a NodePtr list as Exprs and back.
Exprs as_exprs(const std::vector<NodePtr>& nodes);
std::vector<NodePtr> as_nodes(const Exprs& exprs);

}  // namespace hypatia::ops
