#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {
namespace {

class LogTransform final : public Transform {
 public:
  std::string name() const override { return "log"; }
  Expr constrain(const Expr& unconstrained) const override { return exp(unconstrained); }
  Expr unconstrain(const Expr& constrained) const override { return log(constrained); }
  Expr log_jacobian(const Expr& unconstrained) const override { return sum(unconstrained); }
  Expr log_jacobian_terms(const Expr& unconstrained) const override { return unconstrained; }
};

}  // namespace

TransformPtr log_transform() {
  static const TransformPtr instance = std::make_shared<const LogTransform>();
  return instance;
}

}  // namespace hypatia
