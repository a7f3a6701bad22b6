// Interpolated(x_points, pdf_points): the density through the points (x_i, p_i), linear between
// them and zero outside [x_0, x_n], normalized (by its trapezoid integral) to integrate to 1. Both
// must be constant 1-d arrays (their segments are tabulated when the model is built), x strictly
// increasing. On segment i, with t = x - x_i, the density is a_i + b_i t and the CDF
// C_i + a_i t + b_i t^2 / 2 (C_i the mass below x_i); draws invert that quadratic.

#include <cmath>
#include <limits>

#include "hypatia/error.hpp"
#include "hypatia/graph.hpp"
#include "hypatia/interpreter.hpp"
#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"

namespace hypatia {
namespace {

class InterpolatedDistribution final : public DistributionImpl {
 public:
  InterpolatedDistribution(const Expr& x_points, const Expr& pdf_points) {
    const std::vector<double> x = constant_vector(x_points, "x_points");
    const std::vector<double> p = constant_vector(pdf_points, "pdf_points");
    if (x.size() != p.size() || x.size() < 2) {
      throw Error(name() + ": x_points and pdf_points must have the same length, at least 2 (got " +
                  std::to_string(x.size()) + " and " + std::to_string(p.size()) + ")");
    }
    double area = 0.0;
    for (std::size_t i = 0; i + 1 < x.size(); ++i) {
      if (!(x[i + 1] > x[i]) || !std::isfinite(x[i]) || !std::isfinite(x[i + 1])) {
        throw Error(name() + ": parameter x_points must be finite and strictly increasing");
      }
      area += 0.5 * (p[i] + p[i + 1]) * (x[i + 1] - x[i]);
    }
    for (const double value : p) {
      if (!(value >= 0.0) || !std::isfinite(value)) {
        throw Error(name() + ": parameter pdf_points must be finite and nonnegative");
      }
    }
    if (!(area > 0.0)) throw Error(name() + ": parameter pdf_points must not be all zero");
    const std::size_t segments = x.size() - 1;
    std::vector<double> start(segments), end(segments), a(segments), b(segments), c(segments + 1);
    c[0] = 0.0;
    for (std::size_t i = 0; i < segments; ++i) {
      start[i] = x[i];
      end[i] = x[i + 1];
      a[i] = p[i] / area;
      b[i] = (p[i + 1] - p[i]) / area / (x[i + 1] - x[i]);
      c[i + 1] = c[i] + 0.5 * (p[i] + p[i + 1]) / area * (x[i + 1] - x[i]);
    }
    c.back() = 1.0;
    const auto n = static_cast<std::int64_t>(segments);
    start_ = constant(Tensor::from_doubles(start, {n}));
    end_ = constant(Tensor::from_doubles(end, {n}));
    slope_start_ = constant(Tensor::from_doubles(a, {n}));
    slope_ = constant(Tensor::from_doubles(b, {n}));
    mass_below_ = constant(Tensor::from_doubles(std::vector<double>(c.begin(), c.end() - 1), {n}));
    mass_above_ = constant(Tensor::from_doubles(std::vector<double>(c.begin() + 1, c.end()), {n}));
    // The last segment includes its right end.
    std::vector<double> last(segments, 0.0);
    last.back() = 1.0;
    is_last_ = constant(Tensor::from_doubles(last, {n}));
    lower_ = x.front();
    upper_ = x.back();
  }

  std::string name() const override { return "Interpolated"; }
  Shape default_shape() const override { return {}; }
  Support support() const override {
    return {.kind = SupportKind::interval, .lower = Expr(lower_), .upper = Expr(upper_)};
  }
  Expr unchecked_logp(const Expr& value) const override {
    const Expr x = expand_dims(cast(value, DType::float64), {-1});
    const Expr t = x - start_;
    const Expr density = sum(where(in_segment(x), slope_start_ + slope_ * t, 0.0), {-1});
    return log(density);
  }
  Expr logcdf(const Expr& value) const override {
    const Expr x = expand_dims(clip(cast(value, DType::float64), lower_, upper_), {-1});
    const Expr t = x - start_;
    const Expr cdf =
        sum(where(in_segment(x), mass_below_ + t * (slope_start_ + 0.5 * slope_ * t), 0.0), {-1});
    return log(clip(cdf, 0.0, 1.0));
  }
  Expr quantile_of_logs(const Expr& log_p, const Expr& /*log_q*/) const override {
    return invert(exp(log_p));
  }
  Expr random(RandomStream& rng, const Shape& shape) const override {
    return invert(rng.uniform(shape));
  }

 private:
  static std::vector<double> constant_vector(const Expr& points, const std::string& parameter) {
    if (!free_inputs({points.node()}).empty()) {
      throw Error("Interpolated: " + parameter +
                  " must be a constant (the segments are tabulated when the model is built)");
    }
    if (points.rank() != 1) {
      throw_shape_error("Interpolated: " + parameter + " must be 1-d, got shape " +
                        shape_to_string(points.shape()));
    }
    const Tensor tensor = evaluate(cast(points, DType::float64).node());
    std::vector<double> values(static_cast<std::size_t>(tensor.size()));
    for (std::int64_t i = 0; i < tensor.size(); ++i) values[i] = tensor.at(i);
    return values;
  }

  // (..., segments): whether x (..., 1) lies in each segment [x_i, x_{i+1}) ([x_i, x_{i+1}] for
  // the last).
  Expr in_segment(const Expr& x) const {
    return greater_equal(x, start_) & (less(x, end_) | (equal(x, end_) & greater(is_last_, 0.0)));
  }

  // The x with CDF u: on the segment with C_i <= u < C_{i+1}, the root t of
  // a t + b t^2 / 2 = r (r = u - C_i), written 2 r / (a + sqrt(a^2 + 2 b r)) to stay exact for
  // b -> 0.
  Expr invert(const Expr& probability) const {
    const Expr u = expand_dims(clip(probability, 0.0, 1.0), {-1});
    const Expr r = u - mass_below_;
    const Expr denominator =
        slope_start_ + sqrt(maximum(square(slope_start_) + 2.0 * slope_ * r, 0.0));
    const Expr t = where(greater(denominator, 0.0), 2.0 * r / denominator, 0.0);
    const Expr chosen = greater_equal(u, mass_below_) &
                        (less(u, mass_above_) | (greater(is_last_, 0.0) & greater_equal(u, 1.0)));
    const Expr x = sum(where(chosen, start_ + t, 0.0), {-1});
    return clip(x, lower_, upper_);
  }

  Expr start_;
  Expr end_;
  Expr slope_start_;
  Expr slope_;
  Expr mass_below_;
  Expr mass_above_;
  Expr is_last_;
  double lower_ = 0.0;
  double upper_ = 0.0;
};

}  // namespace

Distribution Interpolated(const Expr& x_points, const Expr& pdf_points) {
  return make_distribution<InterpolatedDistribution>(x_points, pdf_points);
}

}  // namespace hypatia
