// MvGaussianRandomWalk, DirichletMultinomial, StickBreakingWeights and DiracDelta: log densities
// against scipy (scripts/fixtures/distributions_extra.py) on the interpreter and the native
// backend, gradients against finite differences, draws against analytic moments, build-time
// errors for constant invalid parameters, and their use in a model.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "hypatia/hypatia.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/model.hpp"
#include "hypatia/ppl/predictive.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"
#include "ppl/distributions/tensor_cases.hpp"
#include "support/backends.hpp"
#include "support/errors.hpp"
#include "support/gradient_check.hpp"

namespace hypatia {
namespace {

using testing::Moments;
using testing::TensorParameters;

constexpr const char* kFixture = "distributions_extra.txt";
constexpr double kNegativeInfinity = -std::numeric_limits<double>::infinity();

Expr vector_of(const std::vector<double>& values) {
  return constant(Tensor::from_doubles(values, {static_cast<std::int64_t>(values.size())}));
}

Expr matrix_of(const std::vector<double>& values, std::int64_t k) {
  return constant(Tensor::from_doubles(values, {k, k}));
}

// Draws `distribution` with `shape` from one seed; returns the draws and whether each (event) lies
// in the support.
std::vector<Tensor> draw(const Distribution& distribution, const Shape& shape, std::uint64_t seed) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, shape);
  return testing::evaluate_draws(state, {draws, distribution.support().contains(draws)}, seed);
}

// ---- MvGaussianRandomWalk -----------------------------------------------------------------------

std::int64_t walk_steps(const Shape& value_shape) {
  return value_shape[value_shape.size() - 2] - 1;
}

Distribution mv_init(const TensorParameters& p) {
  return p.contains("init_cov") ? MvNormal(p.at("init_mu"), p.at("init_cov"))
                                : Normal(p.at("init_mu"), p.at("init_sigma"));
}

TEST(ExtraDistributions, MvGaussianRandomWalkMatchesScipy) {
  testing::expect_tensor_cases_match(
      kFixture, "MvGaussianRandomWalk", [](const TensorParameters& p, const Shape& shape) {
        return MvGaussianRandomWalk(p.at("mu"), p.at("cov"), mv_init(p), walk_steps(shape));
      });
  testing::expect_tensor_cases_match(kFixture, "MvGaussianRandomWalkCholesky",
                                     [](const TensorParameters& p, const Shape& shape) {
                                       return MvGaussianRandomWalkCholesky(
                                           p.at("mu"), p.at("chol"), mv_init(p), walk_steps(shape));
                                     });
  testing::expect_tensor_cases_match(kFixture, "MvGaussianRandomWalkPrecision",
                                     [](const TensorParameters& p, const Shape& shape) {
                                       return MvGaussianRandomWalkPrecision(
                                           p.at("mu"), p.at("tau"), mv_init(p), walk_steps(shape));
                                     });
}

TEST(ExtraDistributions, MvGaussianRandomWalkGradientsInMuCovAndValue) {
  std::mt19937_64 rng(41);
  const Tensor cov = Tensor::from_doubles({2.0, 0.3, 0.3, 0.8}, {2, 2});
  // The covariance enters symmetrized, so a one-sided finite-difference step keeps it symmetric.
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return MvGaussianRandomWalk(in[0], 0.5 * (in[1] + matrix_transpose(in[1])),
                                    MvNormal(in[2], matrix_of({1.0, 0.0, 0.0, 1.0}, 2)), 3)
            .logp(in[3]);
      },
      {testing::random_tensor({2}, rng), cov, testing::random_tensor({2}, rng),
       testing::random_tensor({2, 4, 2}, rng, -2.0, 2.0)});
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return MvGaussianRandomWalkCholesky(in[0], in[1], Normal(0.0, 2.0), 2).logp(in[2]);
      },
      {testing::random_tensor({2}, rng), Tensor::from_doubles({1.2, 0.0, -0.4, 0.7}, {2, 2}),
       testing::random_tensor({3, 2}, rng, -2.0, 2.0)});
}

