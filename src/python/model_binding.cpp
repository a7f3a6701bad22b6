// hypatia::Model, its compiled form and the transforms, for python/hypatia/model.py.

#include <pybind11/stl.h>

#include "hypatia/error.hpp"
#include "hypatia/function.hpp"
#include "hypatia/models.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/ppl/predictive.hpp"
#include "hypatia/ppl/transform.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

std::string role_name(VariableRole role) {
  switch (role) {
    case VariableRole::free:
      return "free";
    case VariableRole::observed:
      return "observed";
    case VariableRole::deterministic:
      return "deterministic";
    case VariableRole::data:
      return "data";
    case VariableRole::potential:
      return "potential";
  }
  return "unknown";
}

py::dict describe(const ModelVariable& variable) {
  py::dict entry;
  entry["name"] = variable.name;
  entry["role"] = role_name(variable.role);
  entry["shape"] = variable.shape;
  entry["dims"] = variable.dims;
  entry["value"] = variable.value;
  entry["transform"] =
      variable.transform ? py::object(py::str(variable.transform->name())) : py::none();
  entry["distribution"] = variable.distribution ? py::cast(*variable.distribution) : py::none();
  return entry;
}

py::list describe(const std::vector<ElementwiseLogDensity>& terms) {
  py::list result;
  for (const ElementwiseLogDensity& term : terms) {
    py::dict entry;
    entry["name"] = term.name;
    entry["role"] = role_name(term.role);
    entry["logp"] = term.logp;
    entry["log_jacobian"] = term.log_jacobian ? py::cast(*term.log_jacobian) : py::none();
    result.append(entry);
  }
  return result;
}

std::vector<double> flat(const py::handle& values) {
  auto array = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array) throw Error("expected an array of numbers");
  return {array.data(), array.data() + array.size()};
}

// pybind11 holders cannot point to const objects, so transforms travel in a small handle.
struct TransformHandle {
  TransformPtr transform;
};

void bind_transforms(py::module_& m) {
  py::class_<TransformHandle>(m, "Transform")
      .def_property_readonly("name", [](const TransformHandle& t) { return t.transform->name(); })
      .def("unconstrained_shape",
           [](const TransformHandle& t, const Shape& shape) {
             return t.transform->unconstrained_shape(shape);
           })
      .def("constrain",
           [](const TransformHandle& t, const Expr& u) { return t.transform->constrain(u); })
      .def("unconstrain",
           [](const TransformHandle& t, const Expr& x) { return t.transform->unconstrain(x); })
      .def("log_jacobian",
           [](const TransformHandle& t, const Expr& u) { return t.transform->log_jacobian(u); });
  m.def("log_transform", [] { return TransformHandle{log_transform()}; });
  m.def("interval_transform", [](std::optional<Expr> lower, std::optional<Expr> upper) {
    return TransformHandle{interval_transform(lower, upper)};
  });
  m.def("simplex_transform", [] { return TransformHandle{simplex_transform()}; });
  m.def("ordered_transform", [] { return TransformHandle{ordered_transform()}; });
  m.def("positive_ordered_transform", [] { return TransformHandle{positive_ordered_transform()}; });
  m.def("corr_cholesky_transform", [] { return TransformHandle{corr_cholesky_transform()}; });
  m.def("correlation_transform", [] { return TransformHandle{correlation_transform()}; });
  m.def("cov_cholesky_transform", [] { return TransformHandle{cov_cholesky_transform()}; });
  m.def(
      "zero_sum_transform", [](int n_axes) { return TransformHandle{zero_sum_transform(n_axes)}; },
      py::arg("n_axes") = 1);
}

void bind_function(py::module_& m) {
  py::class_<Function>(m, "Function")
      .def(py::init([](const Exprs& inputs, const Exprs& outputs, const std::string& backend) {
             py::gil_scoped_release release;
             return Function(std::vector<NodePtr>(inputs.begin(), inputs.end()),
                             std::vector<NodePtr>(outputs.begin(), outputs.end()),
                             {.backend = backend_from_name(backend)});
           }),
           py::arg("inputs"), py::arg("outputs"), py::arg("backend") = "default")
      .def("__call__",
           [](Function& function, const py::list& values) {
             std::vector<Tensor> tensors;
             for (const auto& value : values) tensors.push_back(to_tensor(value));
             std::vector<Tensor> results;
             {
               py::gil_scoped_release release;
               results = function(tensors);
             }
             py::list arrays;
             for (const auto& result : results) arrays.append(to_numpy(result));
             return arrays;
           })
      .def_property_readonly("compile_seconds",
                             [](const Function& function) { return function.info().seconds; })
      .def_property_readonly("cache_hit",
                             [](const Function& function) { return function.info().cache_hit; });
}

