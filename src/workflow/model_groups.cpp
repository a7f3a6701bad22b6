#include "workflow/model_groups.hpp"

#include <algorithm>
#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/io.hpp"

namespace hypatia {
namespace {

std::unordered_map<std::string, Tensor> data_bindings(const Model& model) {
  std::unordered_map<std::string, Tensor> bindings;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::data) {
      bindings.emplace(variable.value.node()->attrs().get_string("name"),
                       model.data_value(variable.name));
    }
  }
  return bindings;
}

Variable tensor_variable(const ModelVariable& variable, const Tensor& value) {
  return {.name = variable.name,
          .shape = value.shape(),
          .dims = variable.dims,
          .is_integer = value.dtype() == DType::int64 || value.dtype() == DType::boolean,
          .values = value.to_doubles()};
}

bool observed_directly(const Model& model, const ModelVariable& data) {
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::observed && variable.value == data.value) return true;
  }
  return false;
}

}  // namespace

Group observed_data_group(const Model& model) {
  Group group;
  const auto bindings = data_bindings(model);
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role != VariableRole::observed) continue;
    group.variables.push_back(tensor_variable(variable, evaluate(variable.value.node(), bindings)));
  }
  return group;
}

Group constant_data_group(const Model& model) {
  Group group;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role != VariableRole::data || observed_directly(model, variable)) continue;
    group.variables.push_back(tensor_variable(variable, model.data_value(variable.name)));
  }
  return group;
}

Variable divergence_end(std::int64_t dim, const std::vector<ChainDivergences>& chains,
                        bool warmup) {
  Variable variable{
      .name = "divergence_end", .shape = {dim}, .dims = {unconstrained_parameter_dim}};
  for (const ChainDivergences& chain : chains) {
    const std::size_t first = variable.values.size();
    variable.values.resize(first + static_cast<std::size_t>(chain.iterations * dim),
                           std::numeric_limits<double>::quiet_NaN());
    for (const Divergence& divergence : *chain.divergences) {
      if (divergence.warmup != warmup || divergence.iteration >= chain.iterations) continue;
      std::copy(divergence.point.begin(), divergence.point.end(),
                variable.values.begin() + static_cast<std::ptrdiff_t>(first) +
                    divergence.iteration * dim);
    }
  }
  return variable;
}

Variable divergence_end(const NutsResult& result, bool warmup) {
  std::vector<ChainDivergences> chains;
  for (const NutsChain& chain : result.chains) {
    const NutsStats& stats = warmup ? chain.warmup_stats : chain.stats;
    chains.push_back({&chain.divergences, stats.size()});
  }
  return divergence_end(result.dim, chains, warmup);
}

Group log_likelihood_group(CompiledModel& compiled, const std::vector<double>& flat_draws,
                           std::int64_t chains, std::int64_t draws) {
  const std::int64_t dim = compiled.dim();
  if (static_cast<std::int64_t>(flat_draws.size()) != chains * draws * dim) {
    throw Error("log_likelihood_group: expected " + std::to_string(chains * draws * dim) +
                " values (chains x draws x dim); got " + std::to_string(flat_draws.size()));
  }
  Group group;
  std::vector<double*> outputs;
  for (const ModelVariable& observed : compiled.pointwise_log_likelihood_variables()) {
    group.variables.push_back(
        {.name = observed.name, .shape = observed.shape, .dims = observed.dims});
    group.variables.back().values.resize(
        static_cast<std::size_t>(chains * draws * num_elements(observed.shape)));
    outputs.push_back(group.variables.back().values.data());
  }
  compiled.log_likelihood(flat_draws.data(), chains * draws, outputs.data());
  return group;
}

}  // namespace hypatia
