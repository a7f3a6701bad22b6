#pragma once

// Compound sampling: each iteration runs a list of step methods in order, each moving its own
// disjoint set of the target's flat coordinates given the others (NUTS on the continuous block,
// Gibbs or Metropolis updates on discrete variables, gradient-free steps on any block). Chains run
// in parallel threads; the same seed gives the same draws whatever the thread count. Steps that
// read the other chains' states (DEMetropolis) run the chains in lockstep on one thread.

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "hypatia/infer/nuts.hpp"
#include "hypatia/infer/progress_report.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia {

enum class StepMethod {
  nuts,
  hamiltonian_mc,
  metropolis,
  binary_gibbs_metropolis,
  categorical_gibbs_metropolis,
  slice,
  de_metropolis,
  de_metropolis_z,
};

// PyMC's class name of a step method, e.g. "BinaryGibbsMetropolis".
std::string_view step_method_name(StepMethod method);

// One variable's coordinates in the flat vector, as a step sees them.
struct StepBlock {
  std::string name = {};
  std::int64_t offset = 0;
  std::int64_t size = 0;
  bool discrete = false;  // integer values (stored as doubles in the flat vector)
  // The support of each element (discrete variables: the integers in [lower, upper]).
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();
  // The block's elements are conditionally independent given everything else, and the target
  // can evaluate each element's own log-density terms at once (Target::local_logp), so one
  // evaluation proposes a move for every element.
  bool elementwise = false;
};

struct StepSpec {
  StepMethod method = StepMethod::nuts;
  std::vector<StepBlock> blocks = {};
  // Method settings by PyMC's argument names where PyMC has them, e.g. "target_accept",
  // "max_treedepth", "scaling", "tune_interval", "transit_p", "w", "lamb", "path_length";
  // unknown names are errors. Booleans are 0 or 1. By method:
  //   HamiltonianMC: path_length (2), max_steps (1024), step_scale (0.25; the first step size is
  //     step_scale / dim^(1/4)), target_accept (0.65), gamma, k, t0 (dual averaging; defaults
  //     from CompoundOptions::nuts: 0.05, 0.75, 10), adapt_step_size (1), Emax (the energy error
  //     that counts as a divergence; default CompoundOptions::nuts.max_energy_error, 1000).
  //   Slice: w (1, the initial slice width), iter_limit (infinite: stepping-out or shrinking
  //     iterations per coordinate beyond which sampling stops with an error).
  //   DEMetropolis: lamb (2.38 / sqrt(2 * dim), dim the step's coordinates), scaling (0.001, the
  //     noise's scale), tune_interval (100).
  //   DEMetropolisZ: the same, and tune_drop_fraction (0.9).
  std::map<std::string, double> settings = {};
  // Metropolis: "normal" (default for continuous blocks), "uniform", "cauchy", "laplace",
  // "poisson"; "" picks the default (a symmetric integer proposal for discrete blocks).
  // CategoricalGibbsMetropolis: "uniform" (default) or "proportional".
  // DEMetropolis, DEMetropolisZ: what warm-up tunes, PyMC's tune argument: "scaling" (default,
  // also "") or "lambda"; PyMC's tune=None is `tune = false` below.
  // HamiltonianMC and Slice take none.
  std::string proposal = {};
  // Metropolis: the proposal's scale per coordinate of the step's blocks (PyMC's S), before the
  // tuned scaling; empty: ones. DEMetropolis, DEMetropolisZ: the noise's scale per coordinate
  // (their S), times scaling. HamiltonianMC and Slice take none.
  std::vector<double> proposal_scale = {};
  bool tune = true;  // adapt during warm-up (where the method adapts)
};

struct CompoundOptions {
  int chains = 4;
  int cores = 0;  // threads running chains; 0: one per hardware thread
  std::int64_t tune = 1000;
  std::int64_t draws = 1000;
  std::uint64_t seed = 0;
  std::vector<StepSpec> steps = {};  // their blocks must not overlap and must cover the target
  // NUTS and HamiltonianMC steps read their warm-up settings from here (target_accept and
  // max_treedepth may be overridden per step; HamiltonianMC's target_accept is its own setting,
  // 0.65 by default as in PyMC, and it takes the metric kind and windows from here).
  NutsOptions nuts = {};
  // Starting points (full flat vectors): empty (continuous coordinates uniform in +-init_radius,
  // discrete ones at the value nearest zero in their support), one for every chain, or one per
  // chain.
  std::vector<std::vector<double>> init = {};
  double init_radius = 2;
  bool progress = true;
  ProgressCallback progress_callback = {};
  bool save_warmup = false;
};

// A per-iteration statistic of one step, named as PyMC names it ("accept", "accepted",
// "scaling", "tree_depth", ...); names repeated by later steps get the step's index appended.
struct StepStatColumn {
  std::string name;
  enum class Type { real, integer, boolean } type = Type::real;
  std::vector<double> values;  // one per iteration
};

struct CompoundChain {
  std::vector<double> draws;  // draws x dim, row-major (the full flat vector)
  std::vector<double> lp;     // the log density after each iteration
  std::vector<StepStatColumn> stats;
  std::vector<double> warmup_draws;  // with save_warmup
  std::vector<double> warmup_lp;
  std::vector<StepStatColumn> warmup_stats;
  std::vector<Divergence> divergences;  // NUTS and HamiltonianMC steps
  std::int64_t size() const { return static_cast<std::int64_t>(lp.size()); }
};

struct CompoundResult {
  std::int64_t dim = 0;
  std::vector<CompoundChain> chains;
  double seconds = 0;
};

// Throws hypatia::Error for overlapping or missing blocks, a step on blocks it cannot move (NUTS
// on a discrete block, BinaryGibbsMetropolis on a non-binary one; the message names both),
// unknown settings and bad options.
CompoundResult sample_compound(const Target& target, const CompoundOptions& options);

}  // namespace hypatia
