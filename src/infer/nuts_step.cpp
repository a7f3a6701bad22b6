// NUTS as one step of a compound sampler: the same transition and warm-up as sample_nuts (dual
// averaging of the step size, Stan's metric windows), on the step's block given the others.

#include <cmath>

#include "infer/adaptation.hpp"
#include "infer/conditional_target.hpp"
#include "infer/hamiltonian.hpp"
#include "infer/metric.hpp"
#include "infer/nuts_transition.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

class NutsStep : public Step {
 public:
  explicit NutsStep(const StepContext& context)
      : nuts_(context.options.nuts),
        tune_(context.options.tune),
        target_(context.target, step_coordinates(context.spec)),
        metric_(Metric::create(nuts_.metric, target_.dim())),
        hamiltonian_(target_, *metric_),
        current_(target_.dim()),
        adaptation_(nuts_.target_accept, nuts_.adapt_gamma, nuts_.adapt_t0, nuts_.adapt_kappa),
        windows_(context.options.tune, nuts_.initial_buffer, nuts_.base_window,
                 nuts_.terminal_buffer) {
    const StepSettings settings(context.spec, {"target_accept", "max_treedepth"});
    nuts_.target_accept = settings.get("target_accept", nuts_.target_accept);
    nuts_.max_tree_depth = static_cast<int>(settings.get("max_treedepth", nuts_.max_tree_depth));
    adaptation_ =
        DualAveraging(nuts_.target_accept, nuts_.adapt_gamma, nuts_.adapt_t0, nuts_.adapt_kappa);
    adapt_ = context.spec.tune;
    transition_ = std::make_unique<NutsTransition>(hamiltonian_, nuts_.max_tree_depth,
                                                   nuts_.max_energy_error);
  }

  void step(ChainState& state, CounterRng& rng, std::int64_t iteration, bool tuning) override {
    enter(state);
    if (step_size_ == 0) {
      step_size_ = find_reasonable_step_size(hamiltonian_, current_, nuts_.initial_step_size, rng);
      adaptation_.restart(step_size_);
    }
    const double used = step_size_;
    last_ = transition_->run(current_, used, rng);
    step_size_used_ = used;
    if (tuning && adapt_) {
      step_size_ = adaptation_.update(last_.acceptance_rate);
      if (windows_.collects(iteration))
        metric_->add_sample(current_.q.data(), current_.grad.data());
      if (windows_.closes(iteration)) {
        metric_->update_from_samples();
        step_size_ = find_reasonable_step_size(hamiltonian_, current_, step_size_, rng);
        adaptation_.restart(step_size_);
      }
    }
    step_size_bar_ = tuning && adapt_ ? adaptation_.final_step_size() : step_size_;
    target_.leave(current_.q.data(), state.x);
    state.logp = current_.logp;
  }

  void end_warmup() override {
    if (adapt_ && tune_ > 0 && step_size_ > 0) step_size_ = adaptation_.final_step_size();
  }

  std::vector<StepStat> stat_names() const override {
    using Type = StepStatColumn::Type;
    return {{"acceptance_rate", Type::real}, {"step_size", Type::real},
            {"step_size_bar", Type::real},   {"tree_depth", Type::integer},
            {"n_steps", Type::integer},      {"diverging", Type::boolean},
            {"energy", Type::real},          {"energy_error", Type::real},
            {"max_energy_error", Type::real}};
  }

  void stats(double* values) const override {
    values[0] = last_.acceptance_rate;
    values[1] = step_size_used_;
    values[2] = step_size_bar_;
    values[3] = static_cast<double>(last_.tree_depth);
    values[4] = static_cast<double>(last_.n_steps);
    values[5] = last_.diverging ? 1 : 0;
    values[6] = last_.energy;
    values[7] = last_.energy_error;
    values[8] = last_.max_energy_error;
  }

  const std::vector<double>* divergent_point() const override {
    if (!last_.diverging) return nullptr;
    divergent_full_ = target_.with_block(last_.divergent_point.data());
    return &divergent_full_;
  }

 private:
  // The chain's state as this block's phase point; re-evaluated only when another step moved
  // something since this step last ran.
  void enter(const ChainState& state) {
    if (target_.enter(state.x, current_.q.data())) hamiltonian_.evaluate(current_);
  }

  NutsOptions nuts_;
  std::int64_t tune_;
  ConditionalTarget target_;
  std::unique_ptr<Metric> metric_;
  Hamiltonian hamiltonian_;
  std::unique_ptr<NutsTransition> transition_;
  PhasePoint current_;
  DualAveraging adaptation_;
  MetricWindows windows_;
  bool adapt_ = true;
  double step_size_ = 0;
  double step_size_used_ = 0;
  double step_size_bar_ = 0;
  TransitionStats last_;
  mutable std::vector<double> divergent_full_;
};

}  // namespace

std::unique_ptr<Step> make_nuts_step(const StepContext& context) {
  return std::make_unique<NutsStep>(context);
}

}  // namespace hypatia::infer
