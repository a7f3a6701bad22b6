// The multivariate families against scipy.stats and analytic LKJ / ZeroSumNormal densities
// (scripts/fixtures/distributions_multivariate.py), on the interpreter and the native backend;
// gradients against finite differences; build-time errors for constant invalid parameters.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"
#include "ppl/distributions/tensor_cases.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using Parameters = testing::TensorParameters;
using Factory = testing::TensorFactory;
using testing::tensor_values_match;

constexpr const char* kFixture = "distributions_multivariate.txt";

const std::vector<testing::TensorCase>& fixture() {
  return testing::tensor_cases(kFixture);
}

void expect_cases_match(const std::string& family, const Factory& factory,
                        DType value_dtype = DType::float64) {
  testing::expect_tensor_cases_match(kFixture, family, factory, value_dtype);
}

std::int64_t matrix_dim(const Shape& value_shape) {
  return value_shape.back();
}

TEST(MultivariateDistributions, MvNormalMatchesScipy) {
  expect_cases_match("MvNormal", [](const Parameters& p, const Shape&) {
    return MvNormal(p.at("mu"), p.at("cov"));
  });
  expect_cases_match("MvNormalCholesky", [](const Parameters& p, const Shape&) {
    return MvNormalCholesky(p.at("mu"), p.at("chol"));
  });
  expect_cases_match("MvNormalPrecision", [](const Parameters& p, const Shape&) {
    return MvNormalPrecision(p.at("mu"), p.at("tau"));
  });
}

TEST(MultivariateDistributions, MvStudentTMatchesScipy) {
  expect_cases_match("MvStudentT", [](const Parameters& p, const Shape&) {
    return MvStudentT(p.at("nu"), p.at("mu"), p.at("scale"));
  });
}

TEST(MultivariateDistributions, DirichletMatchesScipy) {
  expect_cases_match("Dirichlet",
                     [](const Parameters& p, const Shape&) { return Dirichlet(p.at("a")); });
}

TEST(MultivariateDistributions, MultinomialMatchesScipyForFloatAndIntegerCounts) {
  const Factory factory = [](const Parameters& p, const Shape&) {
    return Multinomial(p.at("n"), p.at("p"));
  };
  expect_cases_match("Multinomial", factory);
  // Integer counts: the non-integer rows are cast (and so change), so only the valid cases here.
  const testing::TensorCase& broadcast =
      *std::find_if(fixture().begin(), fixture().end(),
                    [](auto& c) { return c.family == "Multinomial" && c.label == "broadcast"; });
  const Expr counts = constant(broadcast.tensor("value").cast(DType::int64));
  const Tensor logp =
      evaluate(Multinomial(constant(broadcast.tensor("n")), constant(broadcast.tensor("p")))
                   .logp(counts)
                   .node());
  for (std::int64_t i = 0; i < logp.size(); ++i) {
    EXPECT_PRED2(tensor_values_match, logp.at(i), broadcast.tensor("logp").at(i)) << "row " << i;
  }
}

TEST(MultivariateDistributions, LKJCorrMatchesTheAnalyticDensity) {
  expect_cases_match("LKJCorr", [](const Parameters& p, const Shape& shape) {
    return LKJCorr(matrix_dim(shape), p.at("eta"));
  });
}

TEST(MultivariateDistributions, LKJCorrCholeskyMatchesTheAnalyticDensity) {
  expect_cases_match("LKJCorrCholesky", [](const Parameters& p, const Shape& shape) {
    return LKJCorrCholesky(matrix_dim(shape), p.at("eta"));
  });
}

TEST(MultivariateDistributions, LKJCholeskyCovMatchesTheChangeOfVariables) {
  expect_cases_match("LKJCholeskyCov", [](const Parameters& p, const Shape& shape) {
    const Distribution sd_dist =
        p.contains("lam") ? Exponential(p.at("lam")) : HalfNormal(p.at("sigma"));
    return LKJCholeskyCov(matrix_dim(shape), p.at("eta"), sd_dist);
  });
}

TEST(MultivariateDistributions, ZeroSumNormalMatchesTheSubspaceNormal) {
  expect_cases_match("ZeroSumNormal", [](const Parameters& p, const Shape& shape) {
    const std::int64_t axes = shape.size() == 2 ? 1 : 2;
    return ZeroSumNormal(p.at("sigma"), axes);
  });
}

// ---- gradients ----

Tensor random_spd(std::int64_t k, std::mt19937_64& rng) {
  const Tensor a = testing::random_tensor({k, k}, rng);
  Tensor spd(DType::float64, {k, k});
  for (std::int64_t i = 0; i < k; ++i) {
    for (std::int64_t j = 0; j < k; ++j) {
      double entry = i == j ? 1.0 : 0.0;
      for (std::int64_t m = 0; m < k; ++m) entry += a.at(i * k + m) * a.at(j * k + m);
      spd.set(i * k + j, entry);
    }
  }
  return spd;
}

// Lower-triangular factors with unit rows (correlation Cholesky factors), batch first.
Tensor random_corr_cholesky(std::int64_t batch, std::int64_t k, std::mt19937_64& rng) {
  Tensor l = testing::random_tensor({batch, k, k}, rng);
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t i = 0; i < k; ++i) {
      double length = 0.0;
      for (std::int64_t j = 0; j < k; ++j) {
        const std::int64_t at = (b * k + i) * k + j;
        if (j > i) l.set(at, 0.0);
        if (j == i) l.set(at, std::abs(l.at(at)) + 0.3);
        length += l.at(at) * l.at(at);
      }
      for (std::int64_t j = 0; j <= i; ++j) {
        const std::int64_t at = (b * k + i) * k + j;
        l.set(at, l.at(at) / std::sqrt(length));
      }
    }
  }
  return l;
}

