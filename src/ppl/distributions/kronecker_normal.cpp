// KroneckerNormal(mu, covs, sigma): a multivariate normal over N = n_1 ... n_m values with
// covariance kron(cov_1, ..., cov_m) (+ sigma^2 I when sigma is given). Without sigma the density
// uses the factors' Cholesky factors L_k only: kron(L_1, ..., L_m) is the Cholesky factor of the
// covariance, log det = sum_k (N / n_k) log det cov_k, and L^-1 d applies each L_k^-1 along its
// own axis of d reshaped to (n_1, ..., n_m). With sigma the covariance is formed in full (a
// MvNormal). The Cholesky variant takes the factors' lower Cholesky factors.

#include <cmath>
#include <numbers>
#include <optional>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class KroneckerNormalDistribution final : public DistributionImpl {
 public:
  KroneckerNormalDistribution(Expr mu, std::vector<Expr> factors, bool cholesky_given,
                              std::optional<Expr> sigma)
      : mu_(std::move(mu)),
        factors_(std::move(factors)),
        cholesky_given_(cholesky_given),
        sigma_(std::move(sigma)) {
    if (factors_.empty()) throw Error(name() + ": " + factor_name() + " must not be empty");
    size_ = 1;
    for (const Expr& factor : factors_) {
      if (factor.rank() != 2) {
        throw_shape_error(name() + ": each of " + factor_name() + " must be a matrix, got shape " +
                          shape_to_string(factor.shape()));
      }
      const std::int64_t n = multivariate::event_size(factor, name(), factor_name());
      multivariate::expect_square(factor, n, name(), factor_name());
      sizes_.push_back(n);
      size_ *= n;
      lower_.push_back(cholesky_given_ ? tril(cast(factor, DType::float64))
                                       : cholesky(cast(factor, DType::float64)));
    }
    if (mu_.rank() > 0 && mu_.shape().back() != size_ && mu_.shape().back() != 1) {
      throw_shape_error(name() + ": mu has shape " + shape_to_string(mu_.shape()) + " but " +
                        factor_name() + " make vectors of " + std::to_string(size_));
    }
    if (sigma_) {
      Expr full = matmul(lower_[0], matrix_transpose(lower_[0]));
      std::int64_t n = sizes_[0];
      for (std::size_t k = 1; k < lower_.size(); ++k) {
        const Expr next = matmul(lower_[k], matrix_transpose(lower_[k]));
        const std::int64_t m = sizes_[k];
        full = reshape(expand_dims(full, {1, 3}) * expand_dims(next, {0, 2}), {n * m, n * m});
        n *= m;
      }
      const Expr variance = expand_dims(square(*sigma_), {-1, -2});
      dense_ = MvNormal(mu_, full + variance * eye(size_));
    }
  }

  std::string name() const override { return "KroneckerNormal"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    std::vector<Shape> batches = {multivariate::batch_of(mu_, 1)};
    if (sigma_) batches.push_back(sigma_->shape());
    Shape shape = multivariate::broadcast_batches(batches, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    std::vector<ParameterCondition> conditions = {multivariate::finite_vector("mu", mu_)};
    for (std::size_t k = 0; k < factors_.size(); ++k) {
      const std::string label = factor_name() + "[" + std::to_string(k) + "]";
      conditions.push_back(cholesky_given_ ? multivariate::cholesky_factor(label, lower_[k])
                                           : multivariate::symmetric_positive_definite(
                                                 label, factors_[k], lower_[k]));
    }
    if (sigma_) {
      conditions.push_back(parameters::positive("sigma", *sigma_));
      conditions.push_back(parameters::finite("sigma", *sigma_));
    }
    return conditions;
  }

  Expr unchecked_logp(const Expr& value) const override {
    if (dense_) return dense_->logp(value);
    const Expr d = cast(value, DType::float64) - mu_;
    Expr log_det = 0.0;
    for (std::size_t k = 0; k < lower_.size(); ++k) {
      log_det = log_det +
                static_cast<double>(size_ / sizes_[k]) * 2.0 * sum(log(diagonal(lower_[k])), {-1});
    }
    const Expr solved =
        along_factors(d, [](const Expr& l, const Expr& x) { return solve_triangular(l, x); });
    return -static_cast<double>(size_) * kHalfLogTwoPi - 0.5 * log_det -
           0.5 * sum(square(solved), {-1});
  }

  Expr random(RandomStream& rng, const Shape& shape) const override {
    if (dense_) return dense_->random(rng, shape);
    const Expr z = rng.normal(shape);
    return mu_ + along_factors(z, [](const Expr& l, const Expr& x) { return matmul(l, x); });
  }

 private:
  std::string factor_name() const { return cholesky_given_ ? "chols" : "covs"; }

  // kron(F_1, ..., F_m) x for vectors x (..., N): each F_k applied (by `apply`) along axis k of x
  // reshaped to (..., n_1, ..., n_m).
  template <typename Apply>
  Expr along_factors(const Expr& x, Apply apply) const {
    const Shape shape = x.shape();
    Shape batch(shape.begin(), shape.end() - 1);
    Expr current = x;
    std::int64_t before = 1;
    for (std::size_t k = 0; k < lower_.size(); ++k) {
      const std::int64_t after = size_ / (before * sizes_[k]);
      Shape split = batch;
      split.insert(split.end(), {before, sizes_[k], after});
      current = apply(lower_[k], reshape(current, split));
      before *= sizes_[k];
    }
    return reshape(current, shape);
  }

  Expr mu_;
  std::vector<Expr> factors_;
  bool cholesky_given_;
  std::optional<Expr> sigma_;
  std::vector<std::int64_t> sizes_;
  std::int64_t size_ = 0;
  std::vector<Expr> lower_;
  std::optional<Distribution> dense_;
};

}  // namespace

Distribution KroneckerNormal(const Expr& mu, const std::vector<Expr>& covs,
                             std::optional<Expr> sigma) {
  return make_distribution<KroneckerNormalDistribution>(mu, covs, false, std::move(sigma));
}

Distribution KroneckerNormalCholesky(const Expr& mu, const std::vector<Expr>& chols,
                                     std::optional<Expr> sigma) {
  return make_distribution<KroneckerNormalDistribution>(mu, chols, true, std::move(sigma));
}

}  // namespace hypatia
