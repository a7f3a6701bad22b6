#include "hypatia/infer/nuts.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "hypatia/error.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/adaptation.hpp"
#include "infer/chains.hpp"
#include "infer/nuts_transition.hpp"
#include "infer/progress.hpp"

namespace hypatia {
namespace {

using infer::PhasePoint;
using infer::TransitionStats;

void validate(const Target& target, const NutsOptions& options) {
  const infer::OptionCheck require("sample_nuts");
  require.chain_options(target, options.chains, options.cores);
  if (target.has_discrete_coordinates()) {
    throw Error(
        "sample_nuts: the target has discrete coordinates, which NUTS cannot move; "
        "sample it with sample_compound (a discrete step for them), or marginalize them");
  }
  require(options.tune >= 0, "tune", "at least 0", options.tune);
  require(options.draws >= 0, "draws", "at least 0", options.draws);
  require(options.target_accept > 0 && options.target_accept < 1, "target_accept", "in (0, 1)",
          options.target_accept);
  require(options.max_tree_depth >= 1 && options.max_tree_depth <= 30, "max_tree_depth",
          "in [1, 30]", options.max_tree_depth);
  require(options.max_energy_error > 0, "max_energy_error", "positive", options.max_energy_error);
  require(options.init_radius > 0 && std::isfinite(options.init_radius), "init_radius",
          "positive and finite", options.init_radius);
  require(options.initial_step_size > 0 && std::isfinite(options.initial_step_size),
          "initial_step_size", "positive and finite", options.initial_step_size);
  require(options.initial_buffer >= 0, "initial_buffer", "at least 0", options.initial_buffer);
  require(options.terminal_buffer >= 0, "terminal_buffer", "at least 0", options.terminal_buffer);
  require(options.base_window >= 1, "base_window", "at least 1", options.base_window);
  require(options.warmup_schedule == WarmupSchedule::stan || options.metric != MetricKind::dense,
          "warmup_schedule", "stan for the dense metric", "nutpie");
  require(options.adapt_gamma > 0, "adapt_gamma", "positive", options.adapt_gamma);
  require(options.adapt_t0 >= 0, "adapt_t0", "at least 0", options.adapt_t0);
  require(options.adapt_kappa > 0 && options.adapt_kappa <= 1, "adapt_kappa", "in (0, 1]",
          options.adapt_kappa);
  require(options.first_chain >= 0, "first_chain", "at least 0", options.first_chain);
  const std::size_t inits = options.init.size();
  require(inits <= 1 || inits == static_cast<std::size_t>(options.chains), "init",
          "empty, one point, or one point per chain", std::to_string(inits) + " points");
  for (const std::vector<double>& point : options.init) {
    require(point.size() == static_cast<std::size_t>(target.dim()), "init",
            "points of the target's dimension " + std::to_string(target.dim()),
            std::to_string(point.size()) + " values");
  }
}

void append(NutsStats& stats, const TransitionStats& transition, double logp, double step_size,
            double step_size_bar) {
  stats.lp.push_back(logp);
  stats.acceptance_rate.push_back(transition.acceptance_rate);
  stats.step_size.push_back(step_size);
  stats.step_size_bar.push_back(step_size_bar);
  stats.tree_depth.push_back(transition.tree_depth);
  stats.n_steps.push_back(transition.n_steps);
  stats.diverging.push_back(transition.diverging);
  stats.energy.push_back(transition.energy);
  stats.energy_error.push_back(transition.energy_error);
  stats.max_energy_error.push_back(transition.max_energy_error);
}

// One chain from its starting point through warm-up to its last draw.
class ChainRun {
 public:
  ChainRun(Target& target, const NutsOptions& options, int chain, infer::Progress& progress)
      : options_(options),
        chain_(chain),
        progress_(progress),
        rng_(options.seed, static_cast<std::uint64_t>(options.first_chain + chain)),
        metric_(
            infer::Metric::create(options.metric, target.dim(), options.initial_inverse_metric)),
        hamiltonian_(target, *metric_),
        transition_(hamiltonian_, options.max_tree_depth, options.max_energy_error),
        current_(target.dim()) {
    const std::vector<double> random_start;
    const std::vector<double>& given = options.init.empty()       ? random_start
                                       : options.init.size() == 1 ? options.init[0]
                                                                  : options.init[chain];
    current_.q =
        infer::find_initial_point(target, given, options.init_radius, rng_,
                                  "NUTS chain " + std::to_string(options.first_chain + chain));
    hamiltonian_.evaluate(current_);
  }

  NutsChain run(const std::atomic<bool>& stop) {
    result_.metric = options_.metric;
    result_.draws.reserve(static_cast<std::size_t>(options_.draws * hamiltonian_.dim()));
    step_size_ =
        infer::find_reasonable_step_size(hamiltonian_, current_, options_.initial_step_size, rng_);
    warm_up(stop);
    for (std::int64_t draw = 0; draw < options_.draws && !stopping(stop); ++draw) {
      const TransitionStats stats = transition_.run(current_, step_size_, rng_);
      record(result_.draws, result_.stats, stats, step_size_, step_size_, draw, false);
      progress_.update(chain_, options_.tune + draw + 1, divergences_);
    }
    result_.step_size = step_size_;
    result_.inverse_metric = metric_->inverse();
    return std::move(result_);
  }

 private:
  // Another chain failed, or the user interrupted: the draws made so far are kept.
  static bool stopping(const std::atomic<bool>& stop) { return stop || interrupt_requested(); }

