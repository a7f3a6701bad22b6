// The per-element summary of an InferenceData group, with the warnings a reader should not miss.

#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "hypatia/diagnostics.hpp"
#include "hypatia/error.hpp"

namespace hypatia::diagnostics {
namespace {

std::int64_t element_count(const Variable& variable) {
  std::int64_t count = 1;
  for (std::int64_t extent : variable.shape) count *= extent;
  return count;
}

std::string dim_name(const Variable& variable, std::size_t axis) {
  if (axis < variable.dims.size() && !variable.dims[axis].empty()) return variable.dims[axis];
  return variable.name + "_dim_" + std::to_string(axis);
}

// The coordinate label of `index` along a dim, or the index itself when the dim has no
// coordinates of the right length.
std::string coordinate_label(const InferenceData& data, const std::string& dim, std::int64_t extent,
                             std::int64_t index) {
  const auto found = data.coords.find(dim);
  if (found == data.coords.end()) return std::to_string(index);
  return std::visit(
      [&](const auto& labels) -> std::string {
        if (static_cast<std::int64_t>(labels.size()) != extent) return std::to_string(index);
        std::ostringstream text;
        text << labels[static_cast<std::size_t>(index)];
        return text.str();
      },
      found->second);
}

// "theta[Choate]", "beta[0, 2]" or, for a scalar, "mu": ArviZ's row labels.
std::string element_name(const InferenceData& data, const Variable& variable,
                         std::int64_t flat_index) {
  if (variable.shape.empty()) return variable.name;
  std::vector<std::string> labels(variable.shape.size());
  for (std::size_t axis = variable.shape.size(); axis-- > 0;) {
    const std::int64_t extent = variable.shape[axis];
    labels[axis] = coordinate_label(data, dim_name(variable, axis), extent, flat_index % extent);
    flat_index /= extent;
  }
  std::string name = variable.name + "[";
  for (std::size_t axis = 0; axis < labels.size(); ++axis) {
    name += (axis == 0 ? "" : ", ") + labels[axis];
  }
  return name + "]";
}

// The (chains x draws) block of one element of a (chain, draw, ...shape) variable.
std::vector<double> element_draws(const Variable& variable, std::int64_t element,
                                  std::int64_t elements) {
  std::vector<double> draws(variable.values.size() / static_cast<std::size_t>(elements));
  for (std::size_t i = 0; i < draws.size(); ++i) {
    draws[i] =
        variable.values[i * static_cast<std::size_t>(elements) + static_cast<std::size_t>(element)];
  }
  return draws;
}

SummaryRow summarize_draws(std::string name, std::span<const double> draws, std::int64_t chains,
                           double hdi_probability) {
  SummaryRow row;
  row.name = std::move(name);
  row.mean = mean(draws);
  row.sd = sd(draws);
  row.hdi = hdi(draws, hdi_probability);
  row.mcse_mean = mcse_mean(draws, chains);
  row.mcse_sd = mcse_sd(draws, chains);
  row.ess_bulk = ess_bulk(draws, chains);
  row.ess_tail = ess_tail(draws, chains);
  row.r_hat = rhat(draws, chains);
  return row;
}

void check_layout(const InferenceData& data, const std::string& group, const Variable& variable) {
  const std::int64_t expected = data.chains * data.draws * element_count(variable);
  const auto got = static_cast<std::int64_t>(variable.values.size());
  if (got != expected) {
    throw Error("summarize: " + group + "." + variable.name + " has " + std::to_string(got) +
                " values, expected " + std::to_string(expected) + " (chains " +
                std::to_string(data.chains) + " x draws " + std::to_string(data.draws) +
                " x elements " + std::to_string(element_count(variable)) + ")");
  }
}

// Number of transitions flagged in sample_stats.diverging, if the data has that variable.
std::optional<std::int64_t> count_divergences(const InferenceData& data) {
  const auto stats = data.groups.find("sample_stats");
  if (stats == data.groups.end()) return std::nullopt;
  for (const Variable& variable : stats->second.variables) {
    if (variable.name != "diverging") continue;
    std::int64_t count = 0;
    for (double flag : variable.values) count += (flag != 0 && !std::isnan(flag)) ? 1 : 0;
    return count;
  }
  return std::nullopt;
}

// "a, b, c" with at most a screenful of names.
std::string join_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 10;
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    text += (i == 0 ? "" : ", ") + names[i];
  }
  if (names.size() > kShown) text += " and " + std::to_string(names.size() - kShown) + " more";
  return text;
}

