#include "hypatia/infer/smc.hpp"

#include <atomic>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>

#include "hypatia/error.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/chains.hpp"
#include "infer/progress.hpp"
#include "infer/resampling.hpp"
#include "infer/smc_mutation.hpp"
#include "infer/smc_particles.hpp"
#include "infer/smc_rng.hpp"
#include "infer/tempering.hpp"

namespace hypatia {
namespace {

using smc::Particles;

// Shortest readable form ("1.5", "-inf"), unlike std::to_string's fixed six decimals.
std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

void check_options(const Target& target, const SmcOptions& options) {
  const infer::OptionCheck require("smc");
  require.chain_options(target, options.chains, options.cores);
  if (target.has_discrete_coordinates()) {
    throw Error(
        "sample_smc: the target has discrete coordinates, which the SMC kernels cannot "
        "move; sample it with NUTS and discrete steps (sample_compound)");
  }
  require(options.particles >= 2, "particles", "at least 2", options.particles);
  require(options.threshold > 0.0 && options.threshold < 1.0, "threshold",
          "strictly between 0 and 1", options.threshold);
  require(options.max_stages >= 1, "max_stages", "at least 1", options.max_stages);
  require(options.max_steps >= 1, "max_steps", "at least 1", options.max_steps);
  require(options.correlation_threshold >= 0.0 && options.correlation_threshold < 1.0,
          "correlation_threshold", "in [0, 1)", options.correlation_threshold);
}

std::string coordinate_label(const Target& target, std::int64_t j) {
  const std::vector<std::string> names = target.coordinate_names();
  return j < static_cast<std::int64_t>(names.size()) ? "'" + names[j] + "'"
                                                     : "coordinate " + std::to_string(j);
}

// Throws unless prior draw `i` of `chain` has finite coordinates and a finite log prior.
void check_prior_draw(const Target& target, const Particles& particles, std::int64_t i,
                      std::int64_t chain) {
  const auto fail = [&](const std::string& what, const std::string& got) {
    throw Error("smc: prior draw " + std::to_string(i) + " of chain " + std::to_string(chain) +
                " must " + what + "; got " + got);
  };
  const double* x = particles.position(i);
  for (std::int64_t j = 0; j < particles.dim; ++j) {
    if (!std::isfinite(x[j])) fail("be finite", coordinate_label(target, j) + " = " + number(x[j]));
  }
  if (!std::isfinite(particles.log_prior[i])) {
    fail("have a finite log prior", number(particles.log_prior[i]));
  }
}

// Prior draw `i` of run `chain` comes from the target's stream (seed, chain, i).
Particles draw_prior(Target& target, const SmcOptions& options, std::int64_t chain) {
  Particles particles(options.particles, target.dim());
  for (std::int64_t i = 0; i < particles.count; ++i) {
    double* x = particles.position(i);
    if (!target.sample_prior(options.seed, static_cast<std::uint64_t>(chain),
                             static_cast<std::uint64_t>(i), x)) {
      throw Error(
          "smc: the target cannot draw from its prior (Target::sample_prior returned false); "
          "SMC starts from prior draws");
    }
    smc::evaluate_split(target, x, particles.log_prior[i], particles.log_likelihood[i]);
    check_prior_draw(target, particles, i, chain);
  }
  return particles;
}

// Beta in thousandths: the unit of SMC progress (the number of stages is not known ahead).
constexpr std::int64_t progress_steps = 1000;

SmcChain run_chain(Target& target, const SmcOptions& options, std::int64_t chain,
                   infer::Progress& progress) {
  const auto run = static_cast<std::uint64_t>(chain);
  Particles particles = draw_prior(target, options, chain);
  smc::MutationSettings settings{options.kernel, options.max_steps, options.correlation_threshold,
                                 options.kernel == SmcKernel::random_walk_metropolis
                                     ? smc::initial_random_walk_scale(particles.dim)
                                     : 1.0};
  SmcChain result;
  result.betas.push_back(0.0);
  double beta = 0.0;
  for (std::uint64_t stage = 1; beta < 1.0; ++stage) {
    // Particles short of beta = 1 are no posterior draws: an interrupted run keeps nothing.
    if (interrupt_requested()) return SmcChain{};
    if (stage > static_cast<std::uint64_t>(options.max_stages)) {
      throw Error("smc: chain " + std::to_string(chain) + " reached only beta = " + number(beta) +
                  " after options.max_stages = " + std::to_string(options.max_stages) +
                  " stages; expected beta = 1 (raise max_stages or particles)");
    }
    const smc::TemperingStep step =
        smc::next_tempering_step(particles.log_likelihood, beta, options.threshold);
    // Fitted before resampling: the weighted population estimates the new tempered density with
    // less noise than its resampled copy.
    const smc::ParticleGaussian gaussian(particles, step.weights);
    smc::PhiloxStream resampling_stream(options.seed, run, smc::RandomPurpose::resampling, stage,
                                        0);
    particles.keep(smc::systematic_resample(step.weights, resampling_stream.uniform()));
    beta = step.beta;
    const smc::MutationStats stats =
        smc::mutate(target, particles, gaussian, beta, settings, {options.seed, run, stage});

    result.log_marginal_likelihood += step.log_evidence_increment;
    result.betas.push_back(beta);
    result.acceptance_rates.push_back(stats.acceptance_rate);
    result.steps.push_back(stats.steps);
    result.proposal_scales.push_back(settings.random_walk_scale);
    progress.update(static_cast<int>(chain), std::llround(beta * progress_steps), 0);
    if (options.kernel == SmcKernel::random_walk_metropolis) {
      settings.random_walk_scale =
          smc::adapt_random_walk_scale(settings.random_walk_scale, stats.acceptance_rate);
    }
  }
  result.draws = std::move(particles.positions);
  return result;
}

}  // namespace

SmcResult sample_smc(const Target& target, const SmcOptions& options) {
  check_options(target, options);
  const std::vector<std::unique_ptr<Target>> targets =
      infer::clone_per_chain("smc", target, options.chains);

  SmcResult result;
  result.dim = target.dim();
  result.particles = options.particles;
  result.chains.resize(static_cast<std::size_t>(options.chains));
  // No stderr line (it speaks of iterations and divergences); callers with a callback draw beta.
  infer::Progress progress("SMC", static_cast<int>(options.chains), progress_steps, false,
                           options.progress_callback);
  infer::run_chains(options.chains, options.cores,
                    [&](std::int64_t chain, const std::atomic<bool>&) {
                      result.chains[chain] = run_chain(*targets[chain], options, chain, progress);
                    });
  progress.finish();
  return result;
}

}  // namespace hypatia
