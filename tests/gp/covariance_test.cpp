// The covariance builders of include/hypatia/gp against a pair-by-pair reference written here
// from the kernels' textbook formulas (not the |a|^2 + |b|^2 - 2ab expansion the builders use),
// on both backends, and their gradients (inputs and hyperparameters) against finite differences.

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <random>

#include "hypatia/gp/covariance.hpp"
#include "hypatia/hypatia.hpp"
#include "support/backends.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::evaluate_builder;
using testing::expect_gradient_matches;
using testing::random_tensor;

constexpr std::int64_t kRows = 5;
constexpr std::int64_t kOtherRows = 4;
constexpr std::int64_t kDims = 2;

// k(a, b) for two input rows, given the per-dimension length scales.
using PairKernel = std::function<double(const double* a, const double* b, const double* ls)>;

double scaled_distance(const double* a, const double* b, const double* ls) {
  double total = 0.0;
  for (std::int64_t k = 0; k < kDims; ++k) total += std::pow((a[k] - b[k]) / ls[k], 2);
  return std::sqrt(total);
}

Tensor reference_matrix(const Tensor& x, const Tensor& xs, const Tensor& ls, const PairKernel& k) {
  const auto n = x.shape()[0], m = xs.shape()[0];
  std::vector<double> values;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j) {
      values.push_back(
          k(x.data<double>() + i * kDims, xs.data<double>() + j * kDims, ls.data<double>()));
    }
  }
  return Tensor::from_doubles(values, {n, m});
}

struct KernelCase {
  const char* name;
  std::function<Expr(const Expr& x, const std::optional<Expr>& xs, const Expr& ls)> build;
  PairKernel reference;
};

std::vector<KernelCase> stationary_cases() {
  const double sqrt5 = std::sqrt(5.0), sqrt3 = std::sqrt(3.0);
  return {
      {"ExpQuad", gp::exp_quad,
       [](auto a, auto b, auto ls) {
         return std::exp(-0.5 * std::pow(scaled_distance(a, b, ls), 2));
       }},
      {"Matern52", gp::matern52,
       [=](auto a, auto b, auto ls) {
         const double r = scaled_distance(a, b, ls);
         return (1 + sqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-sqrt5 * r);
       }},
      {"Matern32", gp::matern32,
       [=](auto a, auto b, auto ls) {
         const double r = scaled_distance(a, b, ls);
         return (1 + sqrt3 * r) * std::exp(-sqrt3 * r);
       }},
      {"Matern12", gp::matern12,
       [](auto a, auto b, auto ls) { return std::exp(-scaled_distance(a, b, ls)); }},
      {"Exponential", gp::exponential,
       [](auto a, auto b, auto ls) { return std::exp(-0.5 * scaled_distance(a, b, ls)); }},
      {"Cosine", gp::cosine,
       [](auto a, auto b, auto ls) {
         return std::cos(2 * std::numbers::pi * scaled_distance(a, b, ls));
       }},
      {"RatQuad(alpha=1.7)",
       [](const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
         return gp::rat_quad(x, xs, ls, 1.7);
       },
       [](auto a, auto b, auto ls) {
         return std::pow(1 + std::pow(scaled_distance(a, b, ls), 2) / (2 * 1.7), -1.7);
       }},
      {"Periodic(period=1.3)",
       [](const Expr& x, const std::optional<Expr>& xs, const Expr& ls) {
         return gp::periodic(x, xs, ls, 1.3);
       },
       [](auto a, auto b, auto ls) {
         double total = 0.0;
         for (std::int64_t k = 0; k < kDims; ++k) {
           total += std::pow(std::sin(std::numbers::pi * (a[k] - b[k]) / 1.3) / ls[k], 2);
         }
         return std::exp(-0.5 * total);
       }},
  };
}