  void warm_up(const std::atomic<bool>& stop) {
    if (options_.tune == 0) return;
    if (options_.warmup_schedule == WarmupSchedule::nutpie) {
      warm_up_nutpie(stop);
      return;
    }
    infer::DualAveraging step_size_adaptation(options_.target_accept, options_.adapt_gamma,
                                              options_.adapt_t0, options_.adapt_kappa);
    step_size_adaptation.restart(step_size_);
    const infer::MetricWindows windows(options_.tune, options_.initial_buffer, options_.base_window,
                                       options_.terminal_buffer);
    for (std::int64_t iteration = 0; iteration < options_.tune && !stopping(stop); ++iteration) {
      const double step_size = step_size_;
      const TransitionStats stats = transition_.run(current_, step_size, rng_);
      step_size_ = step_size_adaptation.update(stats.acceptance_rate);
      if (options_.save_warmup) {
        record(result_.warmup_draws, result_.warmup_stats, stats, step_size,
               step_size_adaptation.final_step_size(), iteration, true);
      }
      if (windows.collects(iteration)) metric_->add_sample(current_.q.data(), current_.grad.data());
      if (windows.closes(iteration)) {
        // A new metric changes the scale of good step sizes: search again and restart.
        metric_->update_from_samples();
        step_size_ = infer::find_reasonable_step_size(hamiltonian_, current_, step_size_, rng_);
        step_size_adaptation.restart(step_size_);
      }
      progress_.update(chain_, iteration + 1, divergences_);
    }
    step_size_ = step_size_adaptation.final_step_size();
  }

  // nutpie's schedule (see WarmupSchedule in nuts.hpp).
  void warm_up_nutpie(const std::atomic<bool>& stop) {
    if (options_.initial_inverse_metric.empty()) {
      // The Gaussian whose log density curves like this one's gradient suggests: a coordinate
      // with a steep slope gets a small scale.
      std::vector<double> inverse(current_.grad.size());
      for (std::size_t i = 0; i < inverse.size(); ++i) {
        inverse[i] = 1 / std::clamp(std::abs(current_.grad[i]), 1e-20, 1e20);
      }
      metric_->set_inverse_diagonal(inverse);
      step_size_ = infer::find_reasonable_step_size(hamiltonian_, current_, step_size_, rng_);
    }
    infer::DualAveraging step_size_adaptation(options_.target_accept, options_.adapt_gamma,
                                              options_.adapt_t0, options_.adapt_kappa);
    step_size_adaptation.restart(step_size_);
    infer::NutpieWindows windows(options_.tune);
    bool first_update = true;
    // Starting one interval back, the first draw may estimate (as every draw does at interval 1).
    std::int64_t last_update = -metric_->nutpie_update_interval();
    std::vector<double> previous_q = current_.q;
    for (std::int64_t iteration = 0; iteration < options_.tune && !stopping(stop); ++iteration) {
      const double step_size = step_size_;
      const TransitionStats stats = transition_.run(current_, step_size, rng_);
      step_size_ = step_size_adaptation.update(stats.acceptance_rate);
      if (options_.save_warmup) {
        record(result_.warmup_draws, result_.warmup_stats, stats, step_size,
               step_size_adaptation.final_step_size(), iteration, true);
      }
      if (iteration < windows.step_size_only_from()) {
        // As nutpie: a draw where the chain stayed put repeats the last one and says nothing new.
        if (current_.q != previous_q) {
          metric_->add_sample(current_.q.data(), current_.grad.data());
          previous_q = current_.q;
        }
        const bool switched = windows.switches(iteration, metric_->background_count());
        if (switched) metric_->switch_window();
        const bool due = switched || iteration - last_update >= metric_->nutpie_update_interval();
        if (due && metric_->update_from_window()) last_update = iteration;
        if (last_update == iteration && first_update) {
          // The first estimate replaces a guess and may change the scale of good step sizes a
          // lot; later ones move it gradually, and dual averaging follows.
          first_update = false;
          step_size_ = infer::find_reasonable_step_size(hamiltonian_, current_, step_size_, rng_);
          step_size_adaptation.restart(step_size_);
        }
      }
      progress_.update(chain_, iteration + 1, divergences_);
    }
    step_size_ = step_size_adaptation.final_step_size();
  }

  void record(std::vector<double>& draws, NutsStats& stats, const TransitionStats& transition,
              double step_size, double step_size_bar, std::int64_t iteration, bool warmup) {
    draws.insert(draws.end(), current_.q.begin(), current_.q.end());
    append(stats, transition, current_.logp, step_size, step_size_bar);
    if (transition.diverging) {
      result_.divergences.push_back({iteration, warmup, transition.divergent_point});
      if (!warmup) ++divergences_;
    }
  }

  const NutsOptions& options_;
  int chain_;
  infer::Progress& progress_;
  CounterRng rng_;
  std::unique_ptr<infer::Metric> metric_;
  infer::Hamiltonian hamiltonian_;
  infer::NutsTransition transition_;
  PhasePoint current_;
  double step_size_ = 0;
  std::int64_t divergences_ = 0;  // after warm-up, for the progress bar
  NutsChain result_;
};

}  // namespace

NutsResult sample_nuts(const Target& target, const NutsOptions& options) {
  validate(target, options);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::unique_ptr<Target>> targets =
      infer::clone_per_chain("sample_nuts", target, options.chains);

  NutsResult result;
  result.dim = target.dim();
  result.chains.resize(static_cast<std::size_t>(options.chains));
  infer::Progress progress("NUTS", options.chains, options.tune + options.draws, options.progress,
                           options.progress_callback, options.tune);
  infer::run_chains(options.chains, options.cores,
                    [&](std::int64_t chain, const std::atomic<bool>& stop) {
                      ChainRun run(*targets[static_cast<std::size_t>(chain)], options,
                                   static_cast<int>(chain), progress);
                      result.chains[static_cast<std::size_t>(chain)] = run.run(stop);
                    });
  progress.finish();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hypatia
