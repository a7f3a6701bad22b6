// Ordered outcomes 0, ..., K from a latent eta + noise cut at K increasing cutpoints (along the
// cutpoints' last axis): P(y <= k) = F(c_k - eta), with F the logistic or the normal (scale sigma)
// CDF. The mass of an inner outcome is a difference of two CDF values, computed in a form that
// neither cancels nor underflows in the tails.

#include <numbers>
#include <optional>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

// The noise's standardized CDF F (symmetric: 1 - F(x) = F(-x)) in log form.
class Link {
 public:
  virtual ~Link() = default;
  virtual Expr log_cdf(const Expr& x) const = 0;
  // log(F(upper) - F(lower)) for lower < upper.
  virtual Expr log_cdf_difference(const Expr& lower, const Expr& upper) const = 0;
  virtual Expr cdf(const Expr& x) const = 0;
};

class LogisticLink final : public Link {
 public:
  Expr log_cdf(const Expr& x) const override { return -softplus(-x); }
  // sigmoid(u) - sigmoid(l) = sigmoid(u) sigmoid(-l) (1 - exp(l - u)): only the cutpoints' gap
  // meets log1mexp.
  Expr log_cdf_difference(const Expr& lower, const Expr& upper) const override {
    return -softplus(-upper) - softplus(lower) + log1mexp(lower - upper);
  }
  Expr cdf(const Expr& x) const override { return sigmoid(x); }
};

class ProbitLink final : public Link {
 public:
  Expr log_cdf(const Expr& x) const override { return normal_logcdf(x); }
  // Phi(u) - Phi(l) = Phi(-l) - Phi(-u): taken from whichever tail the interval leans into, so the
  // larger CDF value is at most about 1/2 and the ratio of the two stays accurate.
  Expr log_cdf_difference(const Expr& lower, const Expr& upper) const override {
    Expr mirror = greater(lower + upper, 0.0);
    Expr big = where(mirror, -lower, upper);
    Expr small = where(mirror, -upper, lower);
    Expr log_big = normal_logcdf(big);
    return log_big + log1mexp(normal_logcdf(small) - log_big);
  }
  Expr cdf(const Expr& x) const override { return 0.5 * erfc(-x / std::numbers::sqrt2); }
};

class OrderedDistribution final : public DistributionImpl {
 public:
  // `sigma`: the noise's scale (none: the standard link).
  OrderedDistribution(std::string family, std::shared_ptr<const Link> link, Expr eta,
                      Expr cutpoints, std::optional<Expr> sigma)
      : family_(std::move(family)),
        link_(std::move(link)),
        eta_(std::move(eta)),
        cutpoints_(std::move(cutpoints)),
        sigma_(std::move(sigma)),
        cutpoint_count_(discrete::last_axis_size(cutpoints_, family_, "cutpoints")) {}

  std::string name() const override { return family_; }
  Shape default_shape() const override {
    return discrete::batch_shape_with_vector({eta_, scale()}, cutpoints_);
  }
  Support support() const override {
    return {SupportKind::bounded_integers, Expr(0.0), Expr(static_cast<double>(cutpoint_count_))};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {
        parameters::not_nan("eta", eta_),
        {"cutpoints", nondecreasing_cutpoints(), "finite and nondecreasing along the last axis",
         cutpoints_}};
    if (sigma_) conditions.push_back(parameters::positive("sigma", *sigma_));
    return conditions;
  }
  // Outcome k lies between the standardized cutpoints l = (c_{k-1} - eta) / s and
  // u = (c_k - eta) / s: its mass is F(u) for k = 0, 1 - F(l) = F(-l) for k = K and
  // F(u) - F(l) between. Each branch gets harmless stand-in arguments where another is chosen,
  // so that no infinite derivative meets the zero gradient of an unchosen branch.
  Expr unchecked_logp(const Expr& value) const override {
    Expr lower = standardized(discrete::take_last_axis(cutpoints_, value - 1));
    Expr upper = standardized(discrete::take_last_axis(cutpoints_, value));
    Expr first = equal(value, 0);
    Expr last = equal(value, static_cast<double>(cutpoint_count_));
    Expr inner = logical_not(first | last);
    Expr inner_lower = where(inner, lower, -1.0);
    Expr inner_upper = where(inner, upper, 1.0);
    return where(
        first, link_->log_cdf(upper),
        where(last, link_->log_cdf(-lower), link_->log_cdf_difference(inner_lower, inner_upper)));
  }
  // Categorical draws from the K + 1 differences of the CDF at the cutpoints.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr cdf = link_->cdf(standardized(cutpoints_, true));
    Expr ones = ones_like(slice(cdf, -1, Slice{0, 1, std::nullopt}));
    Expr probabilities = concatenate({cdf, ones}, -1) - concatenate({zeros_like(ones), cdf}, -1);
    return cast(rng.categorical(probabilities, shape), DType::int64);
  }

 private:
  Expr scale() const { return sigma_ ? *sigma_ : Expr(1.0); }

  // (c - eta) / s, for cutpoints of the batch shape or (vector = true) with their last axis.
  Expr standardized(const Expr& cutpoint, bool vector = false) const {
    if (!vector) return (cutpoint - eta_) / scale();
    return (cutpoint - expand_dims(eta_, {-1})) / expand_dims(scale(), {-1});
  }

  Expr nondecreasing_cutpoints() const {
    Expr finite = all(logical_not(isnan(cutpoints_) | isinf(cutpoints_)), {-1});
    if (cutpoint_count_ < 2) return finite;
    Expr steps = slice(cutpoints_, -1, Slice{1, std::nullopt, std::nullopt}) -
                 slice(cutpoints_, -1, Slice{std::nullopt, cutpoint_count_ - 1, std::nullopt});
    return finite & all(greater_equal(steps, 0.0), {-1});
  }

  std::string family_;
  std::shared_ptr<const Link> link_;
  Expr eta_;
  Expr cutpoints_;
  std::optional<Expr> sigma_;
  std::int64_t cutpoint_count_;
};

}  // namespace

Distribution OrderedLogistic(const Expr& eta, const Expr& cutpoints) {
  return make_distribution<OrderedDistribution>(
      "OrderedLogistic", std::make_shared<const LogisticLink>(), eta, cutpoints, std::nullopt);
}

Distribution OrderedProbit(const Expr& eta, const Expr& cutpoints, const Expr& sigma) {
  return make_distribution<OrderedDistribution>(
      "OrderedProbit", std::make_shared<const ProbitLink>(), eta, cutpoints, sigma);
}

}  // namespace hypatia
