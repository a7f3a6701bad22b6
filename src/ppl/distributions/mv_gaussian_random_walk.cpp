// MvGaussianRandomWalk(mu, cov | chol | tau, init_dist, steps): x_0 ~ init_dist and
// x_t - x_{t-1} ~ MvNormal(mu, cov) for t = 1..steps. The value is the whole walk, shape
// (..., steps + 1, K): time on the second-to-last axis, the K coordinates on the last (PyMC's
// convention), so one draw spans two axes. As in MvNormal, the three parameterizations work
// through one lower Cholesky factor L, of the covariance or of the precision.

#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/multivariate.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

enum class Parameterization { covariance, cholesky, precision };

// A per-walk parameter with its event axes last, given an axis for the steps before them.
Expr per_step(const Expr& x, int event_rank) {
  return x.rank() < event_rank ? x : expand_dims(x, {-1 - event_rank});
}

class MvGaussianRandomWalkDistribution final : public DistributionImpl {
 public:
  MvGaussianRandomWalkDistribution(Expr mu, Expr matrix, Parameterization parameterization,
                                   Distribution init_dist, std::int64_t steps)
      : mu_(std::move(mu)),
        matrix_(std::move(matrix)),
        parameterization_(parameterization),
        init_(std::move(init_dist)),
        steps_(steps) {
    size_ = multivariate::event_size(matrix_, name(), matrix_name());
    multivariate::expect_square(matrix_, size_, name(), matrix_name());
    if (mu_.rank() > 0 && mu_.shape().back() != size_ && mu_.shape().back() != 1) {
      throw_shape_error(name() + ": mu has shape " + shape_to_string(mu_.shape()) + " but " +
                        matrix_name() + " is " + std::to_string(size_) + " x " +
                        std::to_string(size_));
    }
    if (steps_ < 1) {
      throw Error(name() + ": steps must be at least 1, got " + std::to_string(steps_));
    }
    if (init_.event_rank() > 1) {
      throw Error(name() + ": init_dist must be a vector (or univariate) distribution, but " +
                  init_.name() + " has event rank " + std::to_string(init_.event_rank()));
    }
    factor_ = parameterization_ == Parameterization::cholesky ? tril(matrix_) : cholesky(matrix_);
  }

  std::string name() const override { return "MvGaussianRandomWalk"; }
  int event_rank() const override { return 2; }
  Shape default_shape() const override {
    // init_dist's last axis is the coordinates, whether it is a vector or univariate family.
    const Shape init_shape = init_.default_shape();
    const Shape init_batch(init_shape.begin(), init_shape.end() - (init_shape.empty() ? 0 : 1));
    Shape shape = multivariate::broadcast_batches(
        {multivariate::batch_of(mu_, 1), multivariate::batch_of(matrix_, 2), init_batch}, name());
    shape.push_back(steps_ + 1);
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    ParameterCondition matrix_condition =
        parameterization_ == Parameterization::cholesky
            ? multivariate::cholesky_factor(matrix_name(), factor_)
            : multivariate::symmetric_positive_definite(matrix_name(), matrix_, factor_);
    return {multivariate::finite_vector("mu", mu_), matrix_condition};
  }

  Expr unchecked_logp(const Expr& value) const override {
    check_shape(value.shape());
    const Expr walk = cast(value, DType::float64);
    const Expr d = slice(walk, -2, Slice{1, std::nullopt}) -
                   slice(walk, -2, Slice{std::nullopt, steps_}) - per_step(mu_, 1);
    const Expr factor = per_step(factor_, 2);
    const Expr log_det_factor = sum(log(diagonal(factor)), {-1});  // half log det, (..., 1)
    Expr steps_logp;
    if (parameterization_ == Parameterization::precision) {
      const Expr projected = squeeze(matmul(expand_dims(d, {-2}), factor), {-2});  // (L^T d)^T
      steps_logp = log_det_factor - 0.5 * sum(square(projected), {-1});
    } else {
      steps_logp = -log_det_factor - 0.5 * multivariate::squared_norm_solved(factor, d);
    }
    steps_logp = steps_logp - static_cast<double>(size_) * kHalfLogTwoPi;
    Expr init_logp = init_.logp(slice(walk, -2, Index{0}));
    if (init_.event_rank() == 0) init_logp = sum(init_logp, {-1});
    return init_logp + sum(steps_logp, {-1});
  }

  // The walk is the running sum of its start and its increments mu + L z (or mu + L^-T z).
  Expr random(RandomStream& rng, const Shape& shape) const override {
    check_shape(shape);
    const Shape batch(shape.begin(), shape.end() - 2);
    Shape start_shape = batch, increments_shape = batch;
    start_shape.push_back(size_);
    increments_shape.push_back(steps_);
    increments_shape.push_back(size_);
    const Expr start = cast(init_.random(rng, start_shape), DType::float64);
    const Expr z = expand_dims(rng.normal(increments_shape), {-1});
    const Expr factor = per_step(factor_, 2);
    const Expr deviations = parameterization_ == Parameterization::precision
                                ? solve_triangular(matrix_transpose(factor), z, /*lower=*/false)
                                : matmul(factor, z);
    const Expr increments = per_step(mu_, 1) + squeeze(deviations, {-1});
    return cumsum(
        concatenate({expand_dims(start, {-2}), broadcast_to(increments, increments_shape)}, -2),
        -2);
  }

 private:
  void check_shape(const Shape& shape) const {
    const auto n = static_cast<std::int64_t>(shape.size());
    const bool fits = n >= 2 && (shape[n - 2] == steps_ + 1 || shape[n - 2] == kUnknownDim) &&
                      (shape[n - 1] == size_ || shape[n - 1] == kUnknownDim);
    if (fits) return;
    throw_shape_error(name() + ": a walk of " + std::to_string(steps_ + 1) + " values of " +
                      std::to_string(size_) +
                      " coordinates (the last two axes) was expected, got shape " +
                      shape_to_string(shape));
  }

  std::string matrix_name() const {
    switch (parameterization_) {
      case Parameterization::covariance:
        return "cov";
      case Parameterization::cholesky:
        return "chol";
      case Parameterization::precision:
        return "tau";
    }
    return "?";
  }

  Expr mu_;
  Expr matrix_;
  Parameterization parameterization_;
  Distribution init_;
  std::int64_t steps_;
  std::int64_t size_ = 0;
  Expr factor_;
};

}  // namespace

Distribution MvGaussianRandomWalk(const Expr& mu, const Expr& cov, const Distribution& init_dist,
                                  std::int64_t steps) {
  return make_distribution<MvGaussianRandomWalkDistribution>(mu, cov, Parameterization::covariance,
                                                             init_dist, steps);
}

Distribution MvGaussianRandomWalkCholesky(const Expr& mu, const Expr& chol,
                                          const Distribution& init_dist, std::int64_t steps) {
  return make_distribution<MvGaussianRandomWalkDistribution>(mu, chol, Parameterization::cholesky,
                                                             init_dist, steps);
}

Distribution MvGaussianRandomWalkPrecision(const Expr& mu, const Expr& tau,
                                           const Distribution& init_dist, std::int64_t steps) {
  return make_distribution<MvGaussianRandomWalkDistribution>(mu, tau, Parameterization::precision,
                                                             init_dist, steps);
}

}  // namespace hypatia
