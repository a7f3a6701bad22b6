// Interpolated and KroneckerNormal: log densities (and Interpolated's log CDF) against numpy /
// scipy (scripts/fixtures/distributions_extra.py) on the interpreter and the native backend,
// gradients against finite differences, draws against the density written out here, and
// build-time errors naming the parameter.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"
#include "ppl/distributions/tensor_cases.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::TensorParameters;

constexpr const char* kFixture = "distributions_extra.txt";

Expr vector_of(const std::vector<double>& values) {
  return constant(Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())}));
}

std::vector<Tensor> draw(const Distribution& distribution, const Shape& shape, std::uint64_t seed) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, shape);
  return testing::evaluate_draws(
      state, {cast(draws, DType::float64), distribution.support().contains(draws)}, seed);
}

// ---- Interpolated -------------------------------------------------------------------------------

// x_points and pdf_points must be constants: each case builds its own distribution from them.
TEST(Interpolated, MatchesNumpyAndQuadrature) {
  int matched = 0;
  for (const testing::TensorCase& fixture_case : testing::tensor_cases(kFixture)) {
    if (fixture_case.family != "Interpolated") continue;
    ++matched;
    const Distribution distribution = Interpolated(constant(fixture_case.tensor("x_points")),
                                                   constant(fixture_case.tensor("pdf_points")));
    const Expr value = input("value", fixture_case.tensor("value").type());
    const std::vector<Tensor> actual = testing::evaluate_on_backends(
        {distribution.logp(value).node(), distribution.logcdf(value).node()},
        {{"value", fixture_case.tensor("value")}});
    for (const auto& [index, column] : {std::pair{0, "logp"}, std::pair{1, "logcdf"}}) {
      const Tensor& expected = fixture_case.tensor(column);
      ASSERT_EQ(actual[index].shape(), expected.shape());
      for (std::int64_t i = 0; i < expected.size(); ++i) {
        EXPECT_PRED2(testing::tensor_values_match, actual[index].at(i), expected.at(i))
            << "Interpolated " << fixture_case.label << " " << column << ", row " << i;
      }
    }
  }
  EXPECT_EQ(matched, 3);
}

TEST(Interpolated, GradientInTheValue) {
  const Expr x = vector_of({-1.0, 0.0, 0.5, 2.0, 3.0});
  const Expr pdf = vector_of({0.0, 2.0, 0.5, 0.5, 1.5});
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return Interpolated(x, pdf).logp(in[0]); },
      {Tensor::from_doubles({-0.5, 0.2, 1.0, 2.7}, {4})});
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return Interpolated(x, pdf).logcdf(in[0]); },
      {Tensor::from_doubles({-0.5, 0.2, 1.0, 2.7}, {4})});
}

// The density and CDF written out here by hand for the points below.
TEST(Interpolated, DrawsAndQuantilesFitTheDensity) {
  const std::vector<double> xs = {-1.0, 0.0, 0.5, 2.0, 3.0};
  const std::vector<double> ps = {0.0, 2.0, 0.5, 0.5, 1.5};
  // Trapezoid areas 1, 0.625, 0.75, 1: the total is 3.375.
  const double area = 3.375;
  const auto density = [&](double x) {
    for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
      if (x >= xs[i] && x <= xs[i + 1]) {
        return (ps[i] + (ps[i + 1] - ps[i]) * (x - xs[i]) / (xs[i + 1] - xs[i])) / area;
      }
    }
    return 0.0;
  };
  const auto cdf = [&](double x) {
    double mass = 0.0;
    for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
      const double right = std::min(std::max(x, xs[i]), xs[i + 1]);
      const double t = right - xs[i];
      const double slope = (ps[i + 1] - ps[i]) / (xs[i + 1] - xs[i]);
      mass += (ps[i] * t + 0.5 * slope * t * t) / area;
    }
    return mass;
  };
  const Distribution distribution = Interpolated(vector_of(xs), vector_of(ps));
  const std::vector<Tensor> results = draw(distribution, {20000}, 131);
  testing::expect_all_true(results[1], "Interpolated draws in the support");
  const std::vector<double> x = testing::strided(results[0], 1, 0);
  testing::expect_moments(x, testing::moments_by_quadrature(density, -1.0, 3.0), "Interpolated");
  testing::expect_kolmogorov_smirnov_fits(x, cdf, "Interpolated");
  const Tensor quantiles =
      evaluate(distribution.quantile(vector_of({0.01, 0.2, 0.5, 0.9, 0.999})).node());
  for (std::int64_t i = 0; i < quantiles.size(); ++i) {
    const double p = std::vector<double>{0.01, 0.2, 0.5, 0.9, 0.999}[i];
    EXPECT_NEAR(cdf(quantiles.at(i)), p, 1e-12) << "quantile " << p;
  }
}

