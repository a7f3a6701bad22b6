// StickBreakingWeights(alpha, K): the first K + 1 weights of a Dirichlet process's stick-breaking
// construction. With v_k ~ Beta(1, alpha) for k = 1..K, w_k = v_k prod_{j<k} (1 - v_j) and the
// last weight w_{K+1} = prod_{j<=K} (1 - v_j) is what is left of the stick, so the weights lie on
// the simplex. The density of the first K weights follows from the change of variables
// v_k = w_k / R_{k-1}, with R_k = w_{k+1} + ... + w_{K+1} the stick left after k breaks:
//   log p(w) = K log alpha + (alpha - 1) log w_{K+1} - sum_{k=1}^{K-1} log R_k.

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

class StickBreakingWeightsDistribution final : public DistributionImpl {
 public:
  StickBreakingWeightsDistribution(Expr alpha, std::int64_t k) : alpha_(std::move(alpha)), k_(k) {
    if (k_ < 1) throw Error(name() + ": K must be a positive integer, got " + std::to_string(k_));
  }

  std::string name() const override { return "StickBreakingWeights"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = alpha_.shape();
    shape.push_back(k_ + 1);
    return shape;
  }
  Support support() const override { return {SupportKind::simplex}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("alpha", alpha_),
            {"alpha", logical_not(isinf(alpha_)), "finite", alpha_}};
  }

  Expr unchecked_logp(const Expr& value) const override {
    if (value.rank() == 0 ||
        (value.shape().back() != k_ + 1 && value.shape().back() != kUnknownDim)) {
      throw_shape_error(name() + ": " + std::to_string(k_ + 1) +
                        " weights along the last axis were expected, got shape " +
                        shape_to_string(value.shape()));
    }
    const Expr w = cast(value, DType::float64);
    // Tail sums R_0 = 1, R_1, ..., R_K = w_{K+1}, summed from the small end for accuracy.
    const Expr tails = cumsum(w, -1, /*reverse=*/true);
    const Expr inner = slice(tails, -1, Slice{1, k_});  // R_1 .. R_{K-1}
    const Expr last = slice(w, -1, Index{k_});
    const Expr alpha = cast(alpha_, DType::float64);
    // (alpha - 1) log w_{K+1}, taken as 0 at alpha = 1 even where w_{K+1} = 0.
    const Expr last_term = where(equal(alpha, 1.0), 0.0, (alpha - 1.0) * log(last));
    return static_cast<double>(k_) * log(alpha) + last_term - sum(log(inner), {-1});
  }

  // log(1 - v_k) = log(U_k) / alpha for v_k ~ Beta(1, alpha); the weights are built in logs, so
  // a long stick with a small alpha leaves tiny weights rather than 0 * inf.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Shape breaks_shape(shape.begin(), shape.end() - 1);
    breaks_shape.push_back(k_);
    const Expr alpha = expand_dims(cast(alpha_, DType::float64), {-1});
    const Expr log_left_share = log(rng.uniform(breaks_shape)) / alpha;  // log(1 - v_k)
    const Expr log_break = log1mexp(log_left_share);                     // log v_k
    const Expr log_left = cumsum(log_left_share, -1);                    // log R_k, k = 1..K
    const Expr log_left_before = concatenate(
        {zeros_like(slice(log_left, -1, Slice{0, 1})), slice(log_left, -1, Slice{0, k_ - 1})},
        -1);  // log R_{k-1}
    return exp(
        concatenate({log_break + log_left_before, slice(log_left, -1, Slice{k_ - 1, k_})}, -1));
  }

 private:
  Expr alpha_;
  std::int64_t k_;
};

}  // namespace

Distribution StickBreakingWeights(const Expr& alpha, std::int64_t K) {
  return make_distribution<StickBreakingWeightsDistribution>(alpha, K);
}

}  // namespace hypatia
