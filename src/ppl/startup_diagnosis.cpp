// Diagnosing a log density that is not finite at a point (see startup_diagnosis.hpp). This runs
// once, after initialization failed, so it favours clear messages over speed: every piece is
// evaluated by the reference interpreter.

#include "ppl/startup_diagnosis.hpp"

#include <cmath>
#include <optional>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/grad.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"

namespace hypatia {
namespace {

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

// "[3]", "[1, 0]" or "" (a scalar): element `flat` of a row-major array of `shape`.
std::string element_label(const Shape& shape, std::int64_t flat) {
  if (shape.empty()) return "";
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t axis = shape.size(); axis-- > 0;) {
    index[axis] = shape[axis] == 0 ? 0 : flat % shape[axis];
    flat = shape[axis] == 0 ? 0 : flat / shape[axis];
  }
  std::string label = "[";
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    label += (axis ? ", " : "") + std::to_string(index[axis]);
  }
  return label + "]";
}

// The element of an array of shape `from` that element `flat` of its broadcast to `to` reads.
std::int64_t broadcast_source(const Shape& from, const Shape& to, std::int64_t flat) {
  std::int64_t source = 0, stride = 1;
  for (std::size_t k = 0; k < to.size(); ++k) {
    const std::size_t axis = to.size() - 1 - k;
    const std::int64_t position = to[axis] == 0 ? 0 : flat % to[axis];
    flat = to[axis] == 0 ? 0 : flat / to[axis];
    if (k < from.size()) {
      const std::size_t from_axis = from.size() - 1 - k;
      if (from[from_axis] != 1) source += position * stride;
      stride *= from[from_axis];
    }
  }
  return source;
}

class TermExplainer {
 public:
  TermExplainer(const Model& model, const Point& point) : model_(model) {
    for (const ModelVariable& variable : model.variables()) {
      if (variable.role == VariableRole::data) {
        bindings_.emplace("data:" + variable.name, model.data_value(variable.name));
      } else if (variable.role == VariableRole::free) {
        auto found = point.find(variable.name);
        if (found != point.end()) bindings_.emplace("rv:" + variable.name, found->second);
      }
    }
  }

  std::string explain(const ModelVariable& variable) {
    std::vector<std::string> reasons;
    if (variable.distribution) {
      const std::string family = variable.distribution->name();
      for (const ParameterCondition& condition :
           variable.distribution->impl().parameter_conditions()) {
        if (auto reason = check_parameter(condition)) {
          reasons.push_back(family + ": " + *reason);
          break;  // the first bad parameter says enough
        }
      }
      if (variable.role == VariableRole::observed && reasons.empty()) {
        if (auto reason = check_support(variable)) reasons.push_back(*reason);
      }
    }
    if (variable.role == VariableRole::potential) reasons.push_back(describe_potential(variable));
    // Data the term reads that are not finite (an infinite sigma passes "> 0" but gives -inf).
    if (reasons.empty()) {
      if (auto reason = nonfinite_data(term_inputs(variable))) reasons.push_back(*reason);
    }
    std::string joined;
    for (const std::string& reason : reasons) joined += (joined.empty() ? "" : "; ") + reason;
    return joined;
  }

 private:
  Tensor value_of(const Expr& expr) { return evaluate(expr.node(), bindings_); }

  // "data 'sigma'", "free variable 'tau'", "computed from tau, data 'sigma'".
  std::string source_of(const Expr& expr) const {
    if (is_constant(*expr.node())) return "a constant";
    if (const ModelVariable* variable = variable_of(expr.node())) return describe(*variable);
    std::string inputs;
    for (const NodePtr& input : free_inputs({expr.node()})) {
      const ModelVariable* variable = variable_of(input);
      inputs += (inputs.empty() ? "" : ", ") +
                (variable ? describe(*variable) : input->attrs().get_string("name"));
    }
    return inputs.empty() ? "constants" : "computed from " + inputs;
  }

  static std::string describe(const ModelVariable& variable) {
    switch (variable.role) {
      case VariableRole::data:
        return "data '" + variable.name + "'";
      case VariableRole::free:
        return "free variable '" + variable.name + "'";
      default:
        return "'" + variable.name + "'";
    }
  }

  const ModelVariable* variable_of(const NodePtr& node) const {
    for (const ModelVariable& variable : model_.variables()) {
      if ((variable.role == VariableRole::data || variable.role == VariableRole::free) &&
          variable.value.node() == node) {
        return &variable;
      }
    }
    return nullptr;
  }