// x_T = x_0 + T mu + (sum of T increments): mean init_mu + T mu, covariance init_cov + T cov.
TEST(ExtraDistributions, MvGaussianRandomWalkDrawsSpreadLinearlyInTime) {
  const std::int64_t n = 20000, steps = 5, k = 2;
  const std::vector<double> mu = {0.5, -1.0}, init_mu = {2.0, 0.0};
  const std::vector<double> cov = {1.0, 0.6, 0.6, 2.0}, init_cov = {0.5, -0.2, -0.2, 1.5};
  std::vector<double> end_cov(4);
  for (int i = 0; i < 4; ++i) end_cov[i] = init_cov[i] + steps * cov[i];
  // The precision variant with tau = cov^-1 draws the same law.
  const double det = cov[0] * cov[3] - cov[1] * cov[2];
  const Expr tau = matrix_of({cov[3] / det, -cov[1] / det, -cov[2] / det, cov[0] / det}, 2);
  const Distribution init = MvNormal(vector_of(init_mu), matrix_of(init_cov, 2));
  const std::vector<std::pair<std::string, Distribution>> walks = {
      {"cov", MvGaussianRandomWalk(vector_of(mu), matrix_of(cov, 2), init, steps)},
      {"tau", MvGaussianRandomWalkPrecision(vector_of(mu), tau, init, steps)}};
  for (const auto& [what, walk] : walks) {
    const std::vector<Tensor> results = draw(walk, {n, steps + 1, k}, 43);
    ASSERT_EQ(results[0].shape(), Shape({n, steps + 1, k}));
    testing::expect_all_true(results[1], what + ": draws in the support");
    const std::int64_t stride = (steps + 1) * k;
    const auto coordinate = [&](std::int64_t t, std::int64_t j) {
      return testing::strided(results[0], stride, t * k + j);
    };
    for (std::int64_t j = 0; j < k; ++j) {
      testing::expect_moments(coordinate(0, j), {init_mu[j], init_cov[j * k + j], 3.0},
                              what + ": start, coordinate " + std::to_string(j));
      testing::expect_moments(coordinate(steps, j),
                              {init_mu[j] + steps * mu[j], end_cov[j * k + j], 3.0},
                              what + ": end, coordinate " + std::to_string(j));
    }
    testing::expect_covariance(coordinate(steps, 0), coordinate(steps, 1), end_cov[1],
                               what + ": end, covariance");
  }
}

TEST(ExtraDistributions, MvGaussianRandomWalkShapesModelsAndErrors) {
  const Expr cov = matrix_of({1.0, 0.0, 0.0, 1.0}, 2);
  const Distribution init = MvNormal(vector_of({0.0, 0.0}), cov);
  const Distribution walk = MvGaussianRandomWalk(vector_of({0.1, 0.2}), cov, init, 4);
  EXPECT_EQ(walk.default_shape(), Shape({5, 2}));
  EXPECT_EQ(walk.event_rank(), 2);
  const Expr batched_mu = constant(Tensor(DType::float64, {3, 2}));
  EXPECT_EQ(MvGaussianRandomWalk(batched_mu, cov, init, 4).default_shape(), Shape({3, 5, 2}));
  // A free walk: its log density in a model is the fixture-free hand computation with identity
  // covariances (independent coordinates, each a Gaussian random walk).
  Model m;
  m.rv("walk", walk);
  ASSERT_EQ(m.layout().dim, 10);
  std::vector<double> x(10);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.3 * static_cast<double>(i) - 1.0;
  const double log_two_pi = std::log(2.0 * std::numbers::pi);
  double expected = -0.5 * (x[0] * x[0] + x[1] * x[1]) - log_two_pi;
  for (int t = 1; t < 5; ++t) {
    for (int j = 0; j < 2; ++j) {
      const double d = x[2 * t + j] - x[2 * (t - 1) + j] - (j == 0 ? 0.1 : 0.2);
      expected += -0.5 * d * d - 0.5 * log_two_pi;
    }
  }
  std::vector<double> grad(x.size());
  EXPECT_NEAR(m.compile({.backend = Backend::interp})->logp_grad(x.data(), grad.data()), expected,
              1e-12);

  testing::expect_mentions(testing::error_message([&] {
                             walk.logp(input("x", {DType::float64, {4, 2}}));
                           }),
                           {"MvGaussianRandomWalk", "5 values"});
  testing::expect_mentions(
      testing::error_message([&] {
        MvGaussianRandomWalk(vector_of({0.0, 0.0}), matrix_of({1.0, 2.0, 2.0, 1.0}, 2), init, 3);
      }),
      {"MvGaussianRandomWalk", "cov", "positive definite"});
  testing::expect_mentions(testing::error_message([&] {
                             MvGaussianRandomWalkCholesky(vector_of({0.0, 0.0}),
                                                          matrix_of({1.0, 0.0, 0.0, -1.0}, 2), init,
                                                          3);
                           }),
                           {"MvGaussianRandomWalk", "chol"});
  testing::expect_mentions(testing::error_message([&] {
                             MvGaussianRandomWalk(vector_of({0.0, 0.0, 0.0}), cov, init, 3);
                           }),
                           {"MvGaussianRandomWalk", "mu", "(3,)"});
  testing::expect_mentions(testing::error_message([&] {
                             MvGaussianRandomWalk(vector_of({0.0, 0.0}), cov, init, 0);
                           }),
                           {"MvGaussianRandomWalk", "steps"});
}

