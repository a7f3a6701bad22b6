// Correlation matrices C = L L^T from the corr_cholesky transform's coordinates. Measured, like
// LKJCorr's density, in C's strictly lower entries, the extra factor is |det dC/dL| over the
// strictly lower entries of both. C_ij = sum_{k<=j} L_ik L_jk (j < i) involves row i of L only
// through L_i0..L_ij, so dC/dL is block triangular by rows, row i's block lower triangular with
// L_00..L_{i-1,i-1} on its diagonal: |det| = prod_j L_jj^(n-1-j) (0-based).

#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia {
namespace {

class CorrelationTransform final : public Transform {
 public:
  std::string name() const override { return "correlation"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    return factor_->unconstrained_shape(constrained);
  }

  Expr constrain(const Expr& u) const override {
    Expr l = factor_->constrain(u);
    return matmul(l, matrix_transpose(l));
  }

  Expr unconstrain(const Expr& c) const override { return factor_->unconstrain(cholesky(c)); }

  Expr log_jacobian(const Expr& u) const override {
    Expr l = factor_->constrain(u);
    const std::int64_t n = l.shape().back();
    std::vector<double> powers;
    for (std::int64_t i = 0; i < n; ++i) powers.push_back(static_cast<double>(n - 1 - i));
    Expr powers_by_row = constant(Tensor::from_doubles(powers, {n}));
    return factor_->log_jacobian(u) + sum(powers_by_row * log(diagonal(l)));
  }

 private:
  TransformPtr factor_ = corr_cholesky_transform();
};

}  // namespace

TransformPtr correlation_transform() {
  static const TransformPtr instance = std::make_shared<const CorrelationTransform>();
  return instance;
}

}  // namespace hypatia
