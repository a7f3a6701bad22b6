// Every linear algebra and index op at every square size from 1 to 17, on both backends, against
// naive reference loops written here (independent of the runtime's Eigen-based kernels).
//
// Odd sizes are where vectorized loops have remainders and masked lanes: GCC 12 at -O3 with
// AVX-512 miscompiled the generated tril/triu loop (a masked load under a condition computed on
// loop indices in floating point) so that it read 0 for some kept entries, which only showed on
// machines with AVX-512. All sizes of one op are outputs of one graph (one native compilation),
// and the values are placeholders, never constants the compiler could fold.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::evaluate_on_backends;
using testing::expect_gradient_matches;

constexpr std::int64_t kLargestSize = 17;

// A row-major rows x columns matrix of doubles.
struct Matrix {
  std::int64_t rows = 0, columns = 0;
  std::vector<double> values;
  Matrix(std::int64_t r, std::int64_t c) : rows(r), columns(c), values(r * c, 0.0) {}
  double& operator()(std::int64_t i, std::int64_t j) { return values[i * columns + j]; }
  double operator()(std::int64_t i, std::int64_t j) const { return values[i * columns + j]; }
  Tensor tensor() const { return Tensor::from_doubles(values, {rows, columns}); }
};

Matrix random_matrix(std::int64_t rows, std::int64_t columns, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  Matrix m(rows, columns);
  for (double& v : m.values) v = uniform(rng);
  return m;
}

Matrix multiply(const Matrix& a, const Matrix& b) {
  Matrix c(a.rows, b.columns);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < b.columns; ++j)
      for (std::int64_t k = 0; k < a.columns; ++k) c(i, j) += a(i, k) * b(k, j);
  return c;
}

Matrix transpose(const Matrix& a) {
  Matrix t(a.columns, a.rows);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.columns; ++j) t(j, i) = a(i, j);
  return t;
}

// X X^T + n I: symmetric positive definite and well conditioned.
Matrix spd_matrix(std::int64_t n, std::mt19937_64& rng) {
  const Matrix x = random_matrix(n, n, rng);
  Matrix a = multiply(x, transpose(x));
  for (std::int64_t i = 0; i < n; ++i) a(i, i) += static_cast<double>(n);
  return a;
}

// A lower (or upper) triangular matrix with a diagonal far from zero and junk in the other
// triangle, which the triangular solve must not read.
Matrix triangular_matrix(std::int64_t n, std::mt19937_64& rng) {
  Matrix a = random_matrix(n, n, rng);
  for (std::int64_t i = 0; i < n; ++i) a(i, i) = 2.0 + std::abs(a(i, i));
  return a;
}

Matrix band(const Matrix& a, std::int64_t k, bool lower) {
  Matrix out(a.rows, a.columns);
  for (std::int64_t i = 0; i < a.rows; ++i)
    for (std::int64_t j = 0; j < a.columns; ++j)
      if (lower ? j - i <= k : j - i >= k) out(i, j) = a(i, j);
  return out;
}

Matrix naive_cholesky(const Matrix& a) {
  const std::int64_t n = a.rows;
  Matrix l(n, n);
  for (std::int64_t j = 0; j < n; ++j) {
    double diagonal = a(j, j);
    for (std::int64_t k = 0; k < j; ++k) diagonal -= l(j, k) * l(j, k);
    l(j, j) = std::sqrt(diagonal);
    for (std::int64_t i = j + 1; i < n; ++i) {
      double sum = a(i, j);
      for (std::int64_t k = 0; k < j; ++k) sum -= l(i, k) * l(j, k);
      l(i, j) = sum / l(j, j);
    }
  }
  return l;
}

// Forward or back substitution, reading only the named triangle of a.
Matrix naive_triangular_solve(const Matrix& a, const Matrix& b, bool lower) {
  const std::int64_t n = a.rows;
  Matrix x(n, b.columns);
  for (std::int64_t c = 0; c < b.columns; ++c) {
    for (std::int64_t step = 0; step < n; ++step) {
      const std::int64_t i = lower ? step : n - 1 - step;
      double sum = b(i, c);
      for (std::int64_t k = 0; k < n; ++k) {
        if (k != i && (lower ? k < i : k > i)) sum -= a(i, k) * x(k, c);
      }
      x(i, c) = sum / a(i, i);
    }
  }
  return x;
}

