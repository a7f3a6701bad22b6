// HyperGeometric(N, k, n): the number of successes in n draws without replacement from a
// population of N items of which k are successes (PyMC's names). Its mass is
// C(k, x) C(N - k, n - x) / C(N, n) on max(0, n - N + k), ..., min(k, n).

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "ppl/distributions/discrete.hpp"
#include "ppl/distributions/parameters.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia {
namespace {

class HyperGeometricDistribution final : public DistributionImpl {
 public:
  HyperGeometricDistribution(Expr big_n, Expr k, Expr n)
      : big_n_(std::move(big_n)), k_(std::move(k)), n_(std::move(n)) {}

  std::string name() const override { return "HyperGeometric"; }
  Shape default_shape() const override { return batch_shape({big_n_, k_, n_}); }
  Support support() const override {
    const Expr big_n = cast(big_n_, DType::float64), k = cast(k_, DType::float64),
               n = cast(n_, DType::float64);
    return {.kind = SupportKind::bounded_integers,
            .lower = maximum(0.0, n - big_n + k),
            .upper = minimum(k, n)};
  }
  std::vector<ParameterCondition> parameter_conditions() const override {
    return {parameters::nonnegative_integer("N", big_n_), parameters::nonnegative_integer("k", k_),
            parameters::nonnegative_integer("n", n_), parameters::at_most("k", k_, "N", big_n_),
            parameters::at_most("n", n_, "N", big_n_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr x = cast(value, DType::float64);
    const Expr big_n = cast(big_n_, DType::float64), k = cast(k_, DType::float64),
               n = cast(n_, DType::float64);
    return discrete::log_binomial_coefficient(k, x) +
           discrete::log_binomial_coefficient(big_n - k, n - x) -
           discrete::log_binomial_coefficient(big_n, n);
  }

 private:
  Expr big_n_;
  Expr k_;
  Expr n_;
};

}  // namespace

Distribution HyperGeometric(const Expr& N, const Expr& k, const Expr& n) {
  return make_distribution<HyperGeometricDistribution>(N, k, n);
}

}  // namespace hypatia
