#include "ppl/distributions/discrete.hpp"

#include <limits>
#include <numeric>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/tensor.hpp"
#include "ppl/distributions/univariate.hpp"

namespace hypatia::discrete {
namespace {

constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

}  // namespace

Expr count_times(const Expr& count, const Expr& log_term) {
  return where(equal(count, 0), 0.0, count * log_term);
}

Expr log_binomial_coefficient(const Expr& n, const Expr& k) {
  return -log1p(n) - lbeta(n - k + 1.0, k + 1.0);
}

Expr integer_logcdf(const Expr& value, const Expr& lower, const std::optional<Expr>& upper,
                    const std::function<Expr(const Expr& k)>& logcdf_at) {
  Expr k = maximum(floor(value), lower);
  if (upper) k = minimum(k, *upper - 1.0);
  Expr at_top = upper ? greater_equal(value, *upper) : equal(value, kInfinity);
  k = where(at_top, lower, k);
  Expr inside = where(less(value, lower), kNegativeInfinity, logcdf_at(k));
  return where(at_top, 0.0, inside);
}

Expr binomial_logp(const Expr& n, const Expr& value, const Expr& log_p, const Expr& log_q) {
  return log_binomial_coefficient(n, value) + count_times(value, log_p) +
         count_times(n - value, log_q);
}

Expr binomial_logcdf(const Expr& n, const Expr& value, const Expr& q) {
  return integer_logcdf(value, Expr(0.0), n,
                        [&](const Expr& k) { return log(betainc(n - k, k + 1.0, q)); });
}

// C(k + n - 1, k) = 1 / ((k + n) B(n, k + 1)).
Expr negative_binomial_logp(const Expr& n, const Expr& value, const Expr& log_p,
                            const Expr& log_q) {
  return -log(value + n) - lbeta(n, value + 1.0) + n * log_p + count_times(value, log_q);
}

Expr negative_binomial_logcdf(const Expr& n, const Expr& value, const Expr& p) {
  return integer_logcdf(value, Expr(0.0), std::nullopt,
                        [&](const Expr& k) { return log(betainc(n, k + 1.0, p)); });
}

Expr poisson_logp(const Expr& mu, const Expr& value) {
  return count_times(value, log(mu)) - mu - lgamma(value + 1.0);
}

Expr poisson_logcdf(const Expr& mu, const Expr& value) {
  return integer_logcdf(value, Expr(0.0), std::nullopt,
                        [&](const Expr& k) { return log(gammaincc(k + 1.0, mu)); });
}

Expr log_add_exp(const Expr& a, const Expr& b) {
  Expr joint = a + b;  // only for its broadcast shape
  return logsumexp(stack({broadcast_like(a, joint), broadcast_like(b, joint)}, -1), {-1});
}

Expr take_last_axis(const Expr& x, const Expr& value) {
  const std::int64_t size = x.shape().back();
  std::vector<std::int64_t> positions(static_cast<std::size_t>(size));
  std::iota(positions.begin(), positions.end(), std::int64_t{0});
  Expr one_hot = equal(expand_dims(value, {-1}), constant(Tensor::from_ints(positions, {size})));
  return sum(where(one_hot, x, 0.0), {-1});
}

std::int64_t last_axis_size(const Expr& parameter, const std::string& family,
                            const std::string& parameter_name) {
  const std::string where = family + ": parameter " + parameter_name;
  if (parameter.rank() == 0) {
    throw_shape_error(where + " needs a last axis (one entry per category), got a scalar");
  }
  const std::int64_t size = parameter.shape().back();
  if (size == kUnknownDim) {
    throw_shape_error(where + " must have a last axis of known size, got shape " +
                      shape_to_string(parameter.shape()));
  }
  if (size < 1) throw_shape_error(where + " must have at least one entry along its last axis");
  return size;
}

// One entry of the vector axis has the batch shape.
Shape batch_shape_with_vector(const std::vector<Expr>& scalars, const Expr& vector_parameter) {
  std::vector<Expr> parameters = scalars;
  parameters.push_back(slice(vector_parameter, -1, Index{0}));
  return batch_shape(parameters);
}

}  // namespace hypatia::discrete
