// Correlation matrices C = L L^T from the corr_cholesky transform's coordinates. Measured, like
// LKJCorr's density, in C's strictly lower entries, the extra factor is |det dC/dL| over the
// strictly lower entries of both. C_ij = sum_{k<=j} L_ik L_jk (j < i) involves row i of L only
// through L_i0..L_ij, so dC/dL is block triangular by rows, row i's block lower triangular with
// L_00..L_{i-1,i-1} on its diagonal: |det| = prod_j L_jj^(n-1-j) (0-based).
//
// The packed form (PyMC's LKJCorr value) is the vector of C's strictly upper entries, row by row.
// By symmetry these are C's strictly lower entries in another order, so the same coordinates
// give the same log-Jacobian: a permutation of the coordinates has |det| 1.

#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/transforms/axes.hpp"
#include "ppl/transforms/triangular.hpp"

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
    return factor_->log_jacobian(u) + sum(log_diagonal_powers(u));
  }
  // One term per matrix.
  Expr log_jacobian_terms(const Expr& u) const override {
    return factor_->log_jacobian_terms(u) + sum(log_diagonal_powers(u), {-1});
  }

 private:
  // (n-1-j) log L_jj for each row j of each factor.
  Expr log_diagonal_powers(const Expr& u) const {
    Expr l = factor_->constrain(u);
    const std::int64_t n = l.shape().back();
    std::vector<double> powers;
    for (std::int64_t i = 0; i < n; ++i) powers.push_back(static_cast<double>(n - 1 - i));
    Expr powers_by_row = constant(Tensor::from_doubles(powers, {n}));
    return powers_by_row * log(diagonal(l));
  }

  TransformPtr factor_ = corr_cholesky_transform();
};

class PackedCorrelationTransform final : public Transform {
 public:
  std::string name() const override { return "packed_correlation"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    if (constrained.empty() || constrained.back() == kUnknownDim) {
      throw Error(
          "packed_correlation transform: expected packed correlations of known length, "
          "got shape " +
          shape_to_string(constrained));
    }
    triangular::matrix_size(constrained.back(), triangular::Diagonal::excluded,
                            "packed_correlation transform");
    return constrained;
  }

  Expr constrain(const Expr& u) const override {
    return triangular::pack_upper(matrix_->constrain(u));
  }

  Expr unconstrain(const Expr& packed) const override {
    const std::int64_t n =
        triangular::matrix_size(transforms::known_last_dim(packed, "packed_correlation transform"),
                                triangular::Diagonal::excluded, "packed_correlation transform");
    return matrix_->unconstrain(triangular::unpack_upper_symmetric(packed, n, 1.0));
  }

  Expr log_jacobian(const Expr& u) const override { return matrix_->log_jacobian(u); }
  Expr log_jacobian_terms(const Expr& u) const override { return matrix_->log_jacobian_terms(u); }

 private:
  TransformPtr matrix_ = correlation_transform();
};

}  // namespace

TransformPtr correlation_transform() {
  static const TransformPtr instance = std::make_shared<const CorrelationTransform>();
  return instance;
}

TransformPtr packed_correlation_transform() {
  static const TransformPtr instance = std::make_shared<const PackedCorrelationTransform>();
  return instance;
}

}  // namespace hypatia
