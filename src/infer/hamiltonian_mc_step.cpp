// Hamiltonian Monte Carlo with a static path length, as PyMC's HamiltonianMC: each iteration
// draws a momentum, takes path_length / step_size leapfrog steps (at most max_steps) with the
// step size jittered by +-15%, and accepts the end point by a Metropolis test. During warm-up the
// step size is tuned by dual averaging towards target_accept = 0.65 and the metric is estimated
// in Stan's windows, as the NUTS step does.

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "hypatia/error.hpp"
#include "infer/adaptation.hpp"
#include "infer/conditional_target.hpp"
#include "infer/hamiltonian.hpp"
#include "infer/metric.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

// PyMC's HamiltonianMC settings (and BaseHMC's dual-averaging ones), checked.
struct HmcSettings {
  double path_length = 2;
  std::int64_t max_steps = 1024;
  double step_scale = 0.25;
  double target_accept = 0.65;
  double gamma = 0.05;
  double k = 0.75;
  double t0 = 10;
  bool adapt_step_size = true;
  double max_energy_error = 1000;  // PyMC's Emax

  HmcSettings(const StepSpec& spec, const NutsOptions& nuts) {
    const StepSettings settings(spec, {"path_length", "max_steps", "step_scale", "target_accept",
                                       "gamma", "k", "t0", "adapt_step_size", "Emax"});
    path_length = settings.get("path_length", path_length);
    const double steps = settings.get("max_steps", static_cast<double>(max_steps));
    step_scale = settings.get("step_scale", step_scale);
    target_accept = settings.get("target_accept", target_accept);
    gamma = settings.get("gamma", nuts.adapt_gamma);
    k = settings.get("k", nuts.adapt_kappa);
    t0 = settings.get("t0", nuts.adapt_t0);
    const double adapt = settings.get("adapt_step_size", 1);
    max_energy_error = settings.get("Emax", nuts.max_energy_error);
    auto require = [](bool ok, const std::string& name, const std::string& expected, double value) {
      if (ok) return;
      std::ostringstream message;
      message << "HamiltonianMC: " << name << " must be " << expected << ", got " << value;
      throw Error(message.str());
    };
    require(path_length > 0 && std::isfinite(path_length), "path_length", "positive and finite",
            path_length);
    require(steps >= 1 && steps == std::floor(steps) && steps <= 1e9, "max_steps",
            "a whole number of at least 1", steps);
    max_steps = static_cast<std::int64_t>(steps);
    require(step_scale > 0 && std::isfinite(step_scale), "step_scale", "positive and finite",
            step_scale);
    require(target_accept > 0 && target_accept < 1, "target_accept", "in (0, 1)", target_accept);
    require(gamma > 0 && std::isfinite(gamma), "gamma", "positive and finite", gamma);
    require(k > 0.5 && k <= 1, "k", "in (0.5, 1]", k);
    require(t0 > 0 && std::isfinite(t0), "t0", "positive and finite", t0);
    require(adapt == 0 || adapt == 1, "adapt_step_size", "0 or 1 (false or true)", adapt);
    adapt_step_size = adapt == 1;
    require(max_energy_error > 0, "Emax", "positive", max_energy_error);
  }
};

class HamiltonianMcStep : public Step {
 public:
  explicit HamiltonianMcStep(const StepContext& context)
      : settings_(context.spec, context.options.nuts),
        tune_(context.options.tune),
        adapt_(context.spec.tune),
        target_(context.target, step_coordinates(context.spec)),
        metric_(Metric::create(context.options.nuts.metric, target_.dim())),
        hamiltonian_(target_, *metric_),
        current_(target_.dim()),
        proposal_(target_.dim()),
        adaptation_(settings_.target_accept, settings_.gamma, settings_.t0, settings_.k),
        windows_(context.options.tune, context.options.nuts.initial_buffer,
                 context.options.nuts.base_window, context.options.nuts.terminal_buffer) {
    if (!context.spec.proposal.empty() || !context.spec.proposal_scale.empty()) {
      throw Error("HamiltonianMC: takes no proposal or proposal scale (S)");
    }
    // PyMC's initial step size: shorter in more dimensions, as leapfrog errors add up.
    step_size_ = settings_.step_scale / std::pow(static_cast<double>(target_.dim()), 0.25);
    adaptation_.restart(step_size_);
  }

