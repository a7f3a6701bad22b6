// The model as graphs of one flat unconstrained vector: each free variable is a slice of it
// passed through its transform, substituted for the variable's placeholder everywhere.

#include "ppl/model_graph.hpp"

#include <algorithm>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "ppl/model_state.hpp"

namespace hypatia {
namespace {

std::int64_t element_count(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t dim : shape) count *= dim;
  return count;
}

Expr unconstrained_block(const Expr& x, const FlatBlock& block) {
  return reshape(slice(x, 0, Slice{block.offset, block.offset + block.size, std::nullopt}),
                 block.unconstrained_shape);
}

// The shape of one observed variable's observations (a free variable's independent values): its
// values less the event axes.
Shape observation_shape(const ModelVariable& variable) {
  Shape shape = variable.shape;
  const auto event_rank = static_cast<std::size_t>(variable.distribution->event_rank());
  shape.resize(shape.size() - std::min(event_rank, shape.size()));
  return shape;
}

Expr sum_all(const Expr& term) {
  return cast(term.rank() == 0 ? term : sum(term), DType::float64);
}

Axes last_axes(std::int64_t count) {
  Axes axes;
  for (std::int64_t k = 1; k <= count; ++k) axes.push_back(-k);
  return axes;
}

// One variable's elementwise log density; `unconstrained` is a transformed free variable's
// unconstrained value. As PyMC does, a free variable's log density is summed over the trailing
// axes its transform couples (an ordered transform on a univariate family's vector: one term per
// vector), with or without the Jacobian, so the shape does not depend on `jacobian`. A Jacobian
// with more axes than the log density (PyMC refuses these) is summed down to it instead.
ElementwiseLogDensity elementwise_term(const ModelVariable& variable,
                                       const std::optional<Expr>& unconstrained) {
  ElementwiseLogDensity term{.name = variable.name, .role = variable.role};
  if (variable.role == VariableRole::potential) {
    term.logp = cast(variable.value, DType::float64);
    return term;
  }
  const bool transformed = variable.role == VariableRole::free && variable.transform;
  // As in the joint density: a transform keeps the value in the support.
  Expr logp = variable.distribution->logp(
      variable.value, {.check_support = !transformed, .check_parameters = true});
  logp = cast(broadcast_to(logp, observation_shape(variable)), DType::float64);
  if (transformed) {
    Expr jacobian = cast(variable.transform->log_jacobian_terms(*unconstrained), DType::float64);
    if (jacobian.rank() < logp.rank()) logp = sum(logp, last_axes(logp.rank() - jacobian.rank()));
    if (jacobian.rank() > logp.rank()) {
      jacobian = sum(jacobian, last_axes(jacobian.rank() - logp.rank()));
    }
    term.log_jacobian = broadcast_to(jacobian, logp.shape());
  }
  term.logp = logp;
  return term;
}

}  // namespace

Replacements free_variable_replacements(const std::vector<ModelVariable>& variables,
                                        const PointLayout& layout, const Expr& x) {
  Replacements replacements;
  std::size_t block_index = 0;
  for (const ModelVariable& variable : variables) {
    if (variable.role != VariableRole::free) continue;
    ProvenanceScope scope(variable.name);
    const FlatBlock& block = layout.blocks.at(block_index++);
    Expr unconstrained = unconstrained_block(x, block);
    Expr value = block.transform ? block.transform->constrain(unconstrained) : unconstrained;
    replacements[variable.value.node().get()] =
        substitute(cast(value, variable.value.dtype()).node(), replacements);
  }
  return replacements;
}

PointLayout Model::layout() const {
  PointLayout layout;
  for (const ModelVariable& variable : state_->variables) {
    if (variable.role != VariableRole::free) continue;
    FlatBlock block{.name = variable.name,
                    .offset = layout.dim,
                    .shape = variable.shape,
                    .transform = variable.transform,
                    .discrete = variable.distribution->is_discrete()};
    block.unconstrained_shape = variable.transform
                                    ? variable.transform->unconstrained_shape(variable.shape)
                                    : variable.shape;
    block.size = element_count(block.unconstrained_shape);
    layout.dim += block.size;
    layout.blocks.push_back(std::move(block));
  }
  return layout;
}

LogDensityGraph Model::log_density() const {
  const PointLayout point_layout = layout();
  LogDensityGraph graph;
  graph.x = input("model:unconstrained", TensorType{DType::float64, {point_layout.dim}});
  const Replacements replacements =
      free_variable_replacements(state_->variables, point_layout, graph.x);
  Expr log_prior = Expr(0.0);
  Expr log_likelihood = Expr(0.0);
  std::size_t block_index = 0;
  for (const ModelVariable& variable : state_->variables) {
    ProvenanceScope scope(variable.name);
    Expr term;
    switch (variable.role) {
      case VariableRole::free: {
        const FlatBlock& block = point_layout.blocks[block_index++];
        // A transform keeps the value in the support, so only the parameters need guarding.
        term = sum_all(variable.distribution->logp(
            variable.value, {.check_support = !variable.transform, .check_parameters = true}));
        if (variable.transform) {
          term = term + variable.transform->log_jacobian(unconstrained_block(graph.x, block));
        }
        log_prior = log_prior + term;
        break;
      }
      case VariableRole::observed: {
        const Expr pointwise = variable.distribution->logp(variable.value);
        term = sum_all(pointwise);
        log_likelihood = log_likelihood + term;
        graph.pointwise_log_likelihood.emplace_back(
            variable.name, broadcast_to(pointwise, observation_shape(variable)));
        break;
      }
      case VariableRole::potential:
        term = sum_all(variable.value);
        log_likelihood = log_likelihood + term;
        break;
      case VariableRole::data:
        graph.data_inputs.push_back(variable.value);
        graph.data_values.push_back(state_->data_values.at(variable.name));
        continue;
      case VariableRole::deterministic:
        continue;
    }
    graph.terms.emplace_back(variable.name, term);
  }
  graph.log_prior = substitute(log_prior.node(), replacements);
  graph.log_likelihood = substitute(log_likelihood.node(), replacements);
  graph.logp = graph.log_prior + graph.log_likelihood;
  for (auto& [name, term] : graph.terms) term = substitute(term.node(), replacements);
  for (auto& [name, pointwise] : graph.pointwise_log_likelihood) {
    pointwise = substitute(pointwise.node(), replacements);
  }
  return graph;
}