// ---- DirichletMultinomial -----------------------------------------------------------------------

TEST(ExtraDistributions, DirichletMultinomialMatchesTheClosedForm) {
  const testing::TensorFactory factory = [](const TensorParameters& p, const Shape&) {
    return DirichletMultinomial(p.at("n"), p.at("a"));
  };
  testing::expect_tensor_cases_match(kFixture, "DirichletMultinomial", factory);
}

TEST(ExtraDistributions, DirichletMultinomialIntegerCountsAndGradient) {
  const Expr a = vector_of({0.5, 1.5, 2.0, 0.8});
  // Integer counts give the same as float ones.
  const Tensor counts = Tensor::from_doubles({3, 0, 4, 1, 2, 2, 2, 2}, {2, 4});
  const Tensor as_float = evaluate(DirichletMultinomial(8.0, a).logp(constant(counts)).node());
  const Tensor as_int =
      evaluate(DirichletMultinomial(Expr(8), a).logp(constant(counts.cast(DType::int64))).node());
  for (std::int64_t i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(as_int.at(i), as_float.at(i));
  std::mt19937_64 rng(47);
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return DirichletMultinomial(8.0, in[0]).logp(constant(counts)); },
      {testing::random_tensor({2, 4}, rng, 0.3, 4.0)});
}

// Each count is BetaBinomial(n, a_k, A - a_k): mean n a_k / A, variance
// n p (1 - p) (n + A) / (1 + A); counts sum to n.
TEST(ExtraDistributions, DirichletMultinomialDrawsHaveBetaBinomialMarginals) {
  const std::int64_t draws = 20000;
  const double n = 12.0;
  const std::vector<double> a = {0.4, 2.0, 5.0};
  const double total = 0.4 + 2.0 + 5.0;
  const std::vector<Tensor> results = draw(DirichletMultinomial(n, vector_of(a)), {draws, 3}, 53);
  ASSERT_EQ(results[0].dtype(), DType::int64);
  testing::expect_all_true(results[1], "DirichletMultinomial draws in the support");
  for (std::int64_t k = 0; k < 3; ++k) {
    const double alpha = a[k], beta = total - a[k];
    const testing::Pmf pmf{[&](std::int64_t x) {
                             return std::exp(std::lgamma(n + 1) - std::lgamma(x + 1.0) -
                                             std::lgamma(n - x + 1) + std::lgamma(x + alpha) +
                                             std::lgamma(n - x + beta) - std::lgamma(n + total) +
                                             std::lgamma(total) - std::lgamma(alpha) -
                                             std::lgamma(beta));
                           },
                           0, static_cast<std::int64_t>(n)};
    const std::vector<double> column = testing::strided(results[0], 3, k);
    testing::expect_moments(column, testing::pmf_moments(pmf), "count " + std::to_string(k));
    testing::expect_chi_square_fits(column, pmf, "count " + std::to_string(k));
  }
}

