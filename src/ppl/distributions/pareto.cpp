#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

// Shape alpha, scale (and lower bound) m: P(X > x) = (m/x)^alpha for x >= m.
class ParetoDistribution final : public DistributionImpl {
 public:
  ParetoDistribution(Expr alpha, Expr m) : alpha_(std::move(alpha)), m_(std::move(m)) {}

  std::string name() const override { return "Pareto"; }
  Shape default_shape() const override { return batch_shape({alpha_, m_}); }
  Support support() const override { return {SupportKind::interval, m_, std::nullopt}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_), parameters::positive("m", m_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return log(alpha_) + alpha_ * log(m_) - (alpha_ + 1.0) * log(value);
  }
  Expr logcdf(const Expr& value) const override { return log1mexp(logccdf(value)); }
  Expr logccdf(const Expr& value) const override {
    return alpha_ * (log(m_) - log(maximum(value, m_)));
  }
  // log S = alpha (log m - log x); log_q is accurate on both sides (near m it is about -p).
  Expr quantile_of_logs(const Expr&, const Expr& log_q) const override {
    return m_ * exp(-log_q / alpha_);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return m_ * exp(rng.exponential(shape) / alpha_);
  }

 private:
  Expr alpha_;
  Expr m_;
};

}  // namespace

Distribution Pareto(const Expr& alpha, const Expr& m) {
  return make_distribution<ParetoDistribution>(alpha, m);
}

}  // namespace hypatia
