#pragma once

// The No-U-Turn Sampler as Stan runs it: multinomial sampling along trajectories doubled until the
// generalized no-U-turn criterion fails, with step size and mass matrix adapted during warm-up.
// Chains run in parallel threads; the same seed gives the same draws whatever the thread count.

#include <cstdint>
#include <string>
#include <vector>

#include "hypatia/infer/progress_report.hpp"
#include "hypatia/infer/target.hpp"

namespace hypatia {

// diagonal and dense: Stan's estimates from the warm-up positions' (co)variances;
// fisher_diagonal: the diagonal minimizing the Fisher divergence, from positions and gradients
// (nutpie's), sqrt(Var[q_i] / Var[grad_i]); fisher_low_rank: that diagonal times a low-rank
// correction along the directions where positions and gradients disagree most with it (nutpie's
// low-rank mass matrix), costing O(dim * rank) per leapfrog step.
enum class MetricKind { diagonal, dense, fisher_diagonal, fisher_low_rank };

// "diagonal", "dense", "fisher_diagonal", "fisher_low_rank"; and back (throws hypatia::Error
// naming the choices).
const char* metric_name(MetricKind kind);
MetricKind metric_from_name(const std::string& name);

// How warm-up estimates the metric. stan: Stan's fast / doubling slow / fast windows, the metric
// replaced at each window's end. nutpie: the metric is re-estimated from the draws since the
// switch before last, after every warm-up draw (every 20th for fisher_low_rank, and at each
// switch, as nutpie: its estimate costs eigendecompositions of up to dim x dim); windows switch
// every 10 draws during the first 30% of warm-up, then every 80 draws growing 1.5x each time; the
// last 15% tunes only the step size, and dual averaging runs on across metric updates (restarted
// once, after the first). Without an initial_inverse_metric it starts from the diagonal 1 /
// |gradient| at the initial point. Not for the dense metric.
enum class WarmupSchedule { stan, nutpie };
const char* warmup_schedule_name(WarmupSchedule schedule);
WarmupSchedule warmup_schedule_from_name(const std::string& name);

struct NutsOptions {
  int chains = 4;
  int cores = 0;              // threads running chains; 0: one per hardware thread
  std::int64_t tune = 1000;   // warm-up iterations per chain (discarded unless save_warmup)
  std::int64_t draws = 1000;  // kept iterations per chain
  std::uint64_t seed = 0;
  double target_accept = 0.8;      // mean Metropolis acceptance the step size is tuned to
  int max_tree_depth = 10;         // at most 2^max_tree_depth leapfrog steps per draw
  double max_energy_error = 1000;  // a larger energy error ends the trajectory as a divergence
  MetricKind metric = MetricKind::diagonal;
  // The diagonal inverse metric warm-up starts from (dim positive values, e.g. the variances of
  // an ADVI fit, as PyMC's init="advi+adapt_diag"); empty: the identity.
  std::vector<double> initial_inverse_metric;
  // Starting points on the unconstrained scale: empty (uniform in +-init_radius), one point for
  // every chain, or one point per chain.
  std::vector<std::vector<double>> init;
  double init_radius = 2;
  bool progress = true;                // a progress bar on stderr when it is a terminal
  ProgressCallback progress_callback;  // when set, also told the per-chain progress
  bool save_warmup = false;
  // The chains are numbers first_chain, first_chain + 1, ...: each draws from the random stream of
  // its number, so a run of some of a larger run's chains (one group of MPI ranks) draws theirs.
  std::int64_t first_chain = 0;

  // Stan's windowed warm-up: a fast initial buffer (step size only), slow windows doubling from
  // base_window that estimate the metric, then a fast terminal buffer. Shrunk to 15% / 75% / 10%
  // of tune when tune is shorter than their sum; no metric estimation when tune < 20.
  std::int64_t initial_buffer = 75;
  std::int64_t base_window = 25;
  std::int64_t terminal_buffer = 50;
  // nutpie's schedule instead (see WarmupSchedule); the three fields above then do nothing.
  WarmupSchedule warmup_schedule = WarmupSchedule::stan;

  // Where the initial step-size search starts (doubling or halving until one leapfrog step is
  // accepted with probability about 0.8); without warm-up the draws use what it finds.
  double initial_step_size = 1;
  // Dual averaging of the log step size (Hoffman & Gelman 2014) towards mu = log(10 * eps0),
  // eps0 from the search above (repeated after every metric update).
  double adapt_gamma = 0.05;
  double adapt_t0 = 10;
  double adapt_kappa = 0.75;
};

// One value per iteration.
struct NutsStats {
  std::vector<double> lp;
  std::vector<double> acceptance_rate;  // mean Metropolis acceptance over the trajectory
  std::vector<double> step_size;
  // During warm-up, the dual average of the log step size after this iteration (what the draws
  // will use when warm-up ends here); for the draws, the step size itself.
  std::vector<double> step_size_bar;
  std::vector<std::int64_t> tree_depth;
  std::vector<std::int64_t> n_steps;  // leapfrog steps (= gradient evaluations)
  std::vector<bool> diverging;
  std::vector<double> energy;  // Hamiltonian at the chosen point
  // energy minus the Hamiltonian where the iteration started (the previous point with the
  // momentum drawn for this iteration); 0 when the chain stayed put
  std::vector<double> energy_error;
  std::vector<double> max_energy_error;  // the energy error of largest magnitude (signed)

  std::int64_t size() const { return static_cast<std::int64_t>(lp.size()); }
};

struct Divergence {
  std::int64_t iteration;  // index among the draws, or among warm-up iterations when warmup
  bool warmup;
  std::vector<double> point;  // unconstrained position where the energy error blew up
};

struct NutsChain {
  std::vector<double> draws;  // draws x dim, row-major, unconstrained
  NutsStats stats;
  std::vector<double> warmup_draws;  // tune x dim when save_warmup, else empty
  NutsStats warmup_stats;            // filled when save_warmup
  // Every divergent transition after warm-up, and during warm-up when save_warmup.
  std::vector<Divergence> divergences;
  double step_size = 0;  // the adapted step size used for the draws
  MetricKind metric = MetricKind::diagonal;
  // The inverse mass matrix used for the draws: dim entries (diagonal kinds) or dim x dim
  // row-major (dense, and fisher_low_rank written out in full).
  std::vector<double> inverse_metric;
};

struct NutsResult {
  std::int64_t dim = 0;
  std::vector<NutsChain> chains;
  double seconds = 0;  // wall time of the whole run
};

// Throws hypatia::Error for bad options or when a chain finds no starting point with finite log
// density and gradient (naming target.nonfinite_variables() there). When interrupt_requested()
// turns true, every chain stops at its next iteration: chains then hold fewer draws than asked
// (none when still warming up or not yet started).
NutsResult sample_nuts(const Target& target, const NutsOptions& options = {});

}  // namespace hypatia