// Gaussian elimination with partial pivoting: the solution of a x = b, log|det a| and its sign.
struct Elimination {
  Matrix solution;
  double log_abs_det = 0.0;
  double sign = 1.0;
};

Elimination naive_eliminate(Matrix a, Matrix b) {
  const std::int64_t n = a.rows;
  Elimination result{Matrix(n, b.columns)};
  for (std::int64_t j = 0; j < n; ++j) {
    std::int64_t pivot = j;
    for (std::int64_t i = j + 1; i < n; ++i)
      if (std::abs(a(i, j)) > std::abs(a(pivot, j))) pivot = i;
    if (pivot != j) {
      result.sign = -result.sign;
      for (std::int64_t k = 0; k < n; ++k) std::swap(a(j, k), a(pivot, k));
      for (std::int64_t k = 0; k < b.columns; ++k) std::swap(b(j, k), b(pivot, k));
    }
    result.log_abs_det += std::log(std::abs(a(j, j)));
    if (a(j, j) < 0) result.sign = -result.sign;
    for (std::int64_t i = j + 1; i < n; ++i) {
      const double factor = a(i, j) / a(j, j);
      for (std::int64_t k = j; k < n; ++k) a(i, k) -= factor * a(j, k);
      for (std::int64_t k = 0; k < b.columns; ++k) b(i, k) -= factor * b(j, k);
    }
  }
  result.solution = naive_triangular_solve(a, b, /*lower=*/false);
  return result;
}

Matrix identity(std::int64_t n) {
  Matrix e(n, n);
  for (std::int64_t i = 0; i < n; ++i) e(i, i) = 1.0;
  return e;
}

Tensor vector_tensor(const Matrix& column) {
  return Tensor::from_doubles(column.values, {column.rows * column.columns});
}

Tensor scalar_tensor(double value) {
  return Tensor::scalar(value);
}

// One graph over placeholders: each case adds its inputs, its output and the expected value.
class SizedGraph {
 public:
  Expr add_input(const std::string& name, const Tensor& value) {
    const Expr placeholder = input(name, value.type());
    inputs_.push_back(placeholder.node());
    values_.push_back(value);
    return placeholder;
  }
  void expect(const std::string& what, const Expr& output, const Tensor& expected) {
    outputs_.push_back(output.node());
    expected_.push_back(expected);
    names_.push_back(what);
  }
  // Evaluates every output on both backends (which must agree to 1e-12) and compares each with
  // its reference to `tolerance`, relative to the reference's largest magnitude.
  void check(double tolerance = 1e-9) {
    const std::vector<Tensor> results = evaluate_on_backends(inputs_, outputs_, values_);
    for (std::size_t k = 0; k < results.size(); ++k) {
      SCOPED_TRACE(names_[k]);
      ASSERT_EQ(results[k].shape(), expected_[k].shape());
      double scale = 1.0;
      for (std::int64_t i = 0; i < expected_[k].size(); ++i)
        scale = std::max(scale, std::abs(expected_[k].at(i)));
      for (std::int64_t i = 0; i < expected_[k].size(); ++i) {
        EXPECT_NEAR(results[k].at(i), expected_[k].at(i), tolerance * scale) << "element " << i;
      }
    }
  }

 private:
  std::vector<NodePtr> inputs_, outputs_;
  std::vector<Tensor> values_, expected_;
  std::vector<std::string> names_;
};

std::string sized(const std::string& name, std::int64_t n) {
  return name + std::to_string(n);
}

// Runs `add_case(graph, n, rng)` for every size into one graph and checks it.
void for_every_size(
    const std::function<void(SizedGraph&, std::int64_t, std::mt19937_64&)>& add_case,
    double tolerance = 1e-9) {
  std::mt19937_64 rng(20261204);
  SizedGraph graph;
  for (std::int64_t n = 1; n <= kLargestSize; ++n) add_case(graph, n, rng);
  graph.check(tolerance);
}

// ---------------------------------------------------------------------------------------------
// Linear algebra values.

