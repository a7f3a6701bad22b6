// The Dirichlet-multinomial distribution: counts along the last axis summing to n, drawn as
// Multinomial(n, p) with p ~ Dirichlet(a) and p integrated out. Its mass is
// n! Gamma(A) / Gamma(n + A) * prod_k Gamma(x_k + a_k) / (x_k! Gamma(a_k)), A = sum_k a_k.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

class DirichletMultinomialDistribution final : public DistributionImpl {
 public:
  DirichletMultinomialDistribution(Expr n, Expr a) : n_(std::move(n)), a_(std::move(a)) {
    size_ = multivariate::event_size(a_, name(), "a");
  }

  std::string name() const override { return "DirichletMultinomial"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape =
        multivariate::broadcast_batches({n_.shape(), multivariate::batch_of(a_, 1)}, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {.kind = SupportKind::counts, .total = n_}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative_integer("n", n_),
            {"a", all(greater(a_, 0.0) & logical_not(isinf(a_)), {-1}), "> 0 and finite", a_}};
  }

  Expr unchecked_logp(const Expr& value) const override {
    const Expr counts = cast(value, DType::float64);
    const Expr n = cast(n_, DType::float64);
    const Expr total = sum(a_, {-1});
    return lgamma(n + 1.0) + lgamma(total) - lgamma(n + total) +
           sum(lgamma(counts + a_) - lgamma(a_) - lgamma(counts + 1.0), {-1});
  }

  // p ~ Dirichlet(a) (normalized gamma draws, in logs so that small a cannot give 0 / 0), then
  // the counts category by category: x_k ~ Binomial(what is left of n, p_k / what is left of p).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Shape batch(shape.begin(), shape.end() - 1);
    const Expr log_gammas = log_gamma_draws(rng, a_, shape);
    const Expr log_p = log_gammas - logsumexp(log_gammas, {-1}, /*keepdims=*/true);
    Expr left = broadcast_to(cast(n_, DType::float64), batch);
    Exprs counts;
    for (std::int64_t k = 0; k + 1 < size_; ++k) {
      // log of p_k / (p_k + ... + p_{K-1}), the share of what is left of p.
      const Expr rest = slice(log_p, -1, Slice{k, std::nullopt});
      const Expr conditional =
          exp(slice(log_p, -1, Index{k}) - logsumexp(rest, {-1}, /*keepdims=*/false));
      const Expr safe = where(isnan(conditional), 0.0, clip(conditional, 0.0, 1.0));
      const Expr count = cast(rng.binomial(left, safe, batch), DType::float64);
      counts.push_back(count);
      left = left - count;
    }
    counts.push_back(left);
    return cast(stack(counts, -1), DType::int64);
  }

 private:
  Expr n_;
  Expr a_;
  std::int64_t size_ = 0;
};

}  // namespace

Distribution DirichletMultinomial(const Expr& n, const Expr& a) {
  return make_distribution<DirichletMultinomialDistribution>(n, a);
}

}  // namespace hypatia
