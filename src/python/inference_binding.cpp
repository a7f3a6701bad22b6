// Sampling, forward sampling and diagnostics for python/hypatia/sampling.py and stats.py. The
// samplers run with the GIL released; Ctrl-C during sampling asks the chains to stop and keeps the
// draws made so far, as the command-line tool does.

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <map>

#include <csignal>
#include <memory>
#include <span>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"
#include "hypatia/infer/find_map.hpp"
#include "hypatia/interrupt.hpp"
#include "hypatia/ppl/predictive.hpp"
#include "hypatia/sample.hpp"
#include "python/bindings.hpp"

namespace hypatia::python {
namespace {

extern "C" void request_interrupt_on_signal(int) {
  request_interrupt();
}

// While alive (on Python's main thread), SIGINT requests an interrupt instead of raising
// KeyboardInterrupt, which Python could not deliver until sampling returns.
class ScopedInterruptHandler {
 public:
  explicit ScopedInterruptHandler(bool install) : installed_(install) {
    clear_interrupt();
    if (!installed_) return;
    struct sigaction action = {};
    action.sa_handler = &request_interrupt_on_signal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGINT, &action, &previous_);
  }
  ~ScopedInterruptHandler() {
    if (installed_) ::sigaction(SIGINT, &previous_, nullptr);
  }
  ScopedInterruptHandler(const ScopedInterruptHandler&) = delete;
  ScopedInterruptHandler& operator=(const ScopedInterruptHandler&) = delete;

