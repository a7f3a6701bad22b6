#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "hypatia/hypatia.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

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

// Evaluates build(case inputs as constants) and compares it with the case's `expected` tensor.
void expect_fixture(const std::string& name, const std::function<Expr(const Case&)>& build,
                    const std::string& expected = "out") {
  SCOPED_TRACE(name);
  const Case& c = fixture(name);
  expect_tensor_near(evaluate(build(c).node()), c.at(expected));
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

void expect_mentions(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

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
  for (const char* name : {"matmul_2d", "matmul_vec_mat", "matmul_mat_vec", "matmul_vec_vec",
                           "matmul_batch_broadcast", "matmul_batch_vec"}) {
    expect_fixture(name, [](const Case& c) { return matmul(in(c, "a"), in(c, "b")); });
  }
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
  expect_tensor_near(evaluate(product.node()), Tensor::from_doubles({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(matmul(b, b).dtype(), DType::float32);
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
  expect_fixture("dot_vec", [](const Case& c) { return dot(in(c, "a"), in(c, "b")); });
  expect_fixture("outer", [](const Case& c) { return outer(in(c, "a"), in(c, "b")); });
  expect_fixture("matrix_transpose", [](const Case& c) { return matrix_transpose(in(c, "a")); });
  // Hand-checked: a scalar operand scales, 2-d operands multiply as matrices.
  Expr m = constant(Tensor::from_doubles({1, 2, 3, 4}, {2, 2}));
  expect_tensor_near(evaluate(dot(2.0, m).node()), Tensor::from_doubles({2, 4, 6, 8}, {2, 2}));
  expect_tensor_near(evaluate(dot(m, m).node()), Tensor::from_doubles({7, 10, 15, 22}, {2, 2}));
}

TEST(LinalgValues, CholeskyReadsTheLowerTriangle) {
  expect_fixture("cholesky", [](const Case& c) { return cholesky(in(c, "a")); });
  expect_fixture("cholesky_batch", [](const Case& c) { return cholesky(in(c, "a")); });
}

TEST(LinalgValues, CholeskyOfAnIndefiniteMatrixIsNaN) {
  Expr indefinite = constant(Tensor::from_doubles({1, 2, 2, 1}, {2, 2}));
  EXPECT_TRUE(all_nan(evaluate(cholesky(indefinite).node())));
  // In a batch only the failing matrix becomes NaN.
  Expr batch = constant(Tensor::from_doubles({4, 0, 0, 9, 1, 2, 2, 1}, {2, 2, 2}));
  Tensor factors = evaluate(cholesky(batch).node());
  ASSERT_EQ(factors.shape(), Shape({2, 2, 2}));
  EXPECT_EQ(factors.at(0), 2.0);
  EXPECT_EQ(factors.at(1), 0.0);
  EXPECT_EQ(factors.at(3), 3.0);
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(std::isnan(factors.at(i)));
  // And a non-finite log density follows, which a sampler rejects.
  EXPECT_TRUE(std::isnan(evaluate(cholesky_logdet(cholesky(indefinite)).node()).at(0)));
}

TEST(LinalgValues, Solves) {
  auto lower = [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), true); };
  auto upper = [](const Case& c) { return solve_triangular(in(c, "a"), in(c, "b"), false); };
  auto general = [](const Case& c) { return solve(in(c, "a"), in(c, "b")); };
  expect_fixture("solve_tri_lower_vec", lower);
  expect_fixture("solve_tri_lower_mat", lower);
  expect_fixture("solve_tri_upper_mat", upper);
  expect_fixture("solve_vec", general);
  expect_fixture("solve_mat", general);
  expect_fixture("solve_batch", general);
}

TEST(LinalgValues, SingularSolveAndInverseAreNonFinite) {
  Expr singular = constant(Tensor::from_doubles({1, 2, 2, 4}, {2, 2}));
  Expr rhs = constant(Tensor::from_doubles({1, 1}, {2}));
  EXPECT_TRUE(any_non_finite(evaluate(solve(singular, rhs).node())));
  EXPECT_TRUE(any_non_finite(evaluate(inverse(singular).node())));
  Expr zero_diagonal = constant(Tensor::from_doubles({0, 0, 1, 1}, {2, 2}));
  EXPECT_TRUE(any_non_finite(evaluate(solve_triangular(zero_diagonal, rhs).node())));
  EXPECT_EQ(evaluate(logdet(singular).node()).at(0), -INFINITY);
  EXPECT_EQ(evaluate(det_sign(singular).node()).at(0), 0.0);
}

TEST(LinalgValues, InverseAndDeterminant) {
  expect_fixture("inverse", [](const Case& c) { return inverse(in(c, "a")); });
  expect_fixture("inverse_batch", [](const Case& c) { return inverse(in(c, "a")); });
  for (const char* name : {"slogdet", "slogdet_negative", "slogdet_batch"}) {
    expect_fixture(name, [](const Case& c) { return logdet(in(c, "a")); });
    expect_fixture(
        name, [](const Case& c) { return det_sign(in(c, "a")); }, "sign");
  }
  expect_fixture("cholesky_logdet", [](const Case& c) { return cholesky_logdet(in(c, "a")); });
}

TEST(LinalgValues, DiagonalsAndTriangles) {
  expect_fixture("diag", [](const Case& c) { return diag(in(c, "a")); });
  expect_fixture("diag_batch", [](const Case& c) { return diag(in(c, "a")); });
  expect_fixture("diagonal", [](const Case& c) { return diagonal(in(c, "a")); });
  expect_fixture("trace", [](const Case& c) { return trace(in(c, "a")); });
  for (std::int64_t k : {-1, 0, 2}) {
    const std::string suffix = k < 0 ? "m" + std::to_string(-k) : std::to_string(k);
    expect_fixture("tril_" + suffix, [k](const Case& c) { return tril(in(c, "a"), k); });
    expect_fixture("triu_" + suffix, [k](const Case& c) { return triu(in(c, "a"), k); });
  }
}

TEST(LinalgValues, EyeAndStructuralOpsKeepDtype) {
  expect_tensor_near(evaluate(eye(3).node()),
                     Tensor::from_doubles({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}));
  EXPECT_EQ(eye(2, DType::float32).dtype(), DType::float32);
  Expr counts = constant(Tensor::from_ints({1, 2, 3, 4}, {2, 2}));
  EXPECT_EQ(tril(counts).dtype(), DType::int64);
  EXPECT_EQ(evaluate(triu(counts).node()).to_doubles(), std::vector<double>({1, 2, 0, 4}));
  EXPECT_EQ(evaluate(matrix_transpose(counts).node()).to_doubles(),
            std::vector<double>({1, 3, 2, 4}));
  EXPECT_THROW(eye(-1), ShapeError);
}

TEST(LinalgValues, EmptyBatchesAndMatrices) {
  Expr empty_batch = constant(Tensor(DType::float64, {0, 3, 3}));
  EXPECT_EQ(evaluate(cholesky(empty_batch).node()).shape(), Shape({0, 3, 3}));
  Expr empty = constant(Tensor(DType::float64, {0, 0}));
  EXPECT_EQ(evaluate(logdet(empty).node()).at(0), 0.0);  // det of a 0 x 0 matrix is 1
  EXPECT_EQ(evaluate(det_sign(empty).node()).at(0), 1.0);
  EXPECT_EQ(evaluate(inverse(empty).node()).shape(), Shape({0, 0}));
}

TEST(LinalgValues, Float32ComputesInFloat32Type) {
  const Case& c = fixture("cholesky_batch");
  Expr a32 = constant(c.at("a").cast(DType::float32));
  Expr factor = cholesky(a32);
  EXPECT_EQ(factor.dtype(), DType::float32);
  expect_tensor_near(evaluate(factor.node()).cast(DType::float64), c.at("out"), 1e-6);
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

TEST(LinalgGrad, SolveTriangular) {
  std::mt19937_64 rng(5);
  for (bool lower : {true, false}) {
    SCOPED_TRACE(lower ? "lower" : "upper");
    auto f = [lower](const Exprs& x) { return solve_triangular(shifted(x[0]), x[1], lower); };
    expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3, 2}, rng)});
    expect_gradient_matches(f, {random_tensor({3, 3}, rng), random_tensor({3}, rng)});
    expect_gradient_matches(f, {random_tensor({2, 3, 3}, rng), random_tensor({3, 2}, rng)});
  }
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
  for (std::int64_t k : {-1, 0, 1}) {
    expect_gradient_matches([k](const Exprs& x) { return tril(x[0], k); },
                            {random_tensor({3, 4}, rng)});
    expect_gradient_matches([k](const Exprs& x) { return triu(x[0], k); },
                            {random_tensor({3, 4}, rng)});
  }
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
