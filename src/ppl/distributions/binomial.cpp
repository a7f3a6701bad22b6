// Binomial by probability or by log-odds: one implementation over log p and log(1 - p) (the logit
// form gets them exactly through softplus) and 1 - p for the CDF.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

struct BinomialParameterization {
  std::string family;
  Expr n;
  Expr parameter;
  ParameterCondition condition;
  Expr p;
  Expr q;  // 1 - p
  Expr log_p;
  Expr log_q;
};

class BinomialDistribution final : public DistributionImpl {
 public:
  explicit BinomialDistribution(BinomialParameterization parameters)
      : parameters_(std::move(parameters)) {}

  std::string name() const override { return parameters_.family; }
  Shape default_shape() const override {
    return batch_shape({parameters_.n, parameters_.parameter});
  }
  Support support() const override {
    return {SupportKind::bounded_integers, Expr(0.0), parameters_.n};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative_integer("n", parameters_.n), parameters_.condition};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::binomial_logp(parameters_.n, value, parameters_.log_p, parameters_.log_q);
  }
  Expr logcdf(const Expr& value) const override {
    return discrete::binomial_logcdf(parameters_.n, value, parameters_.q);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return cast(rng.binomial(parameters_.n, parameters_.p, shape), DType::int64);
  }

 private:
  BinomialParameterization parameters_;
};

BinomialParameterization by_probability(const Expr& n, const Expr& p) {
  return {"Binomial", n, p, parameters::probability("p", p), p, 1.0 - p, log(p), log1p(-p)};
}

}  // namespace

Distribution Binomial(const Expr& n, const Expr& p) {
  return make_distribution<BinomialDistribution>(by_probability(n, p));
}

Distribution BinomialLogit(const Expr& n, const Expr& logit_p) {
  return make_distribution<BinomialDistribution>(BinomialParameterization{
      "BinomialLogit", n, logit_p, parameters::not_nan("logit_p", logit_p), sigmoid(logit_p),
      sigmoid(-logit_p), -softplus(-logit_p), -softplus(logit_p)});
}

std::shared_ptr<const DistributionImpl> discrete::unchecked_binomial(const Expr& n, const Expr& p) {
  return std::make_shared<const BinomialDistribution>(by_probability(n, p));
}

}  // namespace hypatia
