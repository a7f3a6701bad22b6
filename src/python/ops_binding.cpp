// Graph nodes and the ops of include/hypatia/ops as hypatia._core functions. The Python layer
// (python/hypatia/tensor) turns Python numbers and numpy arrays into nodes before calling these,
// and adds numpy's method and operator spellings.

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ops/index.hpp"
#include "hypatia/ops/linalg.hpp"
#include "hypatia/ops/ode.hpp"
#include "hypatia/ops/scan.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

DType dtype_from_name(const std::string& name) {
  if (name == "float64") return DType::float64;
  if (name == "float32") return DType::float32;
  if (name == "int64" || name == "int32" || name == "int16" || name == "int8" || name == "uint8") {
    return DType::int64;
  }
  if (name == "bool") return DType::boolean;
  throw Error("unknown dtype '" + name + "' (expected float64, float32, int64 or bool)");
}

py::object shape_tuple(const Shape& shape) {
  py::list dims;
  for (auto extent : shape) {
    if (extent == kUnknownDim) {
      dims.append(py::none());
    } else {
      dims.append(extent);
    }
  }
  return py::tuple(dims);
}

// Python's indexing items: an int (removes the axis) or a (start, stop, step) triple of optional
// ints.
SliceSpecs slice_specs(const py::list& items) {
  SliceSpecs specs;
  for (const auto& item : items) {
    if (py::isinstance<py::int_>(item)) {
      specs.push_back(Index{item.cast<std::int64_t>()});
      continue;
    }
    auto triple = item.cast<std::tuple<std::optional<std::int64_t>, std::optional<std::int64_t>,
                                       std::optional<std::int64_t>>>();
    specs.push_back(Slice{std::get<0>(triple), std::get<1>(triple), std::get<2>(triple)});
  }
  return specs;
}

Replacements replacement_map(const std::vector<std::pair<Expr, Expr>>& pairs) {
  Replacements replacements;
  for (const auto& [from, to] : pairs) replacements[from.node().get()] = to.node();
  return replacements;
}

std::vector<NodePtr> nodes(const Exprs& exprs) {
  return {exprs.begin(), exprs.end()};
}

// A node's static attributes (axes, shapes, names) for front-end code that reads graphs, such as
// the derivation of a generative graph's log density; subgraphs and tensors are left out.
py::dict attrs_dict(const Expr& e) {
  py::dict result;
  for (const auto& [key, value] : e->attrs().entries()) {
    std::visit(
        [&](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, double> ||
                        std::is_same_v<V, std::string> ||
                        std::is_same_v<V, std::vector<std::int64_t>>) {
            result[py::str(key)] = v;
          } else if constexpr (std::is_same_v<V, DType>) {
            result[py::str(key)] = std::string(dtype_name(v));
          }
        },
        value);
  }
  return result;
}

void bind_node(py::module_& m) {
  py::class_<Expr>(m, "Node")
      .def_property_readonly("dtype",
                             [](const Expr& e) { return std::string(dtype_name(e.dtype())); })
      .def_property_readonly("shape", [](const Expr& e) { return shape_tuple(e.shape()); })
      .def_property_readonly("ndim", &Expr::rank)
      .def_property_readonly("op", [](const Expr& e) { return e->op_name(); })
      .def_property_readonly("id", [](const Expr& e) { return e->id(); })
      .def_property_readonly("name",
                             [](const Expr& e) -> py::object {
                               if (!is_input(*e.node())) return py::none();
                               return py::str(e->attrs().get_string("name"));
                             })
      .def_property_readonly("is_constant", [](const Expr& e) { return is_constant(*e.node()); })
      .def_property_readonly("is_input", [](const Expr& e) { return is_input(*e.node()); })
      .def("constant_value", [](const Expr& e) { return to_numpy(constant_value(*e.node())); })
      .def("inputs",
           [](const Expr& e) {
             Exprs inputs(e->inputs().begin(), e->inputs().end());
             return inputs;
           })
      .def_property_readonly("attrs", &attrs_dict)
      .def("same", [](const Expr& a, const Expr& b) { return a == b; })
      .def("__hash__", [](const Expr& e) { return e->hash(); })
      .def("__repr__", [](const Expr& e) { return "<Node " + type_to_string(e.type()) + ">"; });
}

