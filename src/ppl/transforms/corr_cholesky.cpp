// Stan's Cholesky-factor-of-correlation transform. The n(n-1)/2 coordinates, row by row over the
// strictly lower triangle, become canonical partial correlations z = tanh(u) in (-1, 1). Row i of
// the factor is then built left to right on the unit sphere: with r_ij = 1 - sum_{k<j} L_ik^2 the
// squared length still free,
//   L_ij = z_ij sqrt(r_ij) (j < i),   L_ii = sqrt(r_ii),   r_i,j+1 = r_ij (1 - z_ij^2),
// so log r_ij is a running sum of log(1 - z^2) along the row. Taking the strictly lower entries
// as the factor's coordinates (the diagonal follows from them), the Jacobian is triangular with
// diagonal (1 - z_ij^2) sqrt(r_ij); this is the density Stan's lkj_corr_cholesky is written for.

#include <cmath>
#include <numbers>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "ppl/transforms/axes.hpp"
#include "ppl/transforms/triangular.hpp"

namespace hypatia {
namespace {

using triangular::Diagonal;

const double kLogFour = std::log(4.0);

// Partial correlations and the log squared lengths still free, as n x n matrices.
struct Rows {
  Expr partial_correlations;  // tanh(u) below the diagonal, 0 elsewhere
  Expr log_one_minus_z2;      // log(1 - z^2) below the diagonal, 0 elsewhere
  Expr log_remaining;         // log r_ij, for j <= i
};

Rows build_rows(const Expr& u) {
  const std::int64_t n =
      triangular::matrix_size(transforms::known_last_dim(u, "corr_cholesky transform"),
                              Diagonal::excluded, "corr_cholesky transform");
  // log(1 - tanh(u)^2) = log(4 / (e^u + e^-u)^2), written with softplus so that it stays finite
  // where tanh(u) rounds to +-1.
  Expr packed_log_one_minus_z2 = kLogFour - 2.0 * u - 2.0 * softplus(-2.0 * u);
  Expr log_one_minus_z2 = triangular::unpack(packed_log_one_minus_z2, n, Diagonal::excluded);
  return {.partial_correlations = triangular::unpack(tanh(u), n, Diagonal::excluded),
          .log_one_minus_z2 = log_one_minus_z2,
          .log_remaining = cumsum(log_one_minus_z2, -1) - log_one_minus_z2};
}

class CorrCholeskyTransform final : public Transform {
 public:
  std::string name() const override { return "corr_cholesky"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    return triangular::packed_shape(constrained, Diagonal::excluded, "corr_cholesky transform");
  }

  Expr constrain(const Expr& u) const override {
    const Rows rows = build_rows(u);
    const std::int64_t n = rows.partial_correlations.shape().back();
    Expr direction = rows.partial_correlations + eye(n);
    return direction * exp(0.5 * tril(rows.log_remaining));
  }

  // z_ij = L_ij / sqrt(r_ij), with r_ij = L_ij^2 + ... + L_ii^2 summed from the right (the row
  // has unit length), which stays accurate when r_ij is small.
  Expr unconstrain(const Expr& l) const override {
    Expr lower = tril(l);
    Expr remaining = cumsum(square(lower), -1, /*reverse=*/true);
    Expr z = triangular::pack(lower, Diagonal::excluded) /
             sqrt(triangular::pack(remaining, Diagonal::excluded));
    return 0.5 * (log1p(z) - log1p(-z));
  }

  Expr log_jacobian(const Expr& u) const override { return log_jacobian_over(u, {}); }
  // One term per factor.
  Expr log_jacobian_terms(const Expr& u) const override { return log_jacobian_over(u, {-2, -1}); }

 private:
  static Expr log_jacobian_over(const Expr& u, const Axes& matrix_axes) {
    const Rows rows = build_rows(u);
    const std::int64_t n = rows.partial_correlations.shape().back();
    Expr below = where(triangular::strictly_lower_mask(n), rows.log_remaining, 0.0);
    return sum(rows.log_one_minus_z2, matrix_axes) + 0.5 * sum(below, matrix_axes);
  }
};

}  // namespace

TransformPtr corr_cholesky_transform() {
  static const TransformPtr instance = std::make_shared<const CorrCholeskyTransform>();
  return instance;
}

}  // namespace hypatia
