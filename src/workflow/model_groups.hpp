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
// The dimension of the unconstrained parameter vector in sample_stats, as nutpie names it.
inline constexpr const char* unconstrained_parameter_dim = "unconstrained_parameter";
// Where NUTS diverged, as nutpie stores it in sample_stats: "divergence_end", per (chain, draw,
// unconstrained_parameter), the unconstrained position where the diverging leapfrog step ended;
// NaN for draws that did not diverge. With `warmup`, the same over the warm-up iterations kept by
// save_warmup (for warmup_sample_stats).
Variable divergence_end(const NutsResult& result, bool warmup = false);
// The same from any sampler's chains: each one's divergences and iteration count.
struct ChainDivergences {
  const std::vector<Divergence>* divergences;
  std::int64_t iterations;
};
Variable divergence_end(std::int64_t dim, const std::vector<ChainDivergences>& chains, bool warmup);
// ArviZ's log_likelihood group: for each observed variable, under its name, the pointwise log
// likelihood at every draw (flat unconstrained draws laid out (chain, draw, dim)).
Group log_likelihood_group(CompiledModel& compiled, const std::vector<double>& flat_draws,
                           std::int64_t chains, std::int64_t draws);
// Models with discrete variables, or with step methods chosen, run compound steps
// (sample_compound.cpp).
InferenceData sample_with_compound(const Model& model, CompiledModel& compiled,
                                   const SampleOptions& options);
// The NUTS settings of a sample() run.
NutsOptions nuts_options(const SampleOptions& options);
// NUTS's sample_stats group (sample.cpp); with `warmup`, of the warm-up iterations.
Group nuts_sample_stats(const NutsResult& result, bool warmup = false);
// Models with marginalized discrete variables (sample_marginalized.cpp): NUTS on the rest, the
// marginalized values drawn afterwards from their conditional probabilities at each draw.
InferenceData sample_marginalized(const Model& model, CompiledModel& compiled,
                                  const SampleOptions& options);
// The run's settings as global attributes (sampler, backend, chains, draws, seed, ...).
void add_settings(InferenceData& data, const SampleOptions& options);
// SMC runs with their own sampler (sample_smc.cpp).
InferenceData sample_with_smc(CompiledModel& compiled, const SampleOptions& options);

}  // namespace hypatia
