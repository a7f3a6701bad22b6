// Hessian-vector products by reverse over reverse, compiled with the log density and gradient
// they come from.

#include "hypatia/infer/hessian.hpp"

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/rewrite.hpp"
#include "infer/log_density_objective.hpp"

namespace hypatia {
namespace {

// Every phase but fusion: fused nodes have no gradient rule, and the graph is differentiated
// after each of these rewrites.
Expr optimized_for_grad(const Expr& graph, const CompileOptions& options) {
  if (!options.optimize) return graph;
  RewriteOptions before_grad = options.rewrite;
  before_grad.disabled_phases.insert("fuse");
  return optimize({graph.node()}, before_grad).front();
}

Function compile_hessian_vector_product(const Expr& x, const Expr& logp,
                                        const std::vector<Expr>& data,
                                        const CompileOptions& options) {
  if (!x || !is_input(*x.node()) || x.dtype() != DType::float64 || x.rank() != 1 ||
      !is_fully_known(x.shape())) {
    throw_shape_error(
        "HessianVectorProduct: the parameter vector must be a float64 input of known length; "
        "got " +
        (x ? type_to_string(x.type()) : std::string("nothing")));
  }
  if (!logp || logp.dtype() != DType::float64 || logp.rank() != 0) {
    throw_shape_error("HessianVectorProduct: the log density must be a float64 scalar; got " +
                      (logp ? type_to_string(logp.type()) : std::string("nothing")));
  }
  // As LogpGrad: the stable forms are differentiated (a naive log-sum-exp's gradient is 0/0 where
  // the stable one is finite), and the same again one level up.
  const Expr stable = optimized_for_grad(logp, options);
  const Expr gradient = optimized_for_grad(grad(stable, x), options);
  const Expr direction(input("hvp:direction", TensorType{DType::float64, x.shape()}));
  Expr product;
  try {
    product = grad(sum(gradient * direction), x);
  } catch (const Error& error) {
    throw Error(std::string("HessianVectorProduct: the gradient of the log density cannot be "
                            "differentiated again: ") +
                error.what());
  }
  std::vector<NodePtr> inputs = {x.node(), direction.node()};
  for (const Expr& placeholder : data) inputs.push_back(placeholder.node());
  return Function(inputs, {stable.node(), gradient.node(), product.node()}, options);
}

void check_data(const std::vector<Expr>& data, const std::vector<Tensor>& values) {
  if (data.size() != values.size()) {
    throw Error("HessianVectorProduct: " + std::to_string(data.size()) + " data placeholders but " +
                std::to_string(values.size()) + " values");
  }
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (values[i].type() != data[i].type()) {
      throw Error("HessianVectorProduct: data " + data[i]->attrs().get_string("name") +
                  " must be " + type_to_string(data[i].type()) + "; got " +
                  type_to_string(values[i].type()));
    }
  }
}

}  // namespace

struct CompiledProduct {
  Function function;
  std::int64_t dim;
  std::vector<Tensor> data_values;
};

namespace {

CompiledProduct compile_for_graph(const Expr& x, const Expr& logp, const std::vector<Expr>& data,
                                  const std::vector<Tensor>& data_values,
                                  const CompileOptions& options) {
  check_data(data, data_values);
  Function function = compile_hessian_vector_product(x, logp, data, options);
  return {std::move(function), x.shape().front(), data_values};
}

CompiledProduct compile_for_model(const Model& model, bool jacobian,
                                  const CompileOptions& options) {
  const PointLayout layout = model.layout();
  if (layout.dim == 0) throw Error("HessianVectorProduct: the model has no free random variables");
  const LogDensityGraph graph = model.log_density();
  return {
      compile_hessian_vector_product(graph.x, log_density_objective(model, graph, layout, jacobian),
                                     graph.data_inputs, options),
      layout.dim, graph.data_values};
}

}  // namespace

HessianVectorProduct::HessianVectorProduct(const Expr& x, const Expr& logp,
                                           const std::vector<Expr>& data,
                                           const std::vector<Tensor>& data_values,
                                           const CompileOptions& options)
    : HessianVectorProduct(compile_for_graph(x, logp, data, data_values, options)) {}

HessianVectorProduct::HessianVectorProduct(const Model& model, bool jacobian,
                                           const CompileOptions& options)
    : HessianVectorProduct(compile_for_model(model, jacobian, options)) {}

HessianVectorProduct::HessianVectorProduct(CompiledProduct&& product)
    : HessianVectorProduct(std::move(product.function), product.dim,
                           std::move(product.data_values)) {}

HessianVectorProduct::HessianVectorProduct(Function function, std::int64_t dim,
                                           std::vector<Tensor> data_values)
    : function_(std::move(function)),
      dim_(dim),
      data_values_(std::move(data_values)),
      scratch_gradient_(static_cast<std::size_t>(dim)) {
  bind_pointers();
}

void HessianVectorProduct::bind_pointers() {
  input_pointers_.assign(2, nullptr);
  for (const Tensor& value : data_values_) input_pointers_.push_back(value.bytes());
}

double HessianVectorProduct::operator()(const double* x, const double* v, double* hv,
                                        double* grad) {
  double logp = 0.0;
  input_pointers_[0] = x;
  input_pointers_[1] = v;
  void* outputs[] = {&logp, grad ? grad : scratch_gradient_.data(), hv};
  function_.call(input_pointers_.data(), outputs);
  return logp;
}

std::vector<double> HessianVectorProduct::hessian(const double* x) {
  const auto n = static_cast<std::size_t>(dim_);
  std::vector<double> matrix(n * n);
  std::vector<double> unit(n, 0.0);
  std::vector<double> column(n);
  for (std::size_t j = 0; j < n; ++j) {
    unit[j] = 1.0;
    (*this)(x, unit.data(), column.data());
    unit[j] = 0.0;
    for (std::size_t i = 0; i < n; ++i) matrix[i * n + j] = column[i];
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double mean = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
      matrix[i * n + j] = mean;
      matrix[j * n + i] = mean;
    }
  }
  return matrix;
}

HessianVectorProduct HessianVectorProduct::copy() const {
  return HessianVectorProduct(function_.copy(), dim_, data_values_);
}

}  // namespace hypatia
