#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::evaluate_on_backends;
using testing::expect_gradient_matches;
using testing::expect_second_derivative_matches;
using testing::random_tensor;

// ---------------------------------------------------------------------------------------------
// Fixtures from scripts/fixtures/linalg.py (numpy / scipy): `case name shape values...` per line.

using Case = std::map<std::string, Tensor>;

Tensor parse_tensor(std::istringstream& line) {
  std::string dims;
  line >> dims;
  Shape shape;
  if (dims != "-") {
    std::istringstream dim_stream(dims);
    std::string dim;
    while (std::getline(dim_stream, dim, ',')) shape.push_back(std::stoll(dim));
  }
  std::vector<double> values;
  std::string number;
  while (line >> number) values.push_back(std::stod(number));
  return Tensor::from_doubles(values, shape);
}

const std::map<std::string, Case>& fixture_cases() {
  static const std::map<std::string, Case> cases = [] {
    std::map<std::string, Case> parsed;
    std::ifstream file(std::string(HYPATIA_FIXTURE_DIR) + "/linalg.txt");
    std::string text;
    while (std::getline(file, text)) {
      std::istringstream line(text);
      std::string case_name, tensor_name;
      line >> case_name >> tensor_name;
      parsed[case_name][tensor_name] = parse_tensor(line);
    }
    return parsed;
  }();
  return cases;
}

const Case& fixture(const std::string& name) {
  auto found = fixture_cases().find(name);
  if (found == fixture_cases().end()) throw std::runtime_error("no fixture case " + name);
  return found->second;
}

void expect_tensor_near(const Tensor& actual, const Tensor& expected, double tolerance = 1e-10) {
  ASSERT_EQ(actual.shape(), expected.shape());
  for (std::int64_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual.at(i), expected.at(i), tolerance * (1.0 + std::abs(expected.at(i))))
        << "element " << i;
  }
}

// Evaluates `values` as the outputs of one graph (one native compilation) on both backends.
std::vector<Tensor> evaluate_all(const Exprs& values) {
  std::vector<NodePtr> nodes;
  for (const Expr& value : values) nodes.push_back(value.node());
  return evaluate_on_backends(nodes);
}
Tensor evaluate_one(const Expr& value) {
  return evaluate_on_backends(value.node());
}

// build(case inputs as constants), to be compared with the case's `expected` tensor.
struct FixtureCheck {
  std::string name;
  std::function<Expr(const Case&)> build;
  std::string expected = "out";
};

// Evaluates every check as an output of one graph and compares each with its fixture.
void expect_fixtures(const std::vector<FixtureCheck>& checks) {
  Exprs outputs;
  for (const FixtureCheck& check : checks) outputs.push_back(check.build(fixture(check.name)));
  const std::vector<Tensor> values = evaluate_all(outputs);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    SCOPED_TRACE(checks[i].name + " " + checks[i].expected);
    expect_tensor_near(values[i], fixture(checks[i].name).at(checks[i].expected));
  }
}

Expr in(const Case& c, const std::string& name) {
  return constant(c.at(name));
}

