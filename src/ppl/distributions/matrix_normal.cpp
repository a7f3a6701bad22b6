// MatrixNormal(mu, rowcov, colcov): an m x n matrix X whose vec is normal with covariance
// colcov (x) rowcov, so that X = mu + L_row Z L_col^T for Cholesky factors and standard normal Z.
//   log p = -mn/2 log(2 pi) - n/2 log|rowcov| - m/2 log|colcov| - |L_row^-1 (X - mu) L_col^-T|^2 /
//   2
// The Cholesky variant takes the (lower) factors directly.

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

class MatrixNormalDistribution final : public DistributionImpl {
 public:
  MatrixNormalDistribution(Expr mu, Expr row, Expr column, bool cholesky_given)
      : mu_(std::move(mu)),
        row_(std::move(row)),
        column_(std::move(column)),
        cholesky_given_(cholesky_given) {
    rows_ = multivariate::event_size(row_, name(), row_name());
    columns_ = multivariate::event_size(column_, name(), column_name());
    multivariate::expect_square(row_, rows_, name(), row_name());
    multivariate::expect_square(column_, columns_, name(), column_name());
    const Shape& mu_shape = mu_.shape();
    const bool mu_fits =
        mu_.rank() == 0 ||
        (mu_.rank() >= 2 &&
         (mu_shape[mu_shape.size() - 2] == rows_ || mu_shape[mu_shape.size() - 2] == 1) &&
         (mu_shape.back() == columns_ || mu_shape.back() == 1));
    if (!mu_fits) {
      throw_shape_error(name() + ": mu has shape " + shape_to_string(mu_shape) + " but " +
                        row_name() + " and " + column_name() + " make " + std::to_string(rows_) +
                        " x " + std::to_string(columns_) + " matrices");
    }
    row_factor_ = cholesky_given_ ? tril(row_) : cholesky(row_);
    column_factor_ = cholesky_given_ ? tril(column_) : cholesky(column_);
  }

  std::string name() const override { return "MatrixNormal"; }
  int event_rank() const override { return 2; }
  Shape default_shape() const override {
    Shape shape = multivariate::broadcast_batches(
        {multivariate::batch_of(mu_, 2), multivariate::batch_of(row_, 2),
         multivariate::batch_of(column_, 2)},
        name());
    shape.push_back(rows_);
    shape.push_back(columns_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    const Expr finite = logical_not(isnan(mu_) | isinf(mu_));
    ParameterCondition mu_condition{"mu", mu_.rank() >= 2 ? all(finite, {-2, -1}) : finite,
                                    "finite", mu_};
    if (cholesky_given_) {
      return {mu_condition, multivariate::cholesky_factor(row_name(), row_factor_),
              multivariate::cholesky_factor(column_name(), column_factor_)};
    }
    return {mu_condition, multivariate::symmetric_positive_definite(row_name(), row_, row_factor_),
            multivariate::symmetric_positive_definite(column_name(), column_, column_factor_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr d = cast(value, DType::float64) - mu_;
    const Expr left = solve_triangular(row_factor_, d);  // L_row^-1 D, (..., m, n)
    const Expr both = solve_triangular(column_factor_, matrix_transpose(left));  // its L_col^-1 ^T
    const auto m = static_cast<double>(rows_), n = static_cast<double>(columns_);
    return -m * n * kHalfLogTwoPi - n * sum(log(diagonal(row_factor_)), {-1}) -
           m * sum(log(diagonal(column_factor_)), {-1}) - 0.5 * sum(square(both), {-2, -1});
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return mu_ + matmul(matmul(row_factor_, rng.normal(shape)), matrix_transpose(column_factor_));
  }

 private:
  std::string row_name() const { return cholesky_given_ ? "rowchol" : "rowcov"; }
  std::string column_name() const { return cholesky_given_ ? "colchol" : "colcov"; }

  Expr mu_;
  Expr row_;
  Expr column_;
  bool cholesky_given_;
  std::int64_t rows_ = 0;
  std::int64_t columns_ = 0;
  Expr row_factor_;
  Expr column_factor_;
};

}  // namespace

Distribution MatrixNormal(const Expr& mu, const Expr& rowcov, const Expr& colcov) {
  return make_distribution<MatrixNormalDistribution>(mu, rowcov, colcov, false);
}

Distribution MatrixNormalCholesky(const Expr& mu, const Expr& rowchol, const Expr& colchol) {
  return make_distribution<MatrixNormalDistribution>(mu, rowchol, colchol, true);
}

}  // namespace hypatia