// The stationary kernels' offset sqrt(r2 + 1e-12) moves values by ~1e-6 at coinciding inputs
// only; between distinct random inputs the reference and the builder agree to rounding.
TEST(GpCovariance, StationaryKernelsMatchPairwiseReference) {
  std::mt19937_64 rng(3);
  const Tensor x = random_tensor({kRows, kDims}, rng, -2, 2);
  const Tensor xs = random_tensor({kOtherRows, kDims}, rng, -2, 2);
  const Tensor ls = Tensor::from_doubles({0.7, 1.9}, {kDims});
  for (const auto& kernel : stationary_cases()) {
    SCOPED_TRACE(kernel.name);
    const Tensor value = evaluate_builder(
        [&](const Exprs& in) { return kernel.build(in[0], in[1], in[2]); }, {x, xs, ls});
    const Tensor expected = reference_matrix(x, xs, ls, kernel.reference);
    ASSERT_EQ(value.shape(), expected.shape());
    for (std::int64_t i = 0; i < value.size(); ++i) {
      EXPECT_NEAR(value.at(i), expected.at(i), 1e-9) << "entry " << i;
    }
    // K(X, X): symmetric with a unit diagonal (up to the 1e-12 offset inside the square root).
    const Tensor square = evaluate_builder(
        [&](const Exprs& in) { return kernel.build(in[0], std::nullopt, in[1]); }, {x, ls});
    const Tensor expected_square = reference_matrix(x, x, ls, kernel.reference);
    for (std::int64_t i = 0; i < square.size(); ++i) {
      EXPECT_NEAR(square.at(i), expected_square.at(i), 1e-5) << "entry " << i;
    }
  }
}

TEST(GpCovariance, StationaryGradientsMatchFiniteDifferences) {
  std::mt19937_64 rng(5);
  const Tensor x = random_tensor({kRows, kDims}, rng, -2, 2);
  const Tensor xs = random_tensor({kOtherRows, kDims}, rng, -2, 2);
  const Tensor ls = Tensor::from_doubles({0.8, 1.4}, {kDims});
  for (const auto& kernel : stationary_cases()) {
    SCOPED_TRACE(kernel.name);
    expect_gradient_matches([&](const Exprs& in) { return kernel.build(in[0], in[1], in[2]); },
                            {x, xs, ls});
    // A scalar length scale, between x and itself: the distances' square roots near zero turn any
    // last-bit difference between evaluations into 1e-10 (see tests/backend/native/runtime).
    expect_gradient_matches(
        [&](const Exprs& in) { return kernel.build(in[0], std::nullopt, in[1]); },
        {x, Tensor::scalar(1.1)}, {.rtol = 1e-4});
  }
}

TEST(GpCovariance, HyperparametersOfRatQuadPeriodicPolynomialHaveGradients) {
  std::mt19937_64 rng(7);
  const Tensor x = random_tensor({kRows, kDims}, rng, -1, 1);
  const Tensor xs = random_tensor({kOtherRows, kDims}, rng, -1, 1);
  const Tensor ls = Tensor::scalar(0.9);
  expect_gradient_matches([](const Exprs& in) { return gp::rat_quad(in[0], in[1], in[2], in[3]); },
                          {x, xs, ls, Tensor::scalar(2.3)});
  expect_gradient_matches([](const Exprs& in) { return gp::periodic(in[0], in[1], in[2], in[3]); },
                          {x, xs, ls, Tensor::scalar(1.6)});
  expect_gradient_matches(
      [](const Exprs& in) { return gp::polynomial(in[0], in[1], in[2], 3.0, in[3]); },
      {x, xs, Tensor::from_doubles({0.2, -0.3}, {kDims}), Tensor::scalar(1.5)});
  expect_gradient_matches(
      [](const Exprs& in) { return gp::white_noise(in[0], std::nullopt, in[1]); },
      {x, Tensor::scalar(0.4)});
}