std::vector<std::string> names_where(const std::vector<SummaryRow>& rows,
                                     const std::function<bool(const SummaryRow&)>& flagged) {
  std::vector<std::string> names;
  for (const SummaryRow& row : rows) {
    if (flagged(row)) names.push_back(row.name);
  }
  return names;
}

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::vector<std::string> warnings_for(const SummaryTable& table) {
  std::vector<std::string> warnings;
  const SummaryOptions& options = table.options;
  if (table.divergences && *table.divergences > 0) {
    const std::int64_t transitions = table.chains * table.draws;
    const double percent =
        100.0 * static_cast<double>(*table.divergences) / static_cast<double>(transitions);
    std::ostringstream text;
    text.precision(3);
    text << *table.divergences << " of " << transitions << " transitions ended with a divergence ("
         << percent << "%): the sampler could not follow the posterior there";
    warnings.push_back(text.str());
  }
  const auto add = [&](const std::vector<std::string>& names, const std::string& what) {
    if (!names.empty()) warnings.push_back(what + " for " + join_names(names));
  };
  add(names_where(table.rows,
                  [&](const SummaryRow& row) { return row.r_hat > options.rhat_threshold; }),
      "r_hat > " + number(options.rhat_threshold) + " (chains disagree)");
  add(names_where(table.rows, [](const SummaryRow& row) { return std::isnan(row.r_hat); }),
      "r_hat is nan (draws constant or not finite)");
  const double min_ess = options.min_ess_per_chain * static_cast<double>(table.chains);
  const std::string threshold =
      " < " + number(min_ess) + " (" + number(options.min_ess_per_chain) + " per chain)";
  add(names_where(table.rows, [&](const SummaryRow& row) { return row.ess_bulk < min_ess; }),
      "ess_bulk" + threshold);
  add(names_where(table.rows, [&](const SummaryRow& row) { return row.ess_tail < min_ess; }),
      "ess_tail" + threshold);
  return warnings;
}

}  // namespace

SummaryTable summarize(const InferenceData& data, const std::string& group,
                       const SummaryOptions& options) {
  const auto found = data.groups.find(group);
  if (found == data.groups.end()) {
    std::string present;
    for (const auto& [name, unused] : data.groups) present += (present.empty() ? "" : ", ") + name;
    throw Error("summarize: no group '" + group +
                "' in the InferenceData (groups: " + (present.empty() ? "none" : present) + ")");
  }
  if (data.chains < 1 || data.draws < 1) {
    throw Error("summarize: expected at least one chain and one draw, got " +
                std::to_string(data.chains) + " chains x " + std::to_string(data.draws) + " draws");
  }
  SummaryTable table;
  table.options = options;
  table.chains = data.chains;
  table.draws = data.draws;
  for (const Variable& variable : found->second.variables) {
    check_layout(data, group, variable);
    const std::int64_t elements = element_count(variable);
    for (std::int64_t element = 0; element < elements; ++element) {
      const std::vector<double> draws = element_draws(variable, element, elements);
      table.rows.push_back(summarize_draws(element_name(data, variable, element), draws,
                                           data.chains, options.hdi_probability));
    }
  }
  table.divergences = count_divergences(data);
  table.warnings = warnings_for(table);
  return table;
}

}  // namespace hypatia::diagnostics
