// The specialize pass that turns Stan-style per-column regression terms b0 + b1 * x1 + ... +
// bK * xK over data columns into one matrix-vector product. Values and gradients are checked
// against the regression computed here by hand loops, and the gradient against finite
// differences; structure is checked on the rewritten graphs.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::random_tensor;

constexpr const char* kRule = "sum of b_k * x_k over data columns x_k -> matmul(X, b)";

// columns[k][n]: predictor k at row n.
using Columns = std::vector<std::vector<double>>;

Columns random_columns(std::int64_t predictors, std::int64_t rows, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Columns columns(predictors, std::vector<double>(rows));
  for (auto& column : columns) {
    for (double& value : column) value = normal(rng);
  }
  return columns;
}

Expr column_constant(const std::vector<double>& column) {
  return constant(Tensor::from_doubles(column, {static_cast<std::int64_t>(column.size())}));
}

// theta = (b0, b1 .. bK, log sigma); the mean written term by term, as a Stan user would.
Expr per_column_mean(const Expr& theta, const Columns& columns) {
  Expr mean = slice(theta, 0, Index{0});
  for (std::size_t k = 0; k < columns.size(); ++k) {
    mean = mean +
           slice(theta, 0, Index{static_cast<std::int64_t>(k + 1)}) * column_constant(columns[k]);
  }
  return mean;
}

Expr normal_regression_logp(const Expr& theta, const Columns& columns,
                            const std::vector<double>& response) {
  const Expr sigma = exp(slice(theta, 0, Index{static_cast<std::int64_t>(columns.size() + 1)}));
  const Expr z = (column_constant(response) - per_column_mean(theta, columns)) / sigma;
  return sum(-0.5 * square(z) - log(sigma));
}

// The same log density and its gradient by hand loops, sharing nothing with the graph code.
double reference_logp_grad(const std::vector<double>& theta, const Columns& columns,
                           const std::vector<double>& response, std::vector<double>& grad) {
  const std::size_t predictors = columns.size();
  const double log_sigma = theta[predictors + 1], sigma = std::exp(log_sigma);
  grad.assign(theta.size(), 0.0);
  double logp = 0.0;
  for (std::size_t n = 0; n < response.size(); ++n) {
    double mean = theta[0];
    for (std::size_t k = 0; k < predictors; ++k) mean += theta[k + 1] * columns[k][n];
    const double z = (response[n] - mean) / sigma;
    logp += -0.5 * z * z - log_sigma;
    const double d_mean = z / sigma;  // d logp / d mean_n
    grad[0] += d_mean;
    for (std::size_t k = 0; k < predictors; ++k) grad[k + 1] += d_mean * columns[k][n];
    grad[predictors + 1] += z * z - 1.0;
  }
  return logp;
}

bool contains_node(const std::vector<NodePtr>& graph, const NodePtr& wanted) {
  const std::vector<NodePtr> nodes = topological_order(graph);
  return std::find(nodes.begin(), nodes.end(), wanted) != nodes.end();
}

using testing::count_op;

int hits(const RewriteReport& report) {
  return testing::rule_hits(report, "specialize", kRule);
}

struct Regression {
  Columns columns;
  std::vector<double> response;
  Expr theta;
  Expr logp;
};

Regression make_regression(std::int64_t predictors, std::int64_t rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Regression r;
  r.columns = random_columns(predictors, rows, rng);
  r.response = random_columns(1, rows, rng).front();
  r.theta = input("theta", {DType::float64, {predictors + 2}});
  r.logp = normal_regression_logp(r.theta, r.columns, r.response);
  return r;
}

TEST(ColumnSums, RuleIsListedInSpecialize) {
  const std::vector<std::string> names = rewrite_rule_names("specialize");
  EXPECT_NE(std::find(names.begin(), names.end(), kRule), names.end());
}

// The joint log density + gradient graph, built the way LogpGrad builds it: the log density is
// optimized (without fusion) before it is differentiated, then both together.
TEST(ColumnSums, FiresOnPerColumnRegressionAndItsGradient) {
  const Regression r = make_regression(6, 40, 11);
  RewriteReport before_grad_report;
  RewriteOptions before_grad;
  before_grad.disabled_phases.insert("fuse");
  const Expr stable = optimize({r.logp.node()}, before_grad, &before_grad_report).front();
  EXPECT_EQ(hits(before_grad_report), 1) << print_graph(r.logp.node());
  const Expr gradient = grad(stable, r.theta);
  const std::vector<NodePtr> joint =
      optimize({stable.node(), gradient.node()}, testing::through_phase("specialize"));
  // No column is read on its own any more: each lives only in the stacked (rows, 6) matrix, read
  // by one product forward (X b) and one backward (g^T X).
  for (const auto& column : r.columns) {
    EXPECT_FALSE(contains_node(joint, column_constant(column).node())) << print_graph(joint);
  }
  EXPECT_EQ(count_op(joint, "matmul"), 2) << print_graph(joint);
  EXPECT_EQ(count_op(joint, "concatenate"), 0) << "coefficients are a contiguous run of theta";
}

