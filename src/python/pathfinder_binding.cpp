// Pathfinder for python/hypatia/pathfinder.py: runs with the GIL released and returns the
// InferenceData dict plus each path's summary.

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "hypatia/infer/pathfinder.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

py::dict run_pathfinder(const Model& model, int num_paths, std::int64_t num_draws,
                        std::int64_t num_draws_per_path, int num_elbo_draws, int history_size,
                        int max_lbfgs_iters, int max_line_search, double tol_rel_obj,
                        double tol_grad, double curvature_epsilon, double init_radius,
                        const std::vector<std::vector<double>>& init, bool psis_resample,
                        bool resample_with_replacement, std::uint64_t seed, int cores,
                        const std::string& backend) {
  PathfinderOptions options{.num_paths = num_paths,
                            .num_draws = num_draws_per_path,
                            .num_psis_draws = num_draws,
                            .num_elbo_draws = num_elbo_draws,
                            .history_size = history_size,
                            .max_lbfgs_iters = max_lbfgs_iters,
                            .max_line_search = max_line_search,
                            .init = init,
                            .init_radius = init_radius,
                            .tol_rel_obj = tol_rel_obj,
                            .tol_grad = tol_grad,
                            .curvature_epsilon = curvature_epsilon,
                            .psis_resample = psis_resample,
                            .resample_with_replacement = resample_with_replacement,
                            .seed = seed,
                            .cores = cores};
  ModelPathfinder fit;
  {
    py::gil_scoped_release release;
    fit = pathfinder(model, options, backend_from_name(backend));
  }
  py::list paths;
  for (const PathfinderPath& path : fit.result.paths) {
    py::dict entry;
    entry["succeeded"] = path.succeeded;
    entry["message"] = path.message;
    entry["iterations"] = path.iterations;
    entry["evaluations"] = path.evaluations;
    entry["best_iteration"] = path.best_iteration;
    entry["elbo"] = path.elbo;
    entry["elbo_trace"] = path.elbo_trace;
    entry["mean"] = path.approximation.mean;
    paths.append(entry);
  }
  py::dict out;
  const std::int64_t dim = fit.result.dim;
  py::array_t<double> draws({fit.result.draw_count(), dim});
  std::copy(fit.result.draws.begin(), fit.result.draws.end(), draws.mutable_data());
  out["unconstrained_draws"] = draws;
  out["pareto_k"] = fit.result.pareto_k;
  out["evaluations"] = fit.result.evaluations;
  out["paths"] = paths;
  out["data"] = to_python(std::move(fit.data));
  return out;
}

}  // namespace

void bind_pathfinder(py::module_& m) {
  m.def("pathfinder", &run_pathfinder, py::arg("model"), py::arg("num_paths"), py::arg("num_draws"),
        py::arg("num_draws_per_path"), py::arg("num_elbo_draws"), py::arg("history_size"),
        py::arg("max_lbfgs_iters"), py::arg("max_line_search"), py::arg("tol_rel_obj"),
        py::arg("tol_grad"), py::arg("curvature_epsilon"), py::arg("init_radius"), py::arg("init"),
        py::arg("psis_resample"), py::arg("resample_with_replacement"), py::arg("seed"),
        py::arg("cores"), py::arg("backend"));
}

}  // namespace hypatia::python
