#include "infer/differential_evolution.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "hypatia/error.hpp"

namespace hypatia::infer {
namespace {

std::vector<std::string> with_common_settings(const std::vector<std::string>& extra) {
  std::vector<std::string> names = {"lamb", "scaling", "tune_interval"};
  names.insert(names.end(), extra.begin(), extra.end());
  return names;
}

}  // namespace

DifferentialEvolutionStep::DifferentialEvolutionStep(const StepContext& context,
                                                     std::vector<std::string> extra_settings)
    : method_(step_method_name(context.spec.method)),
      target_(context.target),
      coordinates_(step_coordinates(context.spec)),
      settings_(context.spec, with_common_settings(extra_settings)) {
  const double dim = static_cast<double>(coordinates_.size());
  // ter Braak's optimum for Gaussian targets, from the dimension the jump moves in.
  lambda_ = settings_.get("lamb", 2.38 / std::sqrt(2 * dim));
  scaling_ = settings_.get("scaling", scaling_);
  const double interval = settings_.get("tune_interval", 100);
  auto require = [&](bool ok, const std::string& name, const std::string& expected, double value) {
    if (ok) return;
    std::ostringstream message;
    message << method_ << ": " << name << " must be " << expected << ", got " << value;
    throw Error(message.str());
  };
  require(lambda_ > 0 && std::isfinite(lambda_), "lamb", "positive and finite", lambda_);
  require(scaling_ > 0 && std::isfinite(scaling_), "scaling", "positive and finite", scaling_);
  require(interval >= 1 && interval == std::floor(interval) && interval <= 1e12, "tune_interval",
          "a whole number of at least 1", interval);
  tune_interval_ = static_cast<std::int64_t>(interval);

  // PyMC's tune="scaling" | "lambda" | None: which part of the proposal warm-up adapts.
  const std::string& tuned = context.spec.proposal;
  if (!context.spec.tune) {
    tuned_ = Tuned::none;
  } else if (tuned.empty() || tuned == "scaling") {
    tuned_ = Tuned::scaling;
  } else if (tuned == "lambda") {
    tuned_ = Tuned::lambda;
  } else {
    throw Error(method_ + ": tune must be \"scaling\", \"lambda\" or None (no tuning), got \"" +
                tuned + "\"");
  }

  noise_scale_ = context.spec.proposal_scale.empty() ? std::vector<double>(coordinates_.size(), 1.0)
                                                     : context.spec.proposal_scale;
  if (noise_scale_.size() != coordinates_.size()) {
    throw Error(method_ + ": S has " + std::to_string(noise_scale_.size()) + " values, expected " +
                std::to_string(coordinates_.size()) + " (one per coordinate of its variables)");
  }
  for (double s : noise_scale_) require(s > 0 && std::isfinite(s), "S", "positive and finite", s);
}

void DifferentialEvolutionStep::step(ChainState& state, CounterRng& rng, std::int64_t,
                                     bool tuning) {
  tuning_ = tuning;
  // As PyMC: retune at the start of the first iteration after each full interval.
  if (tuning && tuned_ != Tuned::none && steps_since_tune_ == tune_interval_) {
    const double rate =
        static_cast<double>(accepted_since_tune_) / static_cast<double>(tune_interval_);
    if (tuned_ == Tuned::scaling) scaling_ = tuned_scaling(scaling_, rate);
    if (tuned_ == Tuned::lambda) lambda_ = tuned_scaling(lambda_, rate);
    steps_since_tune_ = 0;
    accepted_since_tune_ = 0;
  }

  const double* a = nullptr;
  const double* b = nullptr;
  const bool jump = pick_pair(rng, a, b);
  proposed_ = state.x;
  for (std::size_t k = 0; k < coordinates_.size(); ++k) {
    const auto i = static_cast<std::size_t>(coordinates_[k]);
    const double noise = noise_scale_[k] * scaling_ * rng.normal();
    proposed_[i] = state.x[i] + (jump ? lambda_ * (a[k] - b[k]) : 0.0) + noise;
  }
  const double logp = target_.logp(proposed_.data());
  const double log_ratio = logp - state.logp;
  accept_ = std::isnan(log_ratio) ? 0 : std::exp(std::min(0.0, log_ratio));
  accepted_ = std::isfinite(logp) && std::log(rng.uniform()) < log_ratio;
  if (accepted_) {
    state.x.swap(proposed_);
    state.logp = logp;
    ++accepted_since_tune_;
  }
  ++steps_since_tune_;

  block_.resize(coordinates_.size());
  for (std::size_t k = 0; k < coordinates_.size(); ++k) {
    block_[k] = state.x[static_cast<std::size_t>(coordinates_[k])];
  }
  moved_to(block_);
}

std::vector<StepStat> DifferentialEvolutionStep::stat_names() const {
  using Type = StepStatColumn::Type;
  return {{"accept", Type::real},
          {"accepted", Type::boolean},
          {"tune", Type::boolean},
          {"scaling", Type::real},
          {"lambda", Type::real}};
}

void DifferentialEvolutionStep::stats(double* values) const {
  values[0] = accept_;
  values[1] = accepted_ ? 1 : 0;
  values[2] = tuning_ ? 1 : 0;
  values[3] = scaling_;
  values[4] = lambda_;
}

}  // namespace hypatia::infer