TEST(ExtraDistributions, DirichletMultinomialErrorsAndShapes) {
  testing::expect_mentions(testing::error_message([] {
                             DirichletMultinomial(5.0, vector_of({1.0, -1.0, 2.0}));
                           }),
                           {"DirichletMultinomial", "a", "> 0"});
  testing::expect_mentions(testing::error_message([] {
                             DirichletMultinomial(2.5, vector_of({1.0, 1.0}));
                           }),
                           {"DirichletMultinomial", "n", "nonnegative integer"});
  EXPECT_EQ(DirichletMultinomial(vector_of({3.0, 4.0}), vector_of({1.0, 2.0, 3.0})).default_shape(),
            Shape({2, 3}));
  EXPECT_TRUE(DirichletMultinomial(3.0, vector_of({1.0, 2.0})).is_discrete());
}

// ---- StickBreakingWeights -----------------------------------------------------------------------

TEST(ExtraDistributions, StickBreakingWeightsMatchesTheBetaBreaks) {
  testing::expect_tensor_cases_match(kFixture, "StickBreakingWeights",
                                     [](const TensorParameters& p, const Shape& shape) {
                                       return StickBreakingWeights(p.at("alpha"), shape.back() - 1);
                                     });
}

TEST(ExtraDistributions, StickBreakingWeightsGradientInAlphaAndWeights) {
  // Without the support check: a finite-difference step leaves the simplex.
  testing::expect_gradient_matches(
      [](const Exprs& in) {
        return StickBreakingWeights(in[0], 3).logp(in[1], {.check_support = false});
      },
      {Tensor::from_doubles({0.7, 2.5}, {2}),
       Tensor::from_doubles({0.4, 0.3, 0.2, 0.1, 0.05, 0.15, 0.5, 0.3}, {2, 4})});
}

// Raw moments of w_k = v_k prod_{j<k} (1 - v_j), v ~ Beta(1, alpha) independent:
// E[v^m] = m! Gamma(alpha + 1) / Gamma(alpha + 1 + m) and E[(1 - v)^m] = alpha / (alpha + m);
// the last weight is prod_{j<=K} (1 - v_j).
Moments stick_weight_moments(double alpha, std::int64_t k, std::int64_t big_k) {
  double raw[5];
  for (int m = 1; m <= 4; ++m) {
    const double left = alpha / (alpha + m);
    const double share =
        std::exp(std::lgamma(m + 1.0) + std::lgamma(alpha + 1.0) - std::lgamma(alpha + 1.0 + m));
    raw[m] = k <= big_k ? share * std::pow(left, static_cast<double>(k - 1))
                        : std::pow(left, static_cast<double>(big_k));
  }
  return testing::moments_from_raw(raw[1], raw[2], raw[3], raw[4]);
}

TEST(ExtraDistributions, StickBreakingWeightsDrawsHaveTheStickMoments) {
  const std::int64_t draws = 20000, big_k = 4;
  for (double alpha : {0.6, 3.0}) {
    const std::vector<Tensor> results =
        draw(StickBreakingWeights(alpha, big_k), {draws, big_k + 1}, 59);
    testing::expect_all_true(results[1], "StickBreakingWeights draws on the simplex");
    for (std::int64_t k = 1; k <= big_k + 1; ++k) {
      testing::expect_moments(testing::strided(results[0], big_k + 1, k - 1),
                              stick_weight_moments(alpha, k, big_k),
                              "alpha " + std::to_string(alpha) + ", weight " + std::to_string(k));
    }
  }
}

