// The vector and matrix transforms: round trips both ways, constrained values in the support,
// log-Jacobians against log |det| of central-difference Jacobians (Eigen), and their gradients
// against finite differences.
//
// A transform into a lower-dimensional set (simplex, corr_cholesky, correlation, zero_sum) has a
// non-square Jacobian, so "log |det J|" needs a choice of coordinates on the constrained set. We
// use the coordinates the densities of the matching families are written in:
//   simplex        the first K-1 entries of each simplex (Dirichlet's density, Stan's
//                  simplex_constrain; the last entry is 1 minus their sum),
//   corr_cholesky  the strictly lower entries of each factor (Stan's lkj_corr_cholesky; the
//                  diagonal is determined by the unit row lengths),
//   correlation    the strictly lower entries of each correlation matrix (LKJCorr's density;
//                  the rest follows by symmetry and the unit diagonal),
//   packed_correlation  all entries: the packed strictly upper entries are those coordinates,
//   zero_sum       an orthonormal basis of the zero-sum subspace: ZeroSumNormal's density (PyMC's)
//                  is with respect to Lebesgue measure on the subspace, for which the volume
//                  factor is sqrt(det(J^T J)) of the full Jacobian, whatever the basis.
// Transforms onto open sets (ordered, positive_ordered, cov_cholesky's lower triangle) use all of
// their free entries.

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distribution.hpp"
#include "hypatia/ppl/transform.hpp"
#include "support/backends.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using Matrix = Eigen::MatrixXd;

enum class Volume {
  selected_coordinates,  // |det| of the rows of J at the free output coordinates
  gram,                  // sqrt(det(J^T J)): Lebesgue measure on the image subspace
};

struct TransformSpec {
  std::string label;
  TransformPtr transform;
  Support support;
  std::vector<Shape> constrained_shapes;
  Volume volume = Volume::selected_coordinates;
  // Whether flat entry `index` of a value of `shape` is a free coordinate.
  std::function<bool(const Shape& shape, std::int64_t index)> is_free_coordinate;
  // A random point of the support, drawn independently of the transform.
  std::function<Tensor(const Shape& shape, std::mt19937_64& rng)> random_point;
  // How many trailing axes of the constrained value one log_jacobian_terms entry covers.
  std::size_t term_axes = 1;
};

std::int64_t last_index(const Shape& shape, std::int64_t index) {
  return index % shape.back();
}

// Row and column of flat entry `index` in the trailing square matrix.
std::pair<std::int64_t, std::int64_t> matrix_position(const Shape& shape, std::int64_t index) {
  const std::int64_t n = shape.back();
  return {(index / n) % n, index % n};
}

Tensor normal_tensor(const Shape& shape, std::mt19937_64& rng, double scale = 1.0) {
  std::normal_distribution<double> normal(0.0, scale);
  Tensor t(DType::float64, shape);
  for (std::int64_t i = 0; i < t.size(); ++i) t.set(i, normal(rng));
  return t;
}

// Applies `fill` to each trailing vector (of length `length`) of a tensor of `shape`.
Tensor per_trailing_block(const Shape& shape, std::int64_t length,
                          const std::function<void(std::vector<double>&)>& fill) {
  Tensor t(DType::float64, shape);
  for (std::int64_t start = 0; start < t.size(); start += length) {
    std::vector<double> block(static_cast<std::size_t>(length));
    fill(block);
    for (std::int64_t k = 0; k < length; ++k) t.set(start + k, block[k]);
  }
  return t;
}

Tensor random_simplex(const Shape& shape, std::mt19937_64& rng) {
  std::exponential_distribution<double> exponential(1.0);
  return per_trailing_block(shape, shape.back(), [&](std::vector<double>& block) {
    double total = 0.0;
    for (double& v : block) total += (v = exponential(rng));
    for (double& v : block) v /= total;
  });
}

