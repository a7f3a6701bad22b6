// PyMC's CategoricalGibbsMetropolis for discrete elements with a finite support [lower, upper]:
// each element in turn, in a random order, proposes another category, either uniformly
// ("uniform", accepted by the Metropolis rule) or in proportion to the conditional probabilities
// of the other categories ("proportional": Liu's metropolized Gibbs sampler, accepted with
// probability min(1, (1 - p_current) / (1 - p_proposed))). When the elements are conditionally
// independent (StepBlock::elementwise), all elements move at once from local evaluations: two
// per sweep ("uniform") or one per category ("proportional"), plus one full evaluation.

#include <cmath>
#include <numeric>

#include "hypatia/error.hpp"
#include "infer/step.hpp"

namespace hypatia::infer {
namespace {

// A category of [0, count) other than `current`, uniformly.
std::int64_t uniform_other(std::int64_t current, std::int64_t count, CounterRng& rng) {
  const auto draw =
      static_cast<std::int64_t>(rng.next_u64() % static_cast<std::uint64_t>(count - 1));
  return draw >= current ? draw + 1 : draw;
}

// Metropolized Gibbs from log conditional weights over the categories: returns the new category
// for an element now at `current`.
std::int64_t metropolized_gibbs(const std::vector<double>& log_weights, std::int64_t current,
                                CounterRng& rng) {
  double top = -INFINITY;
  for (double w : log_weights) top = std::max(top, w);
  std::vector<double> probabilities(log_weights.size());
  double total = 0;
  for (std::size_t k = 0; k < log_weights.size(); ++k) {
    probabilities[k] = std::isfinite(log_weights[k]) ? std::exp(log_weights[k] - top) : 0.0;
    total += probabilities[k];
  }
  for (double& p : probabilities) p /= total;
  const double stay = probabilities[static_cast<std::size_t>(current)];
  if (stay >= 1) return current;
  // Draw among the others in proportion to their probabilities.
  double u = rng.uniform() * (1 - stay);
  std::int64_t proposal = current;
  for (std::size_t k = 0; k < probabilities.size(); ++k) {
    if (static_cast<std::int64_t>(k) == current) continue;
    proposal = static_cast<std::int64_t>(k);
    if ((u -= probabilities[k]) <= 0) break;
  }
  const double accept = (1 - stay) / (1 - probabilities[static_cast<std::size_t>(proposal)]);
  return rng.uniform() < accept ? proposal : current;
}

class CategoricalGibbsMetropolisStep : public Step {
 public:
  explicit CategoricalGibbsMetropolisStep(const StepContext& context)
      : target_(context.target), spec_(context.spec), coordinates_(step_coordinates(context.spec)) {
    const StepSettings settings(context.spec, {});
    if (context.spec.proposal.empty() || context.spec.proposal == "uniform") {
      proportional_ = false;
    } else if (context.spec.proposal == "proportional") {
      proportional_ = true;
    } else {
      throw Error(
          "CategoricalGibbsMetropolis: proposal must be 'uniform' or 'proportional', got '" +
          context.spec.proposal + "'");
    }
    elementwise_ = true;
    for (const StepBlock& block : context.spec.blocks) {
      elementwise_ &= block.elementwise;
      for (std::int64_t i = 0; i < block.size; ++i) {
        lower_.push_back(block.lower);
        count_.push_back(static_cast<std::int64_t>(block.upper - block.lower) + 1);
      }
    }
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
  std::int64_t category(std::size_t k, const std::vector<double>& x) const {
    return static_cast<std::int64_t>(x[static_cast<std::size_t>(coordinates_[k])] - lower_[k]);
  }
  void set_category(std::size_t k, std::int64_t c, std::vector<double>& x) const {
    x[static_cast<std::size_t>(coordinates_[k])] = lower_[k] + static_cast<double>(c);
  }

  void sweep_one_by_one(ChainState& state, CounterRng& rng) {
    shuffled_indices(coordinates_.size(), rng, order_);
    for (std::size_t k : order_) {
      const std::int64_t count = count_[k];
      if (count < 2) continue;
      const std::int64_t current = category(k, state.x);
      if (proportional_) {
        std::vector<double> log_weights(static_cast<std::size_t>(count));
        for (std::int64_t c = 0; c < count; ++c) {
          set_category(k, c, state.x);
          log_weights[static_cast<std::size_t>(c)] =
              c == current ? state.logp : target_.logp(state.x.data());
        }
        const std::int64_t chosen = metropolized_gibbs(log_weights, current, rng);
        set_category(k, chosen, state.x);
        state.logp = log_weights[static_cast<std::size_t>(chosen)];
        continue;
      }
      set_category(k, uniform_other(current, count, rng), state.x);
      const double logp = target_.logp(state.x.data());
      if (std::isfinite(logp) && std::log(rng.uniform()) < logp - state.logp) {
        state.logp = logp;
      } else {
        set_category(k, current, state.x);
      }
    }
  }

  void sweep_at_once(ChainState& state, CounterRng& rng) {
    if (!step_local_logp(target_, spec_, state.x, current_terms_)) {
      throw Error("CategoricalGibbsMetropolis: the target cannot evaluate its elements' own terms");
    }
    const std::size_t n = coordinates_.size();
    std::vector<std::int64_t> chosen(n);
    for (std::size_t k = 0; k < n; ++k) chosen[k] = category(k, state.x);
    if (proportional_) {
      // One local evaluation per category, all elements set to it together.
      const std::int64_t most = *std::max_element(count_.begin(), count_.end());
      std::vector<std::vector<double>> log_weights(
          n, std::vector<double>(static_cast<std::size_t>(most), -INFINITY));
      proposed_ = state.x;
      for (std::int64_t c = 0; c < most; ++c) {
        for (std::size_t k = 0; k < n; ++k) set_category(k, std::min(c, count_[k] - 1), proposed_);
        step_local_logp(target_, spec_, proposed_, proposed_terms_);
        for (std::size_t k = 0; k < n; ++k) {
          if (c < count_[k]) log_weights[k][static_cast<std::size_t>(c)] = proposed_terms_[k];
        }
      }
      for (std::size_t k = 0; k < n; ++k) {
        log_weights[k].resize(static_cast<std::size_t>(count_[k]));
        if (count_[k] > 1) chosen[k] = metropolized_gibbs(log_weights[k], chosen[k], rng);
      }
    } else {
      proposed_ = state.x;
      std::vector<std::int64_t> proposal(n);
      for (std::size_t k = 0; k < n; ++k) {
        proposal[k] = count_[k] > 1 ? uniform_other(chosen[k], count_[k], rng) : chosen[k];
        set_category(k, proposal[k], proposed_);
      }
      step_local_logp(target_, spec_, proposed_, proposed_terms_);
      for (std::size_t k = 0; k < n; ++k) {
        if (proposal[k] == chosen[k]) continue;
        const double log_ratio = proposed_terms_[k] - current_terms_[k];
        if (std::isfinite(proposed_terms_[k]) && std::log(rng.uniform()) < log_ratio) {
          chosen[k] = proposal[k];
        }
      }
    }
    bool moved = false;
    for (std::size_t k = 0; k < n; ++k) {
      if (chosen[k] == category(k, state.x)) continue;
      set_category(k, chosen[k], state.x);
      moved = true;
    }
    if (moved) state.logp = target_.logp(state.x.data());
  }

  Target& target_;
  const StepSpec& spec_;
  std::vector<std::int64_t> coordinates_;
  std::vector<double> lower_;
  std::vector<std::int64_t> count_;
  bool proportional_ = false;
  bool elementwise_ = false;
  bool tuning_ = false;
  std::vector<std::size_t> order_;
  std::vector<double> proposed_, current_terms_, proposed_terms_;
};

}  // namespace

std::unique_ptr<Step> make_categorical_gibbs_metropolis_step(const StepContext& context) {
  return std::make_unique<CategoricalGibbsMetropolisStep>(context);
}

}  // namespace hypatia::infer
