// Arrays summing to zero over each of the last n axes (PyMC's ZeroSumTransform). Along one axis of
// length N, the N-1 free values u are extended by a reflection: with s = sum(u),
//   x_k = u_k - s / (N + sqrt N)  (k < N-1),   x_{N-1} = -s / sqrt N.
// The columns of this map are orthonormal (it is a Householder reflection of (u, 0) restricted to
// the zero-sum hyperplane), and a product of such maps over several axes is again an isometry onto
// the zero-sum subspace. So the log-Jacobian is 0 with respect to Lebesgue measure on that
// subspace, which is the measure ZeroSumNormal's density is written for.

#include <cmath>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/transform.hpp"

namespace hypatia {
namespace {

// The length of `axis` (negative, counted from the end) plus `extra`.
double length_along(const Expr& x, std::int64_t axis, int extra) {
  const std::int64_t position = x.rank() + axis;
  if (position < 0 || x.shape()[position] == kUnknownDim) {
    throw Error("zero_sum transform: the zero-sum axes of " + shape_to_string(x.shape()) +
                " must exist and have known lengths");
  }
  return static_cast<double>(x.shape()[position] + extra);
}

Expr extend_axis(const Expr& u, std::int64_t axis) {
  const double root = std::sqrt(length_along(u, axis, 1));
  Expr total = sum(u, {axis}, /*keepdims=*/true);
  return concatenate({u - total / (root * root + root), -total / root}, axis);
}

Expr reduce_axis(const Expr& x, std::int64_t axis) {
  const double root = std::sqrt(length_along(x, axis, 0));
  Expr total = -root * slice(x, axis, Slice{-1, std::nullopt, std::nullopt});
  return slice(x, axis, Slice{std::nullopt, -1, std::nullopt}) + total / (root * root + root);
}

class ZeroSumTransform final : public Transform {
 public:
  explicit ZeroSumTransform(int n_axes) : n_axes_(n_axes) {}

  std::string name() const override { return "zero_sum"; }

  Shape unconstrained_shape(const Shape& constrained) const override {
    Shape shape = constrained;
    for (int k = 1; k <= n_axes_ && k <= static_cast<int>(shape.size()); ++k) {
      std::int64_t& dim = shape[shape.size() - k];
      if (dim != kUnknownDim) dim -= 1;
    }
    return shape;
  }

  Expr constrain(const Expr& u) const override {
    Expr x = u;
    for (int k = 1; k <= n_axes_; ++k) x = extend_axis(x, -k);
    return x;
  }

  Expr unconstrain(const Expr& x) const override {
    Expr u = x;
    for (int k = 1; k <= n_axes_; ++k) u = reduce_axis(u, -k);
    return u;
  }

  Expr log_jacobian(const Expr&) const override { return Expr(0.0); }
  // One (zero) term per zero-sum block, as PyMC's transform gives.
  Expr log_jacobian_terms(const Expr& u) const override {
    Axes zero_sum_axes;
    for (int k = 1; k <= n_axes_; ++k) zero_sum_axes.push_back(-k);
    return sum(zeros_like(u), zero_sum_axes);
  }

 private:
  int n_axes_;
};

}  // namespace

TransformPtr zero_sum_transform(int n_axes) {
  if (n_axes < 1) {
    throw Error("zero_sum transform: n_axes must be at least 1, got " + std::to_string(n_axes));
  }
  return std::make_shared<const ZeroSumTransform>(n_axes);
}

}  // namespace hypatia
