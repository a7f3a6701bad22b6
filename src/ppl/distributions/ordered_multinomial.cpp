// OrderedMultinomial(eta, cutpoints, n): n independent ordered-logistic outcomes 0, ..., K counted
// by category (PyMC's family): Multinomial(n, p) with p_k = sigmoid(c_k - eta) -
// sigmoid(c_{k-1} - eta), c_{-1} = -inf and c_K = +inf, each difference taken in logs as
// -softplus(-u) - softplus(l) + log(1 - exp(l - u)) so that neither tail cancels.

#include <limits>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

class OrderedMultinomialDistribution final : public DistributionImpl {
 public:
  OrderedMultinomialDistribution(Expr eta, Expr cutpoints, Expr n)
      : eta_(std::move(eta)), cutpoints_(std::move(cutpoints)), n_(std::move(n)) {
    cutpoint_count_ = discrete::last_axis_size(cutpoints_, name(), "cutpoints");
  }

  std::string name() const override { return "OrderedMultinomial"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = multivariate::broadcast_batches(
        {eta_.shape(), n_.shape(), multivariate::batch_of(cutpoints_, 1)}, name());
    shape.push_back(cutpoint_count_ + 1);
    return shape;
  }
  Support support() const override { return {.kind = SupportKind::counts, .total = n_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    Expr finite = all(logical_not(isnan(cutpoints_) | isinf(cutpoints_)), {-1});
    if (cutpoint_count_ > 1) {
      const Expr steps = slice(cutpoints_, -1, Slice{1, std::nullopt}) -
                         slice(cutpoints_, -1, Slice{std::nullopt, cutpoint_count_ - 1});
      finite = finite & all(greater_equal(steps, 0.0), {-1});
    }
    return {parameters::not_nan("eta", eta_),
            {"cutpoints", finite, "finite and nondecreasing along the last axis", cutpoints_},
            parameters::nonnegative_integer("n", n_)};
  }

  // log n! + sum_k (x_k log p_k - log x_k!), with 0 log 0 = 0.
  Expr unchecked_logp(const Expr& value) const override {
    const Expr counts = cast(value, DType::float64);
    const Expr weighted = where(equal(counts, 0.0), 0.0, counts * log_probabilities());
    return lgamma(cast(n_, DType::float64) + 1.0) + sum(weighted - lgamma(counts + 1.0), {-1});
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return Multinomial(n_, exp(log_probabilities())).random(rng, shape);
  }

 private:
  // log p_k along the last axis (K + 1 categories).
  Expr log_probabilities() const {
    const Expr cuts = cutpoints_ - expand_dims(eta_, {-1});
    const Expr edge = zeros_like(slice(cuts, -1, Slice{0, 1}));
    const Expr lower = concatenate({edge - kInfinity, cuts}, -1);
    const Expr upper = concatenate({cuts, edge + kInfinity}, -1);
    return -softplus(-upper) - softplus(lower) + log1mexp(lower - upper);
  }

  Expr eta_;
  Expr cutpoints_;
  Expr n_;
  std::int64_t cutpoint_count_ = 0;
};

}  // namespace

Distribution OrderedMultinomial(const Expr& eta, const Expr& cutpoints, const Expr& n) {
  return make_distribution<OrderedMultinomialDistribution>(eta, cutpoints, n);
}

}  // namespace hypatia
