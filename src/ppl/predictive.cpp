// Forward sampling: each variable drawn from its distribution given the draws before it.

#include "hypatia/ppl/predictive.hpp"

#include <algorithm>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia {
namespace {

std::vector<NodePtr> data_placeholders(const Model& model) {
  std::vector<NodePtr> placeholders;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::data) placeholders.push_back(variable.value.node());
  }
  return placeholders;
}

std::vector<Tensor> data_values(const Model& model) {
  std::vector<Tensor> values;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role == VariableRole::data) values.push_back(model.data_value(variable.name));
  }
  return values;
}

bool is_drawn(VariableRole role) {
  return role == VariableRole::free || role == VariableRole::deterministic ||
         role == VariableRole::observed;
}

Variable empty_variable(const ModelVariable& variable) {
  return {.name = variable.name,
          .shape = variable.shape,
          .dims = variable.dims,
          .is_integer = variable.distribution && variable.distribution->is_discrete()};
}

void append(Variable& variable, const Tensor& value) {
  const std::vector<double> values = value.to_doubles();
  variable.values.insert(variable.values.end(), values.begin(), values.end());
}

void check_draw_layout(const InferenceData& data, std::int64_t draws) {
  if ((data.chains != 0 && data.chains != 1) || (data.draws != 0 && data.draws != draws)) {
    throw Error("sample_prior_predictive: the InferenceData already holds " +
                std::to_string(data.chains) + " chains x " + std::to_string(data.draws) +
                " draws; prior draws are 1 chain x " + std::to_string(draws));
  }
}

}  // namespace

ForwardGraph forward_graph(const Model& model) {
  ForwardGraph graph{.state = input("model:rng_state", random_state_type())};
  RandomStream rng(graph.state);
  Replacements drawn;  // placeholder of each free variable -> its draw
  for (const ModelVariable& variable : model.variables()) {
    if (!is_drawn(variable.role)) continue;
    ProvenanceScope scope(variable.name);
    Expr value;
    if (variable.role == VariableRole::deterministic) {
      value = substitute(variable.value.node(), drawn);
    } else {
      // The parameters refer to earlier placeholders; the state chain runs through earlier
      // draws, which the substitution rewrites to the same (hash-consed) nodes.
      Expr draw = variable.distribution->random(rng, variable.shape);
      value = cast(Expr(substitute(draw.node(), drawn)), variable.value.dtype());
      rng = RandomStream(Expr(substitute(rng.state().node(), drawn)));
    }
    if (variable.role == VariableRole::free) drawn[variable.value.node().get()] = value.node();
    graph.values.emplace_back(variable.name, value);
  }
  return graph;
}

void sample_prior_predictive(const Model& model, std::int64_t draws, InferenceData& data,
                             const PredictiveOptions& options) {
  check_draw_layout(data, draws);
  const ForwardGraph graph = forward_graph(model);
  std::vector<NodePtr> inputs = {graph.state.node()};
  for (const NodePtr& placeholder : data_placeholders(model)) inputs.push_back(placeholder);
  std::vector<NodePtr> outputs;
  for (const auto& [name, value] : graph.values) outputs.push_back(value.node());
  Function function(inputs, outputs, {.backend = options.backend});

  Group prior;
  Group prior_predictive;
  std::vector<Variable*> targets;
  for (const auto& [name, value] : graph.values) {
    const ModelVariable& variable = model.variable(name);
    Group& group = variable.role == VariableRole::observed ? prior_predictive : prior;
    group.variables.push_back(empty_variable(variable));
  }
  for (Variable& variable : prior.variables) targets.push_back(&variable);
  for (Variable& variable : prior_predictive.variables) targets.push_back(&variable);
  // Outputs come in model order; route each to its group.
  std::vector<Variable*> by_output;
  for (const auto& [name, value] : graph.values) {
    for (Variable* target : targets) {
      if (target->name == name) by_output.push_back(target);
    }
  }
  std::vector<Tensor> values = data_values(model);
  values.insert(values.begin(), Tensor());
  for (std::int64_t draw = 0; draw < draws; ++draw) {
    values[0] = random_state(options.seed, static_cast<std::uint64_t>(draw));
    const std::vector<Tensor> results = function(values);
    for (std::size_t k = 0; k < results.size(); ++k) append(*by_output[k], results[k]);
  }
  data.chains = 1;
  data.draws = draws;
  data.groups["prior"] = std::move(prior);
  data.groups["prior_predictive"] = std::move(prior_predictive);
  if (data.coords.empty()) data.coords = model.coords();
}

void sample_posterior_predictive(const Model& model, InferenceData& data,
                                 const PredictiveOptions& options) {
  auto posterior = data.groups.find("posterior");
  if (posterior == data.groups.end()) {
    throw Error("sample_posterior_predictive: the InferenceData has no posterior group");
  }
  const ForwardGraph graph = forward_graph(model);
  // Condition on the posterior: free variables with draws become inputs again. A free variable
  // the posterior does not hold (one added after sampling, such as a GP's conditional at new
  // inputs) is drawn given the others at every draw, as PyMC resamples variables missing from
  // the trace, and is returned beside the observed variables.
  std::vector<NodePtr> inputs = {graph.state.node()};
  std::vector<const Variable*> free_draws;
  Replacements conditioned;
  std::vector<std::string> resampled;
  for (const auto& [name, value] : graph.values) {
    const ModelVariable& variable = model.variable(name);
    if (variable.role != VariableRole::free) continue;
    const Variable* draws = nullptr;
    for (const Variable& candidate : posterior->second.variables) {
      if (candidate.name == variable.name) draws = &candidate;
    }
    if (!draws) {
      resampled.push_back(name);
      continue;
    }
    free_draws.push_back(draws);
    inputs.push_back(variable.value.node());
    conditioned[value.node().get()] = variable.value.node();
  }
  Group predictive;
  std::vector<NodePtr> outputs;
  for (const auto& [name, value] : graph.values) {
    const ModelVariable& variable = model.variable(name);
    const bool is_resampled =
        std::find(resampled.begin(), resampled.end(), name) != resampled.end();
    if (variable.role != VariableRole::observed && !is_resampled) continue;
    outputs.push_back(substitute(value.node(), conditioned));
    predictive.variables.push_back(empty_variable(variable));
  }
  for (const NodePtr& placeholder : data_placeholders(model)) inputs.push_back(placeholder);
  Function function(inputs, outputs, {.backend = options.backend});

  std::vector<Tensor> values(inputs.size());
  const std::vector<Tensor> data_tensors = data_values(model);
  std::copy(data_tensors.begin(), data_tensors.end(), values.begin() + 1 + free_draws.size());
  for (std::int64_t i = 0; i < data.chains * data.draws; ++i) {
    values[0] = random_state(options.seed, static_cast<std::uint64_t>(i));
    for (std::size_t k = 0; k < free_draws.size(); ++k) {
      const TensorType& type = inputs[1 + k]->type();
      std::int64_t size = 1;
      for (std::int64_t dim : type.shape) size *= dim;
      const auto begin = free_draws[k]->values.begin() + i * size;
      values[1 + k] = Tensor::from_doubles(std::vector<double>(begin, begin + size), type.shape)
                          .cast(type.dtype);
    }
    const std::vector<Tensor> results = function(values);
    for (std::size_t k = 0; k < results.size(); ++k) append(predictive.variables[k], results[k]);
  }
  data.groups["posterior_predictive"] = std::move(predictive);
}

}  // namespace hypatia