TEST(ExtraDistributions, StickBreakingWeightsAsAFreeVariableAndErrors) {
  EXPECT_EQ(StickBreakingWeights(vector_of({1.0, 2.0}), 5).default_shape(), Shape({2, 6}));
  Model m;
  m.rv("w", StickBreakingWeights(2.0, 4));
  auto compiled = m.compile({.backend = Backend::interp});
  EXPECT_EQ(compiled->dim(), 4);  // the simplex transform: K free coordinates
  std::vector<double> x(4, 0.2), gradient(4);
  const double logp = compiled->logp_grad(x.data(), gradient.data());
  EXPECT_TRUE(std::isfinite(logp)) << logp;
  for (double g : gradient) EXPECT_TRUE(std::isfinite(g));
  testing::expect_mentions(testing::error_message([] { StickBreakingWeights(-1.0, 3); }),
                           {"StickBreakingWeights", "alpha", "> 0"});
  testing::expect_mentions(testing::error_message([] { StickBreakingWeights(1.0, 0); }),
                           {"StickBreakingWeights", "K"});
}

// ---- DiracDelta ---------------------------------------------------------------------------------

TEST(ExtraDistributions, DiracDeltaHasAllItsMassAtC) {
  const Expr c = vector_of({1.5, -2.0});
  const Tensor values = Tensor::from_doubles({1.5, -2.0, 1.5, -2.0000001, 0.0, -2.0}, {3, 2});
  const Expr value_input = input("value", values.type());
  const Tensor logp =
      testing::evaluate_on_backends(DiracDelta(c).logp(value_input).node(), {{"value", values}});
  const std::vector<double> expected = {0.0, 0.0, 0.0, kNegativeInfinity, kNegativeInfinity, 0.0};
  for (std::int64_t i = 0; i < 6; ++i) EXPECT_EQ(logp.at(i), expected[i]) << i;
  EXPECT_FALSE(DiracDelta(c).is_discrete());
  const Tensor cdf = evaluate(DiracDelta(1.5).logcdf(vector_of({1.0, 1.5, 2.0})).node());
  EXPECT_EQ(cdf.at(0), kNegativeInfinity);
  EXPECT_EQ(cdf.at(1), 0.0);
  EXPECT_EQ(cdf.at(2), 0.0);
  // An integer c: a discrete point mass.
  const Distribution three = DiracDelta(Expr(3));
  EXPECT_TRUE(three.is_discrete());
  const Tensor counts = Tensor::from_doubles({3, 2, 3}, {3}).cast(DType::int64);
  const Tensor count_logp = evaluate(three.logp(constant(counts)).node());
  EXPECT_EQ(count_logp.at(0), 0.0);
  EXPECT_EQ(count_logp.at(1), kNegativeInfinity);
  EXPECT_EQ(count_logp.at(2), 0.0);
}

TEST(ExtraDistributions, DiracDeltaDrawsAreCAndAFreeOneIsAConstant) {
  const std::vector<Tensor> results = draw(DiracDelta(vector_of({1.5, -2.0})), {4, 2}, 61);
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_EQ(results[0].at(i), i % 2 == 0 ? 1.5 : -2.0);
  Model m;
  const Expr point = m.rv("point", DiracDelta(vector_of({1.5, -2.0})));
  const Expr count = m.rv("count", DiracDelta(Expr(3)), {.shape = {2}});
  const Expr mu = m.normal("mu", sum(point) + cast(sum(count), DType::float64), 1.0);
  (void)mu;
  EXPECT_EQ(m.layout().dim, 1);  // only mu is sampled
  EXPECT_EQ(m.variable("point").role, VariableRole::deterministic);
  EXPECT_EQ(m.variable("count").value.dtype(), DType::int64);
  const Point constrained = m.constrain({5.5});
  EXPECT_EQ(constrained.at("point").at(1), -2.0);
  EXPECT_EQ(constrained.at("count").at(0), 3.0);
  // mu ~ Normal(1.5 - 2 + 6, 1) at 5.5: the log density of a standard normal at 0.
  std::vector<double> x = {5.5}, grad(1);
  EXPECT_NEAR(m.compile({.backend = Backend::interp})->logp_grad(x.data(), grad.data()),
              -0.5 * std::log(2.0 * std::numbers::pi), 1e-12);
  // The compiled model stores the point with each draw too.
  auto compiled = m.compile({.backend = Backend::native});
  const std::vector<std::vector<double>> values = compiled->constrain(x.data());
  const auto& stored_variables = compiled->stored_variables();
  int checked = 0;
  for (std::size_t v = 0; v < stored_variables.size(); ++v) {
    checked += stored_variables[v].name == "point" || stored_variables[v].name == "count";
    if (stored_variables[v].name == "point") EXPECT_EQ(values[v], std::vector<double>({1.5, -2.0}));
    if (stored_variables[v].name == "count") EXPECT_EQ(values[v], std::vector<double>({3.0, 3.0}));
  }
  EXPECT_EQ(checked, 2);
  // Prior predictive draws: the point is stored with every draw, and an observed DiracDelta is
  // drawn as c.
  m.observe("y", DiracDelta(2.0), constant(Tensor::from_doubles({2.0, 2.0}, {2})));
  InferenceData data;
  sample_prior_predictive(m, 20, data, {.seed = 5, .backend = Backend::interp});
  const auto& stored = data.groups.at("prior").find("point")->values;
  ASSERT_EQ(stored.size(), 40u);
  for (std::size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i], i % 2 == 0 ? 1.5 : -2.0);
  for (double y : data.groups.at("prior_predictive").find("y")->values) EXPECT_EQ(y, 2.0);
  testing::expect_mentions(
      testing::error_message([] { DiracDelta(std::numeric_limits<double>::quiet_NaN()); }),
      {"DiracDelta", "c", "finite"});
}