std::string shape_error_message(const std::function<void()>& build) {
  try {
    build();
  } catch (const ShapeError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ShapeError";
  return "";
}

using testing::expect_mentions;

bool all_nan(const Tensor& t) {
  for (double v : t.to_doubles()) {
    if (!std::isnan(v)) return false;
  }
  return true;
}

bool any_non_finite(const Tensor& t) {
  for (double v : t.to_doubles()) {
    if (!std::isfinite(v)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Values.

TEST(LinalgValues, MatmulFollowsNumpy) {
  std::vector<FixtureCheck> checks;
  for (const char* name : {"matmul_2d", "matmul_vec_mat", "matmul_mat_vec", "matmul_vec_vec",
                           "matmul_batch_broadcast", "matmul_batch_vec"}) {
    checks.push_back({name, [](const Case& c) { return matmul(in(c, "a"), in(c, "b")); }});
  }
  expect_fixtures(checks);
}

TEST(LinalgValues, MatmulStaticShapes) {
  Expr a = input("a", {DType::float64, {kUnknownDim, 3}});
  Expr b = input("b", {DType::float64, {3, kUnknownDim}});
  EXPECT_EQ(matmul(a, b).shape(), Shape({kUnknownDim, kUnknownDim}));
  Expr v = input("v", {DType::float64, {3}});
  EXPECT_EQ(matmul(a, v).shape(), Shape({kUnknownDim}));
  EXPECT_EQ(matmul(v, v).shape(), Shape({}));
  Expr batch = input("batch", {DType::float32, {2, 1, 4, 3}});
  Expr other = input("other", {DType::float32, {5, 3, 6}});
  EXPECT_EQ(matmul(batch, other).type(), (TensorType{DType::float32, {2, 5, 4, 6}}));
}

// A 1-d operand is a matrix with one added axis, which the result drops again with a squeeze
// (not a sum over it, which would read as a reduction).
TEST(LinalgValues, VectorOperandsAddAndSqueezeOneAxis) {
  Expr m = input("m", {DType::float64, {3, 3}});
  Expr v = input("v", {DType::float64, {3}});
  const std::vector<std::pair<Expr, Shape>> results = {{matmul(m, v), {3}},
                                                       {matmul(v, m), {3}},
                                                       {matmul(v, v), {}},
                                                       {solve(m, v), {3}},
                                                       {solve_triangular(m, v, true), {3}}};
  for (const auto& [result, shape] : results) {
    EXPECT_EQ(result->op_name(), "squeeze");
    EXPECT_EQ(result.shape(), shape);
  }
  EXPECT_EQ(matmul(m, m)->op_name(), "matmul");
}

TEST(LinalgValues, MatmulPromotesIntegersAndMixedFloats) {
  Expr a = constant(Tensor::from_ints({1, 2, 3, 4}, {2, 2}));
  Expr b = constant(Tensor::from_doubles({1, 0, 0, 1}, {2, 2}, DType::float32));
  Expr product = matmul(a, b);
  EXPECT_EQ(product.dtype(), DType::float64);
  const std::vector<Tensor> values = evaluate_all({product, matmul(b, b)});
  expect_tensor_near(values[0], Tensor::from_doubles({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(values[1].dtype(), DType::float32);
  expect_tensor_near(values[1].cast(DType::float64), Tensor::from_doubles({1, 0, 0, 1}, {2, 2}));
}

TEST(LinalgValues, UnknownInnerDimensionIsCheckedAtRunTime) {
  Expr a = input("a", {DType::float64, {2, kUnknownDim}});
  Expr b = constant(Tensor(DType::float64, {3, 2}));
  Expr product = matmul(a, b);
  EXPECT_THROW(evaluate(product.node(), {{"a", Tensor(DType::float64, {2, 4})}}), RuntimeError);
  EXPECT_EQ(evaluate(product.node(), {{"a", Tensor(DType::float64, {2, 3})}}).shape(),
            Shape({2, 2}));
}

TEST(LinalgValues, DotOuterTranspose) {
  expect_fixtures({
      {"dot_vec", [](const Case& c) { return dot(in(c, "a"), in(c, "b")); }},
      {"outer", [](const Case& c) { return outer(in(c, "a"), in(c, "b")); }},
      {"matrix_transpose", [](const Case& c) { return matrix_transpose(in(c, "a")); }},
  });
  // Hand-checked: a scalar operand scales, 2-d operands multiply as matrices; transposing a
  // single row or column (a view natively) and a batch of matrices.
  Expr m = constant(Tensor::from_doubles({1, 2, 3, 4}, {2, 2}));
  Expr row = constant(Tensor::from_doubles({1, 2, 3}, {1, 3}));
  Expr batch = constant(Tensor::from_doubles({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 2, 3}));
  const std::vector<Tensor> values =
      evaluate_all({dot(2.0, m), dot(m, m), matrix_transpose(row), matrix_transpose(batch)});
  expect_tensor_near(values[0], Tensor::from_doubles({2, 4, 6, 8}, {2, 2}));
  expect_tensor_near(values[1], Tensor::from_doubles({7, 10, 15, 22}, {2, 2}));
  expect_tensor_near(values[2], Tensor::from_doubles({1, 2, 3}, {3, 1}));
  expect_tensor_near(values[3],
                     Tensor::from_doubles({1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12}, {2, 3, 2}));
}

// The logistic-regression benchmark's products, X beta and X^T r, at its size: the native
// backend's library call and the reference kernel agree (the helper checks), and spot entries
// match sums computed here.
TEST(LinalgValues, RegressionSizedMatrixVectorProducts) {
  std::mt19937_64 rng(10);
  const Tensor x = testing::random_tensor({10000, 50}, rng);
  const Tensor beta = testing::random_tensor({50}, rng);
  const Tensor r = testing::random_tensor({10000}, rng);
  Expr xs = input("x", x.type()), betas = input("beta", beta.type()), rs = input("r", r.type());
  const std::vector<Tensor> values = evaluate_on_backends(
      {xs.node(), betas.node(), rs.node()},
      {matmul(xs, betas).node(), matmul(matrix_transpose(xs), rs).node()}, {x, beta, r});
  for (std::int64_t row : {0, 4321, 9999}) {
    double expected = 0.0;
    for (std::int64_t d = 0; d < 50; ++d) expected += x.at(row * 50 + d) * beta.at(d);
    EXPECT_NEAR(values[0].at(row), expected, 1e-12);
  }
  for (std::int64_t column : {0, 49}) {
    double expected = 0.0;
    for (std::int64_t n = 0; n < 10000; ++n) expected += x.at(n * 50 + column) * r.at(n);
    EXPECT_NEAR(values[1].at(column), expected, 1e-10);
  }
}

TEST(LinalgValues, CholeskyReadsTheLowerTriangle) {
  auto factor = [](const Case& c) { return cholesky(in(c, "a")); };
  expect_fixtures({{"cholesky", factor}, {"cholesky_batch", factor}});
}

TEST(LinalgValues, CholeskyOfAnIndefiniteMatrixIsNaN) {
  Expr indefinite = constant(Tensor::from_doubles({1, 2, 2, 1}, {2, 2}));
  // In a batch only the failing matrix becomes NaN.
  Expr batch = constant(Tensor::from_doubles({4, 0, 0, 9, 1, 2, 2, 1}, {2, 2, 2}));
  const std::vector<Tensor> values =
      evaluate_all({cholesky(indefinite), cholesky(batch), cholesky_logdet(cholesky(indefinite))});
  EXPECT_TRUE(all_nan(values[0]));
  const Tensor& factors = values[1];
  ASSERT_EQ(factors.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(factors.at(0), 2.0);
  EXPECT_EQ(factors.at(1), 0.0);
  EXPECT_EQ(factors.at(3), 3.0);
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(std::isnan(factors.at(i)));
  // And a non-finite log density follows, which a sampler rejects.
  EXPECT_TRUE(std::isnan(values[2].at(0)));
}

TEST(LinalgValues, Solves) {
  auto lower = [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), true); };
  auto upper = [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), false); };
  auto general = [](const Case& c) { return solve(in(c, "a"), in(c, "b")); };
  expect_fixtures({{"solve_tri_lower_vec", lower},
                   {"solve_tri_lower_mat", lower},
                   {"solve_tri_upper_mat", upper},
                   {"solve_vec", general},
                   {"solve_mat", general},
                   {"solve_batch", general}});
}

TEST(LinalgValues, SingularSolveAndInverseAreNonFinite) {
  Expr singular = constant(Tensor::from_doubles({1, 2, 2, 4}, {2, 2}));
  Expr rhs = constant(Tensor::from_doubles({1, 1}, {2}));
  Expr zero_diagonal = constant(Tensor::from_doubles({0, 0, 1, 1}, {2, 2}));
  const std::vector<Tensor> values =
      evaluate_all({solve(singular, rhs), inverse(singular), solve_triangular(zero_diagonal, rhs),
                    logdet(singular), det_sign(singular)});
  EXPECT_TRUE(any_non_finite(values[0]));
  EXPECT_TRUE(any_non_finite(values[1]));
  EXPECT_TRUE(any_non_finite(values[2]));
  EXPECT_EQ(values[3].at(0), -INFINITY);
  EXPECT_EQ(values[4].at(0), 0.0);
}

TEST(LinalgValues, InverseAndDeterminant) {
  auto invert = [](const Case& c) { return inverse(in(c, "a")); };
  std::vector<FixtureCheck> checks{{"inverse", invert}, {"inverse_batch", invert}};
  for (const char* name : {"slogdet", "slogdet_negative", "slogdet_batch"}) {
    checks.push_back({name, [](const Case& c) { return logdet(in(c, "a")); }});
    checks.push_back({name, [](const Case& c) { return det_sign(in(c, "a")); }, "sign"});
  }
  checks.push_back({"cholesky_logdet", [](const Case& c) { return cholesky_logdet(in(c, "a")); }});
  expect_fixtures(checks);
}

// Sizes that take the runtime's blocked factorizations and level-3 kernels, with partial last
// blocks (see src/backend/native/runtime/linalg.cpp).
TEST(LinalgValues, BlockedSizesFollowNumpy) {
  auto product = [](const Case& c) { return matmul(in(c, "a"), in(c, "b")); };
  expect_fixtures({
      {"blocked_cholesky", [](const Case& c) { return cholesky(in(c, "a")); }},
      {"blocked_solve_tri_lower",
       [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), true); }},
      {"blocked_solve_tri_upper",
       [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), false); }},
      {"blocked_solve", [](const Case& c) { return solve(in(c, "a"), in(c, "b")); }},
      {"blocked_inverse", [](const Case& c) { return inverse(in(c, "a")); }},
      {"blocked_slogdet", [](const Case& c) { return logdet(in(c, "a")); }},
      {"blocked_slogdet", [](const Case& c) { return det_sign(in(c, "a")); }, "sign"},
      {"blocked_matmul", product},
      {"blocked_matmul_column", product},
      {"blocked_matmul_row", product},
  });
}

