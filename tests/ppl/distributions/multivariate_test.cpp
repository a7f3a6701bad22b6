// The multivariate families against scipy.stats and analytic LKJ / ZeroSumNormal densities
// (scripts/fixtures/distributions_multivariate.py), on the interpreter and the native backend;
// gradients against finite differences; build-time errors for constant invalid parameters.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
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

// ---- LKJCorr packed as the strictly upper entries (PyMC's value) ----

// C = L L^T for each factor of `l` (batch, k, k), and its strictly upper entries in numpy's
// triu_indices(k, 1) order (0,1), (0,2), ..., (1,2), ... or, with `lower_rows`, in the other
// order (1,0), (2,0), (2,1), ... that differs from it for k >= 4.
std::pair<Tensor, Tensor> correlation_and_packed(const Tensor& l, bool lower_rows = false) {
  const std::int64_t batch = l.shape()[0], k = l.shape()[1];
  Tensor c(DType::float64, {batch, k, k});
  Tensor packed(DType::float64, {batch, k * (k - 1) / 2});
  std::int64_t next = 0;
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::int64_t base = b * k * k;
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        double entry = 0.0;
        for (std::int64_t m = 0; m < k; ++m)
          entry += l.at(base + i * k + m) * l.at(base + j * k + m);
        c.set(base + i * k + j, entry);
      }
    }
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        if (lower_rows ? j < i : j > i) packed.set(next++, c.at(base + i * k + j));
      }
    }
  }
  return {c, packed};
}

TEST(MultivariateDistributions, PackedLKJCorrIsTheMatrixDensityAtTheAssembledMatrix) {
  std::mt19937_64 rng(21);
  const Expr etas = constant(Tensor::from_doubles({0.7, 1.0, 2.5}, {3}));
  for (std::int64_t k : {2, 3, 4, 5}) {
    const auto [c, packed] = correlation_and_packed(random_corr_cholesky(3, k, rng));
    const std::vector<Tensor> values =
        evaluate({LKJCorr(k, etas).logp(constant(c)).node(),
                  LKJCorr(k, etas, CorrValue::packed).logp(constant(packed)).node()});
    ASSERT_EQ(values[1].shape(), (Shape{3})) << k;
    for (std::int64_t b = 0; b < 3; ++b) {
      EXPECT_TRUE(std::isfinite(values[0].at(b)));
      EXPECT_NEAR(values[1].at(b), values[0].at(b), 1e-11) << "dim " << k << ", eta " << b;
    }
  }
  // The order matters from k = 4 on: packed in the other row-by-row order, the same entries give
  // another matrix (so the check above can tell the orders apart).
  const Tensor l = random_corr_cholesky(1, 4, rng);
  const Tensor upper = correlation_and_packed(l).second;
  const Tensor lower = correlation_and_packed(l, true).second;
  const Distribution packed_lkj = LKJCorr(4, 2.0, CorrValue::packed);
  const std::vector<Tensor> values =
      evaluate({packed_lkj.logp(constant(upper)).node(), packed_lkj.logp(constant(lower)).node()});
  EXPECT_GT(std::abs(values[0].at(0) - values[1].at(0)), 1e-3);
}

// For n = 2 the LKJ density of r = C_01 is (1 - r^2)^(eta - 1) / c_2 with (r + 1) / 2 ~ Beta(eta,
// eta): log p(r) = log Beta(eta, eta) density at (r + 1) / 2 - log 2.
TEST(MultivariateDistributions, PackedLKJCorrOfTwoIsAShiftedBeta) {
  const std::vector<double> r = {-0.95, -0.3, 0.0, 0.42, 0.999};
  for (double eta : {0.6, 1.0, 2.0, 7.5}) {
    const Tensor logp = evaluate(
        LKJCorr(2, eta, CorrValue::packed).logp(constant(Tensor::from_doubles(r, {5, 1}))).node());
    for (std::size_t i = 0; i < r.size(); ++i) {
      const double y = 0.5 * (r[i] + 1.0);
      const double beta_logpdf = (eta - 1.0) * (std::log(y) + std::log1p(-y)) -
                                 (2.0 * std::lgamma(eta) - std::lgamma(2.0 * eta));
      EXPECT_NEAR(logp.at(static_cast<std::int64_t>(i)), beta_logpdf - std::log(2.0), 1e-11)
          << "eta " << eta << ", r " << r[i];
    }
  }
}

