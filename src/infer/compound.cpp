#include "hypatia/infer/compound.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "hypatia/error.hpp"
#include "hypatia/interrupt.hpp"
#include "infer/chains.hpp"
#include "infer/progress.hpp"
#include "infer/step.hpp"

namespace hypatia {

std::string_view step_method_name(StepMethod method) {
  switch (method) {
    case StepMethod::nuts:
      return "NUTS";
    case StepMethod::hamiltonian_mc:
      return "HamiltonianMC";
    case StepMethod::metropolis:
      return "Metropolis";
    case StepMethod::binary_gibbs_metropolis:
      return "BinaryGibbsMetropolis";
    case StepMethod::categorical_gibbs_metropolis:
      return "CategoricalGibbsMetropolis";
    case StepMethod::slice:
      return "Slice";
    case StepMethod::de_metropolis:
      return "DEMetropolis";
    case StepMethod::de_metropolis_z:
      return "DEMetropolisZ";
  }
  return "step";
}

namespace infer {

std::vector<std::int64_t> step_coordinates(const StepSpec& spec) {
  std::vector<std::int64_t> coordinates;
  for (const StepBlock& block : spec.blocks) {
    for (std::int64_t i = 0; i < block.size; ++i) coordinates.push_back(block.offset + i);
  }
  return coordinates;
}

StepSettings::StepSettings(const StepSpec& spec, std::vector<std::string> known) : spec_(spec) {
  for (const auto& [name, value] : spec.settings) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string list;
    for (const std::string& option : known) list += (list.empty() ? "" : ", ") + option;
    throw Error(std::string(step_method_name(spec.method)) + ": unknown setting '" + name +
                "'; it takes " + (list.empty() ? std::string("none") : list));
  }
}

double StepSettings::get(const std::string& name, double fallback) const {
  auto found = spec_.settings.find(name);
  return found == spec_.settings.end() ? fallback : found->second;
}

bool step_local_logp(Target& target, const StepSpec& spec, const std::vector<double>& x,
                     std::vector<double>& out) {
  std::size_t size = 0;
  for (const StepBlock& block : spec.blocks) {
    if (!block.elementwise) return false;
    size += static_cast<std::size_t>(block.size);
  }
  out.resize(size);
  std::size_t position = 0;
  for (const StepBlock& block : spec.blocks) {
    if (!target.local_logp(block.offset, block.size, x.data(), out.data() + position)) return false;
    position += static_cast<std::size_t>(block.size);
  }
  return true;
}

void shuffled_indices(std::size_t count, CounterRng& rng, std::vector<std::size_t>& order) {
  order.resize(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t k = count; k > 1; --k) {
    std::swap(order[k - 1], order[static_cast<std::size_t>(rng.next_u64() % k)]);
  }
}

double tuned_scaling(double scaling, double acceptance_rate) {
  if (acceptance_rate < 0.001) return scaling * 0.1;
  if (acceptance_rate < 0.05) return scaling * 0.5;
  if (acceptance_rate < 0.2) return scaling * 0.9;
  if (acceptance_rate > 0.95) return scaling * 10;
  if (acceptance_rate > 0.75) return scaling * 2;
  if (acceptance_rate > 0.5) return scaling * 1.1;
  return scaling;
}

}  // namespace infer

