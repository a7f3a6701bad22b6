// Support predicates, default transforms and descriptions for each support kind.

#include <cmath>
#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distribution.hpp"
#include "ppl/transforms/triangular.hpp"

namespace hypatia {
namespace {

Expr is_integer_valued(const Expr& value) {
  if (value.dtype() != DType::float64 && value.dtype() != DType::float32) {
    return equal(value, value);
  }
  return equal(floor(value), value) & logical_not(isinf(value));
}

Expr within_bounds(const Expr& value, const Support& support) {
  Expr inside = logical_not(isnan(value));
  if (support.lower) inside = inside & greater_equal(value, *support.lower);
  if (support.upper) inside = inside & less_equal(value, *support.upper);
  return inside;
}

Expr last_axis_increasing(const Expr& value) {
  const std::int64_t n = value.shape().back();
  if (n < 2) return all(logical_not(isnan(value)), {-1});
  Expr steps = slice(value, -1, Slice{1, std::nullopt, std::nullopt}) -
               slice(value, -1, Slice{std::nullopt, n - 1, std::nullopt});
  return all(greater(steps, 0.0), {-1});
}

Expr is_lower_triangular(const Expr& value, double tolerance) {
  return all(less_equal(abs(triu(value, 1)), tolerance), {-2, -1});
}

Expr unit_rows(const Expr& value, double tolerance) {
  return all(less_equal(abs(sum(square(value), {-1}) - 1.0), tolerance), {-1});
}

Expr positive_diagonal(const Expr& value) {
  return all(greater(diagonal(value), 0.0), {-1});
}

}  // namespace

bool Support::is_discrete() const {
  switch (kind) {
    case SupportKind::integers:
    case SupportKind::nonnegative_integers:
    case SupportKind::bounded_integers:
    case SupportKind::binary:
    case SupportKind::counts:
      return true;
    case SupportKind::point:
      return lower && lower->dtype() != DType::float64 && lower->dtype() != DType::float32;
    default:
      return false;
  }
}

Expr Support::contains(const Expr& value, double tolerance) const {
  switch (kind) {
    case SupportKind::real:
      return logical_not(isnan(value) | isinf(value));
    case SupportKind::positive:
      return greater(value, 0.0) & logical_not(isinf(value));
    case SupportKind::nonnegative:
      return greater_equal(value, 0.0) & logical_not(isinf(value));
    case SupportKind::unit_interval:
      return greater_equal(value, 0.0) & less_equal(value, 1.0);
    case SupportKind::interval:  // an infinite or absent bound is an open end
      return within_bounds(value, *this) & logical_not(isinf(value));
    case SupportKind::integers:
      return is_integer_valued(value);
    case SupportKind::nonnegative_integers:
      return is_integer_valued(value) & greater_equal(value, 0);
    case SupportKind::bounded_integers:
      return is_integer_valued(value) & within_bounds(value, *this);
    case SupportKind::binary:
      return equal(value, 0) | equal(value, 1);
    case SupportKind::simplex:
      return all(greater_equal(value, -tolerance), {-1}) &
             less_equal(abs(sum(value, {-1}) - 1.0), tolerance);
    case SupportKind::ordered:
      return last_axis_increasing(value);
    case SupportKind::positive_ordered:
      return last_axis_increasing(value) & greater(slice(value, -1, Index{0}), 0.0);
    case SupportKind::corr_cholesky:
      return is_lower_triangular(value, tolerance) & positive_diagonal(value) &
             unit_rows(value, tolerance);
    case SupportKind::cov_cholesky:
      return is_lower_triangular(value, tolerance) & positive_diagonal(value);
    case SupportKind::correlation:
      return all(less_equal(abs(value - matrix_transpose(value)), tolerance), {-2, -1}) &
             all(less_equal(abs(diagonal(value) - 1.0), tolerance), {-1}) &
             positive_diagonal(cholesky(value));  // positive definite
    case SupportKind::packed_correlation: {
      const std::int64_t n = triangular::matrix_size(
          value.shape().back(), triangular::Diagonal::excluded, "packed correlation support");
      return all(less_equal(abs(value), 1.0), {-1}) &
             positive_diagonal(cholesky(triangular::unpack_upper_symmetric(value, n, 1.0)));
    }
    case SupportKind::zero_sum: {
      Axes axes;
      for (int k = 1; k <= zero_sum_axes; ++k) axes.push_back(-k);
      Expr total_magnitude = sum(abs(value), axes) + 1.0;
      return less_equal(abs(sum(value, axes)), tolerance * total_magnitude);
    }
    case SupportKind::counts: {
      Expr valid = all(is_integer_valued(value) & greater_equal(value, 0), {-1});
      if (total) valid = valid & equal(sum(value, {-1}), *total);
      return valid;
    }
    case SupportKind::point:
      return equal(value, *lower);
  }
  throw Error("Support::contains: unknown support kind");
}

TransformPtr Support::default_transform() const {
  switch (kind) {
    case SupportKind::positive:
    case SupportKind::nonnegative:
      return log_transform();
    case SupportKind::unit_interval:
      return interval_transform(Expr(0.0), Expr(1.0));
    case SupportKind::interval:
      if (!lower && !upper) return nullptr;
      return interval_transform(lower, upper);
    case SupportKind::simplex:
      return simplex_transform();
    case SupportKind::ordered:
      return ordered_transform();
    case SupportKind::positive_ordered:
      return positive_ordered_transform();
    case SupportKind::corr_cholesky:
      return corr_cholesky_transform();
    case SupportKind::correlation:
      return correlation_transform();
    case SupportKind::packed_correlation:
      return packed_correlation_transform();
    case SupportKind::cov_cholesky:
      return cov_cholesky_transform();
    case SupportKind::zero_sum:
      return zero_sum_transform(zero_sum_axes);
    default:
      return nullptr;
  }
}

std::string Support::describe() const {
  switch (kind) {
    case SupportKind::real:
      return "finite reals";
    case SupportKind::positive:
      return "positive reals";
    case SupportKind::nonnegative:
      return "nonnegative reals";
    case SupportKind::unit_interval:
      return "reals in [0, 1]";
    case SupportKind::interval:
      return "reals within the distribution's bounds";
    case SupportKind::integers:
      return "integers";
    case SupportKind::nonnegative_integers:
      return "nonnegative integers";
    case SupportKind::bounded_integers:
      return "integers within the distribution's bounds";
    case SupportKind::binary:
      return "0 or 1";
    case SupportKind::simplex:
      return "probability vectors (nonnegative, summing to 1)";
    case SupportKind::ordered:
      return "strictly increasing vectors";
    case SupportKind::positive_ordered:
      return "strictly increasing positive vectors";
    case SupportKind::corr_cholesky:
      return "Cholesky factors of correlation matrices";
    case SupportKind::cov_cholesky:
      return "lower-triangular matrices with positive diagonal";
    case SupportKind::correlation:
      return "correlation matrices";
    case SupportKind::packed_correlation:
      return "strictly upper triangles (row by row) of correlation matrices";
    case SupportKind::zero_sum:
      return "arrays summing to zero";
    case SupportKind::counts:
      return "nonnegative integer counts summing to n";
    case SupportKind::point:
      return "the single value c";
  }
  return "?";
}

}  // namespace hypatia
