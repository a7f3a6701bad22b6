#include "hypatia/inference_data.hpp"

#include <cmath>
#include <set>
#include <utility>

#include "hypatia/error.hpp"
#include "hypatia/io.hpp"
#include "hypatia/shape.hpp"

namespace hypatia {

const Variable* Group::find(const std::string& name) const {
  for (const Variable& variable : variables) {
    if (variable.name == name) return &variable;
  }
  return nullptr;
}

std::int64_t InferenceData::draws_in(const std::string& group_name) const {
  return group_name.starts_with("warmup_") ? warmup_draws : draws;
}

bool has_chain_and_draw(const std::string& group_name) {
  static const std::set<std::string> unsampled = {"observed_data", "constant_data",
                                                  "predictions_constant_data"};
  return unsampled.count(group_name) == 0;
}

std::vector<std::string> dimension_names(const Variable& variable) {
  if (!variable.dims.empty()) return variable.dims;
  std::vector<std::string> names;
  for (std::size_t axis = 0; axis < variable.shape.size(); ++axis) {
    names.push_back(variable.name + "_dim_" + std::to_string(axis));
  }
  return names;
}

namespace {

std::int64_t coord_length(const CoordValues& coords) {
  return std::visit([](const auto& values) { return static_cast<std::int64_t>(values.size()); },
                    coords);
}

// Checks the variables of one group against each other and against the InferenceData's chain
// and draw counts and coords. Every dimension's length is fixed by the first variable using it.
class GroupChecker {
 public:
  GroupChecker(const InferenceData& data, const std::string& group_name)
      : data_(data),
        group_name_(group_name),
        sampled_(has_chain_and_draw(group_name)),
        draws_(data.draws_in(group_name)) {
    if (data.chains < 0 || draws_ < 0) {
      fail_group("chains and draws must be non-negative, got chains=" +
                 std::to_string(data.chains) + ", draws=" + std::to_string(draws_));
    }
    if (sampled_) {
      dimension_owner_["chain"] = {data.chains, "(chains)"};
      dimension_owner_["draw"] = {draws_, "(draws)"};
    }
  }

  // Everything about `variable` except its values.
  void check_layout(const Variable& variable) {
    if (variable.name.empty()) fail_group("a variable has an empty name");
    if (!names_.insert(variable.name).second) fail(variable, "appears twice in the group");
    for (std::int64_t length : variable.shape) {
      if (length < 0) fail(variable, "negative length in shape " + shape_to_string(variable.shape));
    }
    if (!variable.dims.empty() && variable.dims.size() != variable.shape.size()) {
      fail(variable, "has " + std::to_string(variable.dims.size()) + " dims for shape " +
                         shape_to_string(variable.shape) + " of rank " +
                         std::to_string(variable.shape.size()));
    }
    const std::vector<std::string> dims = dimension_names(variable);
    std::set<std::string> seen;
    for (std::size_t axis = 0; axis < dims.size(); ++axis) {
      if (!seen.insert(dims[axis]).second) fail(variable, "dim '" + dims[axis] + "' repeats");
      record_dimension(variable, dims[axis], variable.shape[axis]);
    }
  }

  void check_values(const Variable& variable) const {
    const std::int64_t leading = sampled_ ? data_.chains * draws_ : 1;
    const std::int64_t expected = leading * num_elements(variable.shape);
    if (static_cast<std::int64_t>(variable.values.size()) != expected) {
      const std::string layout = sampled_ ? "(chains=" + std::to_string(data_.chains) +
                                                ") x (draws=" + std::to_string(draws_) +
                                                ") x shape " + shape_to_string(variable.shape)
                                          : "shape " + shape_to_string(variable.shape);
      fail(variable, "expected " + std::to_string(expected) + " values for " + layout + ", got " +
                         std::to_string(variable.values.size()));
    }
    if (variable.is_boolean) {
      check_boolean(variable);
    } else if (variable.is_integer) {
      check_integral(variable);
    }
  }

  // A variable may not share its name with a dimension: the dimension's coordinate variable
  // would take that name in the file.
  void check_names_against_dimensions() const {
    for (const std::string& name : names_) {
      if (auto it = dimension_owner_.find(name); it != dimension_owner_.end()) {
        fail_group("variable '" + name + "' has the name of a dimension (used by " +
                   it->second.second + ")");
      }
    }
  }

 private:
  void record_dimension(const Variable& variable, const std::string& dim, std::int64_t length) {
    if (sampled_ && (dim == "chain" || dim == "draw")) {
      fail(variable, "dim '" + dim + "' is reserved for the leading axes of a sampled group");
    }
    auto [it, inserted] =
        dimension_owner_.try_emplace(dim, length, "variable '" + variable.name + "'");
    if (!inserted && it->second.first != length) {
      fail(variable, "dim '" + dim + "' has length " + std::to_string(length) + " here but " +
                         std::to_string(it->second.first) + " in " + it->second.second);
    }
    if (auto coords = data_.coords.find(dim); coords != data_.coords.end()) {
      if (coord_length(coords->second) != length) {
        fail(variable, "dim '" + dim + "' has length " + std::to_string(length) +
                           " but its coords have " + std::to_string(coord_length(coords->second)) +
                           " values");
      }
    }
  }

  void check_integral(const Variable& variable) const {
    constexpr double int64_bound = 9223372036854775808.0;  // 2^63
    for (std::size_t i = 0; i < variable.values.size(); ++i) {
      const double value = variable.values[i];
      if (!std::isfinite(value) || value != std::trunc(value) || value < -int64_bound ||
          value >= int64_bound) {
        fail(variable,
             "is marked integer but value " + std::to_string(i) + " is " + std::to_string(value));
      }
    }
  }

  void check_boolean(const Variable& variable) const {
    for (std::size_t i = 0; i < variable.values.size(); ++i) {
      const double value = variable.values[i];
      if (value != 0 && value != 1) {
        fail(variable, "is marked boolean but value " + std::to_string(i) + " is " +
                           std::to_string(value) + " (expected 0 or 1)");
      }
    }
  }

  [[noreturn]] void fail(const Variable& variable, const std::string& problem) const {
    fail_group("variable '" + variable.name + "' " + problem);
  }
  [[noreturn]] void fail_group(const std::string& problem) const {
    throw Error("InferenceData group '" + group_name_ + "': " + problem);
  }

  const InferenceData& data_;
  std::string group_name_;
  bool sampled_;
  std::int64_t draws_;  // length of the draw axis
  std::set<std::string> names_;
  std::map<std::string, std::pair<std::int64_t, std::string>> dimension_owner_;
};

}  // namespace

void add_variable(InferenceData& data, const std::string& group_name, Variable variable) {
  GroupChecker checker(data, group_name);
  if (auto group = data.groups.find(group_name); group != data.groups.end()) {
    for (const Variable& existing : group->second.variables) checker.check_layout(existing);
  }
  checker.check_layout(variable);
  checker.check_values(variable);
  checker.check_names_against_dimensions();
  data.groups[group_name].variables.push_back(std::move(variable));
}

void validate(const InferenceData& data) {
  for (const auto& [group_name, group] : data.groups) {
    GroupChecker checker(data, group_name);
    for (const Variable& variable : group.variables) {
      checker.check_layout(variable);
      checker.check_values(variable);
    }
    checker.check_names_against_dimensions();
  }
}

}  // namespace hypatia
