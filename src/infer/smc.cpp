#include "hypatia/infer/smc.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "hypatia/error.hpp"
#include "hypatia/interrupt.hpp"
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

void require(bool condition, const std::string& what, const std::string& got) {
  if (!condition) throw Error("smc: " + what + "; got " + got);
}

void check_options(const SmcOptions& options) {
  require(options.particles >= 2, "options.particles must be at least 2",
          std::to_string(options.particles));
  require(options.chains >= 1, "options.chains must be at least 1", std::to_string(options.chains));
  require(options.cores >= 0, "options.cores must be 0 (all hardware threads) or positive",
          std::to_string(options.cores));
  require(options.threshold > 0.0 && options.threshold < 1.0,
          "options.threshold must lie strictly between 0 and 1", number(options.threshold));
  require(options.max_stages >= 1, "options.max_stages must be at least 1",
          std::to_string(options.max_stages));
  require(options.max_steps >= 1, "options.max_steps must be at least 1",
          std::to_string(options.max_steps));
  require(options.correlation_threshold >= 0.0 && options.correlation_threshold < 1.0,
          "options.correlation_threshold must lie in [0, 1)",
          number(options.correlation_threshold));
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

SmcChain run_chain(Target& target, const SmcOptions& options, std::int64_t chain) {
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
    if (options.kernel == SmcKernel::random_walk_metropolis) {
      settings.random_walk_scale =
          smc::adapt_random_walk_scale(settings.random_walk_scale, stats.acceptance_rate);
    }
  }
  result.draws = std::move(particles.positions);
  return result;
}

// Runs task(0..count) on `threads` threads (the caller's among them). A task's result must depend
// on its index only. The first failure (by index) is rethrown once all threads have stopped;
// after a failure no new task starts.
void run_tasks(std::int64_t count, std::int64_t threads,
               const std::function<void(std::int64_t)>& task) {
  std::atomic<std::int64_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
  const auto work = [&] {
    for (std::int64_t index = next++; index < count && !failed; index = next++) {
      try {
        task(index);
      } catch (...) {
        errors[index] = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (std::int64_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

std::int64_t thread_count(const SmcOptions& options) {
  const std::int64_t available =
      options.cores > 0 ? options.cores
                        : std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  return std::min(available, options.chains);
}

}  // namespace

SmcResult sample_smc(const Target& target, const SmcOptions& options) {
  check_options(options);
  require(target.dim() >= 1, "the target must have at least one coordinate",
          "dim() = " + std::to_string(target.dim()));
  // options.progress is a hook for a progress display; none is drawn yet.

  // Each run owns a clone (own scratch memory); cloned here, before any thread starts.
  std::vector<std::unique_ptr<Target>> targets;
  for (std::int64_t chain = 0; chain < options.chains; ++chain) {
    targets.push_back(target.clone());
    require(targets.back() != nullptr, "Target::clone must return a target", "nullptr");
  }

  SmcResult result;
  result.dim = target.dim();
  result.particles = options.particles;
  result.chains.resize(static_cast<std::size_t>(options.chains));
  run_tasks(options.chains, thread_count(options), [&](std::int64_t chain) {
    result.chains[chain] = run_chain(*targets[chain], options, chain);
  });
  return result;
}

}  // namespace hypatia
