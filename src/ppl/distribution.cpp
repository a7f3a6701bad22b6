// The guards every distribution shares: support and parameter checks at run time, and the
// build-time check of constant parameters.

#include "hypatia/ppl/distribution.hpp"

#include <limits>
#include <sstream>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "ppl/distributions/composite.hpp"
#include "ppl/distributions/numeric_quantile.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

Expr guard(const Expr& condition, const Expr& logp) {
  return where(condition, logp, kNegativeInfinity);
}

// Support::contains is elementwise for scalar kinds: a multivariate family over such a kind
// (MvNormal over the reals) needs it reduced over the event axes.
Expr reduce_event_axes(const Expr& inside, const Expr& value, int event_rank) {
  const int extra = inside.rank() - (value.rank() - event_rank);
  if (event_rank == 0 || extra <= 0) return inside;
  Axes axes;
  for (int k = 1; k <= extra; ++k) axes.push_back(-k);
  return all(inside, axes);
}

// The first element where a constant condition fails, or -1.
std::int64_t first_violation(const Tensor& condition) {
  for (std::int64_t i = 0; i < condition.size(); ++i) {
    if (condition.at(i) == 0.0) return i;
  }
  return -1;
}

void check_constant_condition(const std::string& family, const ParameterCondition& condition) {
  if (!free_inputs({condition.condition.node()}).empty()) return;  // decided at run time
  const Tensor verdict = evaluate(condition.condition.node());
  const std::int64_t bad = first_violation(verdict);
  if (bad < 0) return;
  std::ostringstream message;
  message << ProvenanceScope::current() << (ProvenanceScope::current().empty() ? "" : ": ")
          << family << ": parameter " << condition.parameter << " must be " << condition.expected;
  if (verdict.size() > 1) message << " (element " << bad << " is not)";
  if (condition.value && free_inputs({condition.value.node()}).empty()) {
    const Tensor value = evaluate(condition.value.node());
    message << "; got " << (value.size() > 1 ? value.to_string() : std::to_string(value.at(0)));
  }
  throw Error(message.str());
}

}  // namespace

Expr DistributionImpl::logcdf(const Expr&) const {
  throw Error(name() +
              " has no cumulative distribution function in Hypatia, so it cannot be "
              "truncated or censored");
}

Expr DistributionImpl::logccdf(const Expr& value) const {
  return log1mexp(logcdf(value));
}

Expr DistributionImpl::quantile_of_logs(const Expr& log_p, const Expr& log_q) const {
  if (event_rank() != 0 || support().is_discrete()) {
    throw Error(name() +
                " has no quantile function in Hypatia (only continuous univariate "
                "families have one)");
  }
  return numeric_quantile(*this, log_p, log_q);
}

Expr DistributionImpl::random(RandomStream&, const Shape&) const {
  throw Error(name() + " has no random-draw graph; it cannot be used for predictive sampling");
}

Distribution::Distribution(std::shared_ptr<const DistributionImpl> impl) : impl_(std::move(impl)) {}

Expr Distribution::logp(const Expr& value, const LogpOptions& options) const {
  Expr logp = cast(impl_->unchecked_logp(value), DType::float64);
  if (options.check_support) {
    logp = guard(reduce_event_axes(support().contains(value), value, event_rank()), logp);
  }
  if (options.check_parameters) {
    for (const ParameterCondition& condition : impl_->parameter_conditions()) {
      logp = guard(condition.condition, logp);
    }
  }
  return logp;
}

Expr Distribution::logcdf(const Expr& value) const {
  return impl_->logcdf(value);
}

Expr Distribution::logccdf(const Expr& value) const {
  return impl_->logccdf(value);
}

Expr Distribution::quantile(const Expr& p) const {
  const Expr probability = cast(p, DType::float64);
  return quantile_of_logs(log(probability), log1p(-probability));
}

// The ends of the support at p = 0 and q = 0, so that families need only handle 0 < p < 1.
Expr Distribution::quantile_of_logs(const Expr& log_p, const Expr& log_q) const {
  const Support own = support();
  const Expr lowest = composite::support_lower(own).value_or(Expr(kNegativeInfinity));
  const Expr highest = composite::support_upper(own).value_or(Expr(kInfinity));
  return where(
      equal(log_p, kNegativeInfinity), lowest,
      where(equal(log_q, kNegativeInfinity), highest, impl_->quantile_of_logs(log_p, log_q)));
}

Expr Distribution::random(RandomStream& rng, const Shape& shape) const {
  return impl_->random(rng, shape);
}

Distribution make_distribution(std::shared_ptr<const DistributionImpl> impl) {
  for (const ParameterCondition& condition : impl->parameter_conditions()) {
    check_constant_condition(impl->name(), condition);
  }
  return Distribution(std::move(impl));
}

}  // namespace hypatia
