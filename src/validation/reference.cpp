#include <charconv>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"
#include "hypatia/models.hpp"
#include "hypatia/validation.hpp"

namespace hypatia {
namespace {

struct ElementName {
  std::string variable;
  std::vector<std::int64_t> indices;  // 0-based
};

// "theta[3,2]" -> theta with 0-based indices {2, 1}; `where` prefixes errors.
ElementName parse_element_name(const std::string& name, const std::string& where = "") {
  const auto bracket = name.find('[');
  if (bracket == std::string::npos) return {name, {}};
  const auto fail = [&] {
    throw Error(where + "parameter name '" + name +
                "' is not a name or name[i,j,...] with 1-based integer indices");
  };
  if (bracket == 0 || name.back() != ']') fail();
  ElementName parsed{name.substr(0, bracket), {}};
  std::string inside = name.substr(bracket + 1, name.size() - bracket - 2);
  std::size_t start = 0;
  while (start <= inside.size()) {
    const auto comma = inside.find(',', start);
    const std::string part =
        inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    std::int64_t index = 0;
    const auto [end, error] = std::from_chars(part.data(), part.data() + part.size(), index);
    if (part.empty() || error != std::errc() || end != part.data() + part.size() || index < 1) {
      fail();
    }
    parsed.indices.push_back(index - 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parsed;
}

// Typed access to reference.json: a missing member or a value of the wrong type is an Error
// naming the file and the member, not an exception from the JSON library.
struct ReferenceFields {
  std::string where;

  const nlohmann::json& member(const nlohmann::json& object, const std::string& key,
                               const std::string& context) const {
    if (!object.contains(key)) throw Error(where + context + " has no member '" + key + "'");
    return object[key];
  }
  const nlohmann::json& object(const nlohmann::json& value, const std::string& context) const {
    if (!value.is_object()) {
      throw Error(where + context + " must be an object, got " + value.type_name());
    }
    return value;
  }
  double number(const nlohmann::json& object, const std::string& key,
                const std::string& context) const {
    const nlohmann::json& value = member(object, key, context);
    if (!value.is_number()) {
      throw Error(where + context + "." + key + " must be a number, got " + value.dump());
    }
    const double number = value.get<double>();
    if (!std::isfinite(number)) {
      throw Error(where + context + "." + key + " must be finite, got " + value.dump());
    }
    return number;
  }
  double positive(const nlohmann::json& object, const std::string& key,
                  const std::string& context) const {
    const double value = number(object, key, context);
    if (!(value > 0)) {
      throw Error(where + context + "." + key + " must be positive, got " + object[key].dump());
    }
    return value;
  }
};

// The draws (chains x draws) of one element of a posterior variable.
std::vector<double> element_draws(const InferenceData& data, const ElementName& element,
                                  const std::string& full_name) {
  const Group& posterior = data.groups.at("posterior");
  for (const Variable& variable : posterior.variables) {
    if (variable.name != element.variable) continue;
    if (element.indices.size() != variable.shape.size()) break;
    std::int64_t offset = 0;
    std::int64_t size = 1;
    for (std::size_t axis = 0; axis < variable.shape.size(); ++axis) {
      if (element.indices[axis] < 0 || element.indices[axis] >= variable.shape[axis]) {
        throw Error("reference parameter " + full_name + " is outside " + variable.name +
                    "'s shape");
      }
      offset = offset * variable.shape[axis] + element.indices[axis];
      size *= variable.shape[axis];
    }
    std::vector<double> draws;
    for (std::int64_t i = 0; i < data.chains * data.draws; ++i) {
      draws.push_back(variable.values[i * size + offset]);
    }
    return draws;
  }
  throw Error("the posterior has no element matching reference parameter " + full_name);
}

}  // namespace

ReferencePosterior load_reference_posterior(const std::string& name) {
  const std::string path = shared_data_dir() + "/posteriordb/" + name + "/reference.json";
  std::ifstream file(path);
  if (!file) throw Error("cannot open reference posterior " + path);
  const std::string where = "reference posterior " + path + ": ";
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(file);
  } catch (const nlohmann::json::exception& error) {
    throw Error(where + "not valid JSON (truncated?): " + error.what());
  }
  ReferenceFields fields{where};
  ReferencePosterior reference{.name = name};
  const nlohmann::json& root = fields.object(json, "the document");
  if (root.contains("inference")) {
    const nlohmann::json& arguments =
        fields.object(fields.member(fields.object(root["inference"], "inference"),
                                    "method_arguments", "inference"),
                      "inference.method_arguments");
    if (arguments.contains("control")) {
      const nlohmann::json& control =
          fields.object(arguments["control"], "inference.method_arguments.control");
      if (control.contains("adapt_delta")) {
        reference.adapt_delta = fields.number(control, "adapt_delta", "control");
      }
      if (control.contains("max_treedepth")) {
        reference.max_tree_depth =
            static_cast<int>(fields.number(control, "max_treedepth", "control"));
      }
    }
  }
  const nlohmann::json& names = fields.member(root, "parameter_names", "the document");
  if (!names.is_array() || names.empty()) {
    throw Error(where + "parameter_names must be a non-empty array of names, got " +
                std::string(names.type_name()));
  }
  const nlohmann::json& parameters =
      fields.object(fields.member(root, "parameters", "the document"), "parameters");
  for (const nlohmann::json& parameter_name : names) {
    if (!parameter_name.is_string()) {
      throw Error(where + "parameter_names must hold strings, got " + parameter_name.dump());
    }
    const std::string key = parameter_name.get<std::string>();
    const std::string context = "parameters[\"" + key + "\"]";
    const nlohmann::json& values =
        fields.object(fields.member(parameters, key, "parameters"), context);
    ReferenceParameter parameter{.name = key,
                                 .mean = fields.number(values, "mean", context),
                                 .sd = fields.positive(values, "sd", context),
                                 .mcse_mean = fields.positive(values, "mcse_mean", context)};
    // References stored as summary statistics only have no ESS; their mcse_mean is still
    // sd / sqrt(ess_bulk) by definition, which gives it back.
    parameter.ess_bulk = !values.contains("ess_bulk") || values["ess_bulk"].is_null()
                             ? std::pow(parameter.sd / parameter.mcse_mean, 2)
                             : fields.positive(values, "ess_bulk", context);
    parse_element_name(key, where);  // checked now, not after the run
    reference.parameters.push_back(parameter);
  }
  return reference;
}

std::vector<ParameterComparison> compare_with_reference(const InferenceData& data,
                                                        const ReferencePosterior& reference) {
  std::vector<ParameterComparison> comparisons;
  for (const ReferenceParameter& parameter : reference.parameters) {
    const std::vector<double> draws =
        element_draws(data, parse_element_name(parameter.name), parameter.name);
    const std::span<const double> view(draws);
    ParameterComparison row{.name = parameter.name,
                            .mean = diagnostics::mean(view),
                            .sd = diagnostics::sd(view),
                            .mcse_mean = diagnostics::mcse_mean(view, data.chains),
                            .mcse_sd = diagnostics::mcse_sd(view, data.chains),
                            .ess_bulk = diagnostics::ess_bulk(view, data.chains),
                            .rhat = diagnostics::rhat(view, data.chains),
                            .reference_mean = parameter.mean,
                            .reference_sd = parameter.sd,
                            .reference_mcse_mean = parameter.mcse_mean,
                            .reference_mcse_sd = parameter.sd / std::sqrt(2 * parameter.ess_bulk)};
    row.z_mean =
        std::abs(row.mean - parameter.mean) / std::hypot(row.mcse_mean, row.reference_mcse_mean);
    row.z_sd = std::abs(row.sd - parameter.sd) / std::hypot(row.mcse_sd, row.reference_mcse_sd);
    comparisons.push_back(row);
  }
  return comparisons;
}

}  // namespace hypatia
