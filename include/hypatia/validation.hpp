#pragma once

// Checking a posterior against a reference (posteriordb): per reference parameter, our mean and
// sd with their Monte Carlo errors, and z-scores against the reference's values; and the
// validation run over the bundled posteriordb posteriors (`hypatia validate`).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/models.hpp"

namespace hypatia {

struct ReferenceParameter {
  std::string name = {};  // Stan naming, 1-based: "tau", "theta[3]", "L[2,1]"
  double mean = 0;
  double sd = 0;
  double mcse_mean = 0;
  double ess_bulk = 0;
};

struct ReferencePosterior {
  std::string name = {};
  std::vector<ReferenceParameter> parameters = {};
  double adapt_delta = 0.8;  // the target acceptance the reference run used
  int max_tree_depth = 10;   // and its maximum tree depth (Stan's max_treedepth)
};

// Reads <shared_data_dir()>/posteriordb/<name>/reference.json.
ReferencePosterior load_reference_posterior(const std::string& name);

struct ParameterComparison {
  std::string name = {};
  double mean = 0, sd = 0, mcse_mean = 0, mcse_sd = 0, ess_bulk = 0, rhat = 0;
  double reference_mean = 0, reference_sd = 0;
  // The reference's MCSE of the sd is estimated as ref_sd / sqrt(2 ref_ess_bulk) (exact for
  // normal draws), as posteriordb stores none.
  double reference_mcse_mean = 0, reference_mcse_sd = 0;
  // |mean - ref| / sqrt(mcse^2 + ref_mcse^2), and the same for the sd.
  double z_mean = 0, z_sd = 0;
};

// Finds each reference parameter in data's posterior group ("theta[3]" is element 2 of theta,
// "L[2,1]" element (1, 0)) and compares; throws when one is missing.
std::vector<ParameterComparison> compare_with_reference(const InferenceData& data,
                                                        const ReferencePosterior& reference);

struct ValidationOptions {
  int chains = 4;
  std::int64_t tune = 1000;
  std::int64_t draws = 1000;
  std::uint64_t seed = 0;
  int cores = 0;  // 0: one thread per hardware thread
  Backend backend = default_backend();
  // A posterior passes when every |z| (means and sds) is below z_limit, every reference
  // parameter's R-hat below rhat_limit, and no transition diverged.
  double z_limit = 4;
  double rhat_limit = 1.01;
  // A posterior that fails is sampled again with another seed, this many times at most, and is
  // judged on the last run. Some 300 comparisons at fixed limits fail now and then for a sampler
  // without fault (a 4-sigma mean, an R-hat of 1.0103 from 4 x 1000 draws), while a real bias or
  // a sampler that does not mix fails every run. Every failed run is kept in the results.
  int confirmation_runs = 1;
  bool progress = false;
  // Replaces the metric of every model whose own is diagonal (to compare adaptations across the
  // posteriors); models with a dense metric keep theirs.
  std::optional<MetricKind> diagonal_metric = std::nullopt;
  // The warm-up schedule of the models sampled with a diagonal-kind metric (dense ones keep
  // Stan's).
  WarmupSchedule warmup_schedule = WarmupSchedule::stan;
};

struct PosteriorValidation {
  std::string name = {};
  double target_accept = 0.8;                // what the run used: the model's own
  double reference_adapt_delta = 0.8;        // what the reference run used
  MetricKind metric = MetricKind::diagonal;  // what the run used: usually the model's own
  int max_tree_depth = 10;                   // the model's own
  int reference_max_tree_depth = 10;         // what the reference run allowed
  std::vector<ParameterComparison> parameters = {};
  std::int64_t divergences = 0;
  double max_rhat = 0;
  double max_abs_z = 0;  // over means and sds
  double seconds = 0;    // compiling and sampling
  bool passed = false;
  std::vector<std::string> failures = {};  // why it did not pass, one reason per entry
  std::uint64_t seed = 0;                  // of the run judged
  // The runs before it, which failed (empty when the first run passed).
  std::vector<std::vector<std::string>> earlier_failures = {};
};

// The bundled posteriordb posteriors: the bundled models whose name holds a '-'
// ("earnings-logearn_height").
std::vector<std::string> posteriordb_model_names();

// Samples `model` with NUTS at its own target acceptance and metric, and compares the draws with
// the posteriordb reference of the same name; a failed run is repeated with the next seed up to
// options.confirmation_runs times.
PosteriorValidation validate_posterior(const BundledModel& model,
                                       const ValidationOptions& options = {});

// The results as JSON: the settings, then per posterior its verdict and, per reference parameter,
// our mean, sd, MCSEs, ESS, R-hat, the reference's values and the z-scores. Written through a
// temporary file renamed into place; parent directories are created.
void write_validation_json(const std::vector<PosteriorValidation>& results,
                           const ValidationOptions& options, const std::filesystem::path& path);

}  // namespace hypatia
