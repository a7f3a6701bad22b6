#pragma once

// The entry samplers use: a compiled log density and its gradient over one flat float64
// parameter vector, called as `double logp = f(x, grad)` with no allocation (native backend).

#include <cstdint>

#include "hypatia/expr.hpp"
#include "hypatia/function.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {

class LogpGrad {
 public:
  // `x` is a float64 vector placeholder of known length; `logp` a float64 scalar graph of it.
  // The gradient graph is built symbolically, then both are optimized and compiled together.
  LogpGrad(const Expr& x, const Expr& logp, const CompileOptions& options = {});
  // With data placeholders: `data` are further inputs of `logp` whose values are bound now and
  // may be replaced later (same dtype and shape) without recompiling.
  LogpGrad(const Expr& x, const Expr& logp, const std::vector<Expr>& data,
           const std::vector<Tensor>& data_values, const CompileOptions& options = {});

  std::int64_t dim() const { return dim_; }
  // Writes d logp / dx into grad[0..dim) and returns logp.
  double operator()(const double* x, double* grad);
  // Another instance sharing the compiled code (one per sampler thread).
  LogpGrad copy() const;

  void set_data(std::size_t index, const Tensor& value);

  const Function& function() const { return function_; }

 private:
  LogpGrad(Function function, std::int64_t dim, std::vector<Tensor> data_values);
  void bind_pointers();

  Function function_;
  std::int64_t dim_;
  std::vector<Tensor> data_values_;
  std::vector<const void*> input_pointers_;  // x first, then the data
};

}  // namespace hypatia
