#include "hypatia/logp_grad.hpp"

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"

namespace hypatia {
namespace {

Function compile_logp_grad(const Expr& x, const Expr& logp, CompileOptions options) {
  if (!is_input(*x.node()) || x.dtype() != DType::float64 || x.rank() != 1 ||
      !is_fully_known(x.shape())) {
    throw_shape_error(
        "LogpGrad: the parameter vector must be a float64 input of known length; got " +
        type_to_string(x.type()));
  }
  if (logp.dtype() != DType::float64 || logp.rank() != 0) {
    throw_shape_error("LogpGrad: the log density must be a float64 scalar; got " +
                      type_to_string(logp.type()));
  }
  // Stabilize the log density before differentiating it, so the gradient is built from the
  // stable forms (a naive log-sum-exp's gradient is 0/0 where the stable one is finite).
  Expr stable = logp;
  if (options.optimize) {
    RewriteOptions before_grad = options.rewrite;
    before_grad.disabled_phases.insert("fuse");
    stable = optimize({logp.node()}, before_grad).front();
  }
  Expr gradient = grad(stable, x);
  return Function({x.node()}, {stable.node(), gradient.node()}, options);
}

}  // namespace

LogpGrad::LogpGrad(const Expr& x, const Expr& logp, const CompileOptions& options)
    : function_(compile_logp_grad(x, logp, options)), dim_(x.shape().front()) {}

double LogpGrad::operator()(const double* x, double* grad) {
  double logp = 0.0;
  const void* inputs[] = {x};
  void* outputs[] = {&logp, grad};
  function_.call(inputs, outputs);
  return logp;
}

LogpGrad LogpGrad::copy() const {
  return LogpGrad(function_.copy(), dim_);
}

}  // namespace hypatia