Tensor random_increasing(const Shape& shape, std::mt19937_64& rng, bool positive) {
  std::uniform_real_distribution<double> step(0.05, 2.0);
  std::normal_distribution<double> start(0.0, 2.0);
  return per_trailing_block(shape, shape.back(), [&](std::vector<double>& block) {
    double value = positive ? step(rng) : start(rng);
    for (double& v : block) {
      v = value;
      value += step(rng);
    }
  });
}

// A random lower-triangular matrix with positive diagonal; rows scaled to unit length for a
// correlation factor.
Tensor random_lower(const Shape& shape, std::mt19937_64& rng, bool unit_rows) {
  const std::int64_t n = shape.back();
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> positive(0.3, 2.0);
  return per_trailing_block(shape, n * n, [&](std::vector<double>& block) {
    for (std::int64_t i = 0; i < n; ++i) {
      double length = 0.0;
      for (std::int64_t j = 0; j <= i; ++j) {
        double& v = block[i * n + j];
        v = j == i ? positive(rng) : normal(rng);
        length += v * v;
      }
      if (!unit_rows) continue;
      for (std::int64_t j = 0; j <= i; ++j) block[i * n + j] /= std::sqrt(length);
    }
  });
}

// L L^T for random correlation Cholesky factors L.
Tensor random_correlation(const Shape& shape, std::mt19937_64& rng) {
  const Tensor l = random_lower(shape, rng, true);
  const std::int64_t n = shape.back();
  Tensor c(DType::float64, shape);
  for (std::int64_t start = 0; start < c.size(); start += n * n) {
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        double entry = 0.0;
        for (std::int64_t k = 0; k < n; ++k) {
          entry += l.at(start + i * n + k) * l.at(start + j * n + k);
        }
        c.set(start + i * n + j, entry);
      }
    }
  }
  return c;
}

// Random correlation matrices packed as their strictly upper entries, row by row (numpy's
// triu_indices(n, 1) order): shape (..., n(n-1)/2).
Tensor random_packed_correlation(const Shape& shape, std::mt19937_64& rng) {
  const std::int64_t packed = shape.back();
  std::int64_t n = 2;
  while (n * (n - 1) / 2 < packed) ++n;
  Shape matrix_shape(shape.begin(), shape.end() - 1);
  matrix_shape.insert(matrix_shape.end(), {n, n});
  const Tensor c = random_correlation(matrix_shape, rng);
  Tensor t(DType::float64, shape);
  std::int64_t next = 0;
  for (std::int64_t start = 0; start < c.size(); start += n * n) {
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = i + 1; j < n; ++j) t.set(next++, c.at(start + i * n + j));
    }
  }
  return t;
}

// Normal draws with the mean over each of the last `axes` axes removed.
Tensor random_zero_sum(const Shape& shape, std::mt19937_64& rng, int axes) {
  Tensor t = normal_tensor(shape, rng);
  for (int k = 1; k <= axes; ++k) {
    const std::int64_t length = shape[shape.size() - k];
    std::int64_t stride = 1;
    for (int m = 1; m < k; ++m) stride *= shape[shape.size() - m];
    for (std::int64_t i = 0; i < t.size(); ++i) {
      if ((i / stride) % length != 0) continue;  // visit each line along the axis once
      double mean = 0.0;
      for (std::int64_t j = 0; j < length; ++j) mean += t.at(i + j * stride) / length;
      for (std::int64_t j = 0; j < length; ++j) t.set(i + j * stride, t.at(i + j * stride) - mean);
    }
  }
  return t;
}

// Constant bounds infinite in some entries: entry 0 unbounded, 1 bounded below, 2 on both sides,
// 3 bounded above (each trailing vector of four).
const double kInf = std::numeric_limits<double>::infinity();
const std::vector<double> kMixedLower = {-kInf, 0.5, -1.0, -kInf};
const std::vector<double> kMixedUpper = {kInf, kInf, 2.0, 3.0};

