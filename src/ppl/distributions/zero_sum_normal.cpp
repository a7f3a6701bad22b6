// PyMC's ZeroSumNormal: iid normal entries conditioned to sum to zero over the last n axes. On the
// zero-sum subspace (dimension prod (N_k - 1) per batch element) it is an isotropic normal, so
// its density with respect to Lebesgue measure on the subspace is
//   -0.5 |x|^2 / sigma^2 - dof (log sigma + 0.5 log 2 pi),   dof = prod_k (N_k - 1).

#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class ZeroSumNormalDistribution final : public DistributionImpl {
 public:
  ZeroSumNormalDistribution(Expr sigma, std::int64_t n_axes)
      : sigma_(std::move(sigma)), n_axes_(static_cast<int>(n_axes)) {
    if (n_axes < 1) {
      throw Error(name() + ": n_zerosum_axes must be at least 1, got " + std::to_string(n_axes));
    }
  }

  std::string name() const override { return "ZeroSumNormal"; }
  int event_rank() const override { return n_axes_; }
  // The lengths of the zero-sum axes are not implied by sigma: the variable's shape gives them.
  Shape default_shape() const override {
    Shape shape = sigma_.shape();
    shape.insert(shape.end(), static_cast<std::size_t>(n_axes_), kUnknownDim);
    return shape;
  }
  Support support() const override {
    return {.kind = SupportKind::zero_sum, .zero_sum_axes = n_axes_};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("sigma", sigma_)};
  }

  Expr unchecked_logp(const Expr& value) const override {
    double degrees_of_freedom = 1.0;
    for (std::int64_t axis : event_axes()) {
      const std::int64_t length = value.rank() >= -axis ? value.shape()[value.rank() + axis] : -1;
      if (length < 1) {
        throw_shape_error(name() + ": the value's shape " + shape_to_string(value.shape()) +
                          " needs " + std::to_string(n_axes_) + " zero-sum axes of known length");
      }
      degrees_of_freedom *= static_cast<double>(length - 1);
    }
    Expr squares = sum(square(value / with_event_axes(sigma_)), event_axes());
    return -0.5 * squares - degrees_of_freedom * (log(sigma_) + kHalfLogTwoPi);
  }

  // Projecting iid normals onto the zero-sum subspace: subtract the mean along each axis.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr draw = with_event_axes(sigma_) * rng.normal(shape);
    for (std::int64_t axis : event_axes()) draw = draw - mean(draw, {axis}, /*keepdims=*/true);
    return draw;
  }

 private:
  Axes event_axes() const {
    Axes axes;
    for (int k = 1; k <= n_axes_; ++k) axes.push_back(-k);
    return axes;
  }
  Expr with_event_axes(const Expr& parameter) const { return expand_dims(parameter, event_axes()); }

  Expr sigma_;
  int n_axes_;
};

}  // namespace

Distribution ZeroSumNormal(const Expr& sigma, std::int64_t n_zerosum_axes) {
  return make_distribution<ZeroSumNormalDistribution>(sigma, n_zerosum_axes);
}

}  // namespace hypatia
