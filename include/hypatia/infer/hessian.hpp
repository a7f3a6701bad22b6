#pragma once

// Compiled Hessian-vector products of a log density over one flat float64 vector, by reverse over
// reverse: the symbolic gradient g(x) is itself a graph, so H v is the gradient of g(x) . v with
// respect to x, with v a second input. The products are compiled like the log density and its
// gradient (no interpreter between calls), and the dense Hessian is dim of them.

#include <cstdint>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/function.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

struct CompiledProduct;

class HessianVectorProduct {
 public:
  // `x` a float64 vector input of known length; `logp` a float64 scalar graph of x and of the
  // `data` inputs, whose values are bound now. Throws hypatia::Error naming the op when an op on
  // the path from x to logp has a gradient rule that cannot itself be differentiated.
  HessianVectorProduct(const Expr& x, const Expr& logp, const std::vector<Expr>& data = {},
                       const std::vector<Tensor>& data_values = {},
                       const CompileOptions& options = {});
  // The model's log density over its flat unconstrained vector (Model::log_density), with or
  // without the transforms' log-Jacobians (as find_map's MapOptions::jacobian).
  HessianVectorProduct(const Model& model, bool jacobian, const CompileOptions& options = {});

  std::int64_t dim() const { return dim_; }
  // Writes H(x) v into hv[0..dim) and, when `grad` is not null, the gradient at x into grad;
  // returns logp(x). Allocates nothing (native backend). Not thread-safe: use copy().
  double operator()(const double* x, const double* v, double* hv, double* grad = nullptr);
  // The dense Hessian at x, row-major dim x dim, from the products with each unit vector,
  // symmetrized (H + H^T) / 2 against rounding.
  std::vector<double> hessian(const double* x);
  HessianVectorProduct copy() const;

  const Function& function() const { return function_; }

 private:
  HessianVectorProduct(Function function, std::int64_t dim, std::vector<Tensor> data_values);
  explicit HessianVectorProduct(CompiledProduct&& product);
  void bind_pointers();

  Function function_;
  std::int64_t dim_;
  std::vector<Tensor> data_values_;
  std::vector<const void*> input_pointers_;  // x, v, then the data
  std::vector<double> scratch_gradient_;
};

}  // namespace hypatia
