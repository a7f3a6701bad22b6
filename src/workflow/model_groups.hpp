#pragma once

// InferenceData groups taken from the model itself rather than from a sampler.

#include "hypatia/infer/nuts.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/sample.hpp"

namespace hypatia {

// Observed variables' values (no chain or draw axes).
Group observed_data_group(const Model& model);
// Data containers not observed directly (covariates, indices).
Group constant_data_group(const Model& model);
// Where NUTS diverged: for each divergent transition its chain, draw and the constrained values
// there, along a "divergence" axis.
Group divergence_group(CompiledModel& compiled, const NutsResult& result);
// SMC runs with their own sampler (sample_smc.cpp).
InferenceData sample_with_smc(CompiledModel& compiled, const SampleOptions& options);

}  // namespace hypatia
