// ICAR(W, sigma, zero_sum_stdev): the intrinsic conditional autoregressive prior over N areas
// with a 0/1 adjacency matrix W, as PyMC defines it (an improper density, so its constants are a
// convention): -1/(2 sigma^2) sum over neighbouring pairs i < j of (x_i - x_j)^2, plus a normal
// log density of sum(x) with mean 0 and standard deviation zero_sum_stdev N that pins the level
// of x (the pairwise part leaves it free). W must be a constant; its edges are listed once.

#include <cmath>
#include <numbers>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/multivariate.hpp"
#include "ppl/distributions/parameters.hpp"

namespace hypatia {
namespace {

const double kHalfLogTwoPi = 0.5 * std::log(2.0 * std::numbers::pi);

class IcarDistribution final : public DistributionImpl {
 public:
  IcarDistribution(const Expr& w, Expr sigma, Expr zero_sum_stdev)
      : sigma_(std::move(sigma)), zero_sum_stdev_(std::move(zero_sum_stdev)) {
    if (w.rank() != 2) {
      throw_shape_error(name() + ": W must be an N x N matrix, got shape " +
                        shape_to_string(w.shape()));
    }
    size_ = multivariate::event_size(w, name(), "W");
    multivariate::expect_square(w, size_, name(), "W");
    if (!free_inputs({w.node()}).empty()) throw Error(name() + ": W must be a constant");
    const Tensor weights = evaluate(w.node());
    std::vector<std::int64_t> first, second;
    for (std::int64_t i = 0; i < size_; ++i) {
      for (std::int64_t j = 0; j < size_; ++j) {
        const double entry = weights.at(i * size_ + j);
        if ((entry != 0.0 && entry != 1.0) || entry != weights.at(j * size_ + i)) {
          throw Error(name() + ": parameter W must be a symmetric matrix of 0s and 1s");
        }
        if (j < i && entry == 1.0) {
          first.push_back(i);
          second.push_back(j);
        }
      }
    }
    const auto edges = static_cast<std::int64_t>(first.size());
    if (edges > 0) {
      first_ = constant(Tensor::from_ints(first, {edges}));
      second_ = constant(Tensor::from_ints(second, {edges}));
    }
  }

  std::string name() const override { return "ICAR"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override {
    Shape shape =
        multivariate::broadcast_batches({sigma_.shape(), zero_sum_stdev_.shape()}, name());
    shape.push_back(size_);
    return shape;
  }
  Support support() const override { return {SupportKind::real}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::positive("sigma", sigma_),
            parameters::positive("zero_sum_stdev", zero_sum_stdev_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr x = cast(value, DType::float64);
    const auto n = static_cast<double>(size_);
    const Expr level_scale = zero_sum_stdev_ * n;
    const Expr level = -0.5 * square(sum(x, {-1}) / level_scale) - kHalfLogTwoPi - log(level_scale);
    if (!first_) return level;
    const Expr differences = gather(x, first_, -1) - gather(x, second_, -1);
    return -0.5 * sum(square(differences), {-1}) / square(sigma_) + level;
  }

 private:
  Expr sigma_;
  Expr zero_sum_stdev_;
  std::int64_t size_ = 0;
  Expr first_;  // the edges i > j with W[i, j] = 1
  Expr second_;
};

}  // namespace

Distribution ICAR(const Expr& W, const Expr& sigma, const Expr& zero_sum_stdev) {
  return make_distribution<IcarDistribution>(W, sigma, zero_sum_stdev);
}

}  // namespace hypatia
