// ADVI for python/hypatia/variational.py: one fit object that runs its iterations in C++ (GIL
// released) in pieces, so Python callbacks run between pieces and never per iteration.

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>

#include "hypatia/error.hpp"
#include "hypatia/infer/advi.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/sample.hpp"
#include "python/bindings.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia::python {
namespace {

py::array_t<double> vector_array(const std::vector<double>& values) {
  return py::array_t<double>(static_cast<py::ssize_t>(values.size()), values.data());
}

py::array_t<double> matrix_array(const std::vector<double>& values, std::int64_t rows,
                                 std::int64_t columns) {
  return py::array_t<double>({static_cast<py::ssize_t>(rows), static_cast<py::ssize_t>(columns)},
                             values.data());
}

double optional_setting(const py::dict& settings, const char* key, double fallback) {
  if (!settings.contains(key) || settings[key].is_none()) return fallback;
  return settings[key].cast<double>();
}

AdviOptimizer optimizer_from(const py::dict& settings) {
  AdviOptimizer optimizer;
  optimizer.kind = advi_optimizer_kind(settings["name"].cast<std::string>());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  optimizer.learning_rate = optional_setting(settings, "learning_rate", nan);
  optimizer.epsilon = optional_setting(settings, "epsilon", nan);
  optimizer.rho = optional_setting(settings, "rho", nan);
  optimizer.momentum = optional_setting(settings, "momentum", optimizer.momentum);
  optimizer.beta1 = optional_setting(settings, "beta1", optimizer.beta1);
  optimizer.beta2 = optional_setting(settings, "beta2", optimizer.beta2);
  optimizer.n_win = static_cast<int>(optional_setting(settings, "n_win", optimizer.n_win));
  return optimizer;
}

// A model, its compiled target and the fit over it.
class AdviFit {
 public:
  AdviFit(const Model& model, const std::string& family, const py::dict& optimizer, int obj_n_mc,
          std::uint64_t seed, const std::vector<double>& start,
          const std::vector<double>& start_sigma, double total_grad_norm_constraint,
          const std::vector<std::pair<std::string, std::int64_t>>& minibatches,
          const std::string& backend)
      : model_(model), backend_(backend_from_name(backend)), seed_(seed) {
    AdviOptions options;
    if (family == "mean_field") {
      options.family = AdviFamily::mean_field;
    } else if (family == "full_rank") {
      options.family = AdviFamily::full_rank;
    } else {
      throw Error("ADVI: unknown family '" + family + "' (expected 'mean_field' or 'full_rank')");
    }
    options.optimizer = optimizer_from(optimizer);
    options.obj_n_mc = obj_n_mc;
    options.seed = seed;
    options.start = start;
    options.start_sigma = start_sigma;
    options.total_grad_norm_constraint = total_grad_norm_constraint;
    std::vector<MinibatchIndices> batches;
    for (const auto& [name, population] : minibatches) batches.push_back({name, population});
    {
      py::gil_scoped_release release;
      target_ =
          std::make_unique<AdviModelTarget>(model_, batches, CompileOptions{.backend = backend_});
    }
    std::function<void(std::int64_t)> before_iteration;
    if (target_->has_minibatches()) {
      AdviModelTarget* target = target_.get();
      before_iteration = [target, seed](std::int64_t i) { target->draw_minibatches(seed, i); };
    }
    advi_ = std::make_unique<Advi>(*target_, options, std::move(before_iteration));
  }

  std::int64_t run(std::int64_t iterations) {
    clear_interrupt();  // a stale request (an interrupted pm.sample) must not stop this fit
    py::gil_scoped_release release;
    return advi_->run(iterations);
  }

  py::dict sample(std::int64_t draws, std::uint64_t seed) {
    InferenceData data;
    {
      py::gil_scoped_release release;
      const std::vector<double> flat = advi_->sample(draws, seed);
      if (!compiled_) compiled_ = model_.compile({.backend = backend_});
      data.chains = 1;
      data.draws = draws;
      data.groups["posterior"] = constrained_draws(*compiled_, flat, 1, draws);
      data.coords.insert(model_.coords().begin(), model_.coords().end());
      data.groups["observed_data"] = observed_data_group(model_);
      Group constant = constant_data_group(model_);
      std::erase_if(constant.variables, [](const Variable& variable) {
        return variable.name.starts_with("__minibatch");
      });
      data.groups["constant_data"] = std::move(constant);
    }
    return to_python(std::move(data));
  }

  const Advi& advi() const { return *advi_; }
  Advi& advi() { return *advi_; }

 private:
  Model model_;
  Backend backend_;
  std::uint64_t seed_;
  std::unique_ptr<AdviModelTarget> target_;
  std::unique_ptr<Advi> advi_;
  std::unique_ptr<CompiledModel> compiled_;
};

}  // namespace

void bind_advi(py::module_& m) {
  py::class_<AdviFit>(m, "AdviFit")
      .def(py::init<const Model&, const std::string&, const py::dict&, int, std::uint64_t,
                    const std::vector<double>&, const std::vector<double>&, double,
                    const std::vector<std::pair<std::string, std::int64_t>>&, const std::string&>(),
           py::arg("model"), py::arg("family"), py::arg("optimizer"), py::arg("obj_n_mc"),
           py::arg("seed"), py::arg("start"), py::arg("start_sigma"),
           py::arg("total_grad_norm_constraint"), py::arg("minibatches"), py::arg("backend"))
      .def("run", &AdviFit::run, py::arg("iterations"))
      .def("sample", &AdviFit::sample, py::arg("draws"), py::arg("seed"))
      .def("sample_unconstrained",
           [](const AdviFit& fit, std::int64_t draws, std::uint64_t seed) {
             return matrix_array(fit.advi().sample(draws, seed), draws, fit.advi().dim());
           })
      .def("continue_from",
           [](AdviFit& fit, std::int64_t iteration) { fit.advi().continue_from(iteration); })
      .def_property_readonly("dim", [](const AdviFit& fit) { return fit.advi().dim(); })
      .def_property_readonly("iterations",
                             [](const AdviFit& fit) { return fit.advi().iterations(); })
      .def_property_readonly(
          "hist", [](const AdviFit& fit) { return vector_array(fit.advi().loss_history()); })
      .def_property(
          "params", [](const AdviFit& fit) { return vector_array(fit.advi().parameters()); },
          [](AdviFit& fit, const std::vector<double>& values) {
            fit.advi().set_parameters(values);
          })
      .def_property_readonly("mean",
                             [](const AdviFit& fit) { return vector_array(fit.advi().mean()); })
      .def_property_readonly("std",
                             [](const AdviFit& fit) { return vector_array(fit.advi().std()); })
      .def_property_readonly("cov", [](const AdviFit& fit) {
        return matrix_array(fit.advi().covariance(), fit.advi().dim(), fit.advi().dim());
      });
}

}  // namespace hypatia::python
