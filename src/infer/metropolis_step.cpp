// Random-walk Metropolis on a step's blocks, continuous or discrete (a discrete coordinate's move
// is rounded to an integer, so the proposal stays symmetric). As PyMC's Metropolis: one joint
// proposal for all coordinates, its scale tuned every tune_interval warm-up iterations from the
// acceptance rate. When every block's elements are conditionally independent (StepBlock::
// elementwise), each element is accepted or rejected on its own from its own terms, with its own
// tuned scale: two local evaluations and one full one per sweep, whatever the block's size.

#include <cmath>
#include <numeric>

#include "hypatia/error.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

enum class Proposal { normal, uniform, cauchy, laplace, poisson };

Proposal parse_proposal(const StepSpec& spec) {
  const std::string& name = spec.proposal;
  if (name.empty() || name == "normal") return Proposal::normal;
  if (name == "uniform") return Proposal::uniform;
  if (name == "cauchy") return Proposal::cauchy;
  if (name == "laplace") return Proposal::laplace;
  if (name == "poisson") return Proposal::poisson;
  throw Error("Metropolis: unknown proposal '" + name +
              "'; expected normal, uniform, cauchy, laplace or poisson");
}

// A Poisson(lam) draw by inversion (lam is a proposal scale, small in practice).
double poisson_draw(double lam, CounterRng& rng) {
  if (lam > 30) return std::max(0.0, std::round(lam + std::sqrt(lam) * rng.normal()));
  const double limit = std::exp(-lam);
  double product = rng.uniform();
  double count = 0;
  while (product > limit) {
    product *= rng.uniform();
    ++count;
  }
  return count;
}

double draw_move(Proposal proposal, double scale, CounterRng& rng) {
  switch (proposal) {
    case Proposal::normal:
      return scale * rng.normal();
    case Proposal::uniform:
      return scale * rng.uniform(-1, 1);
    case Proposal::cauchy:
      return scale * std::tan(M_PI * (rng.uniform() - 0.5));
    case Proposal::laplace:
      return scale * (rng.uniform() < 0.5 ? -1 : 1) * rng.exponential();
    case Proposal::poisson:
      return poisson_draw(scale, rng) - scale;
  }
  return 0;
}

class MetropolisStep : public Step {
 public:
  explicit MetropolisStep(const StepContext& context)
      : target_(context.target),
        spec_(context.spec),
        coordinates_(step_coordinates(context.spec)),
        proposal_(parse_proposal(context.spec)) {
    const StepSettings settings(context.spec, {"scaling", "tune_interval"});
    const double scaling = settings.get("scaling", 1.0);
    tune_interval_ = static_cast<std::int64_t>(settings.get("tune_interval", 100));
    if (!(scaling > 0) || tune_interval_ < 1) {
      throw Error("Metropolis: scaling must be positive and tune_interval at least 1");
    }
    tune_ = context.spec.tune;
    for (const StepBlock& block : context.spec.blocks) {
      for (std::int64_t i = 0; i < block.size; ++i) {
        discrete_.push_back(block.discrete);
        lower_.push_back(block.lower);
        upper_.push_back(block.upper);
      }
    }
    scale_ = context.spec.proposal_scale.empty() ? std::vector<double>(coordinates_.size(), 1.0)
                                                 : context.spec.proposal_scale;
    if (scale_.size() != coordinates_.size()) {
      throw Error("Metropolis: S has " + std::to_string(scale_.size()) + " values, expected " +
                  std::to_string(coordinates_.size()) + " (one per coordinate of its variables)");
    }
    elementwise_ = !coordinates_.empty();
    for (const StepBlock& block : context.spec.blocks) elementwise_ &= block.elementwise;
    scaling_.assign(elementwise_ ? coordinates_.size() : 1, scaling);
    accepted_in_interval_.assign(scaling_.size(), 0);
  }

  void step(ChainState& state, CounterRng& rng, std::int64_t, bool tuning) override {
    if (elementwise_) {
      elementwise_step(state, rng);
    } else {
      joint_step(state, rng);
    }
    if (tuning && tune_ && ++steps_in_interval_ == tune_interval_) {
      for (std::size_t k = 0; k < scaling_.size(); ++k) {
        scaling_[k] = tuned_scaling(scaling_[k], static_cast<double>(accepted_in_interval_[k]) /
                                                     static_cast<double>(tune_interval_));
        accepted_in_interval_[k] = 0;
      }
      steps_in_interval_ = 0;
    }
    tuning_ = tuning;
  }

