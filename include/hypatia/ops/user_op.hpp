#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"

namespace hypatia {

// A black-box function as a graph op: code Hypatia cannot see into (numpy, scipy, a C library),
// called with concrete values by every backend. The interpreter calls it directly; compiled native
// code calls it through the runtime library (hr_user_op_call), so the rest of the graph still runs
// as generated code.
//
// `perform` receives the inputs' values and the outputs allocated (zero-filled) with the declared
// output types, and fills them. An exception it throws is caught before it reaches generated code
// and rethrown, unchanged, by the call that ran the graph (Function::run, LogpGrad, a sampler).
//
// Gradients (optional, at most one of the two):
//   vjp  numeric vector-Jacobian product: fills input_grads (one per input, float64, shaped like
//        the input; left zero for inputs without a gradient) from the inputs and the gradient of
//        the cost with respect to each output (zeros for outputs that receive none);
//   grad symbolic: returns the input gradients as graphs (an empty Expr for none) of the inputs,
//        the op's outputs and the output gradients.
// Without either the op is not differentiable: a gradient reaching it is an error naming it,
// except in the model's compiled gradient (see non_differentiable_user_ops), where the variables
// it depends on get NaN gradients and pm.sample gives them a gradient-free step.
struct UserFunction {
  using Perform =
      std::function<void(const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs)>;
  using Vjp =
      std::function<void(const std::vector<Tensor>& inputs, const std::vector<Tensor>& output_grads,
                         std::vector<Tensor>& input_grads)>;
  using Grad =
      std::function<Exprs(const Exprs& inputs, const Exprs& outputs, const Exprs& output_grads)>;

  std::string name;
  std::vector<TensorType> output_types;  // static shapes
  Perform perform;
  Vjp vjp = {};
  Grad grad = {};
};
using UserFunctionPtr = std::shared_ptr<const UserFunction>;

// The outputs of `function` applied to `inputs` (each of static shape). Calls with the same
// function object and inputs are one node (the function is assumed deterministic).
Exprs user_op(const UserFunctionPtr& function, const Exprs& inputs);

// The names of the gradient-less user functions in the graph of `output` that depend on `wrt`.
std::vector<std::string> non_differentiable_user_ops(const Exprs& outputs, const Exprs& wrt);

// While alive (on this thread), gradients through a gradient-less user function are NaN instead of
// an error: a model's compiled gradient stays exact for the variables that do not reach one.
class NanGradientsThroughUserOps {
 public:
  NanGradientsThroughUserOps();
  ~NanGradientsThroughUserOps();
  NanGradientsThroughUserOps(const NanGradientsThroughUserOps&) = delete;
  NanGradientsThroughUserOps& operator=(const NanGradientsThroughUserOps&) = delete;

 private:
  bool previous_;
};

// A failure a user function raised inside compiled code on this thread, taken (cleared) by the
// caller that ran the code so it can rethrow it; null when there is none.
std::exception_ptr take_user_op_failure();

}  // namespace hypatia
