#pragma once

// Statistical checks of random draws against reference distributions: sample moments within a
// few standard errors, quartiles, Kolmogorov-Smirnov against a CDF and Pearson's chi-square
// against a probability mass function. Every check is calibrated so that a correct sampler fails
// it with probability about 1e-3 (KS, chi-square) or far less (moments, quartiles); the draws come
// from fixed seeds, so the outcome is deterministic.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hypatia/expr.hpp"
#include "hypatia/function.hpp"
#include "hypatia/tensor.hpp"

namespace hypatia::testing {

constexpr double kStandardErrors = 5.0;
constexpr double kGoodnessOfFitLevel = 0.001;

// A placeholder for a Philox state, so one compiled draw graph serves several seeds.
Expr random_state_placeholder();

// Compiles `outputs`, graphs over the state placeholder `state`, for `backend`; call the result
// with {random_state(seed)}.
Function compile_draws(const Expr& state, const std::vector<Expr>& outputs,
                       Backend backend = Backend::native);
// Compiles and evaluates them once, with the state of `seed`.
std::vector<Tensor> evaluate_draws(const Expr& state, const std::vector<Expr>& outputs,
                                   std::uint64_t seed, Backend backend = Backend::native);

// The draws of `outputs` from the interpreter and the native backend are identical, bit for bit,
// for the state of each seed.
void expect_draws_identical_on_backends(const Expr& state, const std::vector<Expr>& outputs,
                                        const std::vector<std::uint64_t>& seeds);

// Elements offset, offset + stride, offset + 2 stride, ... of `values` (flat, row-major): a column
// of a draw matrix.
std::vector<double> strided(const Tensor& values, std::int64_t stride, std::int64_t offset);

// Fails the test at the first false element of a support check.
void expect_all_true(const Tensor& condition, const std::string& what);

struct Moments {
  double mean = 0.0;
  double variance = 0.0;
  double kurtosis = 3.0;  // mu4 / sigma^4 (not the excess)
};

// From the raw moments E[X], E[X^2], E[X^3], E[X^4].
Moments moments_from_raw(double m1, double m2, double m3, double m4);
// Of a + b X, given X's.
Moments affine_moments(const Moments& x, double shift, double scale);

// The mean, variance and kurtosis of a density on [a, b] (ends may be infinite), by adaptive
// Gauss-Kronrod quadrature; central moments are integrated about the mean, so a distribution far
// from 0 keeps its small variance.
Moments moments_by_quadrature(const std::function<double(double)>& density, double a, double b);

// Sample mean and variance within kStandardErrors standard errors; the variance's standard error
// is sqrt((mu4 - sigma^4 (n - 3) / (n - 1)) / n).
void expect_moments(const std::vector<double>& x, const Moments& expected, const std::string& what);

using Cdf = std::function<double(double)>;

// For distributions without a finite variance: the sample quartiles q_p (the ceil(p n)-th order
// statistics) have F(q_p) ~ Beta(k, n + 1 - k), within kStandardErrors of k / (n + 1).
void expect_quartiles(std::vector<double> x, const Cdf& cdf, const std::string& what);

// The Kolmogorov-Smirnov distance to `cdf` below its critical value at kGoodnessOfFitLevel.
void expect_kolmogorov_smirnov_fits(std::vector<double> x, const Cdf& cdf, const std::string& what);

// A distribution on the integers lower, lower + 1, ..., upper (or unbounded above).
struct Pmf {
  std::function<double(std::int64_t)> mass;
  std::int64_t lower = 0;
  std::optional<std::int64_t> upper = std::nullopt;
};

// Mean, variance and kurtosis by summing the mass function (until the upper tail's mass is below
// 1e-14).
Moments pmf_moments(const Pmf& pmf);

// Pearson's chi-square over bins of consecutive values with expected count >= 5 (the extreme bins
// take the tails), below its critical value at kGoodnessOfFitLevel.
void expect_chi_square_fits(const std::vector<double>& x, const Pmf& pmf, const std::string& what);

// The sample covariance of x and y within kStandardErrors of `expected`, the standard error
// estimated from the sample: sd((x - mean x)(y - mean y)) / sqrt(n).
void expect_covariance(const std::vector<double>& x, const std::vector<double>& y, double expected,
                       const std::string& what);

}  // namespace hypatia::testing
