// LKJ distributions of correlation matrices (LKJCorr, as matrices or packed as their strictly
// upper entries) and of their Cholesky factors (LKJCorrCholesky, Stan's lkj_corr_cholesky),
// density proportional to det(C)^(eta - 1).

#include "ppl/distributions/lkj.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/transforms/triangular.hpp"

namespace hypatia {
namespace lkj {

Expr log_normalizer(const Expr& eta, std::int64_t dim) {
  std::vector<double> offsets;  // (d-1-k)/2 for k = 1..d-1
  for (std::int64_t k = 1; k < dim; ++k) offsets.push_back(0.5 * static_cast<double>(dim - 1 - k));
  const auto count = static_cast<std::int64_t>(offsets.size());
  const auto pairs = static_cast<double>(dim * (dim - 1) / 2);
  Expr lgammas = lgamma(expand_dims(eta, {-1}) + constant(Tensor::from_doubles(offsets, {count})));
  return 0.5 * pairs * std::log(std::numbers::pi) + sum(lgammas, {-1}) -
         static_cast<double>(dim - 1) * lgamma(eta + 0.5 * static_cast<double>(dim - 1));
}

Expr corr_cholesky_logp(const Expr& l, const Expr& eta, std::int64_t dim) {
  if (dim < 2) return -log_normalizer(eta, dim);
  std::vector<double> jacobian_powers;  // d-1-i for rows i = 1..d-1
  for (std::int64_t i = 1; i < dim; ++i)
    jacobian_powers.push_back(static_cast<double>(dim - 1 - i));
  Expr log_diagonal = log(slice(diagonal(l), -1, Slice{1, std::nullopt, std::nullopt}));
  Expr powers = constant(Tensor::from_doubles(jacobian_powers, {dim - 1})) +
                2.0 * (expand_dims(eta, {-1}) - 1.0);
  return sum(powers * log_diagonal, {-1}) - log_normalizer(eta, dim);
}

// The C-vine construction (LKJ 2009, section 3.2): the partial correlation of entry (i, j), given
// variables 0..j-1, is 2 Beta(b_j, b_j) - 1 with b_j = eta + (d-2-j)/2, independently. Its
// atanh is 0.5 log(G1 / G2) for G1, G2 ~ Gamma(b_j), which the corr_cholesky transform turns
// into the Cholesky factor.
Expr random_corr_cholesky(RandomStream& rng, const Expr& eta, std::int64_t dim,
                          const Shape& shape) {
  std::vector<double> offsets;  // row by row over the strictly lower triangle
  for (std::int64_t i = 1; i < dim; ++i) {
    for (std::int64_t j = 0; j < i; ++j) offsets.push_back(0.5 * static_cast<double>(dim - 2 - j));
  }
  const auto count = static_cast<std::int64_t>(offsets.size());
  Shape draws_shape(shape.begin(), shape.end() - 2);
  draws_shape.push_back(count);
  Expr b = expand_dims(eta, {-1}) + constant(Tensor::from_doubles(offsets, {count}));
  Expr atanh_partial =
      0.5 * (log_gamma_draws(rng, b, draws_shape) - log_gamma_draws(rng, b, draws_shape));
  return corr_cholesky_transform()->constrain(atanh_partial);
}

}  // namespace lkj

namespace {

// What the LKJ families share: a dim x dim event per element of eta.
class LKJFamily : public DistributionImpl {
 public:
  LKJFamily(const std::string& family, std::int64_t dim, Expr eta, std::int64_t min_dim = 1)
      : dim_(dim), eta_(std::move(eta)) {
    if (dim < min_dim) {
      throw Error(family + ": dim must be at least " + std::to_string(min_dim) + ", got " +
                  std::to_string(dim));
    }
  }

  int event_rank() const override { return 2; }
  Shape default_shape() const override {
    Shape shape = eta_.shape();
    shape.insert(shape.end(), {dim_, dim_});
    return shape;
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("eta", eta_)};
  }

 protected:
  std::int64_t dim_;
  Expr eta_;
};

class LKJCorrDistribution final : public LKJFamily {
 public:
  LKJCorrDistribution(std::int64_t dim, Expr eta) : LKJFamily("LKJCorr", dim, std::move(eta)) {}

  std::string name() const override { return "LKJCorr"; }
  Support support() const override { return {SupportKind::correlation}; }
  Expr unchecked_logp(const Expr& value) const override {
    return (eta_ - 1.0) * cholesky_logdet(cholesky(value)) - lkj::log_normalizer(eta_, dim_);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr l = lkj::random_corr_cholesky(rng, eta_, dim_, shape);
    return matmul(l, matrix_transpose(l));
  }
};

// The same density over the packed strictly upper entries (the matrix's free coordinates): one
// vector of dim(dim-1)/2 entries per element of eta.
class PackedLKJCorrDistribution final : public LKJFamily {
 public:
  PackedLKJCorrDistribution(std::int64_t dim, Expr eta)
      : LKJFamily("LKJCorr (packed)", dim, std::move(eta), 2) {}

  std::string name() const override { return "LKJCorr"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape = eta_.shape();
    shape.push_back(triangular::packed_size(dim_, triangular::Diagonal::excluded));
    return shape;
  }
  Support support() const override { return {SupportKind::packed_correlation}; }
  Expr unchecked_logp(const Expr& value) const override {
    check_length(value.shape(), "value");
    Expr c = triangular::unpack_upper_symmetric(value, dim_, 1.0);
    return (eta_ - 1.0) * cholesky_logdet(cholesky(c)) - lkj::log_normalizer(eta_, dim_);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    check_length(shape, "draw");
    Shape matrix_shape(shape.begin(), shape.end() - 1);
    matrix_shape.insert(matrix_shape.end(), {dim_, dim_});
    Expr l = lkj::random_corr_cholesky(rng, eta_, dim_, matrix_shape);
    return triangular::pack_upper(matmul(l, matrix_transpose(l)));
  }

 private:
  void check_length(const Shape& shape, const std::string& what) const {
    const std::int64_t expected = triangular::packed_size(dim_, triangular::Diagonal::excluded);
    if (shape.empty() || shape.back() != expected) {
      throw Error("LKJCorr: a packed correlation " + what + " for n = " + std::to_string(dim_) +
                  " has " + std::to_string(expected) +
                  " entries on its last axis (n(n-1)/2), got shape " + shape_to_string(shape));
    }
  }
};

class LKJCorrCholeskyDistribution final : public LKJFamily {
 public:
  LKJCorrCholeskyDistribution(std::int64_t dim, Expr eta)
      : LKJFamily("LKJCorrCholesky", dim, std::move(eta)) {}

  std::string name() const override { return "LKJCorrCholesky"; }
  Support support() const override { return {SupportKind::corr_cholesky}; }
  Expr unchecked_logp(const Expr& value) const override {
    return lkj::corr_cholesky_logp(value, eta_, dim_);
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return lkj::random_corr_cholesky(rng, eta_, dim_, shape);
  }
};

}  // namespace

Distribution LKJCorr(std::int64_t dim, const Expr& eta, CorrValue value) {
  if (value == CorrValue::packed) return make_distribution<PackedLKJCorrDistribution>(dim, eta);
  return make_distribution<LKJCorrDistribution>(dim, eta);
}

Distribution LKJCorrCholesky(std::int64_t dim, const Expr& eta) {
  return make_distribution<LKJCorrCholeskyDistribution>(dim, eta);
}

}  // namespace hypatia
