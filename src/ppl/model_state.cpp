#include "ppl/model_state.hpp"

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"

namespace hypatia {
namespace {

std::int64_t coord_length(const CoordValues& values) {
  return std::visit([](const auto& list) { return static_cast<std::int64_t>(list.size()); },
                    values);
}

std::string role_name(VariableRole role) {
  switch (role) {
    case VariableRole::free:
      return "a free random variable";
    case VariableRole::observed:
      return "an observed variable";
    case VariableRole::deterministic:
      return "a deterministic";
    case VariableRole::data:
      return "a data container";
    case VariableRole::potential:
      return "a potential";
  }
  return "a variable";
}

}  // namespace

const ModelVariable* Model::State::find(const std::string& name) const {
  auto found = index_by_name.find(name);
  return found == index_by_name.end() ? nullptr : &variables[found->second];
}

const ModelVariable* Model::State::find_data_placeholder(const NodePtr& placeholder) const {
  for (const ModelVariable& variable : variables) {
    if (variable.role == VariableRole::data && variable.value.node() == placeholder) {
      return &variable;
    }
  }
  return nullptr;
}

std::string Model::State::describe_placeholder(const NodePtr& placeholder) const {
  for (const ModelVariable& variable : variables) {
    if (variable.value.node() == placeholder) {
      return "'" + variable.name + "' (" + role_name(variable.role) + ")";
    }
  }
  return "'" + placeholder->attrs().get_string("name") + "' (not a variable of this model)";
}

std::unordered_map<std::string, Tensor> Model::State::data_bindings() const {
  std::unordered_map<std::string, Tensor> bindings;
  for (const auto& [name, value] : data_values) bindings.emplace("data:" + name, value);
  return bindings;
}

void Model::State::check_new_name(const std::string& name) const {
  if (name.empty()) throw Error("model variables need a non-empty name");
  if (const ModelVariable* existing = find(name)) {
    throw Error(name + ": the name is already used by " + role_name(existing->role) +
                "; every variable of a model needs its own name");
  }
}

void Model::State::add_coord(const std::string& dim, CoordValues values) {
  if (coords.contains(dim)) {
    throw Error("coordinate '" + dim + "' is defined twice");
  }
  coords.emplace(dim, std::move(values));
}

Expr Model::State::add(ModelVariable variable) {
  index_by_name.emplace(variable.name, variables.size());
  variables.push_back(std::move(variable));
  return variables.back().value;
}

std::vector<std::string> Model::State::resolve_data_dims(const std::string& name,
                                                         const Shape& shape,
                                                         const std::vector<std::string>& dims) {
  if (dims.empty()) return {};
  if (dims.size() != shape.size()) {
    throw Error(name + ": " + std::to_string(dims.size()) + " dims given for data of shape " +
                shape_to_string(shape));
  }
  for (std::size_t axis = 0; axis < dims.size(); ++axis) {
    auto found = coords.find(dims[axis]);
    if (found == coords.end()) {
      std::vector<std::int64_t> positions(static_cast<std::size_t>(shape[axis]));
      for (std::size_t i = 0; i < positions.size(); ++i)
        positions[i] = static_cast<std::int64_t>(i);
      coords.emplace(dims[axis], std::move(positions));
      continue;
    }
    if (coord_length(found->second) != shape[axis]) {
      throw Error(name + ": axis " + std::to_string(axis) + " has length " +
                  std::to_string(shape[axis]) + " but dim '" + dims[axis] + "' has " +
                  std::to_string(coord_length(found->second)) + " coordinates (data shape " +
                  shape_to_string(shape) + ")");
    }
  }
  return dims;
}

Shape Model::State::resolve_shape(const std::string& name, const Distribution& distribution,
                                  const Shape& shape, const std::vector<std::string>& dims) const {
  Shape resolved = shape;
  if (resolved.empty() && !dims.empty()) {
    for (const std::string& dim : dims) {
      auto found = coords.find(dim);
      if (found == coords.end()) {
        throw Error(name + ": unknown dim '" + dim +
                    "'; add it with add_coord or give the variable an explicit shape");
      }
      resolved.push_back(coord_length(found->second));
    }
  }
  if (resolved.empty()) resolved = distribution.default_shape();
  if (!is_fully_known(resolved)) {
    throw Error(name + ": the shape " + shape_to_string(resolved) + " is not fully known");
  }
  check_fits(name, distribution, resolved);
  return resolved;
}

std::vector<std::string> Model::State::resolve_variable_dims(const std::string& name,
                                                             const Shape& shape,
                                                             const std::vector<std::string>& dims) {
  return resolve_data_dims(name, shape, dims);
}

void Model::State::check_fits(const std::string& name, const Distribution& distribution,
                              const Shape& shape) const {
  const Shape own = distribution.default_shape();
  std::optional<Shape> joint = broadcast_static(own, shape);
  if (!joint || *joint != shape) {
    throw Error(name + ": " + distribution.name() + " has parameters of shape " +
                shape_to_string(own) + ", which does not fit the variable's shape " +
                shape_to_string(shape));
  }
}

void Model::State::check_logp_builds(const ModelVariable& variable) const {
  ProvenanceScope scope(variable.name);
  (void)variable.distribution->logp(variable.value);
}

}  // namespace hypatia
