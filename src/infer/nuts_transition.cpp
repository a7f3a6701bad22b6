#include "infer/nuts_transition.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include "infer/fixed_order_dot.hpp"

namespace hypatia::infer {
namespace {

void add_to(std::vector<double>& sum, const std::vector<double>& term) {
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += term[i];
}

double log_sum_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  return std::max(a, b) + std::log1p(std::exp(-std::abs(a - b)));
}

// Generalized no-U-turn criterion over a run of states: its summed momentum rho (given as two
// parts) still points along the velocities at both of its ends.
bool still_heading_apart(const TrajectoryEdge& first, const TrajectoryEdge& last,
                         const std::vector<double>& rho_part, const std::vector<double>& rho_rest) {
  const auto points_along = [&](const std::vector<double>& velocity) {
    return fixed_order_dot(velocity, rho_part) + fixed_order_dot(velocity, rho_rest) > 0;
  };
  return points_along(first.velocity) && points_along(last.velocity);
}

// Whether adjacent runs x and y can be joined: no U-turn over their union, nor (Stan's extra
// checks, which catch U-turns that splitting at powers of two would hide) over x extended by y's
// first state or y extended by x's last state. "inner" edges are where x and y meet.
bool joins_without_u_turn(const TrajectoryEdge& x_outer, const TrajectoryEdge& x_inner,
                          const std::vector<double>& x_rho, const TrajectoryEdge& y_inner,
                          const TrajectoryEdge& y_outer, const std::vector<double>& y_rho) {
  return still_heading_apart(x_outer, y_outer, x_rho, y_rho) &&
         still_heading_apart(x_outer, y_inner, x_rho, y_inner.p) &&
         still_heading_apart(x_inner, y_outer, y_rho, x_inner.p);
}

}  // namespace

NutsTransition::NutsTransition(Hamiltonian& hamiltonian, int max_tree_depth,
                               double max_energy_error)
    : hamiltonian_(hamiltonian),
      max_tree_depth_(max_tree_depth),
      max_energy_error_(max_energy_error),
      dim_(hamiltonian.dim()),
      backward_(dim_),
      forward_(dim_),
      trajectory_(dim_),
      extension_(dim_),
      second_halves_(static_cast<std::size_t>(max_tree_depth), Subtree(dim_)) {}

TransitionStats NutsTransition::run(PhasePoint& current, double step_size, CounterRng& rng) {
  rng_ = &rng;
  stats_ = TransitionStats{};
  sum_acceptance_ = 0;

  hamiltonian_.sample_momentum(rng, current);
  initial_energy_ = hamiltonian_.energy(current, trajectory_.begin.velocity);
  trajectory_.begin.p = current.p;
  trajectory_.end = trajectory_.begin;
  trajectory_.rho = current.p;
  trajectory_.proposal = current;
  trajectory_.log_weight = 0;  // exp(H0 - H0) for the initial state
  backward_ = current;
  forward_ = current;

  while (stats_.tree_depth < max_tree_depth_) {
    const bool forwards = rng.uniform() > 0.5;
    PhasePoint& frontier = forwards ? forward_ : backward_;
    const double step = forwards ? step_size : -step_size;
    if (!build_subtree(static_cast<int>(stats_.tree_depth), frontier, step, extension_)) break;
    ++stats_.tree_depth;

    // Biased progressive sampling: move to the new half with probability min(1, w_new / w_old),
    // which favours states far from the start more than a plain multinomial draw would.
    if (extension_.log_weight > trajectory_.log_weight ||
        rng.uniform() < std::exp(extension_.log_weight - trajectory_.log_weight)) {
      std::swap(trajectory_.proposal, extension_.proposal);
    }
    trajectory_.log_weight = log_sum_exp(trajectory_.log_weight, extension_.log_weight);

    const TrajectoryEdge& outer = forwards ? trajectory_.begin : trajectory_.end;
    const TrajectoryEdge& inner = forwards ? trajectory_.end : trajectory_.begin;
    const bool keep_going = joins_without_u_turn(outer, inner, trajectory_.rho, extension_.begin,
                                                 extension_.end, extension_.rho);
    add_to(trajectory_.rho, extension_.rho);
    std::swap(forwards ? trajectory_.end : trajectory_.begin, extension_.end);
    if (!keep_going) break;
  }

  stats_.acceptance_rate =
      stats_.n_steps > 0 ? sum_acceptance_ / static_cast<double>(stats_.n_steps) : 0.0;
  std::swap(current, trajectory_.proposal);
  stats_.energy = hamiltonian_.energy(current);
  stats_.energy_error = stats_.energy - initial_energy_;
  return stats_;
}

bool NutsTransition::build_subtree(int depth, PhasePoint& frontier, double step, Subtree& tree) {
  if (depth == 0) return leapfrog_leaf(frontier, step, tree);
  if (!build_subtree(depth - 1, frontier, step, tree)) return false;
  Subtree& second = second_halves_[static_cast<std::size_t>(depth)];
  if (!build_subtree(depth - 1, frontier, step, second)) return false;

  const bool no_u_turn =
      joins_without_u_turn(tree.begin, tree.end, tree.rho, second.begin, second.end, second.rho);
  // Inside a subtree the sample is multinomial: the second half wins with its share of weight.
  const double log_weight = log_sum_exp(tree.log_weight, second.log_weight);
  if (rng_->uniform() < std::exp(second.log_weight - log_weight)) {
    std::swap(tree.proposal, second.proposal);
  }
  tree.log_weight = log_weight;
  add_to(tree.rho, second.rho);
  std::swap(tree.end, second.end);
  return no_u_turn;
}

bool NutsTransition::leapfrog_leaf(PhasePoint& frontier, double step, Subtree& leaf) {
  hamiltonian_.leapfrog(frontier, step);
  ++stats_.n_steps;
  const double energy_error = hamiltonian_.energy(frontier, leaf.begin.velocity) - initial_energy_;
  if (std::abs(energy_error) > std::abs(stats_.max_energy_error)) {
    stats_.max_energy_error = energy_error;
  }
  sum_acceptance_ += energy_error <= 0 ? 1.0 : std::exp(-energy_error);
  if (energy_error > max_energy_error_) {
    stats_.diverging = true;
    stats_.divergent_point = frontier.q;
    return false;
  }
  leaf.begin.p = frontier.p;
  leaf.end = leaf.begin;
  leaf.rho = frontier.p;
  leaf.proposal = frontier;
  leaf.log_weight = -energy_error;
  return true;
}

}  // namespace hypatia::infer
