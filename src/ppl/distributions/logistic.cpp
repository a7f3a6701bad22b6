#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class LogisticDistribution final : public DistributionImpl {
 public:
  LogisticDistribution(Expr mu, Expr s) : mu_(std::move(mu)), s_(std::move(s)) {}

  std::string name() const override { return "Logistic"; }
  Shape default_shape() const override { return batch_shape({mu_, s_}); }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::finite("mu", mu_), parameters::positive("s", s_)};
  }
  // log(e^-z / (1 + e^-z)^2) = -z - 2 softplus(-z), finite in both tails.
  Expr unchecked_logp(const Expr& value) const override {
    Expr z = (value - mu_) / s_;
    return -z - 2.0 * softplus(-z) - log(s_);
  }
  Expr logcdf(const Expr& value) const override { return -softplus((mu_ - value) / s_); }
  Expr logccdf(const Expr& value) const override { return -softplus((value - mu_) / s_); }
  // The log-odds of the probability, exact in both tails.
  Expr quantile_of_logs(const Expr& log_p, const Expr& log_q) const override {
    return mu_ + s_ * (log_p - log_q);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + s_ * logit(rng.uniform(shape));
  }

 private:
  Expr mu_;
  Expr s_;
};

}  // namespace

Distribution Logistic(const Expr& mu, const Expr& s) {
  return make_distribution<LogisticDistribution>(mu, s);
}

}  // namespace hypatia
