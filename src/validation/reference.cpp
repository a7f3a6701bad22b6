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

ElementName parse_element_name(const std::string& name) {
  const auto bracket = name.find('[');
  if (bracket == std::string::npos) return {name, {}};
  ElementName parsed{name.substr(0, bracket), {}};
  std::string inside = name.substr(bracket + 1, name.size() - bracket - 2);
  std::size_t start = 0;
  while (start <= inside.size()) {
    const auto comma = inside.find(',', start);
    const std::string part =
        inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    parsed.indices.push_back(std::stoll(part) - 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parsed;
}

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
  const nlohmann::json json = nlohmann::json::parse(file);
  ReferencePosterior reference{.name = name};
  const auto& control = json["inference"]["method_arguments"];
  if (control.contains("control") && control["control"].contains("adapt_delta")) {
    reference.adapt_delta = control["control"]["adapt_delta"].get<double>();
  }
  if (control.contains("control") && control["control"].contains("max_treedepth")) {
    reference.max_tree_depth = control["control"]["max_treedepth"].get<int>();
  }
  for (const auto& parameter_name : json["parameter_names"]) {
    const auto& values = json["parameters"][parameter_name.get<std::string>()];
    ReferenceParameter parameter{.name = parameter_name.get<std::string>(),
                                 .mean = values["mean"].get<double>(),
                                 .sd = values["sd"].get<double>(),
                                 .mcse_mean = values["mcse_mean"].get<double>()};
    // References stored as summary statistics only have no ESS; their mcse_mean is still
    // sd / sqrt(ess_bulk) by definition, which gives it back.
    parameter.ess_bulk = values["ess_bulk"].is_null()
                             ? std::pow(parameter.sd / parameter.mcse_mean, 2)
                             : values["ess_bulk"].get<double>();
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
