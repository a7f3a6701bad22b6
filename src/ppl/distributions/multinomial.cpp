// The multinomial distribution: counts along the last axis summing to n, with probabilities p.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

class MultinomialDistribution final : public DistributionImpl {
 public:
  MultinomialDistribution(Expr n, Expr p) : n_(std::move(n)), p_(std::move(p)) {
    size_ = multivariate::event_size(p_, name(), "p");
  }

  std::string name() const override { return "Multinomial"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape =
        multivariate::broadcast_batches({n_.shape(), multivariate::batch_of(p_, 1)}, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {.kind = SupportKind::counts, .total = n_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    Expr entries_valid = all(greater_equal(p_, 0.0) & less_equal(p_, 1.0), {-1});
    Expr sums_to_one = less_equal(abs(sum(p_, {-1}) - 1.0), 1e-8);
    return {
        parameters::nonnegative_integer("n", n_),
        {"p", entries_valid & sums_to_one, "a probability vector (entries in [0, 1], sum 1)", p_}};
  }

  // log n! - sum log x_k! + sum x_k log p_k, with 0 log 0 = 0 for impossible categories.
  Expr unchecked_logp(const Expr& value) const override {
    Expr counts = cast(value, DType::float64);
    Expr weighted_log = where(equal(counts, 0.0), 0.0, counts * log(p_));
    return lgamma(cast(n_, DType::float64) + 1.0) + sum(weighted_log - lgamma(counts + 1.0), {-1});
  }

  // Category by category: x_k ~ Binomial(what is left of n, p_k / what is left of p).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Shape batch(shape.begin(), shape.end() - 1);
    Expr left = broadcast_to(cast(n_, DType::float64), batch);
    Expr probability_left = broadcast_to(Expr(1.0), batch);
    Exprs counts;
    for (std::int64_t k = 0; k + 1 < size_; ++k) {
      Expr p_k = slice(p_, -1, Index{k});
      Expr conditional = clip(p_k / probability_left, 0.0, 1.0);
      Expr count = cast(rng.binomial(left, where(isnan(conditional), 0.0, conditional), batch),
                        DType::float64);
      counts.push_back(count);
      left = left - count;
      probability_left = probability_left - p_k;
    }
    counts.push_back(left);
    return cast(stack(counts, -1), DType::int64);
  }

 private:
  Expr n_;
  Expr p_;
  std::int64_t size_ = 0;
};

}  // namespace

Distribution Multinomial(const Expr& n, const Expr& p) {
  return make_distribution<MultinomialDistribution>(n, p);
}

}  // namespace hypatia
