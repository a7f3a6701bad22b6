// ode_solve's adjoint sensitivities (method bdf, CVODES' adjoint module): gradients against the
// analytic gradient of a linear system's matrix exponential, against forward sensitivities and
// finite differences, failures as NaN, and the errors for what it does not support.

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <unsupported/Eigen/MatrixFunctions>

#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::error_message;
using testing::evaluate_on_backends;
using testing::expect_mentions;

Tensor vector_of(const std::vector<double>& values) {
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())});
}

Expr vector_constant(const std::vector<double>& values) {
  return constant(vector_of(values));
}

OdeOptions tight_bdf(OdeSensitivity sensitivity) {
  return {.rtol = 1e-10, .atol = 1e-10, .method = OdeMethod::bdf, .sensitivity = sensitivity};
}

constexpr std::int64_t kSize = 10;  // dy/dt = A y with A (10, 10): 100 parameters

// dy/dt = A y, theta = A flattened row-major.
Expr linear(const Expr&, const Expr& y, const Expr& theta) {
  return sum(reshape(theta, {kSize, kSize}) * reshape(y, {1, kSize}), {1});
}

Expr lotka_volterra(const Expr&, const Expr& y, const Expr& theta) {
  const Expr u = slice(y, 0, Index{0}), v = slice(y, 0, Index{1});
  auto parameter = [&](std::int64_t i) { return slice(theta, 0, Index{i}); };
  return stack({(parameter(0) - parameter(1) * v) * u, (-parameter(2) + parameter(3) * u) * v});
}

struct LinearProblem {
  Eigen::MatrixXd a;
  Eigen::VectorXd y0;
  std::vector<double> times;
  Eigen::MatrixXd weights;  // (times, kSize): L = sum_k weights_k . y(times_k)
};

LinearProblem linear_problem() {
  std::mt19937_64 rng(41);
  std::normal_distribution<double> normal;
  LinearProblem problem;
  // Decaying on the whole (a shifted random matrix), with some oscillation.
  problem.a = Eigen::MatrixXd::NullaryExpr(kSize, kSize, [&] { return 0.3 * normal(rng); });
  problem.a.diagonal().array() -= 0.6;
  problem.y0 = Eigen::VectorXd::NullaryExpr(kSize, [&] { return normal(rng); });
  problem.times = {0.0, 0.5, 1.0, 2.0, 2.0, 3.5};
  problem.weights = Eigen::MatrixXd::NullaryExpr(6, kSize, [&] { return normal(rng); });
  return problem;
}

Tensor flattened(const Eigen::MatrixXd& matrix) {
  std::vector<double> values;
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    for (Eigen::Index j = 0; j < matrix.cols(); ++j) values.push_back(matrix(i, j));
  }
  return Tensor::from_doubles(values, {matrix.rows() * matrix.cols()});
}

// dL/dy0 = sum_k expm(A t_k)^T w_k, and dL/dA = sum_k integral_0^t_k expm(A^T (t_k - s)) w_k y0^T
// expm(A^T s) ds, the top-right block of expm([[A^T, w_k y0^T], [0, A^T]] t_k) (Van Loan 1978).
std::pair<Eigen::VectorXd, Eigen::MatrixXd> analytic_gradient(const LinearProblem& problem) {
  Eigen::VectorXd dy0 = Eigen::VectorXd::Zero(kSize);
  Eigen::MatrixXd da = Eigen::MatrixXd::Zero(kSize, kSize);
  for (std::size_t k = 0; k < problem.times.size(); ++k) {
    const double t = problem.times[k];
    const Eigen::VectorXd w = problem.weights.row(static_cast<Eigen::Index>(k)).transpose();
    dy0 += (problem.a * t).exp().transpose() * w;
    Eigen::MatrixXd block = Eigen::MatrixXd::Zero(2 * kSize, 2 * kSize);
    block.topLeftCorner(kSize, kSize) = problem.a.transpose();
    block.bottomRightCorner(kSize, kSize) = problem.a.transpose();
    block.topRightCorner(kSize, kSize) = w * problem.y0.transpose();
    da += (block * t).exp().topRightCorner(kSize, kSize);
  }
  return {dy0, da};
}

