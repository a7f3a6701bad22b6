// Zero-inflated Poisson, binomial and negative binomial: with probability psi a draw of the base
// family, otherwise a structural zero (psi as PyMC). The base keeps its own support and parameter
// conditions, checked under the zero-inflated family's name.

#include <limits>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

class ZeroInflatedDistribution final : public DistributionImpl {
 public:
  // `parameters`: psi and the base's parameters, for the batch shape.
  ZeroInflatedDistribution(std::string family, std::shared_ptr<const DistributionImpl> base,
                           std::vector<Expr> parameters)
      : family_(std::move(family)),
        psi_(parameters.front()),
        base_(std::move(base)),
        parameters_(std::move(parameters)) {}

  std::string name() const override { return family_; }
  Shape default_shape() const override { return batch_shape(parameters_); }
  Support support() const override { return base_->support(); }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {parameters::probability("psi", psi_)};
    for (ParameterCondition& condition : base_->parameter_conditions()) {
      conditions.push_back(std::move(condition));
    }
    return conditions;
  }
  // A zero is either structural (1 - psi) or the base's: log(psi p(0) + 1 - psi) as a log-sum of
  // the two, exact however small either is.
  Expr unchecked_logp(const Expr& value) const override {
    Expr from_base = log(psi_) + base_->unchecked_logp(value);
    return where(equal(value, 0), discrete::log_add_exp(from_base, log1p(-psi_)), from_base);
  }
  Expr logcdf(const Expr& value) const override {
    Expr mixed = discrete::log_add_exp(log(psi_) + base_->logcdf(value), log1p(-psi_));
    return where(less(value, 0.0), kNegativeInfinity, mixed);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr from_base = base_->random(rng, shape);
    return where(less(rng.uniform(shape), psi_), from_base, zeros_like(from_base));
  }

 private:
  std::string family_;
  Expr psi_;
  std::shared_ptr<const DistributionImpl> base_;
  std::vector<Expr> parameters_;
};

}  // namespace

Distribution ZeroInflatedPoisson(const Expr& psi, const Expr& mu) {
  return make_distribution<ZeroInflatedDistribution>(
      "ZeroInflatedPoisson", discrete::unchecked_poisson(mu), std::vector<Expr>{psi, mu});
}

Distribution ZeroInflatedBinomial(const Expr& psi, const Expr& n, const Expr& p) {
  return make_distribution<ZeroInflatedDistribution>(
      "ZeroInflatedBinomial", discrete::unchecked_binomial(n, p), std::vector<Expr>{psi, n, p});
}

Distribution ZeroInflatedNegativeBinomial(const Expr& psi, const Expr& mu, const Expr& alpha) {
  return make_distribution<ZeroInflatedDistribution>(
      "ZeroInflatedNegativeBinomial", discrete::unchecked_negative_binomial(mu, alpha),
      std::vector<Expr>{psi, mu, alpha});
}

}  // namespace hypatia