// Row-major matrices as plain vectors, for residuals computed here with plain loops.
using Matrix = std::vector<double>;

// (n x n) times (n x k), the first factor optionally transposed.
Matrix product_of(const Matrix& a, const Matrix& b, std::int64_t n, std::int64_t k,
                  bool transpose_a = false) {
  Matrix c(static_cast<std::size_t>(n * k), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t m = 0; m < n; ++m) {
      const double a_im = transpose_a ? a[m * n + i] : a[i * n + m];
      for (std::int64_t j = 0; j < k; ++j) c[i * k + j] += a_im * b[m * k + j];
    }
  }
  return c;
}

Matrix transposed(const Matrix& a, std::int64_t n) {
  Matrix t(a.size());
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < n; ++j) t[j * n + i] = a[i * n + j];
  }
  return t;
}

Matrix identity(std::int64_t n) {
  Matrix eye(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) eye[i * n + i] = 1.0;
  return eye;
}

double largest_difference(const Matrix& a, const Matrix& b) {
  EXPECT_EQ(a.size(), b.size());
  double largest = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) largest = std::max(largest, std::abs(a[i] - b[i]));
  return largest;
}

// Many panels of the blocked factorizations (block size 32 at n = 300) and kernels whose packed
// operands exceed the 128 KB Eigen would put on the stack: every op's residual is small.
TEST(LinalgValues, LargeMatricesHaveSmallResiduals) {
  const std::int64_t n = 300, k = 7;
  std::mt19937_64 rng(300);
  const Matrix m = testing::random_tensor({n, n}, rng).to_doubles();
  Matrix sigma = product_of(m, m, n, n, true);  // M^T M / n + I: well conditioned
  for (double& entry : sigma) entry /= static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) sigma[i * n + i] += 1.0;
  const Matrix b = testing::random_tensor({n, k}, rng).to_doubles();
  Matrix swapped = sigma;  // the first two rows exchanged: the determinant changes sign
  std::swap_ranges(swapped.begin(), swapped.begin() + n, swapped.begin() + n);

  Expr sigma_value = constant(Tensor::from_doubles(sigma, {n, n}));
  Expr swapped_value = constant(Tensor::from_doubles(swapped, {n, n}));
  Expr b_value = constant(Tensor::from_doubles(b, {n, k}));
  Expr l = cholesky(sigma_value);
  const std::vector<Tensor> values = evaluate_all({
      l,
      solve_triangular(l, b_value, true),
      solve_triangular(matrix_transpose(l), b_value, false),
      solve(sigma_value, b_value),
      inverse(sigma_value),
      matmul(sigma_value, sigma_value),
      stack({logdet(sigma_value), logdet(swapped_value)}),
      stack({det_sign(sigma_value), det_sign(swapped_value)}),
      cholesky(stack({sigma_value, 4.0 * sigma_value})),
  });
  const Matrix factor = values[0].to_doubles();
  EXPECT_LT(largest_difference(product_of(factor, transposed(factor, n), n, n), sigma), 1e-12);
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = i + 1; j < n; ++j) ASSERT_EQ(factor[i * n + j], 0.0);
  }
  EXPECT_LT(largest_difference(product_of(factor, values[1].to_doubles(), n, k), b), 1e-12);
  EXPECT_LT(largest_difference(product_of(factor, values[2].to_doubles(), n, k, true), b), 1e-12);
  EXPECT_LT(largest_difference(product_of(sigma, values[3].to_doubles(), n, k), b), 1e-12);
  EXPECT_LT(largest_difference(product_of(sigma, values[4].to_doubles(), n, n), identity(n)),
            1e-12);
  EXPECT_LT(largest_difference(values[5].to_doubles(), product_of(sigma, sigma, n, n)), 1e-12);
  // log det from the LU factorization against the Cholesky factor's diagonal.
  double cholesky_logdet = 0.0;
  for (std::int64_t i = 0; i < n; ++i) cholesky_logdet += 2.0 * std::log(factor[i * n + i]);
  EXPECT_NEAR(values[6].at(0), cholesky_logdet, 1e-10 * std::abs(cholesky_logdet));
  EXPECT_NEAR(values[6].at(1), cholesky_logdet, 1e-10 * std::abs(cholesky_logdet));
  EXPECT_EQ(values[7].to_doubles(), std::vector<double>({1.0, -1.0}));
  // A batch: chol(4 Sigma) = 2 L, exactly (scaling by 4 and taking roots are exact).
  const Matrix batch = values[8].to_doubles();
  for (std::int64_t i = 0; i < n * n; ++i) {
    ASSERT_EQ(batch[i], factor[i]);
    ASSERT_EQ(batch[n * n + i], 2.0 * factor[i]);
  }
}