Expr four_vector(const std::vector<double>& values) {
  return constant(Tensor::from_doubles(values, {4}));
}

// A point inside each entry's interval: free, above 0.5, within [-1, 2], below 3.
Tensor random_within_mixed_bounds(const Shape& shape, std::mt19937_64& rng) {
  std::normal_distribution<double> normal(0.0, 1.5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return per_trailing_block(shape, 4, [&](std::vector<double>& block) {
    block = {normal(rng), 0.5 + std::exp(normal(rng)), -1.0 + 3.0 * unit(rng),
             3.0 - std::exp(normal(rng))};
  });
}

std::vector<TransformSpec> specs() {
  auto all = [](const Shape&, std::int64_t) { return true; };
  return {
      {.label = "simplex",
       .transform = simplex_transform(),
       .support = {SupportKind::simplex},
       .constrained_shapes = {{2}, {3}, {5}, {2, 4}},
       .is_free_coordinate = [](const Shape& s,
                                std::int64_t i) { return last_index(s, i) < s.back() - 1; },
       .random_point = random_simplex},
      {.label = "ordered",
       .transform = ordered_transform(),
       .support = {SupportKind::ordered},
       .constrained_shapes = {{1}, {2}, {5}, {3, 3}},
       .is_free_coordinate = all,
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_increasing(s, rng, false); }},
      {.label = "positive_ordered",
       .transform = positive_ordered_transform(),
       .support = {SupportKind::positive_ordered},
       .constrained_shapes = {{1}, {3}, {5}, {2, 3}},
       .is_free_coordinate = all,
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_increasing(s, rng, true); }},
      {.label = "corr_cholesky",
       .transform = corr_cholesky_transform(),
       .support = {SupportKind::corr_cholesky},
       .constrained_shapes = {{2, 2}, {3, 3}, {5, 5}, {2, 3, 3}},
       .is_free_coordinate =
           [](const Shape& s, std::int64_t i) {
             auto [row, column] = matrix_position(s, i);
             return column < row;
           },
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_lower(s, rng, true); },
       .term_axes = 2},
      {.label = "correlation",
       .transform = correlation_transform(),
       .support = {SupportKind::correlation},
       .constrained_shapes = {{2, 2}, {3, 3}, {4, 4}, {2, 3, 3}},
       .is_free_coordinate =
           [](const Shape& s, std::int64_t i) {
             auto [row, column] = matrix_position(s, i);
             return column < row;
           },
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_correlation(s, rng); },
       .term_axes = 2},
      {.label = "packed_correlation",
       .transform = packed_correlation_transform(),
       .support = {SupportKind::packed_correlation},
       .constrained_shapes = {{1}, {3}, {6}, {10}, {2, 3}},
       .is_free_coordinate = all,
       .random_point = random_packed_correlation},
      {.label = "cov_cholesky",
       .transform = cov_cholesky_transform(),
       .support = {SupportKind::cov_cholesky},
       .constrained_shapes = {{1, 1}, {2, 2}, {4, 4}, {3, 2, 2}},
       .is_free_coordinate =
           [](const Shape& s, std::int64_t i) {
             auto [row, column] = matrix_position(s, i);
             return column <= row;
           },
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_lower(s, rng, false); },
       .term_axes = 2},
      {.label = "zero_sum",
       .transform = zero_sum_transform(1),
       .support = {SupportKind::zero_sum},
       .constrained_shapes = {{2}, {4}, {3, 5}},
       .volume = Volume::gram,
       .is_free_coordinate = all,
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_zero_sum(s, rng, 1); }},
      {.label = "interval with infinite bounds in some entries",
       .transform = interval_transform(four_vector(kMixedLower), four_vector(kMixedUpper)),
       .support = {SupportKind::interval, four_vector(kMixedLower), four_vector(kMixedUpper)},
       .constrained_shapes = {{4}, {3, 4}},
       .is_free_coordinate = all,
       .random_point = random_within_mixed_bounds,
       .term_axes = 0},
      {.label = "zero_sum over two axes",
       .transform = zero_sum_transform(2),
       .support = {.kind = SupportKind::zero_sum, .zero_sum_axes = 2},
       .constrained_shapes = {{2, 2}, {3, 4}, {2, 3, 3}},
       .volume = Volume::gram,
       .is_free_coordinate = all,
       .random_point = [](const Shape& s,
                          std::mt19937_64& rng) { return random_zero_sum(s, rng, 2); },
       .term_axes = 2},
  };
}