// ---- CAR and ICAR -------------------------------------------------------------------------------

// W is an input of each fixture case, but the families need it as a constant: the factories take
// it from the case itself.
Tensor fixture_weights(const std::string& family, const std::string& label) {
  for (const testing::TensorCase& fixture_case : testing::tensor_cases(kFixture)) {
    if (fixture_case.family == family && fixture_case.label == label) {
      return fixture_case.tensor("W");
    }
  }
  ADD_FAILURE() << "no fixture case " << family << " " << label;
  return Tensor::from_doubles({1.0}, {1, 1});
}

TEST(ExtraDistributions, CarMatchesScipy) {
  for (const std::string label : {"adjacency", "weighted"}) {
    const Tensor w = fixture_weights("CAR", label);
    int matched = 0;
    for (const testing::TensorCase& fixture_case : testing::tensor_cases(kFixture)) {
      if (fixture_case.family != "CAR" || fixture_case.label != label) continue;
      ++matched;
      const Expr mu = input("mu", fixture_case.tensor("mu").type());
      const Expr alpha = input("alpha", fixture_case.tensor("alpha").type());
      const Expr tau = input("tau", fixture_case.tensor("tau").type());
      const Expr value = input("value", fixture_case.tensor("value").type());
      const Expr logp = CAR(mu, constant(w), alpha, tau).logp(value);
      const Tensor actual =
          testing::evaluate_on_backends(logp.node(), {{"mu", fixture_case.tensor("mu")},
                                                      {"alpha", fixture_case.tensor("alpha")},
                                                      {"tau", fixture_case.tensor("tau")},
                                                      {"value", fixture_case.tensor("value")}});
      const Tensor& expected = fixture_case.tensor("logp");
      ASSERT_EQ(actual.shape(), expected.shape());
      for (std::int64_t i = 0; i < expected.size(); ++i) {
        EXPECT_PRED2(testing::tensor_values_match, actual.at(i), expected.at(i))
            << "CAR " << label << ", row " << i;
      }
    }
    EXPECT_EQ(matched, 1) << label;
  }
}

TEST(ExtraDistributions, IcarMatchesPymcsDefinition) {
  const Tensor w = fixture_weights("ICAR", "adjacency");
  testing::expect_tensor_cases_match(
      kFixture, "ICAR",
      [&](const TensorParameters& p, const Shape&) { return ICAR(constant(w), p.at("sigma")); });
}

const std::vector<double> kRing = {0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0};