  void step(ChainState& state, CounterRng& rng, std::int64_t iteration, bool tuning) override {
    enter(state);
    const bool adapting = tuning && adapt_;
    tuning_ = tuning;
    step_size_used_ = step_size_;
    // The jitter keeps a fixed number of steps from resonating with a period of the dynamics.
    const double jittered = step_size_ * rng.uniform(0.85, 1.15);
    const double steps =
        std::min(settings_.path_length / jittered, static_cast<double>(settings_.max_steps));
    n_steps_ = std::max<std::int64_t>(1, static_cast<std::int64_t>(steps));
    trajectory(jittered, rng);
    if (adapting && settings_.adapt_step_size) step_size_ = adaptation_.update(accept_);
    if (adapting) {
      if (windows_.collects(iteration))
        metric_->add_sample(current_.q.data(), current_.grad.data());
      if (windows_.closes(iteration)) {
        metric_->update_from_samples();
        // A new metric changes the scale the step size works at: search again, as Stan does.
        if (settings_.adapt_step_size) {
          step_size_ = find_reasonable_step_size(hamiltonian_, current_, step_size_, rng);
          adaptation_.restart(step_size_);
        }
      }
    }
    step_size_bar_ =
        adapting && settings_.adapt_step_size ? adaptation_.final_step_size() : step_size_;
    target_.leave(current_.q.data(), state.x);
    state.logp = current_.logp;
  }

  void end_warmup() override {
    if (adapt_ && settings_.adapt_step_size && tune_ > 0) {
      step_size_ = adaptation_.final_step_size();
    }
  }

  std::vector<StepStat> stat_names() const override {
    using Type = StepStatColumn::Type;
    return {{"tune", Type::boolean},       {"step_size", Type::real},
            {"step_size_bar", Type::real}, {"n_steps", Type::integer},
            {"path_length", Type::real},   {"accept", Type::real},
            {"accepted", Type::boolean},   {"diverging", Type::boolean},
            {"energy", Type::real},        {"energy_error", Type::real}};
  }

  void stats(double* values) const override {
    values[0] = tuning_ ? 1 : 0;
    values[1] = step_size_used_;
    values[2] = step_size_bar_;
    values[3] = static_cast<double>(n_steps_);
    values[4] = settings_.path_length;
    values[5] = accept_;
    values[6] = accepted_ ? 1 : 0;
    values[7] = diverging_ ? 1 : 0;
    values[8] = energy_;
    values[9] = energy_error_;
  }

  const std::vector<double>* divergent_point() const override {
    if (!diverging_) return nullptr;
    divergent_full_ = target_.with_block(divergent_q_.data());
    return &divergent_full_;
  }

 private:
  // The chain's state as this block's position; re-evaluated only when another step moved
  // something since this step last ran.
  void enter(const ChainState& state) {
    if (target_.enter(state.x, current_.q.data())) hamiltonian_.evaluate(current_);
  }

  // n_steps_ leapfrog steps from current_ with a fresh momentum, then the Metropolis test.
  // A step whose energy is not finite or strays more than Emax from the start is a divergence:
  // the trajectory stops there and the chain stays put.
  void trajectory(double step_size, CounterRng& rng) {
    proposal_.q = current_.q;
    proposal_.grad = current_.grad;
    proposal_.logp = current_.logp;
    hamiltonian_.sample_momentum(rng, proposal_);
    const double initial_energy = hamiltonian_.energy(proposal_);
    double energy = initial_energy;
    diverging_ = false;
    for (std::int64_t s = 0; s < n_steps_; ++s) {
      hamiltonian_.leapfrog(proposal_, step_size);
      energy = hamiltonian_.energy(proposal_);
      if (!std::isfinite(energy) ||
          std::abs(energy - initial_energy) > settings_.max_energy_error) {
        diverging_ = true;
        divergent_q_ = proposal_.q;
        break;
      }
    }
    energy_error_ = energy - initial_energy;
    accept_ = diverging_ ? 0 : std::min(1.0, std::exp(-energy_error_));
    accepted_ = !diverging_ && rng.uniform() < accept_;
    if (accepted_) std::swap(current_, proposal_);
    energy_ = accepted_ ? energy : initial_energy;
  }

  HmcSettings settings_;
  std::int64_t tune_;
  bool adapt_;
  ConditionalTarget target_;
  std::unique_ptr<Metric> metric_;
  Hamiltonian hamiltonian_;
  PhasePoint current_;
  PhasePoint proposal_;
  DualAveraging adaptation_;
  MetricWindows windows_;
  double step_size_ = 0;
  double step_size_used_ = 0;
  double step_size_bar_ = 0;
  std::int64_t n_steps_ = 0;
  double accept_ = 0;
  bool accepted_ = false;
  bool diverging_ = false;
  bool tuning_ = false;
  double energy_ = 0;
  double energy_error_ = 0;
  std::vector<double> divergent_q_;
  mutable std::vector<double> divergent_full_;
};

}  // namespace

std::unique_ptr<Step> make_hamiltonian_mc_step(const StepContext& context) {
  return std::make_unique<HamiltonianMcStep>(context);
}

}  // namespace hypatia::infer