namespace {

using infer::ChainState;
using infer::Step;

bool moves_continuous_only(StepMethod method) {
  return method == StepMethod::nuts || method == StepMethod::hamiltonian_mc ||
         method == StepMethod::slice || method == StepMethod::de_metropolis ||
         method == StepMethod::de_metropolis_z;
}

// A step on a block it cannot move: the message names both.
void check_step_fits_blocks(const StepSpec& spec) {
  const std::string method(step_method_name(spec.method));
  for (const StepBlock& block : spec.blocks) {
    if (moves_continuous_only(spec.method) && block.discrete) {
      throw Error(method + " cannot sample the discrete variable '" + block.name +
                  "'; use Metropolis, BinaryGibbsMetropolis (binary values) or "
                  "CategoricalGibbsMetropolis (a finite support) for it");
    }
    if (spec.method == StepMethod::binary_gibbs_metropolis &&
        !(block.discrete && block.lower >= 0 && block.upper <= 1)) {
      throw Error(method + " samples binary (0/1) variables only, but '" + block.name +
                  "' has support [" + std::to_string(block.lower) + ", " +
                  std::to_string(block.upper) + "]" + (block.discrete ? "" : " and is continuous"));
    }
    if (spec.method == StepMethod::categorical_gibbs_metropolis &&
        !(block.discrete && std::isfinite(block.lower) && std::isfinite(block.upper))) {
      throw Error(method + " samples discrete variables with a finite support only, but '" +
                  block.name + "' is " +
                  (block.discrete ? "unbounded" : std::string("continuous")));
    }
  }
}

void validate(const Target& target, const CompoundOptions& options) {
  const infer::OptionCheck require("sample_compound");
  require.chain_options(target, options.chains, options.cores);
  require(options.tune >= 0, "tune", "at least 0", options.tune);
  require(options.draws >= 0, "draws", "at least 0", options.draws);
  require(!options.steps.empty(), "steps", "at least one step", "none");
  require(options.init_radius > 0 && std::isfinite(options.init_radius), "init_radius",
          "positive and finite", options.init_radius);
  std::vector<std::string> owner(static_cast<std::size_t>(target.dim()));
  for (const StepSpec& spec : options.steps) {
    require(!spec.blocks.empty(), "steps", "steps with at least one block",
            std::string(step_method_name(spec.method)) + " with none");
    check_step_fits_blocks(spec);
    for (const StepBlock& block : spec.blocks) {
      require(block.offset >= 0 && block.size >= 0 && block.offset + block.size <= target.dim(),
              "steps",
              "blocks inside the target's " + std::to_string(target.dim()) + " coordinates",
              "'" + block.name + "' at [" + std::to_string(block.offset) + ", " +
                  std::to_string(block.offset + block.size) + ")");
      for (std::int64_t i = block.offset; i < block.offset + block.size; ++i) {
        std::string& current = owner[static_cast<std::size_t>(i)];
        if (!current.empty()) {
          throw Error("sample_compound: '" + block.name + "' is given to two steps (" + current +
                      " and " + std::string(step_method_name(spec.method)) +
                      "); every variable needs exactly one step");
        }
        current = std::string(step_method_name(spec.method));
      }
    }
  }
  const std::vector<std::string> names = target.coordinate_names();
  for (std::size_t i = 0; i < owner.size(); ++i) {
    if (owner[i].empty()) {
      throw Error("sample_compound: no step moves coordinate " +
                  (i < names.size() ? names[i] : std::to_string(i)) +
                  "; every variable needs exactly one step");
    }
  }
  const std::size_t inits = options.init.size();
  require(inits <= 1 || inits == static_cast<std::size_t>(options.chains), "init",
          "empty, one point, or one point per chain", std::to_string(inits) + " points");
  for (const std::vector<double>& point : options.init) {
    require(point.size() == static_cast<std::size_t>(target.dim()), "init",
            "points of the target's dimension " + std::to_string(target.dim()),
            std::to_string(point.size()) + " values");
  }
}

std::unique_ptr<Step> make_step(const infer::StepContext& context) {
  switch (context.spec.method) {
    case StepMethod::nuts:
      return infer::make_nuts_step(context);
    case StepMethod::hamiltonian_mc:
      return infer::make_hamiltonian_mc_step(context);
    case StepMethod::metropolis:
      return infer::make_metropolis_step(context);
    case StepMethod::binary_gibbs_metropolis:
      return infer::make_binary_gibbs_metropolis_step(context);
    case StepMethod::categorical_gibbs_metropolis:
      return infer::make_categorical_gibbs_metropolis_step(context);
    case StepMethod::slice:
      return infer::make_slice_step(context);
    case StepMethod::de_metropolis:
      return infer::make_de_metropolis_step(context);
    case StepMethod::de_metropolis_z:
      return infer::make_de_metropolis_z_step(context);
  }
  throw Error("sample_compound: unknown step method");
}

// The value nearest zero in a discrete block's support.
double discrete_start(const StepBlock& block) {
  return std::clamp(0.0, block.lower, block.upper);
}

// A chain's first state: the given point, else continuous coordinates uniform in +-radius and
// discrete ones at discrete_start, redrawn until the log density is finite.
ChainState initial_state(Target& target, const CompoundOptions& options, int chain,
                         CounterRng& rng) {
  const std::string label = "chain " + std::to_string(chain);
  ChainState state;
  if (!options.init.empty()) {
    state.x = options.init.size() == 1 ? options.init[0] : options.init[chain];
    state.logp = target.logp(state.x.data());
    if (std::isfinite(state.logp)) return state;
    std::string names;
    for (const std::string& name : target.nonfinite_variables(state.x.data())) {
      names += (names.empty() ? "" : ", ") + name;
    }
    throw Error(label +
                ": the log density is not finite at the given initial point; not finite "
                "there: " +
                names);
  }
  state.x.assign(static_cast<std::size_t>(target.dim()), 0.0);
  constexpr int max_tries = 100;
  for (int attempt = 0; attempt < max_tries; ++attempt) {
    for (const StepSpec& spec : options.steps) {
      for (const StepBlock& block : spec.blocks) {
        for (std::int64_t i = block.offset; i < block.offset + block.size; ++i) {
          state.x[static_cast<std::size_t>(i)] =
              block.discrete ? discrete_start(block)
                             : rng.uniform(-options.init_radius, options.init_radius);
        }
      }
    }
    state.logp = target.logp(state.x.data());
    if (std::isfinite(state.logp)) return state;
  }
  std::string names;
  for (const std::string& name : target.nonfinite_variables(state.x.data())) {
    names += (names.empty() ? "" : ", ") + name;
  }
  throw Error(label + ": no initial point with a finite log density in " +
              std::to_string(max_tries) + " draws; not finite at the last one: " + names);
}

// Every step's statistics as columns; a name repeated by a later step gets "_<step index>".
std::vector<StepStatColumn> stat_columns(const std::vector<std::unique_ptr<Step>>& steps) {
  std::vector<StepStatColumn> columns;
  std::set<std::string> taken = {"lp"};
  for (std::size_t k = 0; k < steps.size(); ++k) {
    for (const infer::StepStat& stat : steps[k]->stat_names()) {
      std::string name = stat.name;
      if (taken.contains(name)) name += "_" + std::to_string(k);
      taken.insert(name);
      columns.push_back({.name = name, .type = stat.type, .values = {}});
    }
  }
  return columns;
}

// One chain: its target, its steps and what it has recorded.
class ChainRun {
 public:
  ChainRun(Target& target, const CompoundOptions& options, int chain)
      : options_(options), chain_(chain), rng_(options.seed, static_cast<std::uint64_t>(chain)) {
    for (const StepSpec& spec : options.steps) {
      steps_.push_back(make_step({target, spec, options, chain}));
    }
    state_ = initial_state(target, options, chain, rng_);
    result_.stats = stat_columns(steps_);
    for (auto& step : steps_) stat_counts_.push_back(step->stat_names().size());
    const auto dim = static_cast<std::size_t>(target.dim());
    result_.draws.reserve(static_cast<std::size_t>(options.draws) * dim);
    result_.lp.reserve(static_cast<std::size_t>(options.draws));
    for (StepStatColumn& column : result_.stats) {
      column.values.reserve(static_cast<std::size_t>(options.draws));
    }
    if (options.save_warmup) result_.warmup_stats = result_.stats;
    const std::size_t width = result_.stats.size();
    scratch_.resize(width);
  }

