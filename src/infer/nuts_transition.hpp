#pragma once

// One NUTS transition: a trajectory doubled forwards or backwards at random until the generalized
// no-U-turn criterion fails, a step diverges or the maximum depth is reached, with the next state
// drawn from it by multinomial sampling (uniform inside new subtrees, biased towards the new
// subtree at the top level), as in Stan (Betancourt 2017, appendix A).

#include <cstdint>
#include <vector>

#include "infer/hamiltonian.hpp"

namespace hypatia::infer {

// A trajectory edge: the momentum there and M^{-1} times it.
struct TrajectoryEdge {
  explicit TrajectoryEdge(std::int64_t dim)
      : p(static_cast<std::size_t>(dim)), velocity(p.size()) {}
  std::vector<double> p;
  std::vector<double> velocity;
};

// A run of consecutive leapfrog states; `begin` is its first state in the direction it was
// integrated, `end` the last.
struct Subtree {
  explicit Subtree(std::int64_t dim)
      : begin(dim), end(dim), rho(static_cast<std::size_t>(dim)), proposal(dim) {}
  TrajectoryEdge begin;
  TrajectoryEdge end;
  std::vector<double> rho;  // sum of momenta
  PhasePoint proposal;      // state sampled from it, weights exp(-H)
  double log_weight = 0;    // log of the sum of exp(H0 - H) over its states
};

struct TransitionStats {
  double acceptance_rate = 0;
  std::int64_t tree_depth = 0;
  std::int64_t n_steps = 0;
  bool diverging = false;
  double energy = 0;
  double energy_error = 0;  // energy minus the Hamiltonian at the start (fresh momentum)
  double max_energy_error = 0;
  std::vector<double> divergent_point;  // set when diverging
};

class NutsTransition {
 public:
  NutsTransition(Hamiltonian& hamiltonian, int max_tree_depth, double max_energy_error);

  // Draws a momentum at `current` (whose q, logp and grad must be finite and set), builds a
  // trajectory and moves `current` to the state sampled from it.
  TransitionStats run(PhasePoint& current, double step_size, CounterRng& rng);

 private:
  // Extends the trajectory at `frontier` by 2^depth steps in the direction of sign(step) into
  // `tree`; false when a step diverged or a U-turn was found inside.
  bool build_subtree(int depth, PhasePoint& frontier, double step, Subtree& tree);
  bool leapfrog_leaf(PhasePoint& frontier, double step, Subtree& leaf);

  Hamiltonian& hamiltonian_;
  CounterRng* rng_ = nullptr;
  int max_tree_depth_;
  double max_energy_error_;
  std::int64_t dim_;

  // State of the transition in progress.
  double initial_energy_ = 0;
  double sum_acceptance_ = 0;
  TransitionStats stats_;

  // Reused across transitions so a leapfrog step allocates nothing.
  PhasePoint backward_;  // the two ends the trajectory grows from
  PhasePoint forward_;
  Subtree trajectory_;  // begin: backward end, end: forward end
  Subtree extension_;
  std::vector<Subtree> second_halves_;  // per depth, the second half of a subtree being built
};

}  // namespace hypatia::infer