TEST(LinalgSizes, TrilAndTriuAtEveryOffset) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    for (std::int64_t k : {-1, 0, 1}) {
      const std::string at = " n=" + std::to_string(n) + " k=" + std::to_string(k);
      graph.expect("tril" + at, tril(x, k), band(a, k, true).tensor());
      graph.expect("triu" + at, triu(x, k), band(a, k, false).tensor());
    }
  });
}

TEST(LinalgSizes, NonSquareTriangles) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n + 2, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    graph.expect(sized("tril wide n=", n), tril(x, 1), band(a, 1, true).tensor());
    graph.expect(sized("triu wide n=", n), triu(x, -1), band(a, -1, false).tensor());
  });
}

TEST(LinalgSizes, ProductsAndTransposes) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng), b = random_matrix(n, 3, rng);
    const Matrix v = random_matrix(n, 1, rng), w = random_matrix(n, 1, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    const Expr y = graph.add_input(sized("b", n), b.tensor());
    const Expr p = graph.add_input(sized("v", n), vector_tensor(v));
    const Expr q = graph.add_input(sized("w", n), vector_tensor(w));
    graph.expect(sized("matmul n=", n), matmul(x, y), multiply(a, b).tensor());
    graph.expect(sized("matrix-vector n=", n), matmul(x, p), vector_tensor(multiply(a, v)));
    graph.expect(sized("transpose n=", n), matrix_transpose(x), transpose(a).tensor());
    graph.expect(sized("dot n=", n), dot(p, q), scalar_tensor(multiply(transpose(v), w)(0, 0)));
    graph.expect(sized("outer n=", n), outer(p, q), multiply(v, transpose(w)).tensor());
  });
}

TEST(LinalgSizes, DiagonalsTraceAndEye) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng), v = random_matrix(n, 1, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    const Expr p = graph.add_input(sized("v", n), vector_tensor(v));
    Matrix diagonal_matrix(n, n), diagonal_values(n, 1);
    double trace_value = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      diagonal_matrix(i, i) = v(i, 0);
      diagonal_values(i, 0) = a(i, i);
      trace_value += a(i, i);
    }
    graph.expect(sized("diag n=", n), diag(p), diagonal_matrix.tensor());
    graph.expect(sized("diagonal n=", n), diagonal(x), vector_tensor(diagonal_values));
    graph.expect(sized("trace n=", n), trace(x), scalar_tensor(trace_value));
    graph.expect(sized("eye n=", n), x * 0.0 + eye(n), identity(n).tensor());
  });
}

TEST(LinalgSizes, CholeskyAndItsLogDeterminant) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    Matrix a = spd_matrix(n, rng);
    const Matrix l = naive_cholesky(a);
    // Junk above the diagonal: only the lower triangle may be read.
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = i + 1; j < n; ++j) a(i, j) = 1e3;
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    double logdet_value = 0.0;
    for (std::int64_t i = 0; i < n; ++i) logdet_value += 2.0 * std::log(l(i, i));
    graph.expect(sized("cholesky n=", n), cholesky(x), l.tensor());
    graph.expect(sized("cholesky_logdet n=", n), cholesky_logdet(cholesky(x)),
                 scalar_tensor(logdet_value));
  });
}

TEST(LinalgSizes, TriangularSolves) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    for (bool lower : {true, false}) {
      const Matrix a = triangular_matrix(n, rng), b = random_matrix(n, 3, rng);
      const Matrix v = random_matrix(n, 1, rng);
      const std::string side = lower ? "lower" : "upper";
      const Expr x = graph.add_input(sized(side + "_a", n), a.tensor());
      const Expr y = graph.add_input(sized(side + "_b", n), b.tensor());
      const Expr p = graph.add_input(sized(side + "_v", n), vector_tensor(v));
      graph.expect(side + sized(" solve_triangular matrix n=", n), solve_triangular(x, y, lower),
                   naive_triangular_solve(a, b, lower).tensor());
      graph.expect(side + sized(" solve_triangular vector n=", n), solve_triangular(x, p, lower),
                   vector_tensor(naive_triangular_solve(a, v, lower)));
    }
  });
}

