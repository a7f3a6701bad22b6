#include "infer/hamiltonian.hpp"

#include <cmath>
#include <limits>
#include <sstream>

#include "hypatia/error.hpp"
#include "infer/fixed_order_dot.hpp"

namespace hypatia::infer {

PhasePoint::PhasePoint(std::int64_t dim)
    : q(static_cast<std::size_t>(dim)),
      p(static_cast<std::size_t>(dim)),
      grad(static_cast<std::size_t>(dim)) {}

Hamiltonian::Hamiltonian(Target& target, const Metric& metric)
    : target_(target),
      metric_(metric),
      dim_(target.dim()),
      velocity_(static_cast<std::size_t>(dim_)) {}

void Hamiltonian::evaluate(PhasePoint& z) {
  z.logp = target_.logp_grad(z.q.data(), z.grad.data());
}

void Hamiltonian::sample_momentum(CounterRng& rng, PhasePoint& z) const {
  metric_.sample_momentum(rng, z.p.data());
}

double Hamiltonian::energy(const PhasePoint& z) {
  return energy(z, velocity_);
}

double Hamiltonian::energy(const PhasePoint& z, std::vector<double>& velocity) const {
  metric_.velocity(z.p.data(), velocity.data());
  const double energy = 0.5 * fixed_order_dot(z.p, velocity) - z.logp;
  return std::isfinite(energy) ? energy : std::numeric_limits<double>::infinity();
}

void Hamiltonian::leapfrog(PhasePoint& z, double step) {
  const double half_step = 0.5 * step;
  for (std::int64_t i = 0; i < dim_; ++i) z.p[i] += half_step * z.grad[i];
  metric_.velocity(z.p.data(), velocity_.data());
  for (std::int64_t i = 0; i < dim_; ++i) z.q[i] += step * velocity_[i];
  evaluate(z);
  for (std::int64_t i = 0; i < dim_; ++i) z.p[i] += half_step * z.grad[i];
}

namespace {

// log of the acceptance probability of one leapfrog step from `start` with a fresh momentum.
double one_step_log_acceptance(Hamiltonian& hamiltonian, const PhasePoint& start, PhasePoint& z,
                               double step_size, CounterRng& rng) {
  z = start;
  hamiltonian.sample_momentum(rng, z);
  const double initial_energy = hamiltonian.energy(z);
  hamiltonian.leapfrog(z, step_size);
  return initial_energy - hamiltonian.energy(z);
}

}  // namespace

double find_reasonable_step_size(Hamiltonian& hamiltonian, const PhasePoint& start,
                                 double step_size, CounterRng& rng) {
  const double log_threshold = std::log(0.8);
  PhasePoint z(hamiltonian.dim());
  const bool grow = one_step_log_acceptance(hamiltonian, start, z, step_size, rng) > log_threshold;
  while (true) {
    const double log_acceptance = one_step_log_acceptance(hamiltonian, start, z, step_size, rng);
    if (grow != (log_acceptance > log_threshold)) return step_size;
    step_size = grow ? 2 * step_size : 0.5 * step_size;
    if (step_size > 1e7) {
      throw Error(
          "NUTS: the initial step-size search passed 1e7 with leapfrog steps still accepted; the "
          "log density looks flat in some direction (is the posterior improper?)");
    }
    if (step_size == 0) {
      std::ostringstream message;
      message << "NUTS: the initial step-size search found no step size small enough to accept a "
                 "leapfrog step from the starting point (log density "
              << start.logp << "); is the log density discontinuous there?";
      throw Error(message.str());
    }
  }
}

}  // namespace hypatia::infer