TEST(ExtraDistributions, CarAndIcarGradients) {
  const Expr w = matrix_of(kRing, 4);
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return CAR(in[0], w, in[1], in[2]).logp(in[3]); },
      {Tensor::from_doubles({0.1, -0.3, 0.5, 0.0}, {4}), Tensor::from_doubles({0.4, -0.6}, {2}),
       Tensor::from_doubles({1.5, 0.7}, {2}),
       Tensor::from_doubles({0.2, 0.9, -1.1, 0.4, 1.3, -0.2, 0.0, 0.6}, {2, 4})});
  testing::expect_gradient_matches(
      [&](const Exprs& in) { return ICAR(w, in[0], 0.5).logp(in[1]); },
      {Tensor::scalar(1.3), Tensor::from_doubles({0.2, 0.9, -1.1, 0.4}, {4})});
}

// The draws' covariance is the inverse of the precision tau (D - alpha W): for the 4-ring,
// computed here by hand from its circulant structure (eigenvalues 2 - 2 alpha cos(2 pi j / 4)).
TEST(ExtraDistributions, CarDrawsHaveTheInversePrecisionCovariance) {
  const double alpha = 0.6, tau = 2.0;
  const std::int64_t n = 20000;
  const std::vector<Tensor> results =
      draw(CAR(vector_of({1.0, 0.0, -1.0, 2.0}), matrix_of(kRing, 4), alpha, tau), {n, 4}, 67);
  // Covariance entries of a circulant precision: c(m) = 1/4 sum_j cos(2 pi j m / 4) / mu_j.
  const auto covariance = [&](int m) {
    double total = 0.0;
    for (int j = 0; j < 4; ++j) {
      const double angle = 2.0 * std::numbers::pi * j / 4.0;
      total += std::cos(angle * m) / (tau * (2.0 - 2.0 * alpha * std::cos(angle)));
    }
    return total / 4.0;
  };
  const std::vector<double> means = {1.0, 0.0, -1.0, 2.0};
  for (std::int64_t j = 0; j < 4; ++j) {
    testing::expect_moments(testing::strided(results[0], 4, j), {means[j], covariance(0), 3.0},
                            "CAR area " + std::to_string(j));
  }
  testing::expect_covariance(testing::strided(results[0], 4, 0), testing::strided(results[0], 4, 1),
                             covariance(1), "CAR neighbours");
  testing::expect_covariance(testing::strided(results[0], 4, 0), testing::strided(results[0], 4, 2),
                             covariance(2), "CAR opposite areas");
}

TEST(ExtraDistributions, CarAndIcarErrors) {
  const Expr ring = matrix_of(kRing, 4);
  testing::expect_mentions(testing::error_message([&] {
                             CAR(vector_of({0, 0, 0, 0}), ring, 1.0, 1.0);
                           }),
                           {"CAR", "alpha", "(-1, 1)"});
  testing::expect_mentions(testing::error_message([&] {
                             CAR(vector_of({0, 0, 0, 0}), ring, 0.5, -1.0);
                           }),
                           {"CAR", "tau"});
  testing::expect_mentions(
      testing::error_message([&] {
        CAR(vector_of({0, 0, 0, 0}), input("W", {DType::float64, {4, 4}}), 0.5, 1.0);
      }),
      {"CAR", "W", "constant"});
  std::vector<double> isolated = kRing;
  for (int j = 0; j < 4; ++j) isolated[j] = isolated[4 * j] = 0.0;
  testing::expect_mentions(testing::error_message([&] {
                             CAR(vector_of({0, 0, 0, 0}), matrix_of(isolated, 4), 0.5, 1.0);
                           }),
                           {"CAR", "W", "neighbour"});
  std::vector<double> asymmetric = kRing;
  asymmetric[1] = 0.0;
  testing::expect_mentions(testing::error_message([&] { ICAR(matrix_of(asymmetric, 4)); }),
                           {"ICAR", "W", "symmetric"});
  testing::expect_mentions(testing::error_message([&] { ICAR(ring, -1.0); }), {"ICAR", "sigma"});
  EXPECT_EQ(ICAR(ring).default_shape(), Shape({4}));
  EXPECT_EQ(CAR(vector_of({0, 0, 0, 0}), ring, vector_of({0.1, 0.2, 0.3}), 1.0).default_shape(),
            Shape({3, 4}));
}

}  // namespace
}  // namespace hypatia