// Evaluates graphs of one placeholder with the interpreter.
class Graphs {
 public:
  Graphs(const Shape& shape, const std::function<Exprs(const Expr&)>& build)
      : placeholder_(input("x", TensorType{DType::float64, shape})),
        interpreter_({placeholder_}, to_nodes(build(placeholder_))) {}

  std::vector<Tensor> operator()(const Tensor& value) const { return interpreter_.run({value}); }

 private:
  static std::vector<NodePtr> to_nodes(const Exprs& exprs) {
    std::vector<NodePtr> nodes;
    for (const Expr& e : exprs) nodes.push_back(e.node());
    return nodes;
  }
  NodePtr placeholder_;
  Interpreter interpreter_;
};

void expect_all_near(const Tensor& actual, const Tensor& expected, double tolerance,
                     const std::string& what) {
  ASSERT_EQ(actual.shape(), expected.shape()) << what;
  for (std::int64_t i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual.at(i), expected.at(i), tolerance) << what << ", entry " << i;
  }
}

// d constrain(u) / du by central differences: rows are output entries, columns input entries.
Matrix numerical_jacobian(const Graphs& constrain, const Tensor& u) {
  const double step = 1e-5;
  const std::int64_t outputs = constrain(u).front().size();
  Matrix jacobian(outputs, u.size());
  for (std::int64_t j = 0; j < u.size(); ++j) {
    Tensor plus = u.copy(), minus = u.copy();
    plus.set(j, u.at(j) + step);
    minus.set(j, u.at(j) - step);
    const Tensor high = constrain(plus).front(), low = constrain(minus).front();
    for (std::int64_t i = 0; i < outputs; ++i) {
      jacobian(i, j) = (high.at(i) - low.at(i)) / (2.0 * step);
    }
  }
  return jacobian;
}

double log_volume_factor(const TransformSpec& spec, const Shape& constrained,
                         const Matrix& jacobian) {
  if (spec.volume == Volume::gram) {
    return 0.5 * std::log((jacobian.transpose() * jacobian).determinant());
  }
  std::vector<Eigen::Index> rows;
  for (std::int64_t i = 0; i < jacobian.rows(); ++i) {
    if (spec.is_free_coordinate(constrained, i)) rows.push_back(i);
  }
  EXPECT_EQ(static_cast<Eigen::Index>(rows.size()), jacobian.cols())
      << spec.label << ": free coordinates and unconstrained entries differ in number";
  const Matrix square = jacobian(rows, Eigen::all);
  return std::log(std::abs(square.fullPivLu().determinant()));
}

