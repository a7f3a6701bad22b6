#include "ppl/distributions/time_series.hpp"

#include <numeric>
#include <vector>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"

namespace hypatia::time_series {

void check_length(const std::string& family, const Shape& shape, std::int64_t length) {
  if (!shape.empty() && (shape.back() == length || shape.back() == kUnknownDim)) return;
  throw_shape_error(family + ": a series of " + std::to_string(length) +
                    " values along the last axis was expected, got shape " +
                    shape_to_string(shape));
}

Shape batch_of(const Shape& shape) {
  return Shape(shape.begin(), shape.end() - 1);
}

Expr time_major(const Expr& series) {
  std::vector<std::int64_t> permutation(static_cast<std::size_t>(series.rank()));
  permutation[0] = series.rank() - 1;
  std::iota(permutation.begin() + 1, permutation.end(), 0);
  return transpose(series, permutation);
}

Expr time_minor(const Expr& steps) {
  std::vector<std::int64_t> permutation(static_cast<std::size_t>(steps.rank()));
  std::iota(permutation.begin(), permutation.end() - 1, 1);
  permutation.back() = 0;
  return transpose(steps, permutation);
}

Expr per_step(const Expr& x) {
  return expand_dims(x, {-1});
}

Expr normal_logpdf(const Expr& x, const Expr& mu, const Expr& sigma) {
  return Normal(mu, sigma).logp(x, {.check_support = false, .check_parameters = false});
}

}  // namespace hypatia::time_series