  bool needs_population() const {
    return std::any_of(steps_.begin(), steps_.end(),
                       [](auto& step) { return step->needs_population(); });
  }
  void set_population(infer::Population population) {
    for (auto& step : steps_) step->set_population(population);
  }
  ChainState& state() { return state_; }

  // Iteration `iteration` of tune + draws.
  void iterate(std::int64_t iteration) {
    const bool tuning = iteration < options_.tune;
    if (iteration == options_.tune) {
      for (auto& step : steps_) step->end_warmup();
    }
    bool diverged = false;
    std::size_t column = 0;
    for (std::size_t k = 0; k < steps_.size(); ++k) {
      Step& step = *steps_[k];
      step.step(state_, rng_, iteration, tuning);
      step.stats(scratch_.data() + column);
      column += stat_counts_[k];
      if (const std::vector<double>* point = step.divergent_point()) {
        result_.divergences.push_back(
            {tuning ? iteration : iteration - options_.tune, tuning, *point});
        diverged = true;
      }
    }
    if (!tuning && diverged) ++divergences_;
    if (tuning && !options_.save_warmup) return;
    std::vector<double>& draws = tuning ? result_.warmup_draws : result_.draws;
    draws.insert(draws.end(), state_.x.begin(), state_.x.end());
    (tuning ? result_.warmup_lp : result_.lp).push_back(state_.logp);
    std::vector<StepStatColumn>& columns = tuning ? result_.warmup_stats : result_.stats;
    for (std::size_t k = 0; k < columns.size(); ++k) columns[k].values.push_back(scratch_[k]);
  }

