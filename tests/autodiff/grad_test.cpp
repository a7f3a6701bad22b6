#include <gtest/gtest.h>

#include "hypatia/hypatia.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

TEST(Grad, NormalLogDensityMatchesAnalyticGradient) {
  Expr y = constant(Tensor::from_doubles({1.0, 2.0, 4.0}, {3}));
  Expr mu = input("mu", {DType::float64, {}});
  Expr logp = sum(-0.5 * (y - mu) * (y - mu));
  Expr dmu = grad(logp, mu);
  // d/dmu = sum(y - mu) = 7 - 3 mu.
  EXPECT_DOUBLE_EQ(evaluate(dmu.node(), {{"mu", Tensor::scalar(0.5)}}).at(0), 7.0 - 1.5);
}

TEST(Grad, BroadcastInputsAreSummedBack) {
  std::mt19937_64 rng(1);
  testing::expect_gradient_matches(
      [](const Exprs& x) { return x[0] * x[1] + exp(x[1]); },
      {testing::random_tensor({3, 1}, rng), testing::random_tensor({4}, rng)});
}

TEST(Grad, DisconnectedInputGetsZeros) {
  Expr a = input("a", {DType::float64, {2}});
  Expr b = input("b", {DType::float64, {3}});
  Expr g = grad(sum(a * a), b);
  Tensor value = evaluate(g.node(), {{"a", Tensor::from_doubles({1, 2}, {2})},
                                     {"b", Tensor::from_doubles({1, 2, 3}, {3})}});
  EXPECT_EQ(value.shape(), Shape({3}));
  for (double v : value.to_doubles()) EXPECT_EQ(v, 0.0);
}

TEST(Grad, SecondDerivative) {
  std::mt19937_64 rng(2);
  testing::expect_second_derivative_matches(
      [](const Exprs& x) { return exp(x[0] * x[1]) / x[1]; },
      {testing::random_tensor({3}, rng), testing::random_tensor({3}, rng, 0.5, 2.0)});
}

TEST(Grad, IntegerWrtIsAnError) {
  Expr n = input("n", {DType::int64, {}});
  Expr x = input("x", {DType::float64, {}});
  EXPECT_THROW(grad(x * n, n), ShapeError);
}

}  // namespace
}  // namespace hypatia