void check_at_shape(const TransformSpec& spec, const Shape& constrained, std::uint64_t seed) {
  const std::string where =
      spec.label + " at shape " + shape_to_string(constrained) + ", seed " + std::to_string(seed);
  const Shape free_shape = spec.transform->unconstrained_shape(constrained);
  const Graphs forward(free_shape, [&](const Expr& u) {
    return Exprs{spec.transform->constrain(u), spec.transform->log_jacobian(u)};
  });
  const Graphs backward(constrained, [&](const Expr& x) {
    return Exprs{spec.transform->unconstrain(x), spec.support.contains(x)};
  });
  std::mt19937_64 rng(seed);

  // From the unconstrained side: in the support, and back again.
  const Tensor u = normal_tensor(free_shape, rng, 1.5);
  const std::vector<Tensor> constrained_values = forward(u);
  const Tensor& x = constrained_values[0];
  ASSERT_EQ(x.shape(), constrained) << where;
  const std::vector<Tensor> back = backward(x);
  expect_all_near(back[0], u, 1e-9, where + ": unconstrain(constrain(u))");
  for (std::int64_t i = 0; i < back[1].size(); ++i) {
    EXPECT_EQ(back[1].at(i), 1.0) << where << ": constrain(u) outside the support at " << i;
  }

  // From the constrained side.
  const Tensor point = spec.random_point(constrained, rng);
  const Tensor there = backward(point)[0];
  expect_all_near(forward(there)[0], point, 1e-12, where + ": constrain(unconstrain(x))");

  // The log-Jacobian.
  const Matrix jacobian = numerical_jacobian(
      Graphs(free_shape, [&](const Expr& v) { return Exprs{spec.transform->constrain(v)}; }), u);
  EXPECT_NEAR(constrained_values[1].at(0), log_volume_factor(spec, constrained, jacobian), 1e-7)
      << where << ": log_jacobian";
  EXPECT_EQ(constrained_values[1].rank(), 0) << where << ": log_jacobian is not a scalar";
  EXPECT_EQ(constrained_values[1].dtype(), DType::float64) << where;
}

TEST(Transforms, RoundTripsSupportAndLogJacobians) {
  for (const TransformSpec& spec : specs()) {
    for (const Shape& shape : spec.constrained_shapes) {
      for (std::uint64_t seed : {1u, 2u, 3u}) check_at_shape(spec, shape, seed);
    }
  }
}

// One graph over every transform (input k is spec k's coordinates), so that one native
// compilation serves all of them.
std::vector<Tensor> one_point_per_spec(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Tensor> points;
  for (const TransformSpec& spec : specs()) {
    points.push_back(
        normal_tensor(spec.transform->unconstrained_shape(spec.constrained_shapes.back()), rng));
  }
  return points;
}

TEST(Transforms, LogJacobianGradientsMatchFiniteDifferences) {
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        const std::vector<TransformSpec> all = specs();
        Expr total = 0.0;
        for (std::size_t k = 0; k < all.size(); ++k) {
          total = total + all[k].transform->log_jacobian(in[k]);
        }
        return total;
      },
      one_point_per_spec(7));
}

// The log-Jacobian before summing (PyMC's sum=False): one term per block of the value, each the
// log-Jacobian of that block alone, together summing to log_jacobian.
TEST(Transforms, LogJacobianTermsAreEachBlocksLogJacobian) {
  for (const TransformSpec& spec : specs()) {
    for (const Shape& shape : spec.constrained_shapes) {
      const std::string where = spec.label + " at shape " + shape_to_string(shape);
      const Shape free_shape = spec.transform->unconstrained_shape(shape);
      const Shape term_shape(shape.begin(), shape.end() - spec.term_axes);
      std::mt19937_64 rng(5);
      const Tensor u = normal_tensor(free_shape, rng, 1.5);
      const std::vector<Tensor> values = Graphs(free_shape, [&](const Expr& v) {
        return Exprs{spec.transform->log_jacobian_terms(v), spec.transform->log_jacobian(v)};
      })(u);
      ASSERT_EQ(values[0].shape(), term_shape) << where;
      EXPECT_EQ(values[0].dtype(), DType::float64) << where;
      double total = 0.0;
      for (std::int64_t i = 0; i < values[0].size(); ++i) total += values[0].at(i);
      EXPECT_NEAR(total, values[1].at(0), 1e-10 * std::max(1.0, std::abs(total))) << where;
      if (spec.term_axes == 0 || term_shape.empty()) continue;  // elementwise, or one block
      // The block's unconstrained axes (a matrix's are one packed axis).
      const auto block_axes = static_cast<std::ptrdiff_t>(free_shape.size() - term_shape.size());
      const Shape block_shape(free_shape.end() - block_axes, free_shape.end());
      const Graphs block_log_jacobian(
          block_shape, [&](const Expr& v) { return Exprs{spec.transform->log_jacobian(v)}; });
      const std::vector<double> flat = u.to_doubles();
      const auto block_size = static_cast<std::int64_t>(flat.size()) / values[0].size();
      for (std::int64_t b = 0; b < values[0].size(); ++b) {
        const std::vector<double> block(flat.begin() + b * block_size,
                                        flat.begin() + (b + 1) * block_size);
        EXPECT_NEAR(values[0].at(b),
                    block_log_jacobian(Tensor::from_doubles(block, block_shape))[0].at(0), 1e-10)
            << where << ", block " << b;
      }
    }
  }
}

