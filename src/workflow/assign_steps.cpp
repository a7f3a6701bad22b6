// Which step method moves which free variable: the user's choices first, PyMC's defaults for
// the rest (NUTS for continuous variables, a Gibbs or Metropolis step per discrete variable).

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/ops/user_op.hpp"
#include "hypatia/sample.hpp"
#include "ppl/local_log_density.hpp"

namespace hypatia {
namespace {

StepBlock step_block(const Model& model, const FlatBlock& block, const CompiledModel* compiled) {
  StepBlock step{
      .name = block.name, .offset = block.offset, .size = block.size, .discrete = block.discrete};
  if (!block.discrete) return step;
  std::tie(step.lower, step.upper) = discrete_support_bounds(model, block.name);
  step.elementwise = compiled && compiled->has_local_logp(block.offset);
  return step;
}

// PyMC's default for a discrete variable.
StepMethod default_discrete_method(const Model& model, const StepBlock& block) {
  if (block.lower == 0 && block.upper == 1) return StepMethod::binary_gibbs_metropolis;
  const std::string family = model.variable(block.name).distribution->name();
  if (family.starts_with("Categorical") && std::isfinite(block.upper)) {
    return StepMethod::categorical_gibbs_metropolis;
  }
  return StepMethod::metropolis;
}

// For each free variable whose log density terms reach a black-box function without a gradient,
// the first such function's name: PyMC gives those variables a gradient-free step.
std::map<std::string, std::string> variables_without_gradient(const Model& model) {
  Exprs terms;
  for (const ElementwiseLogDensity& term : model.elementwise_log_density()) {
    terms.push_back(term.logp);
    if (term.log_jacobian) terms.push_back(*term.log_jacobian);
  }
  std::map<std::string, std::string> found;
  for (const ModelVariable& variable : model.variables()) {
    if (variable.role != VariableRole::free) continue;
    const std::vector<std::string> ops = non_differentiable_user_ops(terms, {variable.value});
    if (!ops.empty()) found[variable.name] = ops.front();
  }
  return found;
}

}  // namespace

std::vector<StepSpec> assign_steps(const Model& model, const std::vector<StepAssignment>& steps,
                                   const CompiledModel* compiled) {
  const PointLayout layout = model.layout();
  std::map<std::string, const FlatBlock*> blocks;
  for (const FlatBlock& block : layout.blocks) blocks[block.name] = &block;
  std::map<std::string, std::string> owner;  // variable -> the step that names it
  for (const StepAssignment& assignment : steps) {
    const std::string method(step_method_name(assignment.method));
    for (const std::string& name : assignment.variables) {
      if (!blocks.contains(name)) {
        const bool known = std::any_of(model.variables().begin(), model.variables().end(),
                                       [&](const ModelVariable& v) { return v.name == name; });
        throw Error(method + ": '" + name + "' is " +
                    (known ? "not a free random variable of the model (only free variables are "
                             "sampled)"
                           : "not a variable of the model"));
      }
      auto [existing, inserted] = owner.emplace(name, method);
      if (!inserted) {
        throw Error("'" + name + "' is given to two steps (" + existing->second + " and " + method +
                    "); every variable needs exactly one step");
      }
    }
  }
  const std::map<std::string, std::string> without_gradient = variables_without_gradient(model);
  std::vector<StepSpec> specs;
  for (const StepAssignment& assignment : steps) {
    const bool gradient_based =
        assignment.method == StepMethod::nuts || assignment.method == StepMethod::hamiltonian_mc;
    for (const auto& [name, op] : without_gradient) {
      const bool named = std::find(assignment.variables.begin(), assignment.variables.end(),
                                   name) != assignment.variables.end();
      if (gradient_based && (named || (assignment.variables.empty() && !owner.contains(name)))) {
        throw Error(std::string(step_method_name(assignment.method)) + " needs the gradient of '" +
                    name + "', but its log density goes through the user op '" + op +
                    "', which has none; give that op a gradient, or '" + name +
                    "' a gradient-free step (Slice, Metropolis)");
      }
    }
    StepSpec spec{.method = assignment.method,
                  .settings = assignment.settings,
                  .proposal = assignment.proposal,
                  .proposal_scale = assignment.proposal_scale,
                  .tune = assignment.tune};
    for (const FlatBlock& block : layout.blocks) {
      const bool named = std::find(assignment.variables.begin(), assignment.variables.end(),
                                   block.name) != assignment.variables.end();
      if (named || (assignment.variables.empty() && !owner.contains(block.name))) {
        spec.blocks.push_back(step_block(model, block, compiled));
        owner.emplace(block.name, std::string(step_method_name(assignment.method)));
      }
    }
    if (spec.blocks.empty()) {
      throw Error(std::string(step_method_name(assignment.method)) +
                  ": no free variable left for this step (all are given to other steps)");
    }
    specs.push_back(std::move(spec));
  }
  StepSpec continuous{.method = StepMethod::nuts};
  StepSpec gradient_free{.method = StepMethod::slice};  // PyMC's choice without a gradient
  std::vector<StepSpec> discrete;
  for (const FlatBlock& block : layout.blocks) {
    if (owner.contains(block.name)) continue;
    StepBlock step = step_block(model, block, compiled);
    if (!block.discrete) {
      (without_gradient.contains(block.name) ? gradient_free : continuous).blocks.push_back(step);
      continue;
    }
    discrete.push_back({.method = default_discrete_method(model, step), .blocks = {step}});
  }
  if (!continuous.blocks.empty()) specs.push_back(std::move(continuous));
  if (!gradient_free.blocks.empty()) specs.push_back(std::move(gradient_free));
  for (StepSpec& spec : discrete) specs.push_back(std::move(spec));
  return specs;
}

}  // namespace hypatia
