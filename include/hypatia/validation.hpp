#pragma once

// Checking a posterior against a reference (posteriordb): per reference parameter, our mean and
// sd with their Monte Carlo errors, and z-scores against the reference's values.

#include <string>
#include <vector>

#include "hypatia/inference_data.hpp"

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
};

// Reads <shared_data_dir()>/posteriordb/<name>/reference.json.
ReferencePosterior load_reference_posterior(const std::string& name);

struct ParameterComparison {
  std::string name = {};
  double mean = 0, sd = 0, mcse_mean = 0, mcse_sd = 0, ess_bulk = 0, rhat = 0;
  double reference_mean = 0, reference_sd = 0;
  // |mean - ref| / sqrt(mcse^2 + ref_mcse^2); for the sd the reference's MCSE of the sd is
  // estimated as ref_sd / sqrt(2 ref_ess_bulk) (exact for normal draws), as posteriordb stores
  // none.
  double z_mean = 0, z_sd = 0;
};

// Finds each reference parameter in data's posterior group ("theta[3]" is element 2 of theta,
// "L[2,1]" element (1, 0)) and compares; throws when one is missing.
std::vector<ParameterComparison> compare_with_reference(const InferenceData& data,
                                                        const ReferencePosterior& reference);

}  // namespace hypatia