 private:
  bool installed_;
  struct sigaction previous_ = {};
};

py::dict report_to_python(const ProgressReport& report) {
  py::list chains;
  for (const ChainProgress& chain : report.chains) {
    py::dict entry;
    entry["done"] = chain.iterations_done;
    entry["total"] = chain.iterations_total;
    entry["tune"] = chain.warmup;
    entry["divergences"] = chain.divergences;
    chains.append(entry);
  }
  py::dict result;
  result["label"] = report.label;
  result["chains"] = chains;
  result["seconds"] = report.seconds;
  result["finished"] = report.finished;
  return result;
}

// The Python callable as a C++ progress callback, run on the sampler's progress thread.
ProgressCallback progress_callback_from(py::object callable) {
  if (callable.is_none()) return {};
  // The last copy may be dropped on a thread without the GIL; releasing a Python object needs it.
  std::shared_ptr<py::object> held(new py::object(std::move(callable)), [](py::object* object) {
    py::gil_scoped_acquire gil;
    delete object;
  });
  return [held](const ProgressReport& report) {
    py::gil_scoped_acquire gil;
    try {
      (*held)(report_to_python(report));
    } catch (py::error_already_set& error) {
      // Shown through sys.unraisablehook (as Python shows errors in __del__); sampling goes on
      // and the C++ side stops calling.
      error.discard_as_unraisable("hypatia progress callback");
      throw Error("progress callback failed");
    }
  };
}

StepMethod step_method_from_name(const std::string& name) {
  static const std::map<std::string, StepMethod> methods = {
      {"NUTS", StepMethod::nuts},
      {"HamiltonianMC", StepMethod::hamiltonian_mc},
      {"Metropolis", StepMethod::metropolis},
      {"BinaryGibbsMetropolis", StepMethod::binary_gibbs_metropolis},
      {"CategoricalGibbsMetropolis", StepMethod::categorical_gibbs_metropolis},
      {"Slice", StepMethod::slice},
      {"DEMetropolis", StepMethod::de_metropolis},
      {"DEMetropolisZ", StepMethod::de_metropolis_z}};
  auto found = methods.find(name);
  if (found == methods.end()) throw Error("unknown step method '" + name + "'");
  return found->second;
}

// pm.sample's steps as dicts: method, variables, settings, proposal, proposal_scale, tune.
std::vector<StepAssignment> step_assignments(const py::list& steps) {
  std::vector<StepAssignment> assignments;
  for (const py::handle& item : steps) {
    const py::dict step = py::reinterpret_borrow<py::dict>(item);
    StepAssignment assignment;
    assignment.method = step_method_from_name(step["method"].cast<std::string>());
    assignment.variables = step["variables"].cast<std::vector<std::string>>();
    assignment.settings = step["settings"].cast<std::map<std::string, double>>();
    assignment.proposal = step["proposal"].cast<std::string>();
    assignment.proposal_scale = step["proposal_scale"].cast<std::vector<double>>();
    assignment.tune = step["tune"].cast<bool>();
    assignments.push_back(std::move(assignment));
  }
  return assignments;
}

py::dict run_sample(const Model& model, const std::string& sampler, std::int64_t draws,
                    std::int64_t tune, int chains, int cores, std::uint64_t seed,
                    double target_accept, int max_tree_depth, const std::string& metric,
                    std::int64_t particles, bool progress, bool log_likelihood,
                    const std::vector<std::vector<double>>& init, double init_radius,
                    const std::string& backend, bool handle_interrupt,
                    const py::object& progress_callback, const std::string& smc_kernel,
                    bool save_warmup, const std::vector<double>& initial_inverse_metric,
                    const py::list& steps, const std::vector<std::string>& marginalize,
                    int threads_per_chain) {
  SampleOptions options;
  options.threads_per_chain = threads_per_chain;
  options.steps = step_assignments(steps);
  options.marginalize = marginalize;
  if (sampler == "nuts") {
    options.sampler = SamplerKind::nuts;
  } else if (sampler == "smc") {
    options.sampler = SamplerKind::smc;
  } else {
    throw Error("unknown sampler '" + sampler + "' (expected 'nuts' or 'smc')");
  }
  options.backend = backend_from_name(backend);
  options.draws = draws;
  options.tune = tune;
  options.chains = chains;
  options.cores = cores;
  options.seed = seed;
  options.target_accept = target_accept;
  options.max_tree_depth = max_tree_depth;
  options.metric = metric_from_name(metric);
  options.particles = particles;
  if (smc_kernel == "IMH") {
    options.smc_kernel = SmcKernel::independent_metropolis;
  } else if (smc_kernel == "MH") {
    options.smc_kernel = SmcKernel::random_walk_metropolis;
  } else {
    throw Error("unknown SMC kernel '" + smc_kernel + "' (expected 'IMH' or 'MH')");
  }
  options.progress_callback = progress_callback_from(progress_callback);
  // A caller drawing its own bars does not want the engine's stderr line as well.
  options.progress = progress && !options.progress_callback;
  options.log_likelihood = log_likelihood;
  options.init = init;
  options.init_radius = init_radius;
  options.save_warmup = save_warmup;
  options.initial_inverse_metric = initial_inverse_metric;
  InferenceData data;
  {
    ScopedInterruptHandler handler(handle_interrupt);
    py::gil_scoped_release release;
    data = sample(model, options);
  }
  return to_python(std::move(data));
}

py::dict summary_rows(const py::dict& data, const std::string& group, double hdi_probability) {
  auto table =
      diagnostics::summarize(from_python(data), group, {.hdi_probability = hdi_probability});
  py::list names, columns[8];
  for (const auto& row : table.rows) {
    names.append(row.name);
    const double values[] = {row.mean,      row.sd,      row.hdi.lower, row.hdi.upper,
                             row.mcse_mean, row.mcse_sd, row.ess_bulk,  row.ess_tail};
    for (int i = 0; i < 8; ++i) columns[i].append(values[i]);
  }
  py::list r_hat;
  for (const auto& row : table.rows) r_hat.append(row.r_hat);
  py::dict result;
  const char* keys[] = {"mean",      "sd",      "hdi_lower", "hdi_upper",
                        "mcse_mean", "mcse_sd", "ess_bulk",  "ess_tail"};
  result["names"] = names;
  for (int i = 0; i < 8; ++i) result[keys[i]] = columns[i];
  result["r_hat"] = r_hat;
  result["warnings"] = table.warnings;
  return result;
}

py::dict run_find_map(const Model& model, const std::vector<double>& start,
                      const std::vector<std::string>& variables, bool jacobian,
                      std::int64_t max_evaluations, std::int64_t max_iterations,
                      double gradient_tolerance, double relative_tolerance,
                      const std::string& backend) {
  MapOptions options{.unconstrained_start = start,
                     .variables = variables,
                     .jacobian = jacobian,
                     .max_evaluations = max_evaluations,
                     .max_iterations = max_iterations,
                     .gradient_tolerance = gradient_tolerance,
                     .relative_tolerance = relative_tolerance,
                     .backend = backend_from_name(backend)};
  MapResult result;
  {
    py::gil_scoped_release release;
    result = find_map(model, options);
  }
  py::dict values;
  for (const auto& [name, value] : result.values) values[py::str(name)] = to_numpy(value);
  py::dict out;
  out["x"] = py::array_t<double>(static_cast<py::ssize_t>(result.unconstrained.size()),
                                 result.unconstrained.data());
  out["gradient"] =
      py::array_t<double>(static_cast<py::ssize_t>(result.gradient.size()), result.gradient.data());
  out["values"] = values;
  out["logp"] = result.logp;
  out["gradient_norm"] = result.gradient_norm;
  out["iterations"] = result.iterations;
  out["evaluations"] = result.evaluations;
  out["converged"] = result.converged;
  out["status"] = std::string(map_status_name(result.status));
  out["message"] = result.message;
  return out;
}

}  // namespace