TEST(LinalgValues, DiagonalsAndTriangles) {
  auto to_matrix = [](const Case& c) { return diag(in(c, "a")); };
  std::vector<FixtureCheck> checks{
      {"diag", to_matrix},
      {"diag_batch", to_matrix},
      {"diagonal", [](const Case& c) { return diagonal(in(c, "a")); }},
      {"trace", [](const Case& c) { return trace(in(c, "a")); }},
  };
  for (std::int64_t k : {-1, 0, 2}) {
    const std::string suffix = k < 0 ? "m" + std::to_string(-k) : std::to_string(k);
    checks.push_back({"tril_" + suffix, [k](const Case& c) { return tril(in(c, "a"), k); }});
    checks.push_back({"triu_" + suffix, [k](const Case& c) { return triu(in(c, "a"), k); }});
  }
  expect_fixtures(checks);
}

TEST(LinalgValues, EyeAndStructuralOpsKeepDtype) {
  EXPECT_EQ(eye(2, DType::float32).dtype(), DType::float32);
  Expr counts = constant(Tensor::from_ints({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(tril(counts).dtype(), DType::int64);
  Expr flags = constant(Tensor::from_ints({1, 0, 1}, {3}).cast(DType::boolean));
  Expr halves = constant(Tensor::from_doubles({0.5, 1.5, 2.5, 3.5}, {2, 2}, DType::float32));
  const std::vector<Tensor> values =
      evaluate_all({eye(3), triu(counts), matrix_transpose(counts), diag(flags), tril(halves, -1),
                    diagonal(counts)});
  expect_tensor_near(values[0], Tensor::from_doubles({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}));
  EXPECT_EQ(values[1].to_doubles(), std::vector<double>({1, 2, 0, 4}));
  EXPECT_EQ(values[2].to_doubles(), std::vector<double>({1, 3, 2, 4}));
  EXPECT_EQ(values[3].dtype(), DType::boolean);
  EXPECT_EQ(values[3].to_doubles(), std::vector<double>({1, 0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(values[4].dtype(), DType::float32);
  EXPECT_EQ(values[4].to_doubles(), std::vector<double>({0, 0, 2.5, 0}));
  EXPECT_EQ(values[5].to_doubles(), std::vector<double>({1, 4}));
  EXPECT_THROW(eye(-1), ShapeError);
}

TEST(LinalgValues, EmptyBatchesAndMatrices) {
  Expr empty_batch = constant(Tensor(DType::float64, {0, 3, 3}));
  Expr empty = constant(Tensor(DType::float64, {0, 0}));
  const std::vector<Tensor> values =
      evaluate_all({cholesky(empty_batch), logdet(empty), det_sign(empty), inverse(empty)});
  EXPECT_EQ(values[0].shape(), Shape({0, 3, 3}));
  EXPECT_EQ(values[1].at(0), 0.0);  // det of a 0 x 0 matrix is 1
  EXPECT_EQ(values[2].at(0), 1.0);
  EXPECT_EQ(values[3].shape(), Shape({0, 0}));
}

TEST(LinalgValues, Float32ComputesInFloat32Type) {
  const Case& c = fixture("cholesky_batch");
  Expr a32 = constant(c.at("a").cast(DType::float32));
  Expr factor = cholesky(a32);
  EXPECT_EQ(factor.dtype(), DType::float32);
  expect_tensor_near(evaluate_one(factor).cast(DType::float64), c.at("out"), 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Errors.

TEST(LinalgErrors, MatmulInnerDimensionMismatchNamesBothShapes) {
  Expr a = input("a", {DType::float64, {2, 3}});
  Expr b = input("b", {DType::float64, {4, 5}});
  expect_mentions(shape_error_message([&] { matmul(a, b); }), {"matmul", "(2, 3)", "(4, 5)"});
  Expr u = input("u", {DType::float64, {3}});
  Expr v = input("v", {DType::float64, {4}});
  expect_mentions(shape_error_message([&] { matmul(u, v); }), {"matmul", "(3,)", "(4,)"});
  expect_mentions(shape_error_message([&] { dot(u, v); }), {"matmul", "(3,)", "(4,)"});
}

TEST(LinalgErrors, MatmulBatchMismatchAndScalars) {
  Expr a = input("a", {DType::float64, {2, 3, 4}});
  Expr b = input("b", {DType::float64, {3, 4, 5}});
  expect_mentions(shape_error_message([&] { matmul(a, b); }),
                  {"matmul", "batch", "(2, 3, 4)", "(3, 4, 5)"});
  expect_mentions(shape_error_message([&] { matmul(a, 2.0); }), {"matmul", "()"});
  Expr rank3 = input("c", {DType::float64, {2, 2, 2}});
  expect_mentions(shape_error_message([&] { dot(rank3, rank3); }), {"dot", "(2, 2, 2)"});
  expect_mentions(shape_error_message([&] { outer(rank3, rank3); }), {"outer", "(2, 2, 2)"});
}

TEST(LinalgErrors, NonSquareMatrices) {
  Expr a = input("a", {DType::float64, {2, 3}});
  expect_mentions(shape_error_message([&] { cholesky(a); }), {"cholesky", "square", "(2, 3)"});
  expect_mentions(shape_error_message([&] { inverse(a); }), {"inverse", "(2, 3)"});
  expect_mentions(shape_error_message([&] { logdet(a); }), {"logdet", "(2, 3)"});
  expect_mentions(shape_error_message([&] { diagonal(a); }), {"diagonal", "(2, 3)"});
  Expr rhs = input("rhs", {DType::float64, {2}});
  expect_mentions(shape_error_message([&] { solve(a, rhs); }), {"solve", "(2, 3)", "(2,)"});
  expect_mentions(shape_error_message([&] { cholesky(rhs); }), {"cholesky", "(2,)"});
}

TEST(LinalgErrors, RightHandSideRowsMustMatch) {
  Expr a = input("a", {DType::float64, {3, 3}});
  Expr b = input("b", {DType::float64, {4, 2}});
  Expr v = input("v", {DType::float64, {4}});
  expect_mentions(shape_error_message([&] { solve(a, b); }), {"solve", "(3, 3)", "(4, 2)"});
  expect_mentions(shape_error_message([&] { solve_triangular(a, v); }),
                  {"solve_triangular", "(3, 3)", "(4,)"});
}

// ---------------------------------------------------------------------------------------------
// Gradients against finite differences.

// A well-conditioned matrix from a random one: x + n I on the last two axes.
Expr shifted(const Expr& x) {
  const std::int64_t n = x.shape().back();
  return x + static_cast<double>(n) * eye(n);
}

// A symmetric positive definite matrix built in the graph, so perturbations of m stay symmetric.
Expr spd(const Expr& m) {
  const std::int64_t n = m.shape().back();
  return matmul(m, matrix_transpose(m)) + static_cast<double>(n) * eye(n);
}

TEST(LinalgGrad, Matmul) {
  std::mt19937_64 rng(1);
  auto product = [](const Exprs& x) { return matmul(x[0], x[1]); };
  for (auto [sa, sb] : std::vector<std::pair<Shape, Shape>>{{{3, 4}, {4, 2}},
                                                            {{2, 1, 3, 4}, {5, 4, 2}},
                                                            {{4}, {4, 3}},
                                                            {{3, 4}, {4}},
                                                            {{4}, {4}},
                                                            {{2, 3, 4}, {4}},
                                                            {{3}, {2, 3, 2}}}) {
    SCOPED_TRACE(shape_to_string(sa) + " @ " + shape_to_string(sb));
    expect_gradient_matches(product, {random_tensor(sa, rng), random_tensor(sb, rng)});
  }
}

TEST(LinalgGrad, DotOuterTranspose) {
  std::mt19937_64 rng(2);
  expect_gradient_matches([](const Exprs& x) { return dot(x[0], x[1]); },
                          {random_tensor({4}, rng), random_tensor({4}, rng)});
  expect_gradient_matches([](const Exprs& x) { return outer(x[0], x[1]); },
                          {random_tensor({3}, rng), random_tensor({2}, rng)});
  expect_gradient_matches([](const Exprs& x) { return matrix_transpose(x[0]); },
                          {random_tensor({2, 3, 4}, rng)});
}

TEST(LinalgGrad, CholeskyOfSymmetricMatrix) {
  std::mt19937_64 rng(3);
  expect_gradient_matches([](const Exprs& x) { return cholesky(spd(x[0])); },
                          {random_tensor({4, 4}, rng)});
  expect_gradient_matches([](const Exprs& x) { return cholesky(spd(x[0])); },
                          {random_tensor({2, 3, 3}, rng)});
}

TEST(LinalgGrad, CholeskyOfRawInputReadsOnlyTheLowerTriangle) {
  // Perturbing the upper triangle directly changes nothing, and the gradient says so.
  std::mt19937_64 rng(4);
  Tensor m = random_tensor({3, 3}, rng);
  Tensor a = evaluate(spd(constant(m)).node());
  expect_gradient_matches([](const Exprs& x) { return cholesky(x[0]); }, {a});
}

// The Cholesky gradient runs a blocked algorithm (blocks of 16 and more columns); these sizes
// take one block, several, and a ragged last block. The reference is the symmetric formula
// Abar = Phi(S + S^T), S = L^-T Phi(L^T Lbar) L^-1 (Murray 2016), in plain loops.
std::vector<double> cholesky_cotangent_reference(const std::vector<double>& l,
                                                 const std::vector<double>& l_bar, int n) {
  auto at = [n](int i, int j) { return static_cast<std::size_t>(i * n + j); };
  std::vector<double> p(static_cast<std::size_t>(n * n), 0.0);
  for (int i = 0; i < n; ++i) {  // P = Phi(L^T tril(Lbar))
    for (int j = 0; j <= i; ++j) {
      double total = 0.0;
      for (int k = i; k < n; ++k) total += l[at(k, i)] * l_bar[at(k, j)];
      p[at(i, j)] = i == j ? 0.5 * total : total;
    }
  }
  for (int c = 0; c < n; ++c) {  // columns of P <- L^-T P (back substitution)
    for (int i = n - 1; i >= 0; --i) {
      double v = p[at(i, c)];
      for (int k = i + 1; k < n; ++k) v -= l[at(k, i)] * p[at(k, c)];
      p[at(i, c)] = v / l[at(i, i)];
    }
  }
  for (int r = 0; r < n; ++r) {  // rows of P <- P L^-1: x L = p_row, solved from the last column
    for (int j = n - 1; j >= 0; --j) {
      double v = p[at(r, j)];
      for (int k = j + 1; k < n; ++k) v -= p[at(r, k)] * l[at(k, j)];
      p[at(r, j)] = v / l[at(j, j)];
    }
  }
  std::vector<double> a_bar(static_cast<std::size_t>(n * n), 0.0);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < i; ++j) a_bar[at(i, j)] = p[at(i, j)] + p[at(j, i)];
    a_bar[at(i, i)] = p[at(i, i)];
  }
  return a_bar;
}

TEST(LinalgGrad, CholeskyCotangentMatchesTheSymmetricFormula) {
  std::mt19937_64 rng(31);
  for (int n : {1, 5, 16, 17, 40, 67, 130}) {
    SCOPED_TRACE("n = " + std::to_string(n));
    const Tensor m = random_tensor({n, n}, rng);
    const Tensor weights = random_tensor({n, n}, rng);
    const Expr a = input("a", {DType::float64, {n, n}});
    const Expr factor = cholesky(a);
    const Expr cost = sum(factor * constant(weights));
    const Expr a_bar = grad(cost, a);
    const Tensor a_value = evaluate(spd(constant(m)).node());
    const std::vector<Tensor> values = evaluate_on_backends(
        {a.node()}, {factor.node(), a_bar.node()}, {a_value}, {.rtol = 1e-10, .atol = 1e-13});
    const std::vector<double> expected =
        cholesky_cotangent_reference(values[0].to_doubles(), weights.to_doubles(), n);
    const std::vector<double> actual = values[1].to_doubles();
    double scale = 0.0;
    for (double v : expected) scale = std::max(scale, std::abs(v));
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(actual[i], expected[i], 1e-11 * scale) << "element " << i;
    }
  }
}

TEST(LinalgGrad, BlockedCholeskyAgainstFiniteDifferences) {
  // 37 columns: blocks of 16, 16 and 5, so every step of the blocked reverse pass runs; a batch of
  // two as well.
  std::mt19937_64 rng(32);
  expect_gradient_matches([](const Exprs& x) { return cholesky(spd(x[0])); },
                          {random_tensor({37, 37}, rng)});
  expect_gradient_matches([](const Exprs& x) { return cholesky_logdet(cholesky(spd(x[0]))); },
                          {random_tensor({2, 20, 20}, rng)});
}

TEST(LinalgGrad, CholeskySecondDerivatives) {
  // Hessian-vector products differentiate the Cholesky gradient itself.
  std::mt19937_64 rng(33);
  expect_second_derivative_matches(
      [](const Exprs& x) {
        const Expr l = cholesky(spd(x[0]));
        return sum(square(solve_triangular(l, x[1], true))) + cholesky_logdet(l);
      },
      {random_tensor({4, 4}, rng), random_tensor({4}, rng)});
}

TEST(LinalgGrad, SolveTriangular) {
  std::mt19937_64 rng(5);
  // Both triangles in one graph (weighted differently, so neither gradient can hide the other).
  auto f = [](const Exprs& x) {
    const Expr a = shifted(x[0]);
    return solve_triangular(a, x[1], true) + 2.0 * solve_triangular(a, x[1], false);
  };
  expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3, 2}, rng)});
  expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3}, rng)});
  expect_gradient_matches(f, {random_tensor({2, 3, 3}, rng), random_tensor({3, 2}, rng)});
}