  std::optional<std::string> check_parameter(const ParameterCondition& condition) {
    const Tensor verdict = value_of(condition.condition);
    std::optional<Tensor> value;
    if (condition.value) value = value_of(condition.value);
    for (std::int64_t i = 0; i < verdict.size(); ++i) {
      if (verdict.at(i) != 0.0) continue;
      std::string reason = "parameter " + condition.parameter + " must be " + condition.expected;
      if (!value) return reason + " (element " + std::to_string(i) + " is not)";
      const std::int64_t at = broadcast_source(value->shape(), verdict.shape(), i);
      return reason + ", but " + condition.parameter + element_label(value->shape(), at) + " = " +
             number(value->at(at)) + ", from " + source_of(condition.value);
    }
    // Every condition holds; a parameter may still be infinite where "> 0" allows it.
    if (!value) return std::nullopt;
    for (std::int64_t i = 0; i < value->size(); ++i) {
      if (std::isfinite(value->at(i))) continue;
      return "parameter " + condition.parameter + element_label(value->shape(), i) + " = " +
             number(value->at(i)) + " is not finite, from " + source_of(condition.value);
    }
    return std::nullopt;
  }

  std::optional<std::string> check_support(const ModelVariable& variable) {
    const Support support = variable.distribution->support();
    const Tensor inside = value_of(support.contains(variable.value));
    const Tensor observed = value_of(variable.value);
    for (std::int64_t i = 0; i < inside.size(); ++i) {
      if (inside.at(i) != 0.0) continue;
      std::string reason = "observed value";
      if (inside.size() == observed.size()) {
        reason += " " + variable.name + element_label(observed.shape(), i) + " = " +
                  number(observed.at(i));
      } else {
        reason += "s at " + element_label(inside.shape(), i);
      }
      reason += " outside the support (" + support.describe() + ")";
      if (!is_constant(*variable.value.node())) reason += ", from " + source_of(variable.value);
      return reason;
    }
    return std::nullopt;
  }

  std::string describe_potential(const ModelVariable& variable) {
    const Tensor value = value_of(variable.value);
    std::string reason = "the potential is ";
    std::int64_t first = 0;
    for (std::int64_t i = 0; i < value.size(); ++i) {
      if (!std::isfinite(value.at(i))) {
        first = i;
        break;
      }
    }
    reason += value.size() == 1
                  ? number(value.at(0))
                  : number(value.at(first)) + " at " + element_label(value.shape(), first);
    // What it depends on, with the values of scalar free variables at this point.
    std::string inputs;
    for (const NodePtr& input : free_inputs({variable.value.node()})) {
      const ModelVariable* source = variable_of(input);
      if (!source) continue;
      std::string entry = describe(*source);
      if (source->role == VariableRole::free) {
        const Tensor at_point = value_of(source->value);
        if (at_point.size() == 1) entry = source->name + " = " + number(at_point.at(0));
      }
      inputs += (inputs.empty() ? "" : ", ") + entry;
    }
    if (!inputs.empty()) reason += " (it depends on " + inputs + ")";
    if (auto data = nonfinite_data(free_inputs({variable.value.node()}))) reason += "; " + *data;
    return reason;
  }

  // The placeholders the term's log density reads.
  std::vector<NodePtr> term_inputs(const ModelVariable& variable) const {
    if (variable.role == VariableRole::potential) return free_inputs({variable.value.node()});
    if (!variable.distribution) return {};
    std::vector<NodePtr> roots = {variable.value.node()};
    for (const ParameterCondition& condition :
         variable.distribution->impl().parameter_conditions()) {
      if (condition.value) roots.push_back(condition.value.node());
    }
    return free_inputs(roots);
  }

  std::optional<std::string> nonfinite_data(const std::vector<NodePtr>& inputs) {
    for (const NodePtr& input : inputs) {
      const ModelVariable* source = variable_of(input);
      if (!source || source->role != VariableRole::data) continue;
      const Tensor& value = model_.data_value(source->name);
      if (!is_floating(value.dtype())) continue;
      for (std::int64_t i = 0; i < value.size(); ++i) {
        if (std::isfinite(value.at(i))) continue;
        return "data '" + source->name + "'" + element_label(value.shape(), i) + " = " +
               number(value.at(i)) + " is not finite";
      }
    }
    return std::nullopt;
  }

  const Model& model_;
  std::unordered_map<std::string, Tensor> bindings_;
};