TEST(LinalgSizes, SolveInverseAndDeterminant) {
  for_every_size(
      [](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
        Matrix a = random_matrix(n, n, rng);
        for (std::int64_t i = 0; i < n; ++i) a(i, i) += 0.5 * static_cast<double>(n % 3);
        const Matrix b = random_matrix(n, 2, rng);
        const Expr x = graph.add_input(sized("a", n), a.tensor());
        const Expr y = graph.add_input(sized("b", n), b.tensor());
        const Elimination solved = naive_eliminate(a, b);
        const Elimination inverted = naive_eliminate(a, identity(n));
        graph.expect(sized("solve n=", n), solve(x, y), solved.solution.tensor());
        graph.expect(sized("inverse n=", n), inverse(x), inverted.solution.tensor());
        graph.expect(sized("logdet n=", n), logdet(x), scalar_tensor(solved.log_abs_det));
        graph.expect(sized("det_sign n=", n), det_sign(x), scalar_tensor(solved.sign));
      },
      1e-8);
}

// ---------------------------------------------------------------------------------------------
// Index values.

// The rows (axis 0) or columns (axis 1) of a at `indices` (negative ones count from the end).
Matrix take(const Matrix& a, const std::vector<std::int64_t>& indices, int axis) {
  const auto wrap = [](std::int64_t i, std::int64_t size) { return i < 0 ? i + size : i; };
  const auto count = static_cast<std::int64_t>(indices.size());
  Matrix out(axis == 0 ? count : a.rows, axis == 0 ? a.columns : count);
  for (std::int64_t i = 0; i < out.rows; ++i)
    for (std::int64_t j = 0; j < out.columns; ++j)
      out(i, j) = axis == 0 ? a(wrap(indices[i], a.rows), j) : a(i, wrap(indices[j], a.columns));
  return out;
}

// n + 2 indices into an axis of length n, repeating, some negative.
std::vector<std::int64_t> scattered_indices(std::int64_t n) {
  std::vector<std::int64_t> indices;
  for (std::int64_t i = 0; i < n + 2; ++i) {
    const std::int64_t position = (i * 7 + 3) % n;
    indices.push_back(i % 3 == 2 ? position - n : position);
  }
  return indices;
}

TEST(IndexSizes, Slices) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    // x[1::2, ::-1], x[:, -1] and x[n // 2]
    Matrix strided((n - 1 + 1) / 2, n);
    for (std::int64_t i = 0; i < strided.rows; ++i)
      for (std::int64_t j = 0; j < n; ++j) strided(i, j) = a(1 + 2 * i, n - 1 - j);
    Matrix last_column(n, 1), middle_row(n, 1);
    for (std::int64_t i = 0; i < n; ++i) {
      last_column(i, 0) = a(i, n - 1);
      middle_row(i, 0) = a(n / 2, i);
    }
    graph.expect(sized("x[1::2, ::-1] n=", n),
                 slice(x, {Slice{1, std::nullopt, 2}, Slice{.step = -1}}), strided.tensor());
    graph.expect(sized("x[:, -1] n=", n), slice(x, 1, Index{-1}), vector_tensor(last_column));
    graph.expect(sized("x[n // 2] n=", n), slice(x, {Index{n / 2}}), vector_tensor(middle_row));
  });
}

TEST(IndexSizes, SetAndIncrementSubtensors) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng), row = random_matrix(1, n, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    const Expr r = graph.add_input(sized("r", n), vector_tensor(row));
    // x[::2] = row and x[:, 1::3] += 1.5
    Matrix set = a, incremented = a;
    for (std::int64_t i = 0; i < n; i += 2)
      for (std::int64_t j = 0; j < n; ++j) set(i, j) = row(0, j);
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t j = 1; j < n; j += 3) incremented(i, j) += 1.5;
    graph.expect(sized("set x[::2] n=", n), set_subtensor(x, {Slice{.step = 2}}, r), set.tensor());
    graph.expect(sized("inc x[:, 1::3] n=", n),
                 inc_subtensor(x, {Slice{}, Slice{1, std::nullopt, 3}}, constant(1.5)),
                 incremented.tensor());
  });
}