  std::vector<StepStat> stat_names() const override {
    using Type = StepStatColumn::Type;
    return {{"accept", Type::real},
            {"accepted", Type::boolean},
            {"scaling", Type::real},
            {"tune", Type::boolean}};
  }

  void stats(double* values) const override {
    values[0] = accept_;
    values[1] = accepted_ ? 1 : 0;
    values[2] = std::accumulate(scaling_.begin(), scaling_.end(), 0.0) /
                static_cast<double>(scaling_.size());
    values[3] = tuning_ ? 1 : 0;
  }

 private:
  // The proposed value of coordinate k (index into coordinates_) from its current one.
  double propose(std::size_t k, double current, double scaling, CounterRng& rng) const {
    double move = draw_move(proposal_, scaling * scale_[k], rng);
    if (discrete_[k]) move = std::round(move);
    return current + move;
  }

  bool in_support(std::size_t k, double value) const {
    return value >= lower_[k] && value <= upper_[k];
  }

  void joint_step(ChainState& state, CounterRng& rng) {
    proposed_ = state.x;
    bool inside = true;
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      proposed_[i] = propose(k, state.x[i], scaling_[0], rng);
      inside &= in_support(k, proposed_[i]);
    }
    const double logp = inside ? target_.logp(proposed_.data()) : -INFINITY;
    const double log_ratio = logp - state.logp;
    accept_ = std::isnan(log_ratio) ? 0 : std::exp(std::min(0.0, log_ratio));
    accepted_ = std::isfinite(logp) && std::log(rng.uniform()) < log_ratio;
    if (accepted_) {
      state.x.swap(proposed_);
      state.logp = logp;
      ++accepted_in_interval_[0];
    }
  }

  void elementwise_step(ChainState& state, CounterRng& rng) {
    if (!step_local_logp(target_, spec_, state.x, current_terms_)) {
      throw Error("Metropolis: the target cannot evaluate its elements' own terms");
    }
    proposed_ = state.x;
    std::vector<bool>& inside = inside_;
    inside.assign(coordinates_.size(), true);
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      proposed_[i] = propose(k, state.x[i], scaling_[k], rng);
      if (!in_support(k, proposed_[i])) {
        inside[k] = false;
        proposed_[i] = state.x[i];  // its terms then stay as they are
      }
    }
    step_local_logp(target_, spec_, proposed_, proposed_terms_);
    double accept_sum = 0;
    accepted_ = false;
    for (std::size_t k = 0; k < coordinates_.size(); ++k) {
      const auto i = static_cast<std::size_t>(coordinates_[k]);
      const double log_ratio = inside[k] ? proposed_terms_[k] - current_terms_[k] : -INFINITY;
      accept_sum += std::isnan(log_ratio) ? 0 : std::exp(std::min(0.0, log_ratio));
      const bool accept = std::isfinite(proposed_terms_[k]) && std::log(rng.uniform()) < log_ratio;
      if (accept && inside[k] && proposed_[i] != state.x[i]) {
        state.x[i] = proposed_[i];
        accepted_ = true;
      }
      if (accept && inside[k]) ++accepted_in_interval_[k];
    }
    accept_ = accept_sum / static_cast<double>(coordinates_.size());
    if (accepted_) state.logp = target_.logp(state.x.data());
  }

  Target& target_;
  const StepSpec& spec_;
  std::vector<std::int64_t> coordinates_;
  Proposal proposal_;
  std::vector<bool> discrete_;
  std::vector<double> lower_, upper_;
  std::vector<double> scale_;    // PyMC's S, per coordinate
  std::vector<double> scaling_;  // tuned; one per coordinate when elementwise, else one
  bool elementwise_ = false;
  bool tune_ = true;
  std::int64_t tune_interval_ = 100;
  std::int64_t steps_in_interval_ = 0;
  std::vector<std::int64_t> accepted_in_interval_;
  std::vector<double> proposed_, current_terms_, proposed_terms_;
  std::vector<bool> inside_;
  double accept_ = 0;
  bool accepted_ = false;
  bool tuning_ = false;
};

}  // namespace

std::unique_ptr<Step> make_metropolis_step(const StepContext& context) {
  return std::make_unique<MetropolisStep>(context);
}

}  // namespace hypatia::infer