// For n = 3 the density integrates to 1 over the packed coordinates: a midpoint rule over the
// cube [-1, 1]^3 (the density is -inf, i.e. 0, outside the positive definite part).
TEST(MultivariateDistributions, PackedLKJCorrOfThreeIntegratesToOne) {
  constexpr std::int64_t kGrid = 60;
  const double h = 2.0 / kGrid;
  Tensor points(DType::float64, {kGrid * kGrid * kGrid, 3});
  std::int64_t next = 0;
  for (std::int64_t a = 0; a < kGrid; ++a) {
    for (std::int64_t b = 0; b < kGrid; ++b) {
      for (std::int64_t c = 0; c < kGrid; ++c) {
        for (std::int64_t coordinate : {a, b, c}) points.set(next++, -1.0 + h * (coordinate + 0.5));
      }
    }
  }
  // Where the density vanishes at the boundary (eta > 1) the rule is accurate; at eta = 1 it
  // jumps there and the rule's error is of order h.
  for (const auto& [eta, tolerance] :
       std::vector<std::pair<double, double>>{{1.0, 0.03}, {2.0, 2e-3}, {4.0, 2e-3}}) {
    const Expr logp = LKJCorr(3, eta, CorrValue::packed).logp(constant(points));
    const Tensor integral = evaluate((sum(exp(logp)) * (h * h * h)).node());
    EXPECT_NEAR(integral.at(0), 1.0, tolerance) << "eta " << eta;
  }
}

TEST(MultivariateDistributions, PackedLKJCorrGradientsWithRespectToEtaAndValue) {
  std::mt19937_64 rng(22);
  const Tensor packed = correlation_and_packed(random_corr_cholesky(2, 4, rng)).second;
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return LKJCorr(4, in[0], CorrValue::packed).logp(in[1], {.check_support = false});
      },
      {testing::random_tensor({2}, rng, 0.5, 3.0), packed});
}

TEST(MultivariateDistributions, PackedLKJCorrShapesAndErrors) {
  const Distribution packed =
      LKJCorr(4, constant(Tensor::from_doubles({1.0, 2.0}, {2})), CorrValue::packed);
  EXPECT_EQ(packed.default_shape(), (Shape{2, 6}));
  EXPECT_EQ(packed.event_rank(), 1);
  EXPECT_EQ(packed.name(), "LKJCorr");
  EXPECT_EQ(packed.support().default_transform()->name(), "packed_correlation");
  testing::expect_mentions(testing::error_message([] { LKJCorr(1, 2.0, CorrValue::packed); }),
                           {"LKJCorr", "at least 2"});
  testing::expect_mentions(
      testing::error_message([] {
        LKJCorr(3, 2.0, CorrValue::packed).logp(constant(Tensor::from_doubles({0.1, 0.2}, {2})));
      }),
      {"LKJCorr", "3 entries", "(2,)"});
  // Outside the support (not positive definite): -inf.
  const Tensor logp = evaluate(LKJCorr(3, 2.0, CorrValue::packed)
                                   .logp(constant(Tensor::from_doubles({0.9, 0.9, -0.9}, {3})))
                                   .node());
  EXPECT_EQ(logp.at(0), -std::numeric_limits<double>::infinity());
}

// Both forms are sampled on the same unconstrained space: at any point the two models have the
// same log density and gradient.
TEST(MultivariateDistributions, PackedAndMatrixLKJCorrModelsAgree) {
  Model matrix_model, packed_model;
  matrix_model.rv("corr", LKJCorr(4, 1.7));
  packed_model.rv("corr", LKJCorr(4, 1.7, CorrValue::packed));
  auto matrix_compiled = matrix_model.compile({.backend = Backend::interp});
  auto packed_compiled = packed_model.compile({.backend = Backend::interp});
  ASSERT_EQ(packed_compiled->dim(), 6);
  ASSERT_EQ(matrix_compiled->dim(), 6);
  std::mt19937_64 rng(23);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> x(6), matrix_gradient(6), packed_gradient(6);
  for (int trial = 0; trial < 3; ++trial) {
    for (double& v : x) v = normal(rng);
    const double matrix_logp = matrix_compiled->logp_grad(x.data(), matrix_gradient.data());
    const double packed_logp = packed_compiled->logp_grad(x.data(), packed_gradient.data());
    EXPECT_NEAR(packed_logp, matrix_logp, 1e-10);
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(packed_gradient[i], matrix_gradient[i], 1e-9) << i;
    }
  }
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
