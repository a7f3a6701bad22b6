#pragma once

// A step method inside a compound sampler: it moves the coordinates of its own blocks of the
// chain's flat vector, given all the others, and keeps the chain's log density up to date. One
// step object per chain; each file under src/infer/*_step.cpp defines one method.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hypatia/infer/compound.hpp"
#include "hypatia/infer/rng.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia::infer {

// What all steps of one chain share.
struct ChainState {
  std::vector<double> x;  // the full flat vector
  double logp = 0;        // the target's log density at x (finite)
};

// The states of every chain of a run, for steps that propose from the others (DEMetropolis);
// only set when the chains run in lockstep.
struct Population {
  const std::vector<ChainState>* states = nullptr;
  int chain = 0;  // which of them is this step's chain
};

struct StepStat {
  std::string name;
  StepStatColumn::Type type = StepStatColumn::Type::real;
};

struct StepContext {
  Target& target;  // this chain's own clone: steps may call it freely
  const StepSpec& spec;
  const CompoundOptions& options;
  int chain = 0;
};

class Step {
 public:
  virtual ~Step() = default;

  // Moves this step's coordinates of state.x and leaves state.logp equal to the target's log
  // density at the new state.x. `tuning`: a warm-up iteration (iteration counts from 0 at the
  // first warm-up iteration).
  virtual void step(ChainState& state, CounterRng& rng, std::int64_t iteration, bool tuning) = 0;
  // Called once when the warm-up ends (before the first kept draw), also when tune is 0.
  virtual void end_warmup() {}

  // Statistics after each step(), in stat_names() order.
  virtual std::vector<StepStat> stat_names() const { return {}; }
  virtual void stats(double* /*values*/) const {}

  // A divergent trajectory in the last step(): where it diverged (empty otherwise).
  virtual const std::vector<double>* divergent_point() const { return nullptr; }

  virtual bool needs_population() const { return false; }
  virtual void set_population(Population /*population*/) {}
};

// The coordinates of a step's blocks, in block order.
std::vector<std::int64_t> step_coordinates(const StepSpec& spec);

// Reads spec.settings[name] (or `fallback`), checking that every setting of the spec is one of
// `known`: "<Method>: unknown setting 'x'; it takes a, b".
class StepSettings {
 public:
  StepSettings(const StepSpec& spec, std::vector<std::string> known);
  double get(const std::string& name, double fallback) const;

 private:
  const StepSpec& spec_;
};

// Each coordinate's own log-density terms (Target::local_logp) over all blocks of `spec`, in
// step_coordinates order; false when any block is not elementwise or the target cannot.
bool step_local_logp(Target& target, const StepSpec& spec, const std::vector<double>& x,
                     std::vector<double>& out);

// 0, ..., count - 1 in a uniformly random order (a Fisher-Yates shuffle), into `order`: the
// random sweep order of the element-by-element Gibbs steps.
void shuffled_indices(std::size_t count, CounterRng& rng, std::vector<std::size_t>& order);

// PyMC's rule for retuning a Metropolis proposal's scale from the acceptance rate over the last
// tuning interval: shrink when few proposals are accepted, grow when most are.
double tuned_scaling(double scaling, double acceptance_rate);

// One constructor per method, each defined in its method's file.
std::unique_ptr<Step> make_nuts_step(const StepContext& context);
std::unique_ptr<Step> make_hamiltonian_mc_step(const StepContext& context);
std::unique_ptr<Step> make_metropolis_step(const StepContext& context);
std::unique_ptr<Step> make_binary_gibbs_metropolis_step(const StepContext& context);
std::unique_ptr<Step> make_categorical_gibbs_metropolis_step(const StepContext& context);
std::unique_ptr<Step> make_slice_step(const StepContext& context);
std::unique_ptr<Step> make_de_metropolis_step(const StepContext& context);
std::unique_ptr<Step> make_de_metropolis_z_step(const StepContext& context);

}  // namespace hypatia::infer
