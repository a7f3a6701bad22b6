// Strictly increasing vectors: the first entry is free, each later one adds a positive step
// exp(u_k), so the Jacobian is triangular with the steps on its diagonal.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "ppl/transforms/axes.hpp"

namespace hypatia {
namespace {

Expr first(const Expr& x) {
  return slice(x, -1, Slice{std::nullopt, 1, std::nullopt});
}

Expr rest(const Expr& x) {
  return slice(x, -1, Slice{1, std::nullopt, std::nullopt});
}

// x_k - x_{k-1} for k >= 1.
Expr steps(const Expr& x) {
  const std::int64_t size = transforms::known_last_dim(x, "ordered transform");
  return rest(x) - slice(x, -1, Slice{std::nullopt, size - 1, std::nullopt});
}

class OrderedTransform final : public Transform {
 public:
  std::string name() const override { return "ordered"; }
  Expr constrain(const Expr& u) const override {
    return cumsum(concatenate({first(u), exp(rest(u))}, -1), -1);
  }
  Expr unconstrain(const Expr& x) const override {
    return concatenate({first(x), log(steps(x))}, -1);
  }
  Expr log_jacobian(const Expr& u) const override { return sum(rest(u)); }
  // One term per ordered vector.
  Expr log_jacobian_terms(const Expr& u) const override { return sum(rest(u), {-1}); }
};

}  // namespace

TransformPtr ordered_transform() {
  static const TransformPtr instance = std::make_shared<const OrderedTransform>();
  return instance;
}

}  // namespace hypatia