TEST(LinalgGrad, Solve) {
  std::mt19937_64 rng(6);
  auto f = [](const Exprs& x) { return solve(shifted(x[0]), x[1]); };
  expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3, 2}, rng)});
  expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3}, rng)});
  expect_gradient_matches(f, {random_tensor({2, 3, 3}, rng), random_tensor({1, 3, 2}, rng)});
}

TEST(LinalgGrad, InverseAndLogdet) {
  std::mt19937_64 rng(7);
  expect_gradient_matches([](const Exprs& x) { return inverse(shifted(x[0])); },
                          {random_tensor({3, 3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return inverse(shifted(x[0])); },
                          {random_tensor({2, 3, 3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return logdet(shifted(x[0])); },
                          {random_tensor({3, 3}, rng)});
  // A negative determinant: log |det| is still smooth there.
  expect_gradient_matches([](const Exprs& x) { return logdet(-shifted(x[0])); },
                          {random_tensor({3, 3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return logdet(shifted(x[0])); },
                          {random_tensor({2, 4, 4}, rng)});
  expect_gradient_matches([](const Exprs& x) { return cholesky_logdet(cholesky(spd(x[0]))); },
                          {random_tensor({3, 3}, rng)});
}

TEST(LinalgGrad, DiagonalsAndTriangles) {
  std::mt19937_64 rng(8);
  expect_gradient_matches([](const Exprs& x) { return diag(x[0]); }, {random_tensor({3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return diagonal(x[0]); },
                          {random_tensor({2, 3, 3}, rng)});
  expect_gradient_matches([](const Exprs& x) { return trace(x[0]); }, {random_tensor({3, 3}, rng)});
  // Every band in one graph, each with its own weight.
  expect_gradient_matches(
      [](const Exprs& x) {
        Expr total = tril(x[0], -1) + 1.5 * triu(x[0], -1);
        double weight = 2.0;
        for (std::int64_t k : {0, 1}) {
          total = total + weight * tril(x[0], k) + (weight + 0.5) * triu(x[0], k);
          weight += 1.0;
        }
        return total;
      },
      {random_tensor({3, 4}, rng)});
}

TEST(LinalgGrad, SecondDerivatives) {
  std::mt19937_64 rng(9);
  expect_second_derivative_matches([](const Exprs& x) { return logdet(shifted(x[0])); },
                                   {random_tensor({3, 3}, rng)});
  expect_second_derivative_matches([](const Exprs& x) { return cholesky(spd(x[0])); },
                                   {random_tensor({3, 3}, rng)}, {.rtol = 1e-4, .atol = 1e-6});
  expect_second_derivative_matches(
      [](const Exprs& x) { return solve(shifted(x[0]), matmul(x[0], x[1])); },
      {random_tensor({3, 3}, rng), random_tensor({3}, rng)});
}

}  // namespace
}  // namespace hypatia
