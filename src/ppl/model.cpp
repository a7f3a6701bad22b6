// Model construction: naming, shapes from dims and coords, and the checks that reject data that
// does not fit before any sampling.

#include "hypatia/ppl/model.hpp"

#include <cmath>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/model_state.hpp"

namespace hypatia {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& message) {
  throw Error(name + ": " + message);
}

Tensor evaluate_with_data(const Model::State& state, const Expr& value, const std::string& name) {
  std::unordered_map<std::string, Tensor> bindings;
  for (const NodePtr& placeholder : free_inputs({value.node()})) {
    const ModelVariable* data = state.find_data_placeholder(placeholder);
    if (!data) {
      fail(name,
           "observed values must be data or constants, but they depend on the random "
           "variable " +
               state.describe_placeholder(placeholder));
    }
    bindings.emplace(placeholder->attrs().get_string("name"), state.data_values.at(data->name));
  }
  return evaluate(value.node(), bindings);
}

void check_no_nan(const std::string& name, const Tensor& values) {
  for (std::int64_t i = 0; i < values.size(); ++i) {
    if (std::isnan(values.at(i))) {
      fail(name, "observed data contains NaN at flat index " + std::to_string(i) + " (of shape " +
                     shape_to_string(values.shape()) +
                     "); drop or impute missing values before building the model");
    }
  }
}

// Checks that observed values lie in the support, with the parameters' values where they are
// known now (constants, data) and the support's kind alone otherwise.
void check_in_support(const Model::State& state, const std::string& name,
                      const Distribution& distribution, const Tensor& values) {
  Support support = distribution.support();
  Expr condition = support.contains(constant(values));
  for (const NodePtr& placeholder : free_inputs({condition.node()})) {
    if (!state.find_data_placeholder(placeholder)) {
      support.lower.reset();
      support.upper.reset();
      support.total.reset();
      condition = support.contains(constant(values));
      break;
    }
  }
  const Tensor verdict = evaluate_with_data(state, condition, name);
  for (std::int64_t i = 0; i < verdict.size(); ++i) {
    if (verdict.at(i) == 0.0) {
      std::ostringstream message;
      message << "observed value at flat index " << i << " is outside the support of "
              << distribution.name() << " (" << support.describe() << ")";
      if (values.size() == verdict.size()) message << ": got " << values.at(i);
      fail(name, message.str());
    }
  }
}

}  // namespace

Model::Model() : state_(std::make_shared<State>()) {}
Model::~Model() = default;
Model::Model(const Model& other) : state_(std::make_shared<State>(*other.state_)) {}
Model& Model::operator=(const Model& other) {
  state_ = std::make_shared<State>(*other.state_);
  return *this;
}

void Model::add_coord(const std::string& dim, std::vector<std::string> labels) {
  state_->add_coord(dim, std::move(labels));
}

void Model::add_coord(const std::string& dim, std::vector<double> values) {
  state_->add_coord(dim, std::move(values));
}

Expr Model::data(const std::string& name, const Tensor& value, const DataOptions& options) {
  State& state = *state_;
  state.check_new_name(name);
  const std::vector<std::string> dims = state.resolve_data_dims(name, value.shape(), options.dims);
  ModelVariable variable{
      .name = name, .role = VariableRole::data, .shape = value.shape(), .dims = dims};
  variable.value = input("data:" + name, value.type());
  state.data_values[name] = value;
  return state.add(std::move(variable));
}

Expr Model::data(const std::string& name, const std::vector<double>& values,
                 const DataOptions& options) {
  return data(name, Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())}),
              options);
}

void Model::set_data(const std::string& name, const Tensor& value) {
  const ModelVariable& variable = this->variable(name);
  if (variable.role != VariableRole::data) fail(name, "is not a data container");
  if (value.type() != variable.value.type()) {
    fail(name, "new data must have the type " + type_to_string(variable.value.type()) +
                   " of the data it replaces; got " + type_to_string(value.type()));
  }
  state_->data_values[name] = value;
}