void bind_graph(py::module_& m) {
  m.def("constant", [](const py::handle& value) { return Expr(constant(to_tensor(value))); });
  m.def("float_scalar", [](double value) { return Expr(value); });
  m.def("int_scalar",
        [](std::int64_t value) { return Expr(constant(Tensor::from_ints({value}, {}))); });
  m.def("placeholder", [](const std::string& name, const std::string& dtype, const Shape& shape) {
    return Expr(input(name, {dtype_from_name(dtype), shape}));
  });
  m.def("evaluate", [](const Exprs& outputs, const Exprs& inputs, const py::list& values) {
    std::vector<Tensor> tensors;
    for (const auto& value : values) tensors.push_back(to_tensor(value));
    std::vector<Tensor> results;
    {
      py::gil_scoped_release release;
      results = Interpreter(nodes(inputs), nodes(outputs)).run(tensors);
    }
    py::list arrays;
    for (const auto& result : results) arrays.append(to_numpy(result));
    return arrays;
  });
  m.def("free_inputs", [](const Exprs& outputs) {
    auto inputs = free_inputs(nodes(outputs));
    return Exprs(inputs.begin(), inputs.end());
  });
  m.def("substitute", [](const Exprs& outputs, const std::vector<std::pair<Expr, Expr>>& pairs) {
    auto result = substitute(nodes(outputs), replacement_map(pairs));
    return Exprs(result.begin(), result.end());
  });
  m.def("grad", [](const Expr& cost, const Exprs& wrt) { return grad(cost, wrt); });
  m.def("print_graph", [](const Exprs& outputs) { return print_graph(nodes(outputs)); });
}

void bind_elementwise(py::module_& m) {
  using Unary = Expr (*)(const Expr&);
  using Binary = Expr (*)(const Expr&, const Expr&);
  const std::pair<const char*, Unary> unary[] = {
      {"neg", &neg},
      {"abs", &abs},
      {"sign", &sign},
      {"exp", &exp},
      {"expm1", &expm1},
      {"log", &log},
      {"log1p", &log1p},
      {"sqrt", &sqrt},
      {"square", &square},
      {"reciprocal", &reciprocal},
      {"sin", &sin},
      {"cos", &cos},
      {"tan", &tan},
      {"tanh", &tanh},
      {"sinh", &sinh},
      {"cosh", &cosh},
      {"arcsin", &arcsin},
      {"arccos", &arccos},
      {"arctan", &arctan},
      {"sigmoid", &sigmoid},
      {"softplus", &softplus},
      {"log1mexp", &log1mexp},
      {"logit", &logit},
      {"floor", &floor},
      {"ceil", &ceil},
      {"round", &round},
      {"erf", &erf},
      {"erfc", &erfc},
      {"erfcx", &erfcx},
      {"erfinv", &erfinv},
      {"normal_logcdf", &normal_logcdf},
      {"lgamma", &lgamma},
      {"digamma", &digamma},
      {"i0e", &i0e},
      {"i1e", &i1e},
      {"logical_not", &logical_not},
      {"isnan", &isnan},
      {"isinf", &isinf},
  };
  for (const auto& [name, function] : unary) m.def(name, function);
  const std::pair<const char*, Binary> binary[] = {
      {"add", &add},
      {"sub", &sub},
      {"mul", &mul},
      {"div", &div},
      {"pow", &pow},
      {"minimum", &minimum},
      {"maximum", &maximum},
      {"arctan2", &arctan2},
      {"equal", &equal},
      {"not_equal", &not_equal},
      {"less", &less},
      {"less_equal", &less_equal},
      {"greater", &greater},
      {"greater_equal", &greater_equal},
      {"logical_and", &logical_and},
      {"logical_or", &logical_or},
      {"polygamma", &polygamma},
      {"ive", &ive},
      {"gammainc", &gammainc},
      {"gammaincc", &gammaincc},
      {"lbeta", &lbeta},
      {"owens_t", &owens_t},
      {"matmul", &matmul},
      {"dot", &dot},
      {"outer", &outer},
      {"solve", &solve},
  };
  for (const auto& [name, function] : binary) m.def(name, function);
  m.def("clip", &clip);
  m.def("where", &where);
  m.def("betainc", &betainc);
  m.def("cast",
        [](const Expr& x, const std::string& dtype) { return cast(x, dtype_from_name(dtype)); });
}

void bind_reductions_and_shapes(py::module_& m) {
  using Reduction = Expr (*)(const Expr&, const Axes&, bool);
  const std::pair<const char*, Reduction> reductions[] = {
      {"sum", &sum},       {"prod", &prod}, {"mean", &mean},
      {"max", &max},       {"min", &min},   {"logsumexp", &logsumexp},
      {"argmax", &argmax}, {"all", &all},   {"any", &any},
  };
  for (const auto& [name, function] : reductions) {
    m.def(name, function, py::arg("x"), py::arg("axes") = Axes{}, py::arg("keepdims") = false);
  }
  m.def("cumsum", &cumsum, py::arg("x"), py::arg("axis"), py::arg("reverse") = false);
  m.def("cumprod", &cumprod, py::arg("x"), py::arg("axis"), py::arg("reverse") = false);
  m.def("broadcast_to", &broadcast_to);
  m.def("expand_dims", &expand_dims);
  m.def("squeeze", &squeeze, py::arg("x"), py::arg("axes") = Axes{});
  m.def("reshape", &reshape);
  m.def("flatten", &flatten);
  m.def("transpose", &transpose, py::arg("x"),
        py::arg("permutation") = std::vector<std::int64_t>{});
  m.def("concatenate", &concatenate, py::arg("xs"), py::arg("axis") = 0);
  m.def("stack", &stack, py::arg("xs"), py::arg("axis") = 0);
  m.def("shape_of", &shape_of);
  m.def("full_like", &full_like);
  m.def("zeros_like", &zeros_like);
  m.def("ones_like", &ones_like);
}

