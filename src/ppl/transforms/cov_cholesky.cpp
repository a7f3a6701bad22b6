// Cholesky factors of covariance matrices from n(n+1)/2 coordinates, row by row over the lower
// triangle as Stan packs them: off-diagonal entries as they are, diagonal entries exp(u) so they
// stay positive. The Jacobian is diagonal; only the exponentiated entries contribute.

#include <vector>

#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/transforms/axes.hpp"
#include "ppl/transforms/triangular.hpp"

namespace hypatia {
namespace {

using triangular::Diagonal;

std::int64_t matrix_size_of(const Expr& u) {
  return triangular::matrix_size(transforms::known_last_dim(u, "cov_cholesky transform"),
                                 Diagonal::included, "cov_cholesky transform");
}

// Positions of the diagonal entries in the packed vector: i(i+1)/2 + i.
Expr diagonal_positions(std::int64_t n) {
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < n; ++i) positions.push_back(i * (i + 1) / 2 + i);
  return constant(Tensor::from_ints(positions, {n}));
}

class CovCholeskyTransform final : public Transform {
 public:
  std::string name() const override { return "cov_cholesky"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    return triangular::packed_shape(constrained, Diagonal::included, "cov_cholesky transform");
  }

  Expr constrain(const Expr& u) const override {
    const std::int64_t n = matrix_size_of(u);
    Expr filled = triangular::unpack(u, n, Diagonal::included);
    return tril(filled, -1) + diag(exp(gather(u, diagonal_positions(n), -1)));
  }

  Expr unconstrain(const Expr& l) const override {
    return triangular::pack(tril(l, -1) + diag(log(diagonal(l))), Diagonal::included);
  }

  Expr log_jacobian(const Expr& u) const override {
    return sum(gather(u, diagonal_positions(matrix_size_of(u)), -1));
  }
  // One term per factor.
  Expr log_jacobian_terms(const Expr& u) const override {
    return sum(gather(u, diagonal_positions(matrix_size_of(u)), -1), {-1});
  }
};

}  // namespace

TransformPtr cov_cholesky_transform() {
  static const TransformPtr instance = std::make_shared<const CovCholeskyTransform>();
  return instance;
}

}  // namespace hypatia
