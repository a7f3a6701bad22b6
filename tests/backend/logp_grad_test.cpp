#include "hypatia/logp_grad.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "hypatia/hypatia.hpp"

namespace hypatia {
namespace {

// log N(y | mu, exp(log_sigma)) summed over data, with the analytic gradient as the reference.
TEST(LogpGrad, NormalLikelihoodOnBothBackends) {
  const std::vector<double> y = {1.0, -0.5, 2.5, 0.25};
  Expr x = input("theta", {DType::float64, {2}});
  Expr mu = slice(x, 0, Index{0});
  Expr log_sigma = slice(x, 0, Index{1});
  Expr z = (constant(Tensor::from_doubles(y, {4})) - mu) / exp(log_sigma);
  Expr logp = sum(-0.5 * z * z - log_sigma);
  for (Backend backend : {Backend::interp, Backend::native}) {
    LogpGrad f(x, logp, {.backend = backend});
    EXPECT_EQ(f.dim(), 2);
    const double theta[] = {0.3, -0.2};
    double gradient[2];
    const double value = f(theta, gradient);
    const double sigma = std::exp(theta[1]);
    double expected = 0, d_mu = 0, d_log_sigma = 0;
    for (double v : y) {
      const double r = (v - theta[0]) / sigma;
      expected += -0.5 * r * r - theta[1];
      d_mu += r / sigma;
      d_log_sigma += r * r - 1.0;
    }
    EXPECT_NEAR(value, expected, 1e-12) << backend_name(backend);
    EXPECT_NEAR(gradient[0], d_mu, 1e-12) << backend_name(backend);
    EXPECT_NEAR(gradient[1], d_log_sigma, 1e-12) << backend_name(backend);
    LogpGrad other = f.copy();
    double other_gradient[2];
    EXPECT_EQ(other(theta, other_gradient), value);
  }
}

TEST(LogpGrad, RejectsWhatIsNotAFlatVector) {
  Expr matrix = input("m", {DType::float64, {2, 2}});
  EXPECT_THROW(LogpGrad(matrix, sum(matrix)), ShapeError);
  Expr x = input("x", {DType::float64, {3}});
  EXPECT_THROW(LogpGrad(x, x * 2.0), ShapeError);
}

}  // namespace
}  // namespace hypatia