void bind_indexing_and_linalg(py::module_& m) {
  m.def("slice", [](const Expr& x, const py::list& items) { return slice(x, slice_specs(items)); });
  m.def("set_subtensor", [](const Expr& x, const py::list& items, const Expr& value) {
    return set_subtensor(x, slice_specs(items), value);
  });
  m.def("inc_subtensor", [](const Expr& x, const py::list& items, const Expr& value) {
    return inc_subtensor(x, slice_specs(items), value);
  });
  m.def("gather", &gather, py::arg("x"), py::arg("indices"), py::arg("axis") = 0);
  m.def("scatter_add", &scatter_add, py::arg("base"), py::arg("indices"), py::arg("updates"),
        py::arg("axis") = 0);
  m.def("matrix_transpose", &matrix_transpose);
  m.def("cholesky", &cholesky);
  m.def("solve_triangular", &solve_triangular, py::arg("a"), py::arg("b"), py::arg("lower") = true);
  m.def("inverse", &inverse);
  m.def("logdet", &logdet);
  m.def("det_sign", &det_sign);
  m.def("cholesky_logdet", &cholesky_logdet);
  m.def("diag", &diag);
  m.def("diagonal", &diagonal);
  m.def("trace", &trace);
  m.def("eye",
        [](std::int64_t n, const std::string& dtype) { return eye(n, dtype_from_name(dtype)); });
  m.def("tril", &tril, py::arg("x"), py::arg("k") = 0);
  m.def("triu", &triu, py::arg("x"), py::arg("k") = 0);
}

void bind_ode(py::module_& m) {
  // The right-hand side is a Python function called here, once, with placeholder nodes.
  m.def(
      "ode_solve",
      [](const std::function<Expr(const Expr&, const Expr&, const Expr&)>& rhs, const Expr& y0,
         const Expr& t0, const Expr& times, const Expr& theta, double rtol, double atol,
         std::int64_t max_num_steps, const std::string& method, const std::string& sensitivity) {
        if (method != "rk45" && method != "bdf")
          throw py::value_error("ode_solve: method must be 'rk45' or 'bdf', not '" + method + "'");
        if (sensitivity != "forward" && sensitivity != "adjoint") {
          throw py::value_error("ode_solve: sensitivity must be 'forward' or 'adjoint', not '" +
                                sensitivity + "'");
        }
        OdeRhs function = [&](const Expr& t, const Expr& y, const Expr& p) { return rhs(t, y, p); };
        return ode_solve(
            function, y0, t0, times, theta,
            {rtol, atol, max_num_steps, method == "bdf" ? OdeMethod::bdf : OdeMethod::rk45,
             sensitivity == "adjoint" ? OdeSensitivity::adjoint : OdeSensitivity::forward});
      },
      py::arg("rhs"), py::arg("y0"), py::arg("t0"), py::arg("times"), py::arg("theta"),
      py::arg("rtol") = 1e-6, py::arg("atol") = 1e-6, py::arg("max_num_steps") = 1'000'000,
      py::arg("method") = "rk45", py::arg("sensitivity") = "forward");
}

void bind_scan(py::module_& m) {
  // The body is a Python function called once, here, with placeholder nodes; it returns
  // (carries, outputs) as lists of nodes.
  m.def(
      "scan",
      [](const std::function<std::pair<Exprs, Exprs>(const Exprs&, const Exprs&)>& body,
         const Exprs& sequences, const Exprs& initial_carries, std::optional<std::int64_t> n_steps,
         bool reverse) {
        ScanBody scan_body = [&](const Exprs& slices, const Exprs& carries) {
          auto [next, outputs] = body(slices, carries);
          return ScanStep{next, outputs};
        };
        auto result = scan(scan_body, sequences, initial_carries, {n_steps, reverse});
        return std::make_tuple(result.carries, result.outputs, result.carry_history);
      },
      py::arg("body"), py::arg("sequences"), py::arg("initial_carries"),
      py::arg("n_steps") = std::nullopt, py::arg("reverse") = false);
}

}  // namespace

void bind_tensors(py::module_& m) {
  bind_node(m);
  bind_graph(m);
}

void bind_ops(py::module_& m) {
  bind_elementwise(m);
  bind_reductions_and_shapes(m);
  bind_indexing_and_linalg(m);
  bind_scan(m);
  bind_ode(m);
}

}  // namespace hypatia::python