TEST(OdeAdjoint, LinearSystemWithHundredParametersMatchesTheMatrixExponential) {
  const LinearProblem problem = linear_problem();
  const Expr y0 = input("y0", {DType::float64, {kSize}});
  const Expr theta = input("theta", {DType::float64, {kSize * kSize}});
  Tensor weights(DType::float64, {static_cast<std::int64_t>(problem.times.size()), kSize});
  for (std::int64_t j = 0; j < weights.size(); ++j)
    weights.set(j, problem.weights(j / kSize, j % kSize));
  Exprs outputs;
  for (OdeSensitivity sensitivity : {OdeSensitivity::adjoint, OdeSensitivity::forward}) {
    const Expr solution = ode_solve(linear, y0, constant(0.0), vector_constant(problem.times),
                                    theta, tight_bdf(sensitivity));
    const Exprs gradients = grad(sum(solution * constant(weights)), {y0, theta});
    outputs.insert(outputs.end(), {solution, gradients[0], gradients[1]});
  }
  const std::vector<Tensor> values = evaluate_on_backends(
      {outputs.begin(), outputs.end()},
      {{"y0", flattened(problem.y0.transpose())}, {"theta", flattened(problem.a)}});

  for (std::size_t k = 0; k < problem.times.size(); ++k) {
    const Eigen::VectorXd expected = (problem.a * problem.times[k]).exp() * problem.y0;
    for (std::int64_t i = 0; i < kSize; ++i) {
      EXPECT_NEAR(values[0].at(static_cast<std::int64_t>(k) * kSize + i), expected(i), 1e-7)
          << "y" << i << " at " << problem.times[k];
    }
  }
  const auto [dy0, da] = analytic_gradient(problem);
  const double scale = std::max(dy0.cwiseAbs().maxCoeff(), da.cwiseAbs().maxCoeff());
  for (std::int64_t i = 0; i < kSize; ++i) {
    EXPECT_NEAR(values[1].at(i), dy0(i), 1e-7 * scale) << "adjoint dL/dy0[" << i << "]";
    EXPECT_NEAR(values[1].at(i), values[4].at(i), 1e-7 * scale) << "forward dL/dy0[" << i << "]";
  }
  for (std::int64_t j = 0; j < kSize * kSize; ++j) {
    EXPECT_NEAR(values[2].at(j), da(j / kSize, j % kSize), 1e-7 * scale)
        << "adjoint dL/dA[" << j / kSize << ", " << j % kSize << "]";
    EXPECT_NEAR(values[2].at(j), values[5].at(j), 1e-7 * scale)
        << "forward dL/dA[" << j / kSize << ", " << j % kSize << "]";
  }
}

TEST(OdeAdjoint, LinearSystemGradientMatchesFiniteDifferences) {
  // Tolerances far below the difference step, so that the solver's step choices (which change
  // with the parameters) add no noise above the differences' own error.
  const LinearProblem problem = linear_problem();
  testing::expect_gradient_matches(
      [&](const Exprs& x) {
        return ode_solve(linear, x[0], constant(0.0), vector_constant({0.7, 1.9}), x[1],
                         {.rtol = 1e-12,
                          .atol = 1e-12,
                          .method = OdeMethod::bdf,
                          .sensitivity = OdeSensitivity::adjoint});
      },
      {flattened(problem.y0.transpose()), flattened(problem.a)},
      {.step = 1e-4, .rtol = 1e-5, .atol = 1e-7});
}

TEST(OdeAdjoint, LotkaVolterraMatchesForwardSensitivities) {
  // Repeated times and a time at t0, closed-over and integer nodes beside theta.
  const std::vector<double> times{0.0, 1.0, 2.5, 2.5, 4.0, 6.0, 8.0, 10.0};
  const Expr y0 = input("y0", {DType::float64, {2}});
  const Expr theta = input("theta", {DType::float64, {4}});
  const Expr t0 = input("t0", {DType::float64, {}});
  const Expr scale = input("scale", {DType::float64, {}});
  Tensor weights(DType::float64, {static_cast<std::int64_t>(times.size()), 2});
  for (std::int64_t j = 0; j < weights.size(); ++j) weights.set(j, 1.0 + 0.1 * (j % 5) - 0.03 * j);
  Exprs outputs;
  for (OdeSensitivity sensitivity : {OdeSensitivity::adjoint, OdeSensitivity::forward}) {
    const Expr solution = ode_solve([&](const Expr& t, const Expr& y,
                                        const Expr& p) { return lotka_volterra(t, y, p) * scale; },
                                    y0, t0, vector_constant(times), theta, tight_bdf(sensitivity));
    const Exprs gradients = grad(sum(solution * constant(weights)), {y0, theta, t0, scale});
    outputs.insert(outputs.end(), gradients.begin(), gradients.end());
  }
  const std::vector<Tensor> values = evaluate_on_backends(
      {outputs.begin(), outputs.end()},
      {{"y0", vector_of({33.0, 6.2})},
       {"theta", vector_of({0.55, 0.028, 0.80, 0.024})},
       {"t0", Tensor::scalar(0.0)},
       {"scale", Tensor::scalar(1.1)}},
      // The forward-sensitivity solve's backends differ at the solver tolerance (as in
      // OdeBdf.LotkaVolterraMatchesScipyValuesAndSensitivities on main).
      {.rtol = 1e-7});
  for (std::size_t g = 0; g < 4; ++g) {
    const Tensor& adjoint = values[g];
    const Tensor& forward = values[g + 4];
    for (std::int64_t j = 0; j < adjoint.size(); ++j) {
      EXPECT_NEAR(adjoint.at(j), forward.at(j), 1e-6 * std::abs(forward.at(j)) + 1e-8)
          << "gradient " << g << " element " << j;
    }
  }
}

