#include "workflow/model_groups.hpp"

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

Group divergence_group(CompiledModel& compiled, const NutsResult& result) {
  Group group;
  Variable chain_index{.name = "chain_index", .dims = {"divergence"}, .is_integer = true};
  Variable draw_index{.name = "draw_index", .dims = {"divergence"}, .is_integer = true};
  for (const ModelVariable& stored : compiled.stored_variables()) {
    // Unnamed axes take the names the posterior group gives them, so both groups share them.
    const std::vector<std::string> trailing =
        dimension_names({.name = stored.name, .shape = stored.shape, .dims = stored.dims});
    std::vector<std::string> dims = {"divergence"};
    dims.insert(dims.end(), trailing.begin(), trailing.end());
    Shape shape = {0};
    shape.insert(shape.end(), stored.shape.begin(), stored.shape.end());
    group.variables.push_back({.name = stored.name, .shape = shape, .dims = dims});
  }
  for (std::size_t chain = 0; chain < result.chains.size(); ++chain) {
    for (const Divergence& divergence : result.chains[chain].divergences) {
      if (divergence.warmup) continue;
      chain_index.values.push_back(static_cast<double>(chain));
      draw_index.values.push_back(static_cast<double>(divergence.iteration));
      const auto values = compiled.constrain(divergence.point.data());
      for (std::size_t k = 0; k < values.size(); ++k) {
        group.variables[k].values.insert(group.variables[k].values.end(), values[k].begin(),
                                         values[k].end());
        group.variables[k].shape[0] += 1;
      }
    }
  }
  const auto count = static_cast<std::int64_t>(chain_index.values.size());
  chain_index.shape = {count};
  draw_index.shape = {count};
  group.variables.push_back(std::move(chain_index));
  group.variables.push_back(std::move(draw_index));
  return group;
}

}  // namespace hypatia