// Per term: whether its value and gradient are finite, and its value.
struct TermValues {
  std::vector<bool> finite;
  std::vector<double> value;
  std::vector<std::string> first_bad_gradient;  // the coordinate, or "" when all are finite
};

TermValues evaluate_terms(const LogDensityGraph& graph, const std::vector<double>& x,
                          const std::vector<std::string>& coordinates,
                          const CompileOptions& options) {
  std::vector<NodePtr> inputs = {graph.x.node()};
  for (const Expr& placeholder : graph.data_inputs) inputs.push_back(placeholder.node());
  std::vector<NodePtr> outputs;
  for (const auto& [name, term] : graph.terms) {
    outputs.push_back(term.node());
    outputs.push_back(grad(term, graph.x).node());
  }
  Function terms(inputs, outputs, options);
  std::vector<Tensor> values = {Tensor::from_doubles(x, {static_cast<std::int64_t>(x.size())})};
  for (const Tensor& value : graph.data_values) values.push_back(value);
  const std::vector<Tensor> results = terms(values);
  TermValues found;
  for (std::size_t i = 0; i < graph.terms.size(); ++i) {
    const double value = results[2 * i].at(0);
    const Tensor& gradient = results[2 * i + 1];
    std::string bad_gradient;
    for (std::int64_t k = 0; k < gradient.size() && bad_gradient.empty(); ++k) {
      if (!std::isfinite(gradient.at(k))) {
        bad_gradient = k < static_cast<std::int64_t>(coordinates.size())
                           ? coordinates[static_cast<std::size_t>(k)]
                           : std::to_string(k);
      }
    }
    found.finite.push_back(std::isfinite(value) && bad_gradient.empty());
    found.value.push_back(value);
    found.first_bad_gradient.push_back(bad_gradient);
  }
  return found;
}

}  // namespace

std::string explain_nonfinite_term(const Model& model, const ModelVariable& variable,
                                   const Point& point) {
  return TermExplainer(model, point).explain(variable);
}

std::vector<std::string> diagnose_nonfinite_terms(const Model& model, const std::vector<double>& x,
                                                  const CompileOptions& options) {
  const LogDensityGraph graph = model.log_density();
  const std::vector<std::string> coordinates = model.layout().coordinate_names();
  CompileOptions interpreted = options;  // the same rewrites as the compiled log density
  interpreted.backend = Backend::interp;
  const TermValues reference = evaluate_terms(graph, x, coordinates, interpreted);
  std::optional<Point> point;
  try {
    point = model.constrain(x);
  } catch (const Error&) {
    // No explanations then, only the names.
  }
  std::vector<std::string> entries;
  for (std::size_t i = 0; i < graph.terms.size(); ++i) {
    if (reference.finite[i]) continue;
    const std::string& name = graph.terms[i].first;
    std::string detail;
    if (!std::isfinite(reference.value[i])) {
      detail = "log density " + number(reference.value[i]);
      if (point) {
        try {
          const std::string why = explain_nonfinite_term(model, model.variable(name), *point);
          if (!why.empty()) detail += ": " + why;
        } catch (const Error&) {
          // A piece that cannot be evaluated alone: the term's name and value still say much.
        }
      }
    } else {
      detail = "gradient not finite with respect to " + reference.first_bad_gradient[i];
    }
    entries.push_back(name + " (" + detail + ")");
  }
  if (!entries.empty() || options.backend == Backend::interp) return entries;

  // The reference finds every term finite, the compiled log density is not: find the term whose
  // compiled code disagrees, so the message still names a variable.
  const std::string backend(backend_name(options.backend));
  TermValues compiled;
  try {
    compiled = evaluate_terms(graph, x, coordinates, options);
  } catch (const Error& error) {
    return {
        "no single term in the reference interpreter (the terms alone did not compile for the " +
        backend + " backend: " + error.what() + ")"};
  }
  for (std::size_t i = 0; i < graph.terms.size(); ++i) {
    if (compiled.finite[i]) continue;
    entries.push_back(graph.terms[i].first + " (" + number(compiled.value[i]) + " in the " +
                      backend + " backend's code but " + number(reference.value[i]) +
                      " in the reference interpreter, with a finite gradient: the compiled code "
                      "is wrong here; please report it)");
  }
  if (entries.empty()) {
    entries.push_back(
        "no single term: each term and its gradient are finite at this point in "
        "the reference interpreter and in the " +
        backend +
        " backend's code for the terms alone, but the compiled log density is "
        "not; please report it");
  }
  return entries;
}

}  // namespace hypatia
