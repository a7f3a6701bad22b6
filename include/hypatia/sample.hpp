#pragma once

// Sampling a model end to end: compile its log density for a backend, run a sampler, and gather
// the draws as constrained values, deterministics and sampler statistics in an InferenceData.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hypatia/function.hpp"
#include "hypatia/infer/compound.hpp"
#include "hypatia/infer/nuts.hpp"
#include "hypatia/infer/smc.hpp"
#include "hypatia/inference_data.hpp"
#include "hypatia/ppl/model.hpp"

namespace hypatia {

enum class SamplerKind { nuts, smc };

// A step method for some of a model's free variables, as PyMC's step= argument names them.
struct StepAssignment {
  StepMethod method = StepMethod::nuts;
  // Free variables by name; empty: every free variable no other step names.
  std::vector<std::string> variables = {};
  std::map<std::string, double> settings = {};  // see StepSpec::settings
  std::string proposal = {};
  std::vector<double> proposal_scale = {};
  bool tune = true;
};

struct SampleOptions {
  SamplerKind sampler = SamplerKind::nuts;
  Backend backend = default_backend();
  int chains = 4;
  int cores = 0;  // 0: one thread per hardware thread
  std::int64_t draws = 1000;
  std::int64_t tune = 1000;  // NUTS warm-up iterations
  std::uint64_t seed = 0;
  double target_accept = 0.8;
  MetricKind metric = MetricKind::diagonal;
  WarmupSchedule warmup_schedule = WarmupSchedule::stan;  // NUTS: Stan's windows or nutpie's
  int max_tree_depth = 10;
  std::int64_t particles = 2000;                             // SMC: particles per chain (its draws)
  SmcKernel smc_kernel = SmcKernel::independent_metropolis;  // SMC: PyMC's IMH, or MH
  bool progress = true;
  // Told the per-chain progress at most ten times a second (see progress_report.hpp; SMC reports
  // beta in thousandths).
  ProgressCallback progress_callback = {};
  // The most memory the result may need (estimate_sample_bytes); 0: the physical memory.
  std::int64_t memory_limit_bytes = 0;
  // Also store ArviZ's log_likelihood group (each observed variable's pointwise log likelihood
  // at every draw), which az.loo and az.compare read; needs an observed variable.
  bool log_likelihood = false;
  // NUTS starting points on the unconstrained scale (NutsOptions::init): empty (uniform in
  // +-init_radius), one point for every chain, or one per chain.
  std::vector<std::vector<double>> init = {};
  double init_radius = 2;
  // NUTS: the diagonal inverse metric warm-up starts from (NutsOptions::initial_inverse_metric).
  std::vector<double> initial_inverse_metric = {};
  // NUTS: also keep the warm-up iterations, as the groups warmup_posterior and
  // warmup_sample_stats (InferenceData::warmup_draws = tune of them).
  bool save_warmup = false;
  // NUTS only: step methods for some (or all) free variables; the others get PyMC's defaults:
  // NUTS for the continuous ones, BinaryGibbsMetropolis for binary ones,
  // CategoricalGibbsMetropolis for Categorical ones, Metropolis for other discrete ones. A model
  // with discrete free variables, or any step given here, is sampled by sample_compound.
  std::vector<StepAssignment> steps = {};
  // NUTS only: discrete free variables summed out of the log density (ppl/marginal.hpp); NUTS
  // samples the rest, and each marginalized variable's values are then drawn per draw from its
  // conditional probabilities, stored as "lp_<name>" (log probabilities, one axis more, dim
  // "<name>_value"). One variable for now.
  std::vector<std::string> marginalize = {};
  // Threads each chain's log density and gradient may use (CompileOptions::threads); the draws do
  // not depend on it. 0: the cores (or hardware threads) divided among the chains, at least 1.
  int threads_per_chain = 0;
};

// The threads per chain options.threads_per_chain asks for, with 0 resolved as it says.
int resolved_threads_per_chain(const SampleOptions& options);

// The compound steps sample() runs for `model` with options.steps (PyMC's assignment rules, see
// SampleOptions::steps), with their blocks in the model's flat layout; `elementwise` marks the
// blocks a compiled model can update all at once (CompiledModel::has_local_logp).
std::vector<StepSpec> assign_steps(const Model& model, const std::vector<StepAssignment>& steps,
                                   const CompiledModel* compiled = nullptr);

// Compiles the model, samples it and gathers the result. Throws hypatia::Error before compiling
// when the estimated memory exceeds options.memory_limit_bytes (default: the physical memory).
// When interrupt_requested() turns true the chains stop at their next iteration and the result
// keeps the draws made so far: the largest block of chains with equally many draws, flagged by
// the attributes sampling_interrupted = 1, draws_requested, draws_completed and chains_requested
// (and a "chain" coordinate naming the chains kept when some had to go). Throws when no chain
// had finished its warm-up. Without an interrupt, the draws do not depend on the thread count.
InferenceData sample(const Model& model, const SampleOptions& options = {});

// Bytes of memory sample() needs at its peak, estimated from the model's sizes without building
// anything: 8 bytes x chains x (draws x (2 x unconstrained dim + stored values + 2 x sample
// statistics) + each chain's working state).
double estimate_sample_bytes(const Model& model, const SampleOptions& options);

// The posterior (or prior) group of constrained values and deterministics from flat
// unconstrained draws laid out (chain, draw, dim).
Group constrained_draws(CompiledModel& compiled, const std::vector<double>& flat_draws,
                        std::int64_t chains, std::int64_t draws);

}  // namespace hypatia