void bind_inference(py::module_& m) {
  m.def("sample", &run_sample, py::arg("model"), py::arg("sampler"), py::arg("draws"),
        py::arg("tune"), py::arg("chains"), py::arg("cores"), py::arg("seed"),
        py::arg("target_accept"), py::arg("max_tree_depth"), py::arg("metric"),
        py::arg("particles"), py::arg("progress"), py::arg("log_likelihood"), py::arg("init"),
        py::arg("init_radius"), py::arg("backend"), py::arg("handle_interrupt"),
        py::arg("progress_callback") = py::none(), py::arg("smc_kernel") = "IMH",
        py::arg("save_warmup") = false, py::arg("initial_inverse_metric") = std::vector<double>{},
        py::arg("steps") = py::list(), py::arg("marginalize") = std::vector<std::string>{},
        py::arg("threads_per_chain") = 0);
  m.def("sample_prior_predictive",
        [](const Model& model, std::int64_t draws, std::uint64_t seed, const std::string& backend) {
          InferenceData data;
          {
            py::gil_scoped_release release;
            sample_prior_predictive(model, draws, data,
                                    {.seed = seed, .backend = backend_from_name(backend)});
          }
          return to_python(std::move(data));
        });
  m.def("sample_posterior_predictive", [](const Model& model, const py::dict& posterior,
                                          std::uint64_t seed, const std::string& backend) {
    InferenceData data = from_python(posterior);
    {
      py::gil_scoped_release release;
      sample_posterior_predictive(model, data,
                                  {.seed = seed, .backend = backend_from_name(backend)});
    }
    return to_python(std::move(data));
  });
  m.def("find_map", &run_find_map, py::arg("model"), py::arg("start"), py::arg("variables"),
        py::arg("jacobian"), py::arg("max_evaluations"), py::arg("max_iterations"),
        py::arg("gradient_tolerance"), py::arg("relative_tolerance"), py::arg("backend"));
  m.def("summary", &summary_rows, py::arg("data"), py::arg("group") = "posterior",
        py::arg("hdi_prob") = 0.94);
  m.def("interrupt_requested", &interrupt_requested);
  // The effective sample size of the mean of one quantity's (chain, draw) draws (PSIS-LOO's
  // relative efficiency, as ArviZ computes it).
  m.def("ess_mean",
        [](const py::array_t<double, py::array::c_style | py::array::forcecast>& draws) {
          if (draws.ndim() != 2 || draws.shape(0) < 1 || draws.shape(1) < 1) {
            throw py::value_error("ess_mean: expected a non-empty (chain, draw) array");
          }
          return diagnostics::ess_mean(std::span<const double>(draws.data(), draws.size()),
                                       draws.shape(0));
        });
}

}  // namespace hypatia::python