TEST(Transforms, ConstrainedValuesAgreeOnBackends) {
  const std::vector<Tensor> points = one_point_per_spec(11);
  std::vector<NodePtr> inputs, outputs;
  const std::vector<TransformSpec> all = specs();
  for (std::size_t k = 0; k < all.size(); ++k) {
    inputs.push_back(input("u" + std::to_string(k), points[k].type()));
    const Expr x = all[k].transform->constrain(inputs.back());
    outputs.push_back(x.node());
    outputs.push_back(all[k].transform->log_jacobian(inputs.back()).node());
    outputs.push_back(all[k].transform->unconstrain(x).node());
  }
  testing::evaluate_on_backends(inputs, outputs, points, {.rtol = 1e-12, .atol = 1e-14});
}

TEST(Transforms, SimplexMapsZeroToTheUniformSimplex) {
  for (std::int64_t k : {2, 3, 7}) {
    const Tensor x =
        evaluate(simplex_transform()->constrain(constant(Tensor(DType::float64, {k - 1}))).node());
    for (std::int64_t i = 0; i < k; ++i) EXPECT_NEAR(x.at(i), 1.0 / k, 1e-15) << "K = " << k;
  }
}

// Stan's cholesky_corr_constrain written as its loop, as an independent reference for the
// vectorized form (and the coordinate order: row by row over the strictly lower triangle).
std::vector<double> sequential_corr_cholesky(const std::vector<double>& u, std::int64_t n) {
  std::vector<double> l(static_cast<std::size_t>(n * n), 0.0);
  l[0] = 1.0;
  std::size_t next = 0;
  for (std::int64_t i = 1; i < n; ++i) {
    double squares = 0.0;
    for (std::int64_t j = 0; j < i; ++j) {
      l[i * n + j] = std::tanh(u[next++]) * std::sqrt(1.0 - squares);
      squares += l[i * n + j] * l[i * n + j];
    }
    l[i * n + i] = std::sqrt(1.0 - squares);
  }
  return l;
}

TEST(Transforms, CorrCholeskyMatchesTheSequentialDefinition) {
  const std::vector<double> u = {0.3, -1.2, 0.8, 2.0, -0.4, 0.1};
  const Tensor l =
      evaluate(corr_cholesky_transform()->constrain(constant(Tensor::from_doubles(u, {6}))).node());
  const std::vector<double> expected = sequential_corr_cholesky(u, 4);
  ASSERT_EQ(l.shape(), (Shape{4, 4}));
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(l.at(i), expected[i], 1e-14) << i;
}

// The packed form is the matrix form's strictly upper entries in numpy's triu_indices order,
// from the same coordinates and with the same log-Jacobian.
TEST(Transforms, PackedCorrelationIsTheUpperTriangleRowByRow) {
  const Expr u = constant(Tensor::from_doubles({0.3, -1.2, 0.8, 2.0, -0.4, 0.1}, {6}));
  const std::vector<Tensor> values =
      evaluate({correlation_transform()->constrain(u).node(),
                packed_correlation_transform()->constrain(u).node(),
                correlation_transform()->log_jacobian(u).node(),
                packed_correlation_transform()->log_jacobian(u).node()});
  const Tensor& c = values[0];
  ASSERT_EQ(values[1].shape(), (Shape{6}));
  const std::vector<std::pair<int, int>> order = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
  for (std::size_t k = 0; k < order.size(); ++k) {
    const auto [i, j] = order[k];
    EXPECT_EQ(values[1].at(static_cast<std::int64_t>(k)), c.at(i * 4 + j)) << k;
  }
  EXPECT_EQ(values[2].at(0), values[3].at(0));
}

