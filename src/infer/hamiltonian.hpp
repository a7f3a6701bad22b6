#pragma once

// Hamiltonian dynamics on a Target with a Euclidean metric: H(q, p) = -logp(q) + p' M^{-1} p / 2,
// integrated by leapfrog steps.

#include <cstdint>
#include <vector>

#include "hypatia/infer/rng.hpp"
#include "hypatia/infer/target.hpp"
#include "infer/metric.hpp"

namespace hypatia::infer {

struct PhasePoint {
  explicit PhasePoint(std::int64_t dim = 0);

  std::vector<double> q;     // position
  std::vector<double> p;     // momentum
  std::vector<double> grad;  // d logp / dq at q
  double logp = 0;
};

class Hamiltonian {
 public:
  Hamiltonian(Target& target, const Metric& metric);

  std::int64_t dim() const { return dim_; }
  const Metric& metric() const { return metric_; }

  // Sets z.logp and z.grad from z.q.
  void evaluate(PhasePoint& z);
  void sample_momentum(CounterRng& rng, PhasePoint& z) const;
  // H at z; +inf whenever it is not finite (NaN or -inf log density, non-finite gradient), so
  // such points weigh nothing and count as divergent.
  double energy(const PhasePoint& z);
  // Like energy(), also leaving M^{-1} p in `velocity`.
  double energy(const PhasePoint& z, std::vector<double>& velocity) const;
  // One leapfrog step of signed length `step` (negative: backwards in time).
  void leapfrog(PhasePoint& z, double step);

 private:
  Target& target_;
  const Metric& metric_;
  std::int64_t dim_;
  std::vector<double> velocity_;
};

// Stan's initial step-size heuristic: from `start`, double (or halve) the step size until one
// leapfrog step's acceptance probability crosses 0.8. Throws hypatia::Error when the step size
// runs off to infinity (improper posterior) or to zero.
double find_reasonable_step_size(Hamiltonian& hamiltonian, const PhasePoint& start,
                                 double step_size, CounterRng& rng);

}  // namespace hypatia::infer
