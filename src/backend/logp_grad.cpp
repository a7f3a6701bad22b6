#include "hypatia/logp_grad.hpp"

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"

namespace hypatia {
namespace {

Function compile_logp_grad(const Expr& x, const Expr& logp, const std::vector<Expr>& data,
                           CompileOptions options) {
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
  std::vector<NodePtr> inputs = {x.node()};
  for (const Expr& placeholder : data) inputs.push_back(placeholder.node());
  return Function(inputs, {stable.node(), gradient.node()}, options);
}

void check_data_value(const NodePtr& placeholder, const Tensor& value) {
  if (value.type() != placeholder->type()) {
    throw Error("LogpGrad: data " + placeholder->attrs().get_string("name") + " must be " +
                type_to_string(placeholder->type()) + "; got " + type_to_string(value.type()));
  }
}

}  // namespace

LogpGrad::LogpGrad(const Expr& x, const Expr& logp, const CompileOptions& options)
    : LogpGrad(x, logp, {}, {}, options) {}

LogpGrad::LogpGrad(const Expr& x, const Expr& logp, const std::vector<Expr>& data,
                   const std::vector<Tensor>& data_values, const CompileOptions& options)
    : LogpGrad(compile_logp_grad(x, logp, data, options), x.shape().front(), data_values) {
  if (data.size() != data_values.size()) {
    throw Error("LogpGrad: " + std::to_string(data.size()) + " data placeholders but " +
                std::to_string(data_values.size()) + " values");
  }
  for (std::size_t i = 0; i < data.size(); ++i) check_data_value(data[i].node(), data_values[i]);
}

LogpGrad::LogpGrad(Function function, std::int64_t dim, std::vector<Tensor> data_values)
    : function_(std::move(function)), dim_(dim), data_values_(std::move(data_values)) {
  bind_pointers();
}

void LogpGrad::bind_pointers() {
  input_pointers_.assign(1, nullptr);
  for (const Tensor& value : data_values_) input_pointers_.push_back(value.bytes());
}

void LogpGrad::set_data(std::size_t index, const Tensor& value) {
  check_data_value(function_.inputs().at(index + 1), value);
  data_values_.at(index) = value;
  bind_pointers();
}

double LogpGrad::operator()(const double* x, double* grad) {
  double logp = 0.0;
  input_pointers_[0] = x;
  void* outputs[] = {&logp, grad};
  function_.call(input_pointers_.data(), outputs);
  return logp;
}

LogpGrad LogpGrad::copy() const {
  return LogpGrad(function_.copy(), dim_, data_values_);
}

}  // namespace hypatia
