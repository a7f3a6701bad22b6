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
  // Stan's schedule: sets M^{-1} to its estimate from the samples added since the last update
  // and forgets them; keeps M^{-1} when too few were added (fewer than two; three for
  // fisher_low_rank); throws hypatia::Error when the estimate overflows. Diagonal and dense:
  // Stan's regularized estimate from the positions, (n / (n + 5)) * covariance + 1e-3 *
  // (5 / (n + 5)) * I; a dense metric estimated from no more positions than dimensions keeps
  // only the diagonal of the covariance (the full estimate would be singular but for the
  // regularization), unlike Stan. Fisher diagonal: see metric.cpp; Fisher low rank: see
  // low_rank_metric.cpp.
  void update_from_samples() {
    update_from_window();
    forget_samples();
  }

  // nutpie's schedule keeps two overlapping windows: the estimate uses every sample added since
  // the switch before last, and a switch forgets the samples older than the last switch.
  // Sets M^{-1} from the current window and returns whether it changed (false with too few
  // samples). Throws hypatia::Error for the dense metric, which keeps one window only.
  virtual bool update_from_window() = 0;
  // Draws between estimates under nutpie's schedule (a window switch estimates at once): 1 for
  // the diagonal kinds, whose estimate is O(dim); more for fisher_low_rank, whose estimate takes
  // eigendecompositions of up to dim x dim.
  virtual std::int64_t nutpie_update_interval() const { return 1; }
  virtual void switch_window() = 0;
  // Samples added since the last switch (or forget).
  virtual std::int64_t background_count() const = 0;
  virtual void forget_samples() = 0;

  // dim entries (diagonal kinds) or dim x dim row-major (dense; fisher_low_rank written out).
  virtual const std::vector<double>& inverse() const = 0;
};

// sqrt(position_variance / gradient_variance) clamped to [1e-10, 1e10], or the position variance
// when the gradient did not vary; throws hypatia::Error when it overflows.
double fisher_diagonal_variance(double position_variance, double gradient_variance);
[[noreturn]] void throw_overflow();

// The Fisher low-rank metric (low_rank_metric.cpp).
std::unique_ptr<Metric> make_fisher_low_rank_metric(std::int64_t dim);

}  // namespace hypatia::infer