void bind_compiled_model(py::module_& m) {
  py::class_<CompiledModel>(m, "CompiledModel")
      .def_property_readonly("dim", &CompiledModel::dim)
      .def("coordinate_names", &CompiledModel::coordinate_names)
      .def("logp_grad",
           [](CompiledModel& compiled, const py::handle& x) {
             auto point = flat(x);
             if (static_cast<std::int64_t>(point.size()) != compiled.dim()) {
               throw Error("the point has " + std::to_string(point.size()) +
                           " unconstrained values, the model has " +
                           std::to_string(compiled.dim()));
             }
             py::array_t<double> grad(static_cast<py::ssize_t>(point.size()));
             double logp = compiled.logp_grad(point.data(), grad.mutable_data());
             return std::make_pair(logp, grad);
           })
      .def("nonfinite_variables",
           [](CompiledModel& compiled, const py::handle& x) {
             auto point = flat(x);
             return compiled.nonfinite_variables(point.data());
           })
      .def("constrain", [](CompiledModel& compiled, const py::handle& x) {
        auto point = flat(x);
        auto values = compiled.constrain(point.data());
        py::dict result;
        const auto& variables = compiled.stored_variables();
        for (std::size_t i = 0; i < variables.size(); ++i) {
          Tensor tensor = Tensor::from_doubles(values[i], variables[i].shape);
          result[py::str(variables[i].name)] = to_numpy(tensor);
        }
        return result;
      });
}

void bind_model_class(py::module_& m) {
  py::class_<Model>(m, "Model")
      .def(py::init<>())
      .def("add_coord",
           [](Model& model, const std::string& dim, const py::list& values) {
             bool all_strings = true;
             for (const auto& value : values) all_strings &= py::isinstance<py::str>(value);
             if (all_strings && !values.empty()) {
               model.add_coord(dim, values.cast<std::vector<std::string>>());
             } else {
               model.add_coord(dim, values.cast<std::vector<double>>());
             }
           })
      .def("data",
           [](Model& model, const std::string& name, const py::handle& value,
              const std::vector<std::string>& dims) {
             return model.data(name, to_tensor(value), {.dims = dims});
           })
      .def("set_data", [](Model& model, const std::string& name,
                          const py::handle& value) { model.set_data(name, to_tensor(value)); })
      .def("rv",
           [](Model& model, const std::string& name, const Distribution& distribution,
              const std::optional<Shape>& shape, const std::vector<std::string>& dims,
              const std::optional<TransformHandle>& transform, bool untransformed) {
             VariableOptions options;
             if (shape) options.shape = *shape;
             options.dims = dims;
             if (transform) options.transform = transform->transform;
             options.untransformed = untransformed;
             return model.rv(name, distribution, options);
           })
      .def("observe",
           [](Model& model, const std::string& name, const Distribution& distribution,
              const py::handle& observed, const std::vector<std::string>& dims) {
             if (py::isinstance<Expr>(observed)) {
               return model.observe(name, distribution, observed.cast<Expr>(), {.dims = dims});
             }
             return model.observe(name, distribution, to_tensor(observed), {.dims = dims});
           })
      .def("deterministic", &Model::deterministic)
      .def("potential", &Model::potential)
      .def("variables",
           [](const Model& model) {
             py::list result;
             for (const auto& variable : model.variables()) result.append(describe(variable));
             return result;
           })
      .def("data_value", [](const Model& model,
                            const std::string& name) { return to_numpy(model.data_value(name)); })
      .def("layout",
           [](const Model& model) {
             py::list blocks;
             for (const auto& block : model.layout().blocks) {
               py::dict entry;
               entry["name"] = block.name;
               entry["offset"] = block.offset;
               entry["size"] = block.size;
               entry["unconstrained_shape"] = block.unconstrained_shape;
               entry["shape"] = block.shape;
               entry["discrete"] = block.discrete;
               entry["transform"] =
                   block.transform ? py::object(py::str(block.transform->name())) : py::none();
               blocks.append(entry);
             }
             return blocks;
           })
      .def("log_density",
           [](const Model& model) {
             auto graph = model.log_density();
             py::dict result;
             result["x"] = graph.x;
             result["logp"] = graph.logp;
             result["terms"] = graph.terms;
             result["pointwise_log_likelihood"] = graph.pointwise_log_likelihood;
             result["data_inputs"] = graph.data_inputs;
             py::list values;
             for (const auto& value : graph.data_values) values.append(to_numpy(value));
             result["data_values"] = values;
             return result;
           })
      .def("unconstrained_vector", &Model::unconstrained_vector)
      .def(
          "elementwise_log_density",
          [](const Model& model, const std::optional<Expr>& x) {
            return describe(x ? model.elementwise_log_density(*x)
                              : model.elementwise_log_density());
          },
          py::arg("x") = py::none())
      .def("forward_graph",
           [](const Model& model) {
             auto graph = forward_graph(model);
             return std::make_pair(graph.state, graph.values);
           })
      .def(
          "compile",
          [](const Model& model, const std::string& backend) {
            py::gil_scoped_release release;
            return model.compile({.backend = backend_from_name(backend)});
          },
          py::arg("backend") = "default")
      .def("unconstrain", [](const Model& model, const py::dict& point) {
        Point values;
        for (const auto& [name, value] : point) {
          values[name.cast<std::string>()] = to_tensor(value);
        }
        return model.unconstrain(values);
      });
}

}  // namespace

void bind_model(py::module_& m) {
  // The models bundled with the C++ engine (examples, benchmarks, posteriordb), for tests and
  // benchmarks that compare the two front ends.
  m.def("bundled_model", [](const std::string& name) { return find_bundled_model(name).build(); });
  m.def("bundled_model_names", [] {
    std::vector<std::string> names;
    for (const auto& model : bundled_models()) names.push_back(model.name);
    return names;
  });
  bind_transforms(m);
  bind_function(m);
  bind_compiled_model(m);
  bind_model_class(m);
}

}  // namespace hypatia::python
