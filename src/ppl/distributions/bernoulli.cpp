// Bernoulli by probability or by log-odds: one implementation over log p and log(1 - p), which
// the logit form gets exactly as -softplus(-logit_p) and -softplus(logit_p). Its log density picks
// the sign before the softplus, so each value costs one softplus (and its gradient one sigmoid)
// rather than both branches' worth: logistic regression spends most of its time there.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

struct BernoulliParameterization {
  std::string family;
  Expr parameter;
  ParameterCondition condition;
  Expr p;
  Expr log_p;
  Expr log_q;  // log(1 - p)
  bool by_logit = false;
};

class BernoulliDistribution final : public DistributionImpl {
 public:
  explicit BernoulliDistribution(BernoulliParameterization parameters)
      : parameters_(std::move(parameters)) {}

  std::string name() const override { return parameters_.family; }
  Shape default_shape() const override { return batch_shape({parameters_.parameter}); }
  Support support() const override { return {SupportKind::binary}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters_.condition};
  }
  Expr unchecked_logp(const Expr& value) const override {
    if (parameters_.by_logit) {
      const Expr& logit_p = parameters_.parameter;
      return -softplus(where(equal(value, 1), -logit_p, logit_p));
    }
    return where(equal(value, 1), parameters_.log_p, parameters_.log_q);
  }
  Expr logcdf(const Expr& value) const override {
    return discrete::integer_logcdf(value, Expr(0.0), Expr(1.0),
                                    [&](const Expr&) { return parameters_.log_q; });
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return cast(less(rng.uniform(shape), parameters_.p), DType::int64);
  }

 private:
  BernoulliParameterization parameters_;
};

}  // namespace

Distribution Bernoulli(const Expr& p) {
  return make_distribution<BernoulliDistribution>(BernoulliParameterization{
      "Bernoulli", p, parameters::probability("p", p), p, log(p), log1p(-p)});
}

Distribution BernoulliLogit(const Expr& logit_p) {
  return make_distribution<BernoulliDistribution>(
      BernoulliParameterization{"BernoulliLogit", logit_p, parameters::not_nan("logit_p", logit_p),
                                sigmoid(logit_p), -softplus(-logit_p), -softplus(logit_p),
                                /*by_logit=*/true});
}

}  // namespace hypatia