TEST(Transforms, PackedCorrelationLengthMustBeTriangular) {
  EXPECT_THROW(packed_correlation_transform()->unconstrained_shape({4}), Error);
  EXPECT_EQ(packed_correlation_transform()->unconstrained_shape({2, 6}), (Shape{2, 6}));
}

TEST(Transforms, CovCholeskyPacksRowByRowWithExpDiagonal) {
  const Tensor l = evaluate(cov_cholesky_transform()
                                ->constrain(constant(Tensor::from_doubles({0.5, -2.0, 0.1}, {3})))
                                .node());
  const std::vector<double> expected = {std::exp(0.5), 0.0, -2.0, std::exp(0.1)};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(l.at(i), expected[i], 1e-15) << i;
}

// Far out in the unconstrained space the constrained values must stay in the support and the
// log-Jacobian finite (it is computed in log space, not as log of a rounded-to-zero value).
TEST(Transforms, ExtremeCoordinatesStayFinite) {
  const Tensor u = Tensor::from_doubles({40.0, -40.0, 0.0, 300.0, -300.0, 25.0}, {6});
  for (const auto& [transform, support] : std::vector<std::pair<TransformPtr, Support>>{
           {simplex_transform(), {SupportKind::simplex}},
           {corr_cholesky_transform(), {SupportKind::corr_cholesky}}}) {
    SCOPED_TRACE(transform->name());
    const Expr x = transform->constrain(constant(u));
    const std::vector<Tensor> values = evaluate(
        {x.node(), transform->log_jacobian(constant(u)).node(), support.contains(x).node()});
    EXPECT_TRUE(std::isfinite(values[1].at(0))) << values[1].at(0);
    EXPECT_LT(values[1].at(0), -100.0);
    for (std::int64_t i = 0; i < values[2].size(); ++i) EXPECT_EQ(values[2].at(i), 1.0);
  }
}

// A constant bound that is infinite everywhere is no bound; one infinite in some entries only gets
// the per-entry transform (checked with the other transforms above).
TEST(Transforms, InfiniteConstantBoundsAreNoBounds) {
  EXPECT_EQ(interval_transform(Expr(-kInf), Expr(2.0))->name(), "upper_bound");
  EXPECT_EQ(interval_transform(Expr(1.0), Expr(kInf))->name(), "lower_bound");
  EXPECT_EQ(interval_transform(four_vector({-kInf, -kInf, -kInf, -kInf}), Expr(kInf)), nullptr);
  EXPECT_EQ(interval_transform(four_vector(kMixedLower), four_vector(kMixedUpper))->name(),
            "interval");
}

TEST(Transforms, ZeroSumUnconstrainedShapeDropsOneEntryPerAxis) {
  EXPECT_EQ(zero_sum_transform(2)->unconstrained_shape({5, 3, 4}), (Shape{5, 2, 3}));
  EXPECT_EQ(simplex_transform()->unconstrained_shape({2, 4}), (Shape{2, 3}));
  EXPECT_EQ(corr_cholesky_transform()->unconstrained_shape({2, 4, 4}), (Shape{2, 6}));
  EXPECT_EQ(cov_cholesky_transform()->unconstrained_shape({3, 3}), (Shape{6}));
}

TEST(Transforms, CorrCholeskyRejectsANonTriangularCount) {
  EXPECT_THROW(corr_cholesky_transform()->constrain(constant(Tensor(DType::float64, {4}))), Error);
}

}  // namespace
}  // namespace hypatia