TEST(ColumnSums, ValuesAndGradientsMatchHandLoopsOnBothBackends) {
  const Regression r = make_regression(8, 300, 12);
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<double> theta(10);
  for (double& value : theta) value = uniform(rng);
  std::vector<double> expected_grad;
  const double expected = reference_logp_grad(theta, r.columns, r.response, expected_grad);
  for (Backend backend : {Backend::interp, Backend::native}) {
    SCOPED_TRACE(backend == Backend::interp ? "interp" : "native");
    CompileOptions options;
    options.backend = backend;
    LogpGrad logp_grad(r.theta, r.logp, options);
    std::vector<double> gradient(theta.size());
    const double logp = logp_grad(theta.data(), gradient.data());
    EXPECT_NEAR(logp, expected, 1e-12 * std::abs(expected));
    for (std::size_t i = 0; i < theta.size(); ++i) {
      EXPECT_NEAR(gradient[i], expected_grad[i], 1e-12 * (1.0 + std::abs(expected_grad[i])))
          << "component " << i;
    }
  }
}

TEST(ColumnSums, GradientMatchesFiniteDifferences) {
  std::mt19937_64 rng(14);
  const Columns columns = random_columns(4, 64, rng);
  const std::vector<double> response = random_columns(1, 64, rng).front();
  auto build = [&](const Exprs& x) { return normal_regression_logp(x[0], columns, response); };
  testing::expect_gradient_matches(build, {random_tensor({6}, rng, -0.5, 0.5)});
}

// Coefficients that are not a run of one vector (scattered parameters, or computed scalars) are
// stacked; the sum keeps terms the pass does not take (x * x_k here is not a scalar times data).
TEST(ColumnSums, ScatteredCoefficientsAndOtherTermsKeepTheirValues) {
  std::mt19937_64 rng(15);
  const Columns columns = random_columns(3, 32, rng);
  auto build = [&](const Exprs& x) {
    const Expr a = x[0], b = x[1];  // a (4,), b (32,)
    return slice(a, 0, Index{3}) * column_constant(columns[0]) + b * b +
           exp(slice(a, 0, Index{0})) * column_constant(columns[1]) +
           slice(a, 0, Index{1}) * column_constant(columns[2]);
  };
  const testing::RewriteOutcome outcome = testing::expect_rule_preserves_values(
      "specialize", kRule, build, {random_tensor({4}, rng), random_tensor({32}, rng)}, 1e-12);
  EXPECT_EQ(count_op({outcome.rewritten}, "matmul"), 1) << print_graph(outcome.rewritten);
  EXPECT_EQ(count_op({outcome.rewritten}, "concatenate"), 1) << print_graph(outcome.rewritten);
  testing::expect_gradient_matches(build, {random_tensor({4}, rng), random_tensor({32}, rng)});
}

// Where the pass must leave the sum alone.
TEST(ColumnSums, DoesNotFireWithoutTwoDataColumnsOfOneLength) {
  std::mt19937_64 rng(16);
  const Columns columns = random_columns(2, 40, rng);
  const Expr theta = input("theta", {DType::float64, {3}});
  const Expr b1 = slice(theta, 0, Index{1}), b2 = slice(theta, 0, Index{2});
  const Expr x1 = column_constant(columns[0]), x2 = column_constant(columns[1]);
  const Expr x2_input = input("x2", {DType::float64, {40}});
  const Expr short_column = column_constant({0.5});
  const Expr shared_term = b2 * x2;
  const std::vector<std::pair<std::string, Expr>> cases = {
      // x2 is a placeholder, not data fixed at compile time: nothing to stack.
      {"a non-constant column", b1 * x1 + b2 * x2_input},
      // A (1,) column broadcasts; the lengths differ, so no two columns share a matrix.
      {"columns of different lengths", b1 * x1 + b2 * short_column},
      // b2 * x2 is also used on its own, so it is computed anyway.
      {"a term used elsewhere", b1 * x1 + shared_term + sum(shared_term)},
      // Too few rows for a library call to pay.
      {"too few rows", b1 * column_constant({1, 2, 3}) + b2 * column_constant({4, 5, 6})},
      // The coefficients are vectors, not scalars.
      {"vector coefficients", slice(theta, 0, Slice{0, 1, std::nullopt}) * x1 + b2 * x2},
  };
  for (const auto& [what, graph] : cases) {
    SCOPED_TRACE(what);
    RewriteReport report;
    const std::vector<NodePtr> rewritten =
        optimize({graph.node()}, testing::through_phase("specialize"), &report);
    EXPECT_EQ(hits(report), 0) << print_graph(rewritten);
    EXPECT_EQ(count_op(rewritten, "matmul"), 0) << print_graph(rewritten);
  }
}

TEST(ColumnSums, CanBeDisabledByName) {
  const Regression r = make_regression(3, 40, 17);
  RewriteOptions options = testing::through_phase("specialize");
  options.disabled_rules.insert(kRule);
  RewriteReport report;
  const std::vector<NodePtr> rewritten = optimize({r.logp.node()}, options, &report);
  EXPECT_EQ(hits(report), 0);
  EXPECT_EQ(count_op(rewritten, "matmul"), 0) << print_graph(rewritten);
}

}  // namespace
}  // namespace hypatia
