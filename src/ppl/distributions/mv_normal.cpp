// The multivariate normal, parameterized by its covariance, the covariance's Cholesky factor or
// the precision. All three work through one lower Cholesky factor L: of the covariance (so
// z = L^-1 (x - mu) is standard normal) or of the precision (then z = L^T (x - mu)).

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

class MvNormalDistribution final : public DistributionImpl {
 public:
  MvNormalDistribution(Expr mu, Expr matrix, Parameterization parameterization)
      : mu_(std::move(mu)), matrix_(std::move(matrix)), parameterization_(parameterization) {
    size_ = multivariate::event_size(matrix_, name(), matrix_name());
    multivariate::expect_square(matrix_, size_, name(), matrix_name());
    if (mu_.rank() > 0 && mu_.shape().back() != size_ && mu_.shape().back() != 1) {
      throw_shape_error(name() + ": mu has shape " + shape_to_string(mu_.shape()) + " but " +
                        matrix_name() + " is " + std::to_string(size_) + " x " +
                        std::to_string(size_));
    }
    factor_ = parameterization_ == Parameterization::cholesky ? tril(matrix_) : cholesky(matrix_);
  }

  std::string name() const override { return "MvNormal"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = multivariate::broadcast_batches(
        {multivariate::batch_of(mu_, 1), multivariate::batch_of(matrix_, 2)}, name());
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
    Expr d = value - mu_;
    Expr log_det_factor = sum(log(diagonal(factor_)), {-1});  // half log det of cov or precision
    if (parameterization_ == Parameterization::precision) {
      Expr projected = squeeze(matmul(expand_dims(d, {-2}), factor_), {-2});  // (L^T d)^T
      return log_det_factor - 0.5 * sum(square(projected), {-1}) -
             static_cast<double>(size_) * kHalfLogTwoPi;
    }
    return -log_det_factor - 0.5 * multivariate::squared_norm_solved(factor_, d) -
           static_cast<double>(size_) * kHalfLogTwoPi;
  }

  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr z = rng.normal(shape);
    if (parameterization_ == Parameterization::precision) {
      // x - mu = L^-T z has covariance (L L^T)^-1.
      Expr solved = solve_triangular(matrix_transpose(factor_), expand_dims(z, {-1}), false);
      return mu_ + squeeze(solved, {-1});
    }
    return mu_ + multivariate::times_vectors(factor_, z);
  }

 private:
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
  std::int64_t size_ = 0;
  Expr factor_;
};

}  // namespace

Distribution MvNormal(const Expr& mu, const Expr& cov) {
  return make_distribution<MvNormalDistribution>(mu, cov, Parameterization::covariance);
}

Distribution MvNormalCholesky(const Expr& mu, const Expr& chol) {
  return make_distribution<MvNormalDistribution>(mu, chol, Parameterization::cholesky);
}

Distribution MvNormalPrecision(const Expr& mu, const Expr& tau) {
  return make_distribution<MvNormalDistribution>(mu, tau, Parameterization::precision);
}

}  // namespace hypatia