TEST(GpCovariance, DotProductAndNoiseKernels) {
  std::mt19937_64 rng(11);
  const Tensor x = random_tensor({kRows, kDims}, rng, -1, 1);
  const Tensor xs = random_tensor({kOtherRows, kDims}, rng, -1, 1);
  const double c[kDims] = {0.3, -0.5};
  const Tensor linear = evaluate_builder(
      [](const Exprs& in) {
        return gp::polynomial(in[0], in[1], Expr(constant(Tensor::from_doubles({0.3, -0.5}, {2}))),
                              2.0, 0.7);
      },
      {x, xs});
  for (std::int64_t i = 0; i < kRows; ++i) {
    for (std::int64_t j = 0; j < kOtherRows; ++j) {
      double dot = 0.0;
      for (std::int64_t k = 0; k < kDims; ++k) {
        dot += (x.at(i * kDims + k) - c[k]) * (xs.at(j * kDims + k) - c[k]);
      }
      EXPECT_NEAR(linear.at(i * kOtherRows + j), std::pow(dot + 0.7, 2), 1e-12);
    }
  }
  const Tensor noise = evaluate_builder(
      [](const Exprs& in) { return gp::white_noise(in[0], std::nullopt, 0.5); }, {x});
  const Tensor noise_between =
      evaluate_builder([](const Exprs& in) { return gp::white_noise(in[0], in[1], 0.5); }, {x, xs});
  for (std::int64_t i = 0; i < kRows; ++i) {
    for (std::int64_t j = 0; j < kRows; ++j) {
      EXPECT_EQ(noise.at(i * kRows + j), i == j ? 0.25 : 0.0);
    }
  }
  EXPECT_EQ(noise_between.shape(), (Shape{kRows, kOtherRows}));
  for (std::int64_t i = 0; i < noise_between.size(); ++i) EXPECT_EQ(noise_between.at(i), 0.0);
}

// The spectral densities are the Fourier transforms of the kernels: integrating S(w) cos(w r)
// dw / (2 pi) over the real line (D = 1) recovers k(r).
TEST(GpCovariance, SpectralDensitiesTransformBackToTheKernels) {
  const double ls = 0.8;
  std::vector<double> frequencies;
  const double step = 0.005;
  for (double w = -200.0; w <= 200.0; w += step) frequencies.push_back(w);
  const auto n = static_cast<std::int64_t>(frequencies.size());
  const Tensor omega = Tensor::from_doubles(frequencies, {n, 1});
  struct Psd {
    const char* name;
    Expr (*build)(const Expr&, const Expr&);
    std::function<double(double)> kernel;
  };
  const Psd cases[] = {
      {"ExpQuad", gp::exp_quad_psd, [](double r) { return std::exp(-0.5 * r * r); }},
      {"Matern52", gp::matern52_psd,
       [](double r) {
         return (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r * r) * std::exp(-std::sqrt(5.0) * r);
       }},
      {"Matern32", gp::matern32_psd,
       [](double r) { return (1 + std::sqrt(3.0) * r) * std::exp(-std::sqrt(3.0) * r); }},
  };
  for (const auto& psd : cases) {
    SCOPED_TRACE(psd.name);
    const Tensor density = evaluate_builder(
        [&](const Exprs& in) { return psd.build(in[0], in[1]); }, {omega, Tensor::scalar(ls)});
    for (double distance : {0.0, 0.5, 1.3}) {
      double integral = 0.0;
      for (std::int64_t i = 0; i < n; ++i) {
        integral += density.at(i) * std::cos(frequencies[i] * distance) * step;
      }
      EXPECT_NEAR(integral / (2 * std::numbers::pi), psd.kernel(distance / ls), 2e-4)
          << "distance " << distance;
    }
  }
}

TEST(GpCovarianceErrors, ShapesThatDoNotFitNameTheArgument) {
  const Expr x = input("x", {DType::float64, {5, 2}});
  const Expr xs = input("xs", {DType::float64, {4, 3}});
  const Expr vector_x = input("v", {DType::float64, {5}});
  auto message = [](const std::function<void()>& build) {
    try {
      build();
    } catch (const ShapeError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { gp::exp_quad(x, xs, 1.0); }).find("(4, 3)"), std::string::npos);
  EXPECT_NE(message([&] { gp::matern52(vector_x, std::nullopt, 1.0); }).find("X must be a matrix"),
            std::string::npos);
  const Expr three_ls = constant(Tensor::from_doubles({1, 2, 3}, {3}));
  EXPECT_NE(message([&] { gp::exp_quad(x, std::nullopt, three_ls); }).find("ls has shape (3,)"),
            std::string::npos);
}

}  // namespace
}  // namespace hypatia
