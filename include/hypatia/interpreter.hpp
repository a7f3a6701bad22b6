#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

// The reference executor: evaluates a graph node by node with each op's reference kernel. Every
// other backend is tested against it.
class Interpreter {
 public:
  // `inputs` are the placeholder nodes whose values each run supplies, in order.
  Interpreter(std::vector<NodePtr> inputs, std::vector<NodePtr> outputs);

  // Checks each value against its placeholder's dtype and static shape, then evaluates. Errors
  // name the op and the shapes involved.
  std::vector<Tensor> run(const std::vector<Tensor>& input_values) const;

  const std::vector<NodePtr>& inputs() const { return inputs_; }
  const std::vector<NodePtr>& outputs() const { return outputs_; }

 private:
  std::vector<NodePtr> inputs_;
  std::vector<NodePtr> outputs_;
  std::vector<NodePtr> order_;  // topological, inputs and constants included
  std::unordered_map<const Node*, std::size_t> slot_;
};

// One-off evaluation with values given by input name.
std::vector<Tensor> evaluate(const std::vector<NodePtr>& outputs,
                             const std::unordered_map<std::string, Tensor>& values = {});
Tensor evaluate(const NodePtr& output, const std::unordered_map<std::string, Tensor>& values = {});

}  // namespace hypatia
