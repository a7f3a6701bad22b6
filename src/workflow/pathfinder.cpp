// Pathfinder on a model: compile, run over the compiled Target, and store the draws as one chain
// of constrained values (what pymc-extras' fit_pathfinder returns).

#include <cmath>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/infer/pathfinder.hpp"
#include "hypatia/sample.hpp"
#include "workflow/model_groups.hpp"

namespace hypatia {
namespace {

Variable statistic(const std::string& name, const std::vector<double>& values) {
  return Variable{.name = name, .shape = {}, .values = values};
}

std::string list_of(const std::vector<PathfinderPath>& paths) {
  std::ostringstream text;
  text.precision(17);
  for (std::size_t i = 0; i < paths.size(); ++i) {
    text << (i ? " " : "") << (paths[i].succeeded ? paths[i].elbo : std::nan(""));
  }
  return text.str();
}

}  // namespace

ModelPathfinder pathfinder(const Model& model, const PathfinderOptions& options, Backend backend) {
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::free && variable.distribution->is_discrete()) {
      throw Error("pathfinder: " + variable.name + ": " + variable.distribution->name() +
                  " is discrete; Pathfinder needs continuous free variables");
    }
  }
  if (model.layout().dim == 0) throw Error("pathfinder: the model has no free random variables");
  auto compiled = model.compile({.backend = backend});
  ModelPathfinder out;
  out.result = pathfinder(*compiled, options);
  const PathfinderResult& result = out.result;
  const std::int64_t draws = result.draw_count();

  InferenceData& data = out.data;
  data.chains = 1;
  data.draws = draws;
  data.groups["posterior"] = constrained_draws(*compiled, result.draws, 1, draws);
  Group stats;
  stats.variables.push_back(statistic("lp", result.lp));
  stats.variables.push_back(statistic("lp_approx", result.log_q));
  data.groups["sample_stats"] = std::move(stats);
  data.coords.insert(model.coords().begin(), model.coords().end());
  data.groups["observed_data"] = observed_data_group(model);
  data.groups["constant_data"] = constant_data_group(model);
  std::ostringstream k;
  k.precision(17);
  k << result.pareto_k;
  data.attributes["sampler"] = "pathfinder";
  data.attributes["backend"] = std::string(backend_name(backend));
  data.attributes["seed"] = std::to_string(options.seed);
  data.attributes["num_paths"] = std::to_string(options.num_paths);
  data.attributes["pareto_k"] = k.str();
  data.attributes["elbo"] = list_of(result.paths);
  return out;
}

}  // namespace hypatia
