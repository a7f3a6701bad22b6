// Cholesky factors L = diag(sd) L_corr of covariance matrices, with L_corr ~ LKJCorrCholesky(eta)
// and the standard deviations sd_i ~ sd_dist independently (PyMC's LKJCholeskyCov).
//
// The density is of L's lower triangle (d(d+1)/2 entries). Row i of L (i+1 entries, 0-based)
// is sd_i times the unit row i of L_corr, so sd_i is the row's length and, in polar
// coordinates, d(row i) = sd_i^i / L_corr,ii d(sd_i) d(the row's first i unit-row entries), the
// last factor being the surface element of the hemisphere in graph coordinates. Hence
//   log p(L) = sum_i log p_sd(sd_i) + log p_LKJ(L_corr) + sum_i (log L_corr,ii - i log sd_i).

#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/node.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/distributions/lkj.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

class LKJCholeskyCovDistribution final : public DistributionImpl {
 public:
  LKJCholeskyCovDistribution(std::int64_t dim, Expr eta, Distribution sd_dist)
      : dim_(dim), eta_(std::move(eta)), sd_dist_(std::move(sd_dist)) {
    if (dim_ < 1) throw Error(name() + ": dim must be at least 1, got " + std::to_string(dim_));
    if (sd_dist_.event_rank() != 0) {
      throw Error(name() + ": sd_dist must be univariate, got " + sd_dist_.name());
    }
    const Shape sd_shape = sd_dist_.default_shape();
    if (!sd_shape.empty() && sd_shape.back() != 1 && sd_shape.back() != dim_) {
      throw_shape_error(name() + ": sd_dist has shape " + shape_to_string(sd_shape) +
                        ", which does not fit " + std::to_string(dim_) + " standard deviations");
    }
  }

  std::string name() const override { return "LKJCholeskyCov"; }
  int event_rank() const override { return 2; }
  Shape default_shape() const override {
    const Shape sd_shape = sd_dist_.default_shape();
    const Shape sd_batch(sd_shape.begin(), sd_shape.end() - (sd_shape.empty() ? 0 : 1));
    Shape shape = multivariate::broadcast_batches({eta_.shape(), sd_batch}, name());
    shape.insert(shape.end(), {dim_, dim_});
    return shape;
  }
  Support support() const override { return {SupportKind::cov_cholesky}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("eta", eta_)};
  }

  Expr unchecked_logp(const Expr& value) const override {
    Expr lower = tril(value);
    Expr sd = sqrt(sum(square(lower), {-1}));
    Expr correlation_factor = lower / expand_dims(sd, {-1});
    std::vector<double> rows;
    for (std::int64_t i = 0; i < dim_; ++i) rows.push_back(static_cast<double>(i));
    Expr change_of_variables = sum(
        log(diagonal(correlation_factor)) - constant(Tensor::from_doubles(rows, {dim_})) * log(sd),
        {-1});
    return sum(sd_dist_.logp(sd), {-1}) + lkj::corr_cholesky_logp(correlation_factor, eta_, dim_) +
           change_of_variables;
  }

  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr sd = sd_dist_.random(rng, Shape(shape.begin(), shape.end() - 1));
    return expand_dims(sd, {-1}) * lkj::random_corr_cholesky(rng, eta_, dim_, shape);
  }

 private:
  std::int64_t dim_;
  Expr eta_;
  Distribution sd_dist_;
};

}  // namespace

Distribution LKJCholeskyCov(std::int64_t dim, const Expr& eta, const Distribution& sd_dist) {
  return make_distribution<LKJCholeskyCovDistribution>(dim, eta, sd_dist);
}

}  // namespace hypatia
