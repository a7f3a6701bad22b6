// CAR(mu, W, alpha, tau): the conditional autoregressive prior over K areas with adjacency
// weights W (symmetric, nonnegative, every area with a neighbour): a multivariate normal with mean
// mu and precision tau (D - alpha W), D = diag(row sums of W), for -1 < alpha < 1. This is the full
// normalized density; PyMC's CAR logp leaves out the constants -K/2 log(2 pi) + 1/2 sum log D.
// log det(D - alpha W) = sum log D + sum log(1 - alpha lambda_i) with lambda the eigenvalues of
// D^-1/2 W D^-1/2, found once when the model is built (W must be a constant).

#include <Eigen/Dense>
#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class CarDistribution final : public DistributionImpl {
 public:
  CarDistribution(Expr mu, Expr w, Expr alpha, Expr tau)
      : mu_(std::move(mu)),
        w_(cast(w, DType::float64)),
        alpha_(std::move(alpha)),
        tau_(std::move(tau)) {
    if (w_.rank() != 2) {
      throw_shape_error(name() + ": W must be a K x K matrix, got shape " +
                        shape_to_string(w_.shape()));
    }
    size_ = multivariate::event_size(w_, name(), "W");
    multivariate::expect_square(w_, size_, name(), "W");
    if (!free_inputs({w_.node()}).empty()) {
      throw Error(name() +
                  ": W must be a constant (its eigenvalues are found when the model is "
                  "built)");
    }
    if (mu_.rank() > 0 && mu_.shape().back() != size_ && mu_.shape().back() != 1) {
      throw_shape_error(name() + ": mu has shape " + shape_to_string(mu_.shape()) + " but W is " +
                        std::to_string(size_) + " x " + std::to_string(size_));
    }
    analyze_weights(evaluate(w_.node()));
  }

  std::string name() const override { return "CAR"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = multivariate::broadcast_batches(
        {multivariate::batch_of(mu_, 1), alpha_.shape(), tau_.shape()}, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {multivariate::finite_vector("mu", mu_),
            {"alpha", greater(alpha_, -1.0) & less(alpha_, 1.0), "in (-1, 1)", alpha_},
            parameters::positive("tau", tau_),
            parameters::finite("tau", tau_)};
  }

  // 1/2 (K log tau + log det(D - alpha W)) - tau/2 d^T (D - alpha W) d - K/2 log(2 pi).
  Expr unchecked_logp(const Expr& value) const override {
    const auto k = static_cast<double>(size_);
    const Expr d = cast(value, DType::float64) - mu_;
    const Expr alpha = expand_dims(alpha_, {-1});
    const Expr log_det = log_degree_sum_ + sum(log1p(-alpha * eigenvalues_), {-1});
    const Expr w_d = squeeze(matmul(expand_dims(d, {-2}), w_), {-2});
    const Expr quadratic = sum(degrees_ * square(d), {-1}) - alpha_ * sum(d * w_d, {-1});
    return 0.5 * (k * log(tau_) + log_det) - 0.5 * tau_ * quadratic - k * kHalfLogTwoPi;
  }

  // mu + L^-T z for the Cholesky factor L of the precision.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    const Expr alpha = expand_dims(expand_dims(alpha_, {-1}), {-1});
    const Expr tau = expand_dims(expand_dims(tau_, {-1}), {-1});
    const Expr factor = cholesky(tau * (diag(degrees_) - alpha * w_));
    const Expr z = expand_dims(rng.normal(shape), {-1});
    return mu_ + squeeze(solve_triangular(matrix_transpose(factor), z, /*lower=*/false), {-1});
  }

 private:
  void analyze_weights(const Tensor& w) {
    const auto k = static_cast<Eigen::Index>(size_);
    Eigen::MatrixXd matrix(k, k);
    for (Eigen::Index i = 0; i < k; ++i) {
      for (Eigen::Index j = 0; j < k; ++j) matrix(i, j) = w.at(i * k + j);
    }
    if (!matrix.isApprox(matrix.transpose(), 1e-12) || (matrix.array() < 0.0).any() ||
        !matrix.allFinite()) {
      throw Error(name() + ": parameter W must be a symmetric matrix of nonnegative weights");
    }
    const Eigen::VectorXd degrees = matrix.rowwise().sum();
    if ((degrees.array() <= 0.0).any()) {
      throw Error(name() + ": parameter W must give every area a neighbour (a row of W sums to 0)");
    }
    const Eigen::VectorXd scale = degrees.array().rsqrt();
    const Eigen::MatrixXd normalized = scale.asDiagonal() * matrix * scale.asDiagonal();
    const Eigen::VectorXd lambda =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(normalized, Eigen::EigenvaluesOnly)
            .eigenvalues();
    std::vector<double> degree_values(degrees.data(), degrees.data() + k);
    std::vector<double> lambda_values(lambda.data(), lambda.data() + k);
    degrees_ = constant(Tensor::from_doubles(degree_values, {size_}));
    eigenvalues_ = constant(Tensor::from_doubles(lambda_values, {size_}));
    log_degree_sum_ = degrees.array().log().sum();
  }

  Expr mu_;
  Expr w_;
  Expr alpha_;
  Expr tau_;
  std::int64_t size_ = 0;
  Expr degrees_;
  Expr eigenvalues_;
  double log_degree_sum_ = 0.0;
};

}  // namespace

Distribution CAR(const Expr& mu, const Expr& W, const Expr& alpha, const Expr& tau) {
  return make_distribution<CarDistribution>(mu, W, alpha, tau);
}

}  // namespace hypatia