TEST(OdeAdjoint, TooManyStepsGiveNaNGradients) {
  const Expr theta = input("theta", {DType::float64, {4}});
  OdeOptions options = tight_bdf(OdeSensitivity::adjoint);
  options.max_num_steps = 20;
  const Expr solution = ode_solve(lotka_volterra, vector_constant({33.0, 6.2}), constant(0.0),
                                  vector_constant({1.0, 20.0}), theta, options);
  const Tensor gradient = evaluate_on_backends(grad(sum(solution), theta).node(),
                                               {{"theta", vector_of({0.55, 0.028, 0.8, 0.024})}});
  for (std::int64_t j = 0; j < gradient.size(); ++j) EXPECT_TRUE(std::isnan(gradient.at(j)));
}

TEST(OdeAdjoint, BlowUpGivesNaNGradients) {
  // y' = k y^2 from 1 has a pole at t = 1 / k: no solution at t = 2.
  const Expr k = input("k", {DType::float64, {1}});
  const Expr solution =
      ode_solve([](const Expr&, const Expr& y, const Expr& p) { return p * y * y; },
                vector_constant({1.0}), constant(0.0), vector_constant({0.5, 2.0}), k,
                {.method = OdeMethod::bdf, .sensitivity = OdeSensitivity::adjoint});
  const Tensor gradient =
      evaluate_on_backends(grad(sum(solution), k).node(), {{"k", vector_of({1.0})}});
  EXPECT_TRUE(std::isnan(gradient.at(0)));
}

TEST(OdeAdjoint, NeedsBdfAndHasNoSecondDerivatives) {
  const Expr theta = input("theta", {DType::float64, {1}});
  auto decay = [](const Expr&, const Expr& y, const Expr& p) { return -p * y; };
  expect_mentions(error_message([&] {
                    ode_solve(decay, vector_constant({1.0}), constant(0.0), vector_constant({1.0}),
                              theta, {.sensitivity = OdeSensitivity::adjoint});
                  }),
                  {"ode_solve", "adjoint", "bdf"});
  const Expr solution =
      ode_solve(decay, vector_constant({1.0}), constant(0.0), vector_constant({1.0}), theta,
                tight_bdf(OdeSensitivity::adjoint));
  const Expr gradient = grad(sum(solution), theta);
  expect_mentions(error_message([&] { grad(sum(gradient), theta); }),
                  {"ode_solve", "second derivatives", "adjoint"});
}

// Solves of one size on one thread reuse CVODES' memory; different sizes, sensitivity counts and
// adjoint problems interleaved must each still give their own answer.
TEST(OdeAdjoint, InterleavedSolvesOfDifferentSizesAgreeWithSeparateOnes) {
  const Expr rate = input("rate", {DType::float64, {1}});
  auto decay = [](const Expr&, const Expr& y, const Expr& p) { return -p * y; };
  const OdeOptions options = tight_bdf(OdeSensitivity::adjoint);
  const Expr one = ode_solve(decay, vector_constant({2.0}), constant(0.0),
                             vector_constant({1.0, 3.0}), rate, options);
  const Expr two = ode_solve(decay, vector_constant({1.0, 4.0}), constant(0.0),
                             vector_constant({2.0}), rate, tight_bdf(OdeSensitivity::forward));
  const Exprs gradients{grad(sum(one), rate), grad(sum(two), rate)};
  for (int repeat = 0; repeat < 3; ++repeat) {
    const double k = 0.3 + 0.2 * repeat;
    const std::vector<Tensor> values =
        evaluate_on_backends({one.node(), gradients[0].node(), two.node(), gradients[1].node()},
                             {{"rate", vector_of({k})}});
    EXPECT_NEAR(values[0].at(1), 2.0 * std::exp(-3.0 * k), 1e-8);
    EXPECT_NEAR(values[1].at(0), -2.0 * std::exp(-k) - 6.0 * std::exp(-3.0 * k), 1e-7);
    EXPECT_NEAR(values[2].at(1), 4.0 * std::exp(-2.0 * k), 1e-8);
    EXPECT_NEAR(values[3].at(0), -2.0 * 5.0 * std::exp(-2.0 * k), 1e-7);
  }
}

}  // namespace
}  // namespace hypatia