  // After the last iteration (also when tune + draws is 0 or the run stopped early).
  CompoundChain finish() {
    if (result_.lp.empty() && options_.draws == 0) {
      for (auto& step : steps_) step->end_warmup();
    }
    return std::move(result_);
  }

  std::int64_t divergences() const { return divergences_; }

 private:
  const CompoundOptions& options_;
  int chain_;
  CounterRng rng_;
  std::vector<std::unique_ptr<Step>> steps_;
  ChainState state_;
  CompoundChain result_;
  std::vector<double> scratch_;
  std::vector<std::size_t> stat_counts_;  // per step
  std::int64_t divergences_ = 0;
};

bool stopping(const std::atomic<bool>& stop) {
  return stop || interrupt_requested();
}

}  // namespace

CompoundResult sample_compound(const Target& target, const CompoundOptions& options) {
  validate(target, options);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::unique_ptr<Target>> targets =
      infer::clone_per_chain("sample_compound", target, options.chains);
  CompoundResult result;
  result.dim = target.dim();
  result.chains.resize(static_cast<std::size_t>(options.chains));
  const std::int64_t iterations = options.tune + options.draws;
  infer::Progress progress("Compound", options.chains, iterations, options.progress,
                           options.progress_callback, options.tune);

  // Built on this thread in chain order, so a step's construction (and its errors) does not
  // depend on the threads.
  std::vector<std::unique_ptr<ChainRun>> runs;
  for (int chain = 0; chain < options.chains; ++chain) {
    runs.push_back(
        std::make_unique<ChainRun>(*targets[static_cast<std::size_t>(chain)], options, chain));
  }
  if (runs.front()->needs_population()) {
    // Population steps read the other chains' current states: the chains advance in lockstep,
    // in chain order, on this thread (as PyMC's population sampler does).
    std::vector<ChainState> states;
    for (auto& run : runs) states.push_back(run->state());
    for (int chain = 0; chain < options.chains; ++chain) {
      runs[static_cast<std::size_t>(chain)]->set_population({&states, chain});
    }
    const std::atomic<bool> never(false);
    for (std::int64_t iteration = 0; iteration < iterations && !stopping(never); ++iteration) {
      for (int chain = 0; chain < options.chains; ++chain) {
        ChainRun& run = *runs[static_cast<std::size_t>(chain)];
        run.iterate(iteration);
        states[static_cast<std::size_t>(chain)] = run.state();
        progress.update(chain, iteration + 1, run.divergences());
      }
    }
  } else {
    infer::run_chains(
        options.chains, options.cores, [&](std::int64_t chain, const std::atomic<bool>& stop) {
          ChainRun& run = *runs[static_cast<std::size_t>(chain)];
          for (std::int64_t iteration = 0; iteration < iterations && !stopping(stop); ++iteration) {
            run.iterate(iteration);
            progress.update(static_cast<int>(chain), iteration + 1, run.divergences());
          }
        });
  }
  progress.finish();
  for (int chain = 0; chain < options.chains; ++chain) {
    result.chains[static_cast<std::size_t>(chain)] =
        runs[static_cast<std::size_t>(chain)]->finish();
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace hypatia
