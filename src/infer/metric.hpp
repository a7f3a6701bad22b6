#pragma once

// Euclidean metrics for Hamiltonian Monte Carlo: the mass matrix M that momenta are drawn with,
// and its warm-up estimate from positions (M^{-1} approximates the posterior covariance).

#include <cstdint>
#include <memory>
#include <vector>

#include "hypatia/infer/nuts.hpp"
#include "hypatia/infer/rng.hpp"

namespace hypatia::infer {

class Metric {
 public:
  // Starts at the identity, or at the diagonal M^{-1} = initial_inverse_diagonal when given (dim
  // positive values, e.g. variances from an ADVI fit).
  static std::unique_ptr<Metric> create(MetricKind kind, std::int64_t dim,
                                        const std::vector<double>& initial_inverse_diagonal = {});
  // Sets M^{-1} to diag(values) (dim positive values).
  virtual void set_inverse_diagonal(const std::vector<double>& values) = 0;
  virtual ~Metric() = default;

  virtual MetricKind kind() const = 0;
  // p ~ N(0, M).
  virtual void sample_momentum(CounterRng& rng, double* p) const = 0;
  // velocity = M^{-1} p, the gradient of the kinetic energy p' M^{-1} p / 2.
  virtual void velocity(const double* p, double* velocity) const = 0;

  // Warm-up: a position (and the log density's gradient there) informing the next estimate.
  virtual void add_sample(const double* q, const double* grad) = 0;
  // Sets M^{-1} to its estimate from the samples added since the last update and forgets them;
  // keeps M^{-1} when fewer than two were added; throws hypatia::Error when the estimate
  // overflows. Diagonal and dense: Stan's regularized estimate from the positions,
  // (n / (n + 5)) * covariance + 1e-3 * (5 / (n + 5)) * I; a dense metric estimated from no more
  // positions than dimensions keeps only the diagonal of the covariance (the full estimate would
  // be singular but for the regularization), unlike Stan. Fisher diagonal: see metric.cpp.
  virtual void update_from_samples() = 0;
  // dim entries (diagonal) or dim x dim row-major (dense).
  virtual const std::vector<double>& inverse() const = 0;
};

}  // namespace hypatia::infer