TEST(Interpolated, ErrorsNameTheParameter) {
  const Expr x = vector_of({0.0, 1.0, 2.0});
  testing::expect_mentions(
      testing::error_message([&] {
        Interpolated(input("x_points", {DType::float64, {3}}), vector_of({1, 1, 1}));
      }),
      {"Interpolated", "x_points", "constant"});
  testing::expect_mentions(testing::error_message([&] {
                             Interpolated(x, input("pdf_points", {DType::float64, {3}}));
                           }),
                           {"Interpolated", "pdf_points", "constant"});
  testing::expect_mentions(testing::error_message([&] {
                             Interpolated(vector_of({0.0, 2.0, 1.0}), vector_of({1, 1, 1}));
                           }),
                           {"Interpolated", "x_points", "increasing"});
  testing::expect_mentions(testing::error_message([&] {
                             Interpolated(x, vector_of({1, -1, 1}));
                           }),
                           {"Interpolated", "pdf_points", "nonnegative"});
  testing::expect_mentions(testing::error_message([&] {
                             Interpolated(x, vector_of({1, 1}));
                           }),
                           {"Interpolated", "same length"});
  EXPECT_EQ(Interpolated(x, vector_of({1, 2, 1})).default_shape(), Shape({}));
}

// ---- KroneckerNormal ----------------------------------------------------------------------------

std::vector<Expr> factors_of(const TensorParameters& p, const std::string& prefix) {
  std::vector<Expr> factors;
  for (int k = 0; p.contains(prefix + std::to_string(k)); ++k) {
    factors.push_back(p.at(prefix + std::to_string(k)));
  }
  return factors;
}

TEST(KroneckerNormal, MatchesScipyWithTheFullKroneckerCovariance) {
  testing::expect_tensor_cases_match(
      kFixture, "KroneckerNormal", [](const TensorParameters& p, const Shape&) {
        if (p.contains("chol0")) {
          return KroneckerNormalCholesky(p.at("mu"), factors_of(p, "chol"));
        }
        std::optional<Expr> sigma;
        if (p.contains("sigma")) sigma = p.at("sigma");
        return KroneckerNormal(p.at("mu"), factors_of(p, "cov"), sigma);
      });
}

TEST(KroneckerNormal, GradientsInMuFactorsSigmaAndValue) {
  const Tensor a = Tensor::from_doubles({2.0, 0.3, 0.3, 1.0}, {2, 2});
  const Tensor b = Tensor::from_doubles({1.0, -0.2, 0.1, -0.2, 0.8, 0.0, 0.1, 0.0, 1.5}, {3, 3});
  const Tensor mu = Tensor::from_doubles({0.1, -0.3, 0.5, 0.0, 1.0, -1.0}, {6});
  const Tensor value =
      Tensor::from_doubles({0.2, 0.9, -1.1, 0.4, 1.3, -0.2, 0.0, 0.6, 0.3, -0.5, 2.0, 1.0}, {2, 6});
  // The factors symmetrized, so that finite differences stay within the symmetric matrices.
  const auto sym = [](const Expr& m) { return 0.5 * (m + matrix_transpose(m)); };
  testing::expect_gradient_matches(
      [&](const Exprs& in) {
        return KroneckerNormal(in[0], {sym(in[1]), sym(in[2])}).logp(in[3]);
      },
      {mu, a, b, value});
  testing::expect_gradient_matches(
      [&](const Exprs& in) {
        return KroneckerNormal(in[0], {sym(in[1]), sym(in[2])}, in[3]).logp(in[4]);
      },
      {mu, a, b, Tensor::scalar(0.7), value});
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return KroneckerNormalCholesky(in[0], {in[1], in[2]}).logp(in[3]);
      },
      {mu, Tensor::from_doubles({1.2, 0.0, 0.4, 0.9}, {2, 2}),
       Tensor::from_doubles({1.0, 0.0, 0.0, -0.3, 0.7, 0.0, 0.2, 0.5, 1.1}, {3, 3}), value});
}