Expr Model::rv(const std::string& name, const Distribution& distribution,
               const VariableOptions& options) {
  State& state = *state_;
  state.check_new_name(name);
  ProvenanceScope scope(name);
  ModelVariable variable{.name = name, .role = VariableRole::free, .distribution = distribution};
  variable.shape = state.resolve_shape(name, distribution, options.shape, options.dims);
  variable.dims = state.resolve_variable_dims(name, variable.shape, options.dims);
  const Support support = distribution.support();
  if (support.kind == SupportKind::point) {
    // A point mass (DiracDelta) has nothing to sample: the variable is the point itself, stored
    // with each draw like a deterministic.
    const DType dtype = support.is_discrete() ? DType::int64 : DType::float64;
    return state.add({.name = name,
                      .role = VariableRole::deterministic,
                      .shape = variable.shape,
                      .dims = variable.dims,
                      .value = broadcast_to(cast(*support.lower, dtype), variable.shape)});
  }
  if (!options.untransformed) {
    variable.transform =
        options.transform ? options.transform : distribution.support().default_transform();
  }
  const DType dtype = distribution.is_discrete() ? DType::int64 : DType::float64;
  variable.value = input("rv:" + name, TensorType{dtype, variable.shape});
  state.check_logp_builds(variable);
  return state.add(std::move(variable));
}

Expr Model::observe(const std::string& name, const Distribution& distribution, const Expr& observed,
                    const DataOptions& options) {
  State& state = *state_;
  state.check_new_name(name);
  ProvenanceScope scope(name);
  const Tensor values = evaluate_with_data(state, observed, name);
  check_no_nan(name, values);
  ModelVariable variable{.name = name,
                         .role = VariableRole::observed,
                         .distribution = distribution,
                         .shape = observed.shape()};
  state.check_fits(name, distribution, observed.shape());
  variable.dims = state.resolve_data_dims(name, observed.shape(), options.dims);
  check_in_support(state, name, distribution, values);
  variable.value = observed;
  state.check_logp_builds(variable);
  return state.add(std::move(variable));
}

Expr Model::observe(const std::string& name, const Distribution& distribution,
                    const Tensor& observed, const DataOptions& options) {
  return observe(name, distribution, Expr(constant(observed)), options);
}

Expr Model::deterministic(const std::string& name, const Expr& value,
                          const std::vector<std::string>& dims) {
  State& state = *state_;
  state.check_new_name(name);
  ModelVariable variable{.name = name, .role = VariableRole::deterministic, .shape = value.shape()};
  variable.dims = state.resolve_variable_dims(name, value.shape(), dims);
  variable.value = value;
  return state.add(std::move(variable));
}

void Model::potential(const std::string& name, const Expr& logp_term) {
  State& state = *state_;
  state.check_new_name(name);
  if (logp_term.dtype() != DType::float64 && logp_term.dtype() != DType::float32) {
    fail(name, "a potential must be a floating-point log-density term; got " +
                   type_to_string(logp_term.type()));
  }
  ModelVariable variable{.name = name, .role = VariableRole::potential, .shape = logp_term.shape()};
  variable.value = logp_term;
  state.add(std::move(variable));
}

Expr Model::normal(const std::string& name, const Expr& mu, const Expr& sigma,
                   const VariableOptions& options) {
  ProvenanceScope scope(name);
  return rv(name, Normal(mu, sigma), options);
}

Expr Model::half_normal(const std::string& name, const Expr& sigma,
                        const VariableOptions& options) {
  ProvenanceScope scope(name);
  return rv(name, HalfNormal(sigma), options);
}

Expr Model::half_cauchy(const std::string& name, const Expr& beta, const VariableOptions& options) {
  ProvenanceScope scope(name);
  return rv(name, HalfCauchy(beta), options);
}

Expr Model::exponential(const std::string& name, const Expr& lam, const VariableOptions& options) {
  ProvenanceScope scope(name);
  return rv(name, Exponential(lam), options);
}

const std::vector<ModelVariable>& Model::variables() const {
  return state_->variables;
}

const ModelVariable& Model::variable(const std::string& name) const {
  const ModelVariable* variable = state_->find(name);
  if (!variable) throw Error("the model has no variable named '" + name + "'");
  return *variable;
}

const std::map<std::string, CoordValues>& Model::coords() const {
  return state_->coords;
}

const Tensor& Model::data_value(const std::string& name) const {
  auto found = state_->data_values.find(name);
  if (found == state_->data_values.end()) fail(name, "is not a data container of the model");
  return found->second;
}

std::vector<std::string> PointLayout::coordinate_names() const {
  std::vector<std::string> names;
  for (const FlatBlock& block : blocks) {
    const std::string suffix = block.transform ? " (" + block.transform->name() + ")" : "";
    if (block.unconstrained_shape.empty()) {
      names.push_back(block.name + suffix);
      continue;
    }
    for (std::int64_t i = 0; i < block.size; ++i) {
      names.push_back(block.name + "[" + std::to_string(i) + "]" + suffix);
    }
  }
  return names;
}

}  // namespace hypatia
