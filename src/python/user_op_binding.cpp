// Black-box Python ops (python/hypatia/pytensor/graph/op.py) as user_op nodes: the compiled
// program calls back into Python, taking the GIL only for the call. A Python exception raised
// there travels as py::error_already_set (the exception object with its traceback) through the
// engine, across sampler threads, and is raised again by the binding that started the work.

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "hypatia/error.hpp"
#include "hypatia/ops/user_op.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

DType user_dtype(const std::string& name) {
  if (name == "float64") return DType::float64;
  if (name == "float32") return DType::float32;
  if (name == "int64") return DType::int64;
  if (name == "bool") return DType::boolean;
  throw Error("user op: unsupported output dtype '" + name + "'");
}

// A Python object shared by C++ closures that may be released on a thread without the GIL.
std::shared_ptr<py::object> held(py::object object) {
  return {new py::object(std::move(object)), [](py::object* pointer) {
            py::gil_scoped_acquire gil;
            delete pointer;
          }};
}

UserFunctionPtr user_function(const std::string& name, py::object perform,
                              const std::vector<std::pair<std::string, Shape>>& output_types,
                              py::object grad, py::object vjp) {
  auto function = std::make_shared<UserFunction>();
  function->name = name;
  for (const auto& [dtype, shape] : output_types)
    function->output_types.push_back({user_dtype(dtype), shape});
  // perform(list of arrays) -> list of arrays, already in the declared dtypes.
  function->perform = [callable = held(std::move(perform))](const std::vector<Tensor>& inputs,
                                                            std::vector<Tensor>& outputs) {
    py::gil_scoped_acquire gil;
    py::list arguments;
    for (const Tensor& input : inputs) arguments.append(to_numpy(input));
    const py::list results = (*callable)(arguments);
    if (results.size() != outputs.size()) {
      throw RuntimeError("user op: perform returned " + std::to_string(results.size()) +
                         " outputs for " + std::to_string(outputs.size()));
    }
    for (std::size_t k = 0; k < outputs.size(); ++k) outputs[k] = to_tensor(results[k]);
  };
  if (!grad.is_none()) {
    // grad(inputs, outputs, output_grads) -> list of nodes or None, called while a gradient graph
    // is built (maybe by a compile running without the GIL).
    function->grad = [callable = held(std::move(grad))](const Exprs& inputs, const Exprs& outputs,
                                                        const Exprs& output_grads) {
      py::gil_scoped_acquire gil;
      const py::list results = (*callable)(inputs, outputs, output_grads);
      Exprs grads;
      for (const py::handle& result : results)
        grads.push_back(result.is_none() ? Expr() : result.cast<Expr>());
      return grads;
    };
  }
  if (!vjp.is_none()) {
    function->vjp = [callable = held(std::move(vjp))](const std::vector<Tensor>& inputs,
                                                      const std::vector<Tensor>& output_grads,
                                                      std::vector<Tensor>& input_grads) {
      py::gil_scoped_acquire gil;
      py::list values, grads;
      for (const Tensor& input : inputs) values.append(to_numpy(input));
      for (const Tensor& g : output_grads) grads.append(to_numpy(g));
      const py::list results = (*callable)(values, grads);
      for (std::size_t i = 0; i < input_grads.size() && i < results.size(); ++i) {
        if (!results[i].is_none()) input_grads[i] = to_tensor(results[i]);
      }
    };
  }
  return function;
}

}  // namespace

void bind_user_ops(py::module_& m) {
  py::class_<UserFunction, std::shared_ptr<UserFunction>>(m, "UserFunction")
      .def_property_readonly("name", [](const UserFunction& f) { return f.name; });
  m.def(
      "user_function",
      [](const std::string& name, py::object perform,
         const std::vector<std::pair<std::string, Shape>>& output_types, py::object grad,
         py::object vjp) {
        return std::const_pointer_cast<UserFunction>(
            user_function(name, std::move(perform), output_types, std::move(grad), std::move(vjp)));
      },
      py::arg("name"), py::arg("perform"), py::arg("output_types"), py::arg("grad") = py::none(),
      py::arg("vjp") = py::none());
  m.def("non_differentiable_user_ops", &non_differentiable_user_ops, py::arg("outputs"),
        py::arg("wrt"));
  m.def("user_op", [](const std::shared_ptr<UserFunction>& function, const Exprs& inputs) {
    return user_op(function, inputs);
  });
}

}  // namespace hypatia::python
