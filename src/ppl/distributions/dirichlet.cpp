// The Dirichlet distribution over probability vectors (the last axis), with density
// Gamma(sum a) / prod Gamma(a_k) * prod x_k^(a_k - 1) with respect to the first K-1 entries.

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/continuous.hpp"
#include "ppl/distributions/multivariate.hpp"

namespace hypatia {
namespace {

class DirichletDistribution final : public DistributionImpl {
 public:
  explicit DirichletDistribution(Expr a) : a_(std::move(a)) {
    (void)multivariate::event_size(a_, name(), "a");
  }

  std::string name() const override { return "Dirichlet"; }
  int event_rank() const override { return 1; }
  Shape default_shape() const override { return a_.shape(); }
  Support support() const override { return {SupportKind::simplex}; }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {{"a", all(greater(a_, 0.0), {-1}), "> 0", a_}};
  }

  // (a - 1) log x with the convention 0 log 0 = 0, so an entry at 0 with a = 1 adds nothing.
  Expr unchecked_logp(const Expr& value) const override {
    Expr weighted_log = where(equal(value, 0.0) & equal(a_, 1.0), 0.0, (a_ - 1.0) * log(value));
    return sum(weighted_log - lgamma(a_), {-1}) + lgamma(sum(a_, {-1}));
  }

  // Gamma draws normalized to sum 1, in logs: with small concentrations every gamma draw of a
  // row can underflow to 0.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    Expr log_draws = log_gamma_draws(rng, a_, shape);
    return exp(log_draws - logsumexp(log_draws, {-1}, /*keepdims=*/true));
  }

 private:
  Expr a_;
};

}  // namespace

Distribution Dirichlet(const Expr& a) {
  return make_distribution<DirichletDistribution>(a);
}

}  // namespace hypatia
