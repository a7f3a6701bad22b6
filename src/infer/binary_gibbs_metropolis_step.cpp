// PyMC's BinaryGibbsMetropolis: each 0/1 element in turn, in a random order, is proposed flipped
// with probability transit_p and the flip accepted by the Metropolis rule. When the elements are
// conditionally independent (StepBlock::elementwise) the whole sweep takes two local evaluations
// and one full one: each element's acceptance depends on its own terms only, so proposing all
// flips at once and deciding each on its own is the same Markov kernel as the one-by-one sweep.

#include <cmath>
#include <numeric>

#include "hypatia/error.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

class BinaryGibbsMetropolisStep : public Step {
 public:
  explicit BinaryGibbsMetropolisStep(const StepContext& context)
      : target_(context.target), spec_(context.spec), coordinates_(step_coordinates(context.spec)) {
    const StepSettings settings(context.spec, {"transit_p"});
    transit_p_ = settings.get("transit_p", 0.8);
    if (!(transit_p_ > 0 && transit_p_ <= 1)) {
      throw Error("BinaryGibbsMetropolis: transit_p must be in (0, 1], got " +
                  std::to_string(transit_p_));
    }
    elementwise_ = true;
    for (const StepBlock& block : context.spec.blocks) elementwise_ &= block.elementwise;
  }

  void step(ChainState& state, CounterRng& rng, std::int64_t, bool tuning) override {
    tuning_ = tuning;
    if (elementwise_) {
      sweep_at_once(state, rng);
    } else {
      sweep_one_by_one(state, rng);
    }
  }

  std::vector<StepStat> stat_names() const override {
    return {{"tune", StepStatColumn::Type::boolean}};
  }
  void stats(double* values) const override { values[0] = tuning_ ? 1 : 0; }

 private:
  void sweep_one_by_one(ChainState& state, CounterRng& rng) {
    shuffled_indices(coordinates_.size(), rng, order_);
    for (std::size_t k : order_) {
      if (rng.uniform() >= transit_p_) continue;
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      const double current = state.x[i];
      state.x[i] = 1 - current;
      const double logp = target_.logp(state.x.data());
      if (std::isfinite(logp) && std::log(rng.uniform()) < logp - state.logp) {
        state.logp = logp;
      } else {
        state.x[i] = current;
      }
    }
  }

  void sweep_at_once(ChainState& state, CounterRng& rng) {
    if (!step_local_logp(target_, spec_, state.x, current_terms_)) {
      throw Error("BinaryGibbsMetropolis: the target cannot evaluate its elements' own terms");
    }
    proposed_ = state.x;
    flip_.assign(coordinates_.size(), false);
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      if (transit_p_ < 1 && rng.uniform() >= transit_p_) continue;
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      proposed_[i] = 1 - state.x[i];
      flip_[k] = true;
    }
    step_local_logp(target_, spec_, proposed_, proposed_terms_);
    bool moved = false;
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      if (!flip_[k]) continue;
      const double log_ratio = proposed_terms_[k] - current_terms_[k];
      // An uphill move is always taken: no uniform needed.
      if (std::isfinite(proposed_terms_[k]) &&
          (log_ratio >= 0 || std::log(rng.uniform()) < log_ratio)) {
        const auto i = static_cast<std::size_t>(coordinates_[k]);
        state.x[i] = proposed_[i];
        moved = true;
      }
    }
    if (moved) state.logp = target_.logp(state.x.data());
  }

  Target& target_;
  const StepSpec& spec_;
  std::vector<std::int64_t> coordinates_;
  double transit_p_ = 0.8;
  bool elementwise_ = false;
  bool tuning_ = false;
  std::vector<std::size_t> order_;
  std::vector<double> proposed_, current_terms_, proposed_terms_;
  std::vector<bool> flip_;
};

}  // namespace

std::unique_ptr<Step> make_binary_gibbs_metropolis_step(const StepContext& context) {
  return std::make_unique<BinaryGibbsMetropolisStep>(context);
}

}  // namespace hypatia::infer
