// Stan's stick-breaking simplex transform. Coordinate k of K-1 breaks off the fraction
// z_k = sigmoid(u_k - log(K-1-k)) of the stick left after the first k pieces; the offset makes
// u = 0 the uniform simplex. Everything runs in log space: log z = -softplus(-t) and
// log(1 - z) = -softplus(t) stay accurate when a piece or the remaining stick is tiny.

#include <cmath>
#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/transforms/axes.hpp"

namespace hypatia {
namespace {

// log(K-1-k) for k = 0..K-2, given the K-1 free coordinates.
Expr stick_offsets(std::int64_t free_count) {
  std::vector<double> offsets;
  for (std::int64_t k = 0; k < free_count; ++k) {
    offsets.push_back(std::log(static_cast<double>(free_count - k)));
  }
  return constant(Tensor::from_doubles(offsets, {free_count}));
}

// The log of each breaking fraction and of its complement, and the log of the stick left before
// each break.
struct Sticks {
  Expr log_fraction;
  Expr log_complement;
  Expr log_remaining_before;  // exclusive running sum of log_complement
};

Sticks break_sticks(const Expr& u) {
  const Expr t = u - stick_offsets(transforms::known_last_dim(u, "simplex transform"));
  Expr log_complement = -softplus(t);
  return {.log_fraction = -softplus(-t),
          .log_complement = log_complement,
          .log_remaining_before = cumsum(log_complement, -1) - log_complement};
}

class SimplexTransform final : public Transform {
 public:
  std::string name() const override { return "simplex"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    Shape shape = constrained;
    if (!shape.empty() && shape.back() != kUnknownDim) shape.back() -= 1;
    return shape;
  }

  Expr constrain(const Expr& u) const override {
    const Sticks sticks = break_sticks(u);
    // The last entry is the stick left after every break (all of it when K = 1).
    Expr last = sum(sticks.log_complement, {-1}, /*keepdims=*/true);
    return exp(concatenate({sticks.log_fraction + sticks.log_remaining_before, last}, -1));
  }

  // z_k = x_k / (x_k + ... + x_{K-1}), so logit(z_k) = log x_k - log(x_{k+1} + ... + x_{K-1}):
  // tail sums, not 1 - head sums, keep small remainders accurate.
  Expr unconstrain(const Expr& x) const override {
    const std::int64_t size = transforms::known_last_dim(x, "simplex transform");
    Expr tails = cumsum(x, -1, /*reverse=*/true);
    Expr head = slice(x, -1, Slice{std::nullopt, size - 1, std::nullopt});
    Expr later = slice(tails, -1, Slice{1, std::nullopt, std::nullopt});
    return log(head) - log(later) + stick_offsets(size - 1);
  }

  // The map from u to the first K-1 entries is triangular with diagonal
  // dx_k/du_k = z_k (1 - z_k) * (stick left before break k).
  Expr log_jacobian(const Expr& u) const override { return sum(log_diagonal(u)); }
  // One term per simplex.
  Expr log_jacobian_terms(const Expr& u) const override { return sum(log_diagonal(u), {-1}); }

 private:
  static Expr log_diagonal(const Expr& u) {
    const Sticks sticks = break_sticks(u);
    return sticks.log_fraction + sticks.log_complement + sticks.log_remaining_before;
  }
};

}  // namespace

TransformPtr simplex_transform() {
  static const TransformPtr instance = std::make_shared<const SimplexTransform>();
  return instance;
}

}  // namespace hypatia