std::vector<ElementwiseLogDensity> Model::elementwise_log_density(const Expr& x) const {
  const PointLayout point_layout = layout();
  const Replacements replacements = free_variable_replacements(state_->variables, point_layout, x);
  std::vector<ElementwiseLogDensity> terms;
  std::size_t block_index = 0;
  for (const ModelVariable& variable : state_->variables) {
    if (variable.role == VariableRole::data || variable.role == VariableRole::deterministic) {
      continue;
    }
    ProvenanceScope scope(variable.name);
    std::optional<Expr> unconstrained;
    if (variable.role == VariableRole::free) {
      unconstrained = unconstrained_block(x, point_layout.blocks.at(block_index++));
    }
    ElementwiseLogDensity term = elementwise_term(variable, unconstrained);
    term.logp = substitute(term.logp.node(), replacements);
    if (term.log_jacobian) term.log_jacobian = substitute(term.log_jacobian->node(), replacements);
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<ElementwiseLogDensity> Model::elementwise_log_density() const {
  std::vector<ElementwiseLogDensity> terms;
  for (const ModelVariable& variable : state_->variables) {
    if (variable.role == VariableRole::data || variable.role == VariableRole::deterministic) {
      continue;
    }
    ProvenanceScope scope(variable.name);
    std::optional<Expr> unconstrained;
    if (variable.role == VariableRole::free && variable.transform) {
      unconstrained = variable.transform->unconstrain(cast(variable.value, DType::float64));
    }
    terms.push_back(elementwise_term(variable, unconstrained));
  }
  return terms;
}

Expr Model::unconstrained_vector() const {
  std::vector<Expr> blocks;
  for (const FlatBlock& block : layout().blocks) {
    const Expr value = cast(variable(block.name).value, DType::float64);
    blocks.push_back(
        reshape(block.transform ? block.transform->unconstrain(value) : value, {block.size}));
  }
  if (blocks.empty()) return constant(Tensor::from_doubles({}, {0}));
  return blocks.size() == 1 ? blocks.front() : concatenate(blocks, 0);
}

Point Model::constrain(const std::vector<double>& x) const {
  const PointLayout point_layout = layout();
  if (static_cast<std::int64_t>(x.size()) != point_layout.dim) {
    throw Error("Model::constrain: the model has " + std::to_string(point_layout.dim) +
                " unconstrained coordinates; got a vector of " + std::to_string(x.size()));
  }
  const Expr flat = constant(Tensor::from_doubles(x, {point_layout.dim}));
  const Replacements replacements =
      free_variable_replacements(state_->variables, point_layout, flat);
  std::vector<std::string> names;
  std::vector<NodePtr> outputs;
  for (const ModelVariable& variable : state_->variables) {
    if (variable.role == VariableRole::free || variable.role == VariableRole::deterministic) {
      names.push_back(variable.name);
      outputs.push_back(variable.value.node());
    }
  }
  const std::vector<Tensor> values =
      evaluate(substitute(outputs, replacements), state_->data_bindings());
  Point point;
  for (std::size_t i = 0; i < names.size(); ++i) point.emplace(names[i], values[i]);
  return point;
}

std::vector<double> Model::unconstrain(const Point& point) const {
  const PointLayout point_layout = layout();
  Replacements replacements;  // bounds of a transform may depend on other free variables
  for (const FlatBlock& block : point_layout.blocks) {
    auto found = point.find(block.name);
    if (found == point.end()) {
      throw Error("Model::unconstrain: the point has no value for free variable '" + block.name +
                  "'");
    }
    if (found->second.shape() != block.shape) {
      throw Error("Model::unconstrain: " + block.name + " must have shape " +
                  shape_to_string(block.shape) + "; got " + shape_to_string(found->second.shape()));
    }
    const ModelVariable& variable = this->variable(block.name);
    replacements[variable.value.node().get()] =
        cast(Expr(constant(found->second)), variable.value.dtype()).node();
  }
  std::vector<NodePtr> outputs;
  for (const FlatBlock& block : point_layout.blocks) {
    Expr value = cast(this->variable(block.name).value, DType::float64);
    outputs.push_back((block.transform ? block.transform->unconstrain(value) : value).node());
  }
  std::vector<double> x;
  x.reserve(static_cast<std::size_t>(point_layout.dim));
  for (const Tensor& block : evaluate(substitute(outputs, replacements), state_->data_bindings())) {
    const std::vector<double> flat = block.to_doubles();
    x.insert(x.end(), flat.begin(), flat.end());
  }
  return x;
}

}  // namespace hypatia