TEST(MultivariateDistributions, MvNormalGradientsWithRespectToMuCovAndValue) {
  std::mt19937_64 rng(3);
  // The covariance enters symmetrized: a one-sided finite-difference step would make it
  // asymmetric, which the parameter check rejects.
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return MvNormal(in[0], 0.5 * (in[1] + matrix_transpose(in[1]))).logp(in[2]);
      },
      {testing::random_tensor({2, 3}, rng), random_spd(3, rng),
       testing::random_tensor({2, 3}, rng)});
}

TEST(MultivariateDistributions, DirichletGradientWithRespectToA) {
  std::mt19937_64 rng(4);
  const Tensor value = Tensor::from_doubles({0.1, 0.2, 0.3, 0.4, 0.05, 0.05, 0.6, 0.3}, {2, 4});
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return Dirichlet(in[0]).logp(constant(value)); },
      {testing::random_tensor({2, 4}, rng, 0.3, 4.0)});
}

TEST(MultivariateDistributions, LKJCorrCholeskyGradientsWithRespectToEtaAndFactor) {
  std::mt19937_64 rng(5);
  // Without the support check: a finite-difference step leaves the unit-row set.
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return LKJCorrCholesky(3, in[0]).logp(in[1], {.check_support = false});
      },
      {testing::random_tensor({2}, rng, 0.5, 3.0), random_corr_cholesky(2, 3, rng)});
}

TEST(MultivariateDistributions, LKJCholeskyCovGradientWithRespectToTheFactor) {
  std::mt19937_64 rng(6);
  Tensor l = random_corr_cholesky(1, 3, rng);
  for (std::int64_t i = 0; i < l.size(); ++i) l.set(i, l.at(i) * (1.0 + 0.5 * (i / 3)));
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return LKJCholeskyCov(3, 2.0, Exponential(1.5)).logp(in[0], {.check_support = false});
      },
      {l});
}

// ---- shapes, errors, and use in a model ----

TEST(MultivariateDistributions, DefaultShapesAndEventRanks) {
  const Expr mu = constant(Tensor(DType::float64, {2, 3}));
  const Expr cov = constant(Tensor::from_doubles({1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}));
  EXPECT_EQ(MvNormal(mu, cov).default_shape(), (Shape{2, 3}));
  EXPECT_EQ(MvNormal(mu, cov).event_rank(), 1);
  EXPECT_EQ(Dirichlet(constant(Tensor::full(DType::float64, {5, 4}, 1.0))).default_shape(),
            (Shape{5, 4}));
  EXPECT_EQ(LKJCholeskyCov(3, 2.0, Exponential(1.0)).default_shape(), (Shape{3, 3}));
  EXPECT_EQ(LKJCorrCholesky(4, 2.0).event_rank(), 2);
  EXPECT_EQ(ZeroSumNormal(1.0, 2).default_shape(), (Shape{kUnknownDim, kUnknownDim}));
  EXPECT_EQ(ZeroSumNormal(1.0, 2).support().default_transform()->unconstrained_shape({3, 4}),
            (Shape{2, 3}));
}

TEST(MultivariateDistributions, ConstantInvalidParametersAreBuildErrors) {
  const Expr not_pd = constant(Tensor::from_doubles({1, 2, 2, 1}, {2, 2}));
  testing::expect_mentions(testing::error_message([&] { MvNormal(Expr(0.0), not_pd); }),
                           {"MvNormal", "cov", "positive definite"});
  testing::expect_mentions(testing::error_message([] {
                             Dirichlet(constant(Tensor::from_doubles({1, -1, 2}, {3})));
                           }),
                           {"Dirichlet", "a", "> 0"});
  testing::expect_mentions(testing::error_message([] { LKJCorr(3, -1.0); }), {"LKJCorr", "eta"});
  testing::expect_mentions(testing::error_message([] {
                             Multinomial(5.0, constant(Tensor::from_doubles({0.5, 0.6}, {2})));
                           }),
                           {"Multinomial", "p", "probability vector"});
  testing::expect_mentions(
      testing::error_message([&] { MvNormal(constant(Tensor(DType::float64, {4})), not_pd); }),
      {"MvNormal", "mu", "(4,)"});
}

TEST(MultivariateDistributions, FreeVariablesSampleThroughTheirTransforms) {
  Model m;
  m.rv("corr", LKJCorrCholesky(3, 2.0));
  m.rv("weights", Dirichlet(constant(Tensor::from_doubles({1.0, 2.0, 3.0}, {3}))));
  m.rv("effects", ZeroSumNormal(1.0), {.shape = {4}});
  m.rv("chol", LKJCholeskyCov(2, 1.5, Exponential(1.0)));
  m.rv("correlation", LKJCorr(3, 0.8));
  auto compiled = m.compile({.backend = Backend::interp});
  EXPECT_EQ(compiled->dim(), 3 + 2 + 3 + 3 + 3);
  std::vector<double> x(static_cast<std::size_t>(compiled->dim()), 0.1);
  std::vector<double> gradient(x.size());
  const double logp = compiled->logp_grad(x.data(), gradient.data());
  EXPECT_TRUE(std::isfinite(logp)) << logp;
  for (double g : gradient) EXPECT_TRUE(std::isfinite(g));
}

}  // namespace
}  // namespace hypatia
