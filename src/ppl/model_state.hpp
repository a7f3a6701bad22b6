#pragma once

// The model's variables, coordinates and data values, with the shape bookkeeping and checks.

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "hypatia/ppl/model.hpp"

namespace hypatia {

struct Model::State {
  std::vector<ModelVariable> variables;
  std::map<std::string, CoordValues> coords;
  std::map<std::string, Tensor> data_values;
  std::unordered_map<std::string, std::size_t> index_by_name;

  const ModelVariable* find(const std::string& name) const;
  // The data variable whose placeholder this is, or nullptr.
  const ModelVariable* find_data_placeholder(const NodePtr& placeholder) const;
  // "mu (a free variable)" for error messages.
  std::string describe_placeholder(const NodePtr& placeholder) const;

  // Data placeholder names -> current values, for the interpreter.
  std::unordered_map<std::string, Tensor> data_bindings() const;

  void check_new_name(const std::string& name) const;
  void add_coord(const std::string& dim, CoordValues values);
  Expr add(ModelVariable variable);

  // Dims of data: each must match its coordinate's length; unknown dims get 0..n-1 coordinates.
  std::vector<std::string> resolve_data_dims(const std::string& name, const Shape& shape,
                                             const std::vector<std::string>& dims);
  // The shape of a free variable from an explicit shape, its dims, or the distribution.
  Shape resolve_shape(const std::string& name, const Distribution& distribution, const Shape& shape,
                      const std::vector<std::string>& dims) const;
  std::vector<std::string> resolve_variable_dims(const std::string& name, const Shape& shape,
                                                 const std::vector<std::string>& dims);
  // The distribution's own shape must broadcast to `shape` without changing it.
  void check_fits(const std::string& name, const Distribution& distribution,
                  const Shape& shape) const;
  // Builds the variable's log-density term once so shape errors surface now, named.
  void check_logp_builds(const ModelVariable& variable) const;
};

}  // namespace hypatia
