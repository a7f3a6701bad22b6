// Strictly increasing positive vectors: every entry adds a positive step exp(u_k) to the one
// before (the first to zero), so the Jacobian is triangular with the steps on its diagonal.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "ppl/transforms/axes.hpp"

namespace hypatia {
namespace {

class PositiveOrderedTransform final : public Transform {
 public:
  std::string name() const override { return "positive_ordered"; }
  Expr constrain(const Expr& u) const override { return cumsum(exp(u), -1); }
  Expr unconstrain(const Expr& x) const override {
    const std::int64_t size = transforms::known_last_dim(x, "positive_ordered transform");
    Expr previous = concatenate({zeros_like(slice(x, -1, Slice{std::nullopt, 1, std::nullopt})),
                                 slice(x, -1, Slice{std::nullopt, size - 1, std::nullopt})},
                                -1);
    return log(x - previous);
  }
  Expr log_jacobian(const Expr& u) const override { return sum(u); }
  // One term per ordered vector.
  Expr log_jacobian_terms(const Expr& u) const override { return sum(u, {-1}); }
};

}  // namespace

TransformPtr positive_ordered_transform() {
  static const TransformPtr instance = std::make_shared<const PositiveOrderedTransform>();
  return instance;
}

}  // namespace hypatia
