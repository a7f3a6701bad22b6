// The Laplace approximation and compiled Hessians for python/hypatia/laplace.py. The work runs
// with the GIL released.

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "hypatia/error.hpp"
#include "hypatia/infer/hessian.hpp"
#include "hypatia/infer/laplace.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

BadCovariance bad_covariance_from_name(const std::string& name) {
  if (name == "error") return BadCovariance::error;
  if (name == "warn") return BadCovariance::warn;
  if (name == "ignore") return BadCovariance::ignore;
  throw Error("on_bad_cov must be 'error', 'warn' or 'ignore'; got '" + name + "'");
}

py::array_t<double> square_matrix(const std::vector<double>& values, std::int64_t dim) {
  py::array_t<double> matrix({static_cast<py::ssize_t>(dim), static_cast<py::ssize_t>(dim)});
  std::copy(values.begin(), values.end(), matrix.mutable_data());
  return matrix;
}

py::dict run_laplace(const Model& model, const std::vector<double>& start, bool jacobian,
                     std::int64_t chains, std::int64_t draws, std::uint64_t seed,
                     const std::string& on_bad_cov, double diag_jitter,
                     std::int64_t max_evaluations, std::int64_t max_iterations,
                     double gradient_tolerance, double relative_tolerance,
                     const std::string& backend) {
  LaplaceOptions options{.map = {.unconstrained_start = start,
                                 .max_evaluations = max_evaluations,
                                 .max_iterations = max_iterations,
                                 .gradient_tolerance = gradient_tolerance,
                                 .relative_tolerance = relative_tolerance},
                         .jacobian = jacobian,
                         .chains = chains,
                         .draws = draws,
                         .seed = seed,
                         .on_bad_covariance = bad_covariance_from_name(on_bad_cov),
                         .diagonal_jitter = diag_jitter,
                         .backend = backend_from_name(backend)};
  LaplaceResult result;
  {
    py::gil_scoped_release release;
    result = laplace_approximation(model, options);
  }
  const auto dim = static_cast<std::int64_t>(result.mean.size());
  py::dict out;
  out["mean"] = py::array_t<double>(static_cast<py::ssize_t>(dim), result.mean.data());
  out["covariance"] = square_matrix(result.covariance, dim);
  out["hessian"] = square_matrix(result.hessian, dim);
  py::array_t<double> unconstrained({static_cast<py::ssize_t>(chains),
                                     static_cast<py::ssize_t>(draws),
                                     static_cast<py::ssize_t>(dim)});
  std::copy(result.unconstrained_draws.begin(), result.unconstrained_draws.end(),
            unconstrained.mutable_data());
  out["unconstrained_draws"] = unconstrained;
  out["coordinate_names"] = result.coordinate_names;
  out["warnings"] = result.warnings;
  out["gradient"] = py::array_t<double>(static_cast<py::ssize_t>(result.mode.gradient.size()),
                                        result.mode.gradient.data());
  out["logp"] = result.mode.logp;
  out["gradient_norm"] = result.mode.gradient_norm;
  out["iterations"] = result.mode.iterations;
  out["evaluations"] = result.mode.evaluations;
  out["converged"] = result.mode.converged;
  out["status"] = std::string(map_status_name(result.mode.status));
  out["message"] = result.mode.message;
  out["draws"] = to_python(std::move(result.draws));
  return out;
}

// The dense Hessian of the model's log density at the unconstrained point x, from compiled
// Hessian-vector products.
py::array_t<double> model_hessian(const Model& model, const std::vector<double>& x, bool jacobian,
                                  const std::string& backend) {
  std::vector<double> hessian;
  std::int64_t dim = 0;
  {
    py::gil_scoped_release release;
    HessianVectorProduct product(model, jacobian, {.backend = backend_from_name(backend)});
    dim = product.dim();
    if (static_cast<std::int64_t>(x.size()) != dim) {
      throw Error("hessian: the point has " + std::to_string(x.size()) + " values; the model has " +
                  std::to_string(dim) + " unconstrained coordinates");
    }
    hessian = product.hessian(x.data());
  }
  return square_matrix(hessian, dim);
}

}  // namespace

void bind_laplace(py::module_& m) {
  m.def("laplace", &run_laplace, py::arg("model"), py::arg("start"), py::arg("jacobian"),
        py::arg("chains"), py::arg("draws"), py::arg("seed"), py::arg("on_bad_cov"),
        py::arg("diag_jitter"), py::arg("max_evaluations"), py::arg("max_iterations"),
        py::arg("gradient_tolerance"), py::arg("relative_tolerance"), py::arg("backend"));
  m.def("model_hessian", &model_hessian, py::arg("model"), py::arg("x"), py::arg("jacobian"),
        py::arg("backend") = "default");
}

}  // namespace hypatia::python
