#pragma once

// What a sampler sees of a model: a log density over a flat unconstrained vector. Samplers know
// nothing of graphs or distributions; a model (or a test) implements this interface.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hypatia {

class Target {
 public:
  virtual ~Target() = default;

  virtual std::int64_t dim() const = 0;
  // Writes d logp / dx into grad[0..dim) and returns logp (may be -inf or NaN; never throws for
  // a point outside the support).
  virtual double logp_grad(const double* x, double* grad) = 0;
  // The log density alone, for gradient-free steps. Default: logp_grad with a scratch gradient.
  virtual double logp(const double* x);
  // For a block of coordinates [offset, offset + size) whose elements are conditionally
  // independent given the rest: each element's own log-density terms at x (everything that
  // depends on that element), so the change of the log density when several elements move at
  // once is the sum of their own changes. Returns false when the target cannot (the default).
  virtual bool local_logp(std::int64_t offset, std::int64_t size, const double* x, double* out);
  // Whether some coordinates hold integer values that only discrete steps may move (a model
  // with discrete free variables); gradient-based samplers refuse such targets.
  virtual bool has_discrete_coordinates() const { return false; }
  // Another instance for another thread (shares compiled code, owns its scratch memory).
  virtual std::unique_ptr<Target> clone() const = 0;

  // Names of the flat coordinates, e.g. "theta[3]" or "tau (log)"; used in error messages.
  virtual std::vector<std::string> coordinate_names() const;
  // For an initialization that failed: the user-facing variables whose log density term or
  // gradient is not finite at x, each with why where the target can tell, e.g. {"y_obs (log
  // density -inf: Normal: parameter sigma must be > 0, but sigma[3] = -1, from data 'sigma')"}.
  // Default: coordinates with non-finite grad.
  virtual std::vector<std::string> nonfinite_variables(const double* x);

  // Split used by tempered samplers (SMC): log prior (with Jacobians) and log likelihood at x.
  // Returns false when the target cannot split (the default).
  virtual bool log_prior_likelihood(const double* x, double* log_prior, double* log_likelihood);
  // A draw from the prior on the unconstrained scale, from a counter-based stream
  // (seed, stream, counter); returns false when the target cannot draw (the default).
  virtual bool sample_prior(std::uint64_t seed, std::uint64_t stream, std::uint64_t counter,
                            double* x);
};

}  // namespace hypatia