TEST(IndexSizes, GatherAndScatterAdd) {
  for_every_size([](SizedGraph& graph, std::int64_t n, std::mt19937_64& rng) {
    const Matrix a = random_matrix(n, n, rng);
    const std::vector<std::int64_t> indices = scattered_indices(n);
    const auto count = static_cast<std::int64_t>(indices.size());
    const Matrix updates = random_matrix(count, n, rng);
    const Expr x = graph.add_input(sized("a", n), a.tensor());
    const Expr u = graph.add_input(sized("u", n), updates.tensor());
    const Expr at = graph.add_input(sized("i", n), Tensor::from_ints(indices, {count}));
    Matrix accumulated = a;
    for (std::int64_t k = 0; k < count; ++k) {
      const std::int64_t row = indices[k] < 0 ? indices[k] + n : indices[k];
      for (std::int64_t j = 0; j < n; ++j) accumulated(row, j) += updates(k, j);
    }
    graph.expect(sized("gather rows n=", n), gather(x, at, 0), take(a, indices, 0).tensor());
    graph.expect(sized("gather columns n=", n), gather(x, at, 1), take(a, indices, 1).tensor());
    graph.expect(sized("scatter_add rows n=", n), scatter_add(x, at, u, 0), accumulated.tensor());
  });
}

// ---------------------------------------------------------------------------------------------
// Gradients against finite differences: one scalar over several sizes, so one native compilation
// per op (the symbolic gradient runs on both backends, which must agree). Finite differences cost
// two evaluations per input element, so these take a spread of sizes rather than all 17.

using testing::GraphBuilder;

const std::vector<std::int64_t> kGradientSizes = {1, 2, 3, 5, 8, 11};

// f(inputs) summed over the sizes, each size's output reduced with fixed weights.
void expect_gradients_at_sizes(
    const std::function<Expr(const Expr& x, std::int64_t n)>& op,
    const std::function<Tensor(std::int64_t n, std::mt19937_64& rng)>& point) {
  std::mt19937_64 rng(7);
  std::vector<Tensor> points;
  for (std::int64_t n : kGradientSizes) points.push_back(point(n, rng));
  const GraphBuilder builder = [op](const Exprs& inputs) {
    Expr total = constant(0.0);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const Expr value = op(inputs[k], kGradientSizes[k]);
      total = total + sum(value * sin(value + static_cast<double>(k)));
    }
    return total;
  };
  expect_gradient_matches(builder, points);
}

Tensor random_square(std::int64_t n, std::mt19937_64& rng) {
  return random_matrix(n, n, rng).tensor();
}

// X X^T + n I from a raw X, so a finite-difference step keeps the matrix positive definite.
Expr spd_from(const Expr& x, std::int64_t n) {
  return matmul(x, matrix_transpose(x)) + eye(n) * static_cast<double>(n);
}

TEST(LinalgSizesGrad, TrilTriu) {
  expect_gradients_at_sizes(
      [](const Expr& x, std::int64_t) { return tril(x, -1) * 2.0 + triu(x, 1); }, random_square);
}

TEST(LinalgSizesGrad, Cholesky) {
  expect_gradients_at_sizes([](const Expr& x, std::int64_t n) { return cholesky(spd_from(x, n)); },
                            random_square);
}

TEST(LinalgSizesGrad, SolvesInverseAndLogdet) {
  expect_gradients_at_sizes(
      [](const Expr& x, std::int64_t n) {
        const Expr a = spd_from(x, n);
        const Expr b = slice(x, 1, Index{0});
        return solve(a, b) + solve_triangular(cholesky(a), b, true) +
               solve_triangular(matrix_transpose(cholesky(a)), b, false) + diagonal(inverse(a)) +
               logdet(a);
      },
      random_square);
}

TEST(IndexSizesGrad, GatherScatterAndSlices) {
  expect_gradients_at_sizes(
      [](const Expr& x, std::int64_t n) {
        const std::vector<std::int64_t> indices = scattered_indices(n);
        const Expr at =
            constant(Tensor::from_ints(indices, {static_cast<std::int64_t>(indices.size())}));
        const Expr gathered = gather(x, at, 1);  // (n, n + 2)
        const Expr scattered = scatter_add(x, at, gathered * 0.5, 1);
        return sum(gathered, {1}) + sum(scattered, {0}) +
               sum(slice(x, {Slice{1, std::nullopt, 2}, Slice{.step = -1}}), {0}) +
               slice(set_subtensor(x, {Slice{.step = 2}}, slice(x, 0, Index{-1})), 1, Index{0});
      },
      random_square);
}

}  // namespace
}  // namespace hypatia
