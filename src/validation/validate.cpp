// `hypatia validate`: each bundled posteriordb posterior sampled with NUTS and judged against its
// reference draws' summaries.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/sample.hpp"
#include "hypatia/validation.hpp"
#include "io/output_path.hpp"
#include "io/temporary_file.hpp"

namespace hypatia {
namespace {

std::int64_t count_divergences(const InferenceData& data) {
  const Variable* diverging = data.groups.at("sample_stats").find("diverging");
  if (diverging == nullptr) throw Error("validation: the sample has no divergence statistics");
  return std::count_if(diverging->values.begin(), diverging->values.end(),
                       [](double flag) { return flag != 0; });
}

std::string format_number(double value) {
  std::ostringstream text;
  text.precision(4);
  text << value;
  return text.str();
}

// NaN counts as failing: `!(value < limit)`.
void judge(PosteriorValidation& result, const ValidationOptions& options) {
  for (const ParameterComparison& row : result.parameters) {
    result.max_rhat = std::max(result.max_rhat, row.rhat);
    result.max_abs_z = std::max({result.max_abs_z, row.z_mean, row.z_sd});
    if (!(row.z_mean < options.z_limit)) {
      result.failures.push_back(row.name + ": mean " + format_number(row.mean) + " vs " +
                                format_number(row.reference_mean) + " (|z| " +
                                format_number(row.z_mean) + ")");
    }
    if (!(row.z_sd < options.z_limit)) {
      result.failures.push_back(row.name + ": sd " + format_number(row.sd) + " vs " +
                                format_number(row.reference_sd) + " (|z| " +
                                format_number(row.z_sd) + ")");
    }
    if (!(row.rhat < options.rhat_limit)) {
      result.failures.push_back(row.name + ": R-hat " + format_number(row.rhat));
    }
  }
  if (result.divergences > 0) {
    result.failures.push_back(std::to_string(result.divergences) + " divergent transitions");
  }
  result.passed = result.failures.empty();
}

nlohmann::json parameter_json(const ParameterComparison& row) {
  return {{"name", row.name},
          {"mean", row.mean},
          {"sd", row.sd},
          {"mcse_mean", row.mcse_mean},
          {"mcse_sd", row.mcse_sd},
          {"ess_bulk", row.ess_bulk},
          {"rhat", row.rhat},
          {"reference_mean", row.reference_mean},
          {"reference_sd", row.reference_sd},
          {"reference_mcse_mean", row.reference_mcse_mean},
          {"reference_mcse_sd", row.reference_mcse_sd},
          {"z_mean", row.z_mean},
          {"z_sd", row.z_sd}};
}

nlohmann::json posterior_json(const PosteriorValidation& result) {
  nlohmann::json entry = {{"name", result.name},
                          {"pass", result.passed},
                          {"target_accept", result.target_accept},
                          {"reference_adapt_delta", result.reference_adapt_delta},
                          {"divergences", result.divergences},
                          {"max_rhat", result.max_rhat},
                          {"max_abs_z", result.max_abs_z},
                          {"seconds", result.seconds},
                          {"seed", result.seed},
                          {"failures", result.failures},
                          {"earlier_failed_runs", result.earlier_failures}};
  if (result.target_accept > 0.8) {
    entry["target_accept_note"] =
        "the reference run needed adapt_delta = " + format_number(result.reference_adapt_delta) +
        "; sampled with target_accept = " + format_number(result.target_accept);
  }
  entry["metric"] = metric_name(result.metric);
  if (result.metric == MetricKind::dense) {
    entry["metric_note"] =
        "strongly correlated parameters: sampled with a dense mass matrix, adapted in warm-up";
  }
  entry["max_tree_depth"] = result.max_tree_depth;
  if (result.max_tree_depth > 10) {
    entry["max_tree_depth_note"] = "the reference run allowed a maximum tree depth of " +
                                   std::to_string(result.reference_max_tree_depth);
  }
  nlohmann::json parameters = nlohmann::json::array();
  for (const ParameterComparison& row : result.parameters) {
    parameters.push_back(parameter_json(row));
  }
  entry["parameters"] = std::move(parameters);
  return entry;
}

}  // namespace

std::vector<std::string> posteriordb_model_names() {
  std::vector<std::string> names;
  for (const BundledModel& model : bundled_models()) {
    if (model.name.find('-') != std::string::npos) names.push_back(model.name);
  }
  return names;
}

namespace {

PosteriorValidation validate_once(const BundledModel& model, const ReferencePosterior& reference,
                                  const ValidationOptions& options, std::uint64_t seed) {
  const MetricKind metric = model.metric == MetricKind::diagonal && options.diagonal_metric
                                ? *options.diagonal_metric
                                : model.metric;
  PosteriorValidation result{.name = model.name,
                             .target_accept = model.target_accept,
                             .reference_adapt_delta = reference.adapt_delta,
                             .metric = metric,
                             .max_tree_depth = model.max_tree_depth,
                             .reference_max_tree_depth = reference.max_tree_depth,
                             .seed = seed};
  const auto start = std::chrono::steady_clock::now();
  const InferenceData data = sample(
      model.build(), {.backend = options.backend,
                      .chains = options.chains,
                      .cores = options.cores,
                      .draws = options.draws,
                      .tune = options.tune,
                      .seed = seed,
                      .target_accept = model.target_accept,
                      .metric = metric,
                      .warmup_schedule = metric == MetricKind::dense ? WarmupSchedule::stan
                                                                     : options.warmup_schedule,
                      .max_tree_depth = model.max_tree_depth,
                      .progress = options.progress});
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.parameters = compare_with_reference(data, reference);
  result.divergences = count_divergences(data);
  judge(result, options);
  return result;
}

}  // namespace

PosteriorValidation validate_posterior(const BundledModel& model,
                                       const ValidationOptions& options) {
  const ReferencePosterior reference = load_reference_posterior(model.name);
  PosteriorValidation result = validate_once(model, reference, options, options.seed);
  std::vector<std::vector<std::string>> earlier_failures;
  double earlier_seconds = 0;
  for (int run = 1; run <= options.confirmation_runs && !result.passed; ++run) {
    earlier_failures.push_back(result.failures);
    earlier_seconds += result.seconds;
    result = validate_once(model, reference, options, options.seed + run);
  }
  result.earlier_failures = std::move(earlier_failures);
  result.seconds += earlier_seconds;
  return result;
}

void write_validation_json(const std::vector<PosteriorValidation>& results,
                           const ValidationOptions& options, const std::filesystem::path& path) {
  nlohmann::json document = {{"sampler", "nuts"},
                             {"backend", std::string(backend_name(options.backend))},
                             {"chains", options.chains},
                             {"tune", options.tune},
                             {"draws", options.draws},
                             {"seed", options.seed},
                             {"z_limit", options.z_limit},
                             {"rhat_limit", options.rhat_limit},
                             {"confirmation_runs", options.confirmation_runs}};
  nlohmann::json posteriors = nlohmann::json::array();
  std::int64_t passed = 0;
  for (const PosteriorValidation& result : results) {
    posteriors.push_back(posterior_json(result));
    passed += result.passed;
  }
  document["passed"] = passed;
  document["total"] = results.size();
  document["posteriors"] = std::move(posteriors);

  const std::string where = "cannot write validation results to " + path.string() + ": ";
  std::error_code error;
  if (path.has_parent_path() && !io::is_stream(path)) {
    std::filesystem::create_directories(path.parent_path(), error);
    if (error) throw Error(where + "creating its directory failed: " + error.message());
  }
  io::TemporaryFile temporary(path);
  {
    std::ofstream file(temporary.path());
    if (!file) throw Error(where + "cannot create the file: " + std::strerror(errno));
    file << document.dump(1) << "\n";
    file.close();
    if (!file) throw Error(where + "writing failed: " + std::strerror(errno));
  }
  temporary.commit();
}

}  // namespace hypatia
