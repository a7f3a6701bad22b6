// One of K categories 0, ..., K-1, with probabilities (rescaled to sum to 1, as PyMC) or logits
// along the parameter's last axis. The value has the parameter's shape without that axis.

#include <limits>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

class CategoricalBase : public DistributionImpl {
 public:
  CategoricalBase(Expr parameter, const std::string& family, const std::string& parameter_name)
      : parameter_(std::move(parameter)),
        categories_(discrete::last_axis_size(parameter_, family, parameter_name)) {}

  Shape default_shape() const override { return discrete::batch_shape_with_vector({}, parameter_); }
  Support support() const override {
    return {SupportKind::bounded_integers, Expr(0.0), Expr(static_cast<double>(categories_ - 1))};
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return cast(rng.categorical(probabilities(), shape), DType::int64);
  }

 protected:
  virtual Expr probabilities() const = 0;  // normalized, along the last axis

  Expr parameter_;
  std::int64_t categories_;
};

class CategoricalDistribution final : public CategoricalBase {
 public:
  explicit CategoricalDistribution(Expr p) : CategoricalBase(std::move(p), "Categorical", "p") {}

  std::string name() const override { return "Categorical"; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    Expr entries_valid = greater_equal(parameter_, 0.0) & logical_not(isinf(parameter_));
    Expr valid = all(entries_valid, {-1}) & greater(sum(parameter_, {-1}), 0.0);
    return {{"p", valid, "finite and nonnegative along the last axis, with a positive sum",
             parameter_}};
  }
  // The chosen probability is taken before the log, so a zero elsewhere does not reach the
  // gradient as log(0).
  Expr unchecked_logp(const Expr& value) const override {
    return log(discrete::take_last_axis(parameter_, value)) - log(sum(parameter_, {-1}));
  }

 private:
  Expr probabilities() const override { return parameter_ / sum(parameter_, {-1}, true); }
};

class CategoricalLogitDistribution final : public CategoricalBase {
 public:
  explicit CategoricalLogitDistribution(Expr logits)
      : CategoricalBase(std::move(logits), "CategoricalLogit", "logits") {}

  std::string name() const override { return "CategoricalLogit"; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    Expr entries_valid = logical_not(isnan(parameter_) | equal(parameter_, kInfinity));
    Expr valid = all(entries_valid, {-1}) & any(greater(parameter_, -kInfinity), {-1});
    return {{"logits", valid, "below +inf and not NaN, with one entry above -inf", parameter_}};
  }
  Expr unchecked_logp(const Expr& value) const override {
    return discrete::take_last_axis(parameter_, value) - logsumexp(parameter_, {-1});
  }

 private:
  Expr probabilities() const override {
    return exp(parameter_ - logsumexp(parameter_, {-1}, true));
  }
};

}  // namespace

Distribution Categorical(const Expr& p) {
  return make_distribution<CategoricalDistribution>(p);
}

Distribution CategoricalLogit(const Expr& logits) {
  return make_distribution<CategoricalLogitDistribution>(logits);
}

}  // namespace hypatia
