// The specialize pass computing softplus(x) and sigmoid(x) of one x from one exp(-|x|).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "hypatia/hypatia.hpp"
#include "hypatia/rewrite.hpp"
#include "rewrite/rewrite_check.hpp"
#include "support/backends.hpp"

namespace hypatia {
namespace {

constexpr const char* kRule = "softplus(x) and sigmoid(x) -> one exp(-|x|) shared";
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using testing::count_op;

int hits(const RewriteReport& report) {
  return testing::rule_hits(report, "specialize", kRule);
}

const std::vector<double> kEdgeValues = {0.0,   -0.0,   1e-300, -1e-300, 0.5,   -0.5,  3.0,
                                         -3.0,  36.0,   -36.0,  40.0,    -40.0, 700.0, -700.0,
                                         750.0, -750.0, 1e308,  -1e308,  kInf,  -kInf, kNaN};

// The rewritten forms take the kernels' own branches, so values are equal bit for bit (NaN as
// NaN), at every edge: signed zeros, where exp(-|x|) underflows, infinities.
TEST(SharedExp, SoftplusAndSigmoidKeepEveryValueOnBothBackends) {
  const auto size = static_cast<std::int64_t>(kEdgeValues.size());
  const Expr x = input("x", {DType::float64, {size}});
  const std::vector<NodePtr> original = {softplus(x).node(), sigmoid(x).node()};
  RewriteReport report;
  const std::vector<NodePtr> rewritten =
      optimize(original, testing::through_phase("specialize"), &report);
  EXPECT_EQ(hits(report), 1);
  EXPECT_EQ(count_op(rewritten, "exp"), 1) << print_graph(rewritten);
  EXPECT_EQ(count_op(rewritten, "softplus") + count_op(rewritten, "sigmoid"), 0);

  const Tensor values = Tensor::from_doubles(kEdgeValues, {size});
  const std::vector<Tensor> before = testing::evaluate_on_backends({x.node()}, original, {values});
  const std::vector<Tensor> after = testing::evaluate_on_backends({x.node()}, rewritten, {values});
  for (std::size_t output = 0; output < 2; ++output) {
    for (std::int64_t i = 0; i < size; ++i) {
      const double b = before[output].at(i), a = after[output].at(i);
      if (std::isnan(b)) {
        EXPECT_TRUE(std::isnan(a)) << "output " << output << " at x = " << kEdgeValues[i];
      } else {
        EXPECT_EQ(a, b) << "output " << output << " at x = " << kEdgeValues[i];
      }
    }
  }
  // And against the definitions, where they can be evaluated directly without overflow.
  for (std::int64_t i = 0; i < size; ++i) {
    const double v = kEdgeValues[i];
    if (!std::isfinite(v) || std::abs(v) > 30.0) continue;
    EXPECT_NEAR(after[0].at(i), std::log(1.0 + std::exp(v)), 1e-15) << "softplus(" << v << ")";
    EXPECT_NEAR(after[1].at(i), 1.0 / (1.0 + std::exp(-v)), 1e-15) << "sigmoid(" << v << ")";
  }
  EXPECT_EQ(after[0].at(18), kInf);  // softplus(inf)
  EXPECT_EQ(after[0].at(19), 0.0);   // softplus(-inf)
  EXPECT_EQ(after[1].at(19), 0.0);   // sigmoid(-inf)
}

// Logistic regression: softplus in the log density, sigmoid in its gradient. The pass fires on the
// joint graph, and the compiled log density and gradient match hand loops on both backends.
TEST(SharedExp, LogisticRegressionMatchesHandLoops) {
  constexpr std::int64_t rows = 200, predictors = 3;
  std::mt19937_64 rng(21);
  std::normal_distribution<double> normal;
  std::vector<double> design(rows * predictors), response(rows);
  for (double& value : design) value = 2.0 * normal(rng);
  for (double& value : response) value = normal(rng) > 0 ? 1.0 : 0.0;
  const Expr beta = input("beta", {DType::float64, {predictors}});
  const Expr eta = matmul(constant(Tensor::from_doubles(design, {rows, predictors})), beta);
  const Expr y = constant(Tensor::from_doubles(response, {rows}));
  const Expr logp = sum(y * eta - softplus(eta));

  RewriteReport report;
  RewriteOptions before_grad;
  before_grad.disabled_phases.insert("fuse");
  const Expr stable = optimize({logp.node()}, before_grad).front();
  const Expr gradient = grad(stable, beta);
  optimize({stable.node(), gradient.node()}, {}, &report);
  EXPECT_EQ(hits(report), 1);

  const std::vector<double> point = {0.3, -0.7, 1.1};
  double expected = 0.0;
  std::vector<double> expected_grad(predictors, 0.0);
  for (std::int64_t n = 0; n < rows; ++n) {
    double linear = 0.0;
    for (std::int64_t k = 0; k < predictors; ++k) linear += design[n * predictors + k] * point[k];
    expected += response[n] * linear - std::log(1.0 + std::exp(linear));
    const double residual = response[n] - 1.0 / (1.0 + std::exp(-linear));
    for (std::int64_t k = 0; k < predictors; ++k)
      expected_grad[k] += residual * design[n * predictors + k];
  }
  for (Backend backend : {Backend::interp, Backend::native}) {
    SCOPED_TRACE(backend == Backend::interp ? "interp" : "native");
    CompileOptions options;
    options.backend = backend;
    LogpGrad logp_grad(beta, logp, options);
    std::vector<double> gradient_value(predictors);
    const double value = logp_grad(point.data(), gradient_value.data());
    EXPECT_NEAR(value, expected, 1e-12 * std::abs(expected));
    for (std::int64_t k = 0; k < predictors; ++k) {
      EXPECT_NEAR(gradient_value[k], expected_grad[k], 1e-12 * (1.0 + std::abs(expected_grad[k])));
    }
  }
}

// When the pass fires before differentiation (a log density that has both), the rewritten forms
// differentiate to softplus' = sigmoid and sigmoid' = sigmoid (1 - sigmoid).
TEST(SharedExp, RewrittenFormsDifferentiateCorrectly) {
  const std::vector<double> points = {-40.0, -3.0, -0.5, 0.25, 2.0, 40.0};
  const auto size = static_cast<std::int64_t>(points.size());
  const Expr x = input("x", {DType::float64, {size}});
  const Expr rewritten =
      optimize({sum(softplus(x) + 2.0 * sigmoid(x)).node()}, testing::through_phase("specialize"))
          .front();
  ASSERT_EQ(count_op({rewritten.node()}, "softplus"), 0) << print_graph(rewritten.node());
  const Expr gradient = grad(rewritten, x);
  const Tensor value = testing::evaluate_on_backends({x.node()}, {gradient.node()},
                                                     {Tensor::from_doubles(points, {size})})
                           .front();
  for (std::int64_t i = 0; i < size; ++i) {
    const double s = 1.0 / (1.0 + std::exp(-points[i]));
    EXPECT_NEAR(value.at(i), s + 2.0 * s * (1.0 - s), 1e-15) << "at x = " << points[i];
  }
}

TEST(SharedExp, DoesNotFireWithoutBothOfOneArgument) {
  const Expr x = input("x", {DType::float64, {4}});
  const Expr y = input("y", {DType::float64, {4}});
  for (const std::vector<NodePtr>& graph :
       {std::vector<NodePtr>{softplus(x).node(), sigmoid(y).node()},
        std::vector<NodePtr>{softplus(x).node(), softplus(y).node()},
        std::vector<NodePtr>{sigmoid(x).node()}}) {
    RewriteReport report;
    const std::vector<NodePtr> rewritten =
        optimize(graph, testing::through_phase("specialize"), &report);
    EXPECT_EQ(hits(report), 0) << print_graph(rewritten);
    EXPECT_EQ(count_op(rewritten, "exp"), 0) << print_graph(rewritten);
  }
}

}  // namespace
}  // namespace hypatia
