#pragma once

// What DEMetropolis and DEMetropolisZ share: a jump x + lamb * (a - b) + epsilon along the
// difference of two states the subclass picks (other chains, or this chain's past), epsilon
// normal noise of scale S * scaling, a Metropolis test, and PyMC's tuning of either scaling or
// lamb from the acceptance rate every tune_interval warm-up iterations.

#include <cstdint>
#include <string>
#include <vector>

#include "infer/step.hpp"

namespace hypatia::infer {

class DifferentialEvolutionStep : public Step {
 public:
  // `extra_settings`: the subclass's own setting names, read through settings().
  DifferentialEvolutionStep(const StepContext& context, std::vector<std::string> extra_settings);

  void step(ChainState& state, CounterRng& rng, std::int64_t iteration, bool tuning) override;
  std::vector<StepStat> stat_names() const override;
  void stats(double* values) const override;

 protected:
  // Two distinct states (the step's coordinates only, in step order) whose difference is the
  // jump; false when there are none yet (the proposal is then the noise alone).
  virtual bool pick_pair(CounterRng& rng, const double*& a, const double*& b) = 0;
  // After each step(), the step's coordinates of the state the chain is now in.
  virtual void moved_to(const std::vector<double>& /*block*/) {}

  const std::string& method() const { return method_; }
  std::size_t block_size() const { return coordinates_.size(); }
  const std::vector<std::int64_t>& coordinates() const { return coordinates_; }
  const StepSettings& settings() const { return settings_; }

 private:
  enum class Tuned { none, scaling, lambda };

  std::string method_;
  Target& target_;
  std::vector<std::int64_t> coordinates_;
  StepSettings settings_;
  std::vector<double> noise_scale_;  // PyMC's S
  double scaling_ = 0.001;
  double lambda_ = 0;
  Tuned tuned_ = Tuned::scaling;
  std::int64_t tune_interval_ = 100;
  std::int64_t steps_since_tune_ = 0;
  std::int64_t accepted_since_tune_ = 0;
  std::vector<double> proposed_, block_;
  double accept_ = 0;
  bool accepted_ = false;
  bool tuning_ = false;
};

}  // namespace hypatia::infer