// kron(A, B) covariance: entry (i * 2 + k, j * 2 + l) is A_ij B_kl.
TEST(KroneckerNormal, DrawsHaveTheKroneckerCovariance) {
  const std::vector<double> a = {2.0, 0.6, 0.6, 1.0}, b = {1.0, -0.4, -0.4, 0.5};
  const std::vector<double> mu = {1.0, 0.0, -1.0, 2.0};
  for (const bool with_sigma : {false, true}) {
    const double sigma = with_sigma ? 0.5 : 0.0;
    const Distribution distribution =
        with_sigma ? KroneckerNormal(vector_of(mu),
                                     {constant(Tensor::from_doubles(a, {2, 2})),
                                      constant(Tensor::from_doubles(b, {2, 2}))},
                                     Expr(sigma))
                   : KroneckerNormal(vector_of(mu), {constant(Tensor::from_doubles(a, {2, 2})),
                                                     constant(Tensor::from_doubles(b, {2, 2}))});
    const std::vector<Tensor> results = draw(distribution, {20000, 4}, with_sigma ? 139 : 137);
    const auto covariance = [&](int r, int c) {
      return a[(r / 2) * 2 + c / 2] * b[(r % 2) * 2 + c % 2] + (r == c ? sigma * sigma : 0.0);
    };
    for (int j = 0; j < 4; ++j) {
      testing::expect_moments(testing::strided(results[0], 4, j), {mu[j], covariance(j, j), 3.0},
                              "KroneckerNormal coordinate " + std::to_string(j));
    }
    for (const auto& [r, c] :
         {std::pair{0, 1}, std::pair{0, 2}, std::pair{0, 3}, std::pair{1, 2}}) {
      testing::expect_covariance(testing::strided(results[0], 4, r),
                                 testing::strided(results[0], 4, c), covariance(r, c),
                                 "KroneckerNormal " + std::to_string(r) + "," + std::to_string(c));
    }
  }
}

TEST(KroneckerNormal, ShapesAndErrors) {
  const Expr a = constant(Tensor::from_doubles({2.0, 0.6, 0.6, 1.0}, {2, 2}));
  const Expr b =
      constant(Tensor::from_doubles({1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0}, {3, 3}));
  EXPECT_EQ(KroneckerNormal(0.0, {a, b}).default_shape(), Shape({6}));
  EXPECT_EQ(KroneckerNormal(0.0, {a, b}, vector_of({0.5, 1.0})).default_shape(), Shape({2, 6}));
  testing::expect_mentions(testing::error_message([&] {
                             KroneckerNormal(vector_of({0, 0, 0, 0}), {a, b});
                           }),
                           {"KroneckerNormal", "mu"});
  testing::expect_mentions(
      testing::error_message([&] {
        KroneckerNormal(0.0, {a, constant(Tensor::from_doubles({1.0, 2.0, 2.0, 1.0}, {2, 2}))});
      }),
      {"KroneckerNormal", "covs[1]"});
  testing::expect_mentions(testing::error_message([&] { KroneckerNormal(0.0, {a}, -1.0); }),
                           {"KroneckerNormal", "sigma"});
  testing::expect_mentions(testing::error_message([&] { KroneckerNormal(0.0, {}); }),
                           {"KroneckerNormal", "covs"});
}

}  // namespace
}  // namespace hypatia
