#pragma once

// A probability distribution as graph builders: its log density, support, default transform,
// parameter checks and a random-draw graph. Distributions are values (cheap to copy, immutable);
// each family implements DistributionImpl in its own file under src/ppl/distributions/.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {

class RandomStream;

enum class SupportKind {
  real,                  // all of R (NaN and +-inf excluded)
  positive,              // (0, inf)
  nonnegative,           // [0, inf)
  unit_interval,         // [0, 1] (the density may be infinite at the ends)
  interval,              // [lower, upper]; either bound may be absent
  integers,              // Z
  nonnegative_integers,  // 0, 1, 2, ...
  bounded_integers,      // lower, ..., upper
  binary,                // 0, 1
  simplex,               // last axis >= 0 and sums to 1
  ordered,               // last axis strictly increasing
  positive_ordered,      // last axis strictly increasing and positive
  corr_cholesky,         // last two axes: Cholesky factor of a correlation matrix
  cov_cholesky,          // last two axes: lower triangular with positive diagonal
  zero_sum,              // sums to zero over the last `zero_sum_axes` axes
  counts,                // last axis nonnegative integers summing to n (Multinomial)
  correlation,           // last two axes: a correlation matrix
  packed_correlation,    // last axis: a correlation matrix's strictly upper entries, row by row
  point,                 // the single value `lower` (== `upper`); discrete when it is an integer
                         // dtype. A free variable with it is a constant (DiracDelta).
};

struct Support {
  SupportKind kind = SupportKind::real;
  std::optional<Expr> lower = {};  // interval, bounded_integers, point
  std::optional<Expr> upper = {};
  std::optional<Expr> total = {};  // counts: the row sums
  int zero_sum_axes = 1;

  bool is_discrete() const;
  // True where `value` lies in the support: elementwise for scalar kinds, reduced over the
  // event axes for vector and matrix kinds.
  Expr contains(const Expr& value, double tolerance = 1e-8) const;
  // The transform a free variable with this support is sampled through (nullptr: none needed).
  TransformPtr default_transform() const;
  std::string describe() const;  // "positive reals", "integers in [lower, upper]", ...
};

// A condition a parameter must meet, e.g. {"sigma", sigma > 0, "> 0"}. Checked at build time when
// the parameter is a constant (a clear error) and at run time (log density -inf otherwise).
struct ParameterCondition {
  std::string parameter;
  Expr condition;  // bool, broadcastable against the batch shape
  std::string expected;
  Expr value = {};  // the parameter itself, to show the offending value
};

class DistributionImpl {
 public:
  virtual ~DistributionImpl() = default;

  virtual std::string name() const = 0;
  // Number of trailing axes one draw spans (0 univariate, 1 vector, 2 matrix).
  virtual int event_rank() const { return 0; }
  // The shape of one draw with the parameters' own batch shape (broadcast of the parameters for
  // univariate families, plus the event shape).
  virtual Shape default_shape() const = 0;
  virtual Support support() const = 0;
  virtual std::vector<ParameterCondition> parameter_conditions() const { return {}; }
  // Log density (mass) of `value`, assuming it is in the support and the parameters are valid;
  // elementwise over the batch (event axes reduced). Distribution::logp adds the guards.
  virtual Expr unchecked_logp(const Expr& value) const = 0;
  // Log CDF / log survival function, for Truncated and Censored. The default throws.
  virtual Expr logcdf(const Expr& value) const;
  virtual Expr logccdf(const Expr& value) const;  // default: log1mexp(logcdf)
  // The quantile function (inverse CDF) of a continuous univariate family at the probability
  // given twice, as log_p = log F(x) and log_q = log(1 - F(x)): far in the upper tail 1 - F(x)
  // is not representable as 1 - p, so a family inverts whichever of the two is the smaller
  // probability (callers pass both accurate where they matter, the larger one may be derived as
  // log1mexp of the smaller). Only 0 < p < 1 reaches it (Distribution::quantile_of_logs answers
  // p = 0 and p = 1 with the support's ends). Families with a closed form override it; the
  // default inverts logcdf and logccdf numerically (see numeric_quantile.hpp), so every family
  // with a CDF has one.
  virtual Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const;
  // A draw of `shape` (batch + event axes) from `rng`; the default throws.
  virtual Expr random(RandomStream& rng, const Shape& shape) const;
};

class Distribution {
 public:
  explicit Distribution(std::shared_ptr<const DistributionImpl> impl);

  const DistributionImpl& impl() const { return *impl_; }
  std::string name() const { return impl_->name(); }
  int event_rank() const { return impl_->event_rank(); }
  Shape default_shape() const { return impl_->default_shape(); }
  Support support() const { return impl_->support(); }
  bool is_discrete() const { return support().is_discrete(); }

  struct LogpOptions {
    bool check_support = true;     // -inf for values outside the support
    bool check_parameters = true;  // -inf where a parameter is invalid
  };
  // Elementwise log density with the guards: -inf outside the support or where a parameter is
  // invalid. float64, shape = broadcast of the batch shape and the value's batch shape.
  Expr logp(const Expr& value, const LogpOptions& options) const;
  Expr logp(const Expr& value) const { return logp(value, LogpOptions{}); }
  Expr logcdf(const Expr& value) const;
  Expr logccdf(const Expr& value) const;
  // The inverse CDF at probabilities p in [0, 1]: the support's ends at 0 and 1.
  Expr quantile(const Expr& p) const;
  // The inverse CDF at log_p = log F(x) and log_q = log(1 - F(x)), for tails beyond p's
  // precision (see DistributionImpl::quantile_of_logs).
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const;
  Expr random(RandomStream& rng, const Shape& shape) const;

 private:
  std::shared_ptr<const DistributionImpl> impl_;
};

// Builds a distribution, checking every parameter condition that can be decided now (parameters
// that are constants): a violated one throws an Error naming the family, the parameter, what it
// must be and the offending value.
Distribution make_distribution(std::shared_ptr<const DistributionImpl> impl);

template <typename Impl, typename... Args>
Distribution make_distribution(Args&&... args) {
  return make_distribution(std::make_shared<const Impl>(std::forward<Args>(args)...));
}

}  // namespace hypatia
