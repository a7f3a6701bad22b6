// HyperGeometric(N, k, n): the number of successes in n draws without replacement from a
// population of N items of which k are successes (PyMC's names). Its mass is
// C(k, x) C(N - k, n - x) / C(N, n) on max(0, n - N + k), ..., min(k, n).

#include <algorithm>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
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
  // The urn, one draw at a time: draw i (of n) is a success with probability (successes left) /
  // (items left). The number of draws must be known when the graph is built (n a constant); the
  // graph holds one step per draw of the largest n.
  Expr random(RandomStream& rng, const Shape& shape) const override {
    if (!free_inputs({n_.node()}).empty()) {
      throw Error(name() + ": random draws need the number of draws n to be a constant");
    }
    const Tensor n_values = evaluate(n_.node());
    double most = 0.0;
    for (std::int64_t i = 0; i < n_values.size(); ++i) most = std::max(most, n_values.at(i));
    const auto steps = static_cast<std::int64_t>(most);
    const Expr big_n = cast(big_n_, DType::float64), k = cast(k_, DType::float64),
               n = cast(n_, DType::float64);
    Expr successes = broadcast_to(Expr(0.0), shape);
    if (steps == 0) return cast(successes, DType::int64);
    Shape uniform_shape = shape;
    uniform_shape.push_back(steps);
    const Expr uniforms = rng.uniform(uniform_shape);
    for (std::int64_t i = 0; i < steps; ++i) {
      const double drawn = static_cast<double>(i);
      const Expr success = less(slice(uniforms, -1, Index{i}), (k - successes) / (big_n - drawn)) &
                           less(Expr(drawn), n);
      successes = successes + cast(success, DType::float64);
    }
    return cast(successes, DType::int64);
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
