// Random draws of the multivariate families: every draw in the support, each component's
// moments and distribution (KS, or chi-square for counts) against its analytic marginal, and the
// covariances between components against the analytic ones. Parameter sets are batch elements of
// one graph per family; the references are closed forms and Boost.Math distributions. Also: the
// interpreter and the native backend give bit-identical draws for the same state.

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numbers>
#include <sstream>

#include "hypatia/ops.hpp"
#include "hypatia/ppl/distributions.hpp"
#include "hypatia/ppl/random_stream.hpp"
#include "ppl/distributions/random_cases.hpp"

namespace hypatia {
namespace {

namespace bm = boost::math;
using testing::Cdf;
using testing::Moments;
using testing::Pmf;

constexpr std::int64_t kDraws = 20000;

using Vector = std::vector<double>;
using Matrix = std::vector<Vector>;

// One component's distribution: continuous ones (cdf) get a KS test, counts (pmf) a chi-square.
struct Marginal {
  Moments moments;
  std::optional<Cdf> cdf = std::nullopt;
  std::optional<Pmf> pmf = std::nullopt;
};

template <typename BoostDistribution>
Marginal boost_marginal(const BoostDistribution& distribution, double shift = 0.0,
                        double scale = 1.0) {
  const Moments moments = testing::affine_moments(
      {bm::mean(distribution), bm::variance(distribution), bm::kurtosis(distribution)}, shift,
      scale);
  return {moments, [=](double x) { return bm::cdf(distribution, (x - shift) / scale); }};
}

Marginal normal_marginal(double mean, double variance) {
  return boost_marginal(bm::normal_distribution<>(mean, std::sqrt(variance)));
}

// Components' moments and distributions, and every pairwise covariance.
void expect_components_fit(const std::vector<Vector>& components,
                           const std::vector<Marginal>& marginals, const Matrix& covariance,
                           const std::string& what) {
  for (std::size_t k = 0; k < components.size(); ++k) {
    const std::string component = what + " component " + std::to_string(k);
    testing::expect_moments(components[k], marginals[k].moments, component);
    if (marginals[k].cdf) {
      testing::expect_kolmogorov_smirnov_fits(components[k], *marginals[k].cdf, component);
    }
    if (marginals[k].pmf)
      testing::expect_chi_square_fits(components[k], *marginals[k].pmf, component);
    for (std::size_t l = 0; l < k; ++l) {
      testing::expect_covariance(components[k], components[l], covariance[k][l],
                                 component + " with " + std::to_string(l));
    }
  }
}

// The components of batch element `set` of draws shaped (kDraws, sets, dim).
std::vector<Vector> components_of(const Tensor& draws, std::int64_t sets, std::int64_t set,
                                  std::int64_t dim) {
  std::vector<Vector> components;
  for (std::int64_t k = 0; k < dim; ++k) {
    components.push_back(testing::strided(draws, sets * dim, set * dim + k));
  }
  return components;
}

Tensor tensor_of(const std::vector<Matrix>& matrices) {
  std::vector<double> values;
  for (const Matrix& matrix : matrices) {
    for (const Vector& row : matrix) values.insert(values.end(), row.begin(), row.end());
  }
  const auto size = static_cast<std::int64_t>(matrices.front().size());
  return Tensor::from_doubles(values, {static_cast<std::int64_t>(matrices.size()), size, size});
}

Tensor tensor_of(const Matrix& rows) {
  std::vector<double> values;
  for (const Vector& row : rows) values.insert(values.end(), row.begin(), row.end());
  return Tensor::from_doubles(
      values, {static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(rows[0].size())});
}

Eigen::MatrixXd eigen_of(const Matrix& matrix) {
  Eigen::MatrixXd result(matrix.size(), matrix.size());
  for (std::size_t i = 0; i < matrix.size(); ++i) {
    for (std::size_t j = 0; j < matrix.size(); ++j) result(i, j) = matrix[i][j];
  }
  return result;
}

Matrix matrix_of(const Eigen::MatrixXd& matrix) {
  Matrix result(matrix.rows(), Vector(matrix.cols()));
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    for (Eigen::Index j = 0; j < matrix.cols(); ++j) result[i][j] = matrix(i, j);
  }
  return result;
}

// Draws `distribution` with `shape`; returns the draws, whether each lies in the support, and
// `extra` outputs computed from the draws.
std::vector<Tensor> draw(const Distribution& distribution, const Shape& shape, std::uint64_t seed,
                         const std::function<Exprs(const Expr& draws)>& extra = {}) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr draws = distribution.random(rng, shape);
  Exprs outputs = {draws, distribution.support().contains(draws)};
  if (extra) {
    for (const Expr& output : extra(draws)) outputs.push_back(output);
  }
  return testing::evaluate_draws(state, outputs, seed);
}

// ---- MvNormal and MvStudentT --------------------------------------------------------------------

const Matrix kMeans = {{1, -2, 0.5}, {0, 0, 10}};
const std::vector<Matrix> kCovariances = {{{2, 0.6, -0.3}, {0.6, 1, 0.2}, {-0.3, 0.2, 0.5}},
                                          {{1, 0.9, 0}, {0.9, 1, 0}, {0, 0, 4}}};

enum class Parameterization { covariance, cholesky, precision };

Distribution mv_normal(Parameterization parameterization) {
  const Expr mu = constant(tensor_of(kMeans));
  std::vector<Matrix> matrices;
  for (const Matrix& covariance : kCovariances) {
    const Eigen::MatrixXd sigma = eigen_of(covariance);
    switch (parameterization) {
      case Parameterization::covariance:
        matrices.push_back(covariance);
        break;
      case Parameterization::cholesky:
        matrices.push_back(matrix_of(Eigen::LLT<Eigen::MatrixXd>(sigma).matrixL()));
        break;
      case Parameterization::precision:
        matrices.push_back(matrix_of(sigma.inverse()));
        break;
    }
  }
  const Expr matrix = constant(tensor_of(matrices));
  switch (parameterization) {
    case Parameterization::covariance:
      return MvNormal(mu, matrix);
    case Parameterization::cholesky:
      return MvNormalCholesky(mu, matrix);
    case Parameterization::precision:
      return MvNormalPrecision(mu, matrix);
  }
  throw std::logic_error("unknown parameterization");
}

void expect_mv_normal_draws_fit(Parameterization parameterization, const std::string& name,
                                std::uint64_t seed) {
  const auto sets = static_cast<std::int64_t>(kMeans.size());
  const std::vector<Tensor> results = draw(mv_normal(parameterization), {kDraws, sets, 3}, seed);
  testing::expect_all_true(results[1], name + " draws in the support");
  for (std::int64_t s = 0; s < sets; ++s) {
    std::vector<Marginal> marginals;
    for (std::size_t k = 0; k < 3; ++k) {
      marginals.push_back(normal_marginal(kMeans[s][k], kCovariances[s][k][k]));
    }
    expect_components_fit(components_of(results[0], sets, s, 3), marginals, kCovariances[s],
                          name + " set " + std::to_string(s));
  }
}

TEST(MultivariateDraws, MvNormalFitsItsMeanAndCovariance) {
  expect_mv_normal_draws_fit(Parameterization::covariance, "MvNormal", 301);
}

TEST(MultivariateDraws, MvNormalCholeskyFitsItsMeanAndCovariance) {
  expect_mv_normal_draws_fit(Parameterization::cholesky, "MvNormalCholesky", 302);
}

TEST(MultivariateDraws, MvNormalPrecisionFitsItsMeanAndCovariance) {
  expect_mv_normal_draws_fit(Parameterization::precision, "MvNormalPrecision", 303);
}

// x = mu + L z / sqrt(W / nu): covariance nu / (nu - 2) S, and each component is mu_k +
// sqrt(S_kk) T_nu (kurtosis 3 + 6 / (nu - 4)).
TEST(MultivariateDraws, MvStudentTFitsItsMarginalsAndCovariance) {
  const Vector nus = {7, 12};
  const auto sets = static_cast<std::int64_t>(nus.size());
  const Distribution distribution =
      MvStudentT(constant(Tensor::from_doubles(nus, {sets})), constant(tensor_of(kMeans)),
                 constant(tensor_of(kCovariances)));
  const std::vector<Tensor> results = draw(distribution, {kDraws, sets, 3}, 304);
  testing::expect_all_true(results[1], "MvStudentT draws in the support");
  for (std::int64_t s = 0; s < sets; ++s) {
    const double nu = nus[s];
    std::vector<Marginal> marginals;
    Matrix covariance = kCovariances[s];
    for (std::size_t k = 0; k < 3; ++k) {
      marginals.push_back(boost_marginal(bm::students_t_distribution<>(nu), kMeans[s][k],
                                         std::sqrt(kCovariances[s][k][k])));
      for (double& entry : covariance[k]) entry *= nu / (nu - 2.0);
    }
    expect_components_fit(components_of(results[0], sets, s, 3), marginals, covariance,
                          "MvStudentT set " + std::to_string(s));
  }
}

// ---- Dirichlet and Multinomial ------------------------------------------------------------------

// Component k is Beta(a_k, a0 - a_k); Cov(x_i, x_j) = -a_i a_j / (a0^2 (a0 + 1)).
TEST(MultivariateDraws, DirichletFitsItsMarginalsAndCovariance) {
  const Matrix concentrations = {{0.5, 1, 2}, {3, 3, 3}, {0.2, 5, 10}};
  const auto sets = static_cast<std::int64_t>(concentrations.size());
  const std::vector<Tensor> results =
      draw(Dirichlet(constant(tensor_of(concentrations))), {kDraws, sets, 3}, 305);
  testing::expect_all_true(results[1], "Dirichlet draws in the support");
  for (std::int64_t s = 0; s < sets; ++s) {
    const Vector& a = concentrations[s];
    const double total = a[0] + a[1] + a[2];
    std::vector<Marginal> marginals;
    Matrix covariance(3, Vector(3));
    for (std::size_t i = 0; i < 3; ++i) {
      marginals.push_back(boost_marginal(bm::beta_distribution<>(a[i], total - a[i])));
      for (std::size_t j = 0; j < 3; ++j) {
        covariance[i][j] = -a[i] * a[j] / (total * total * (total + 1.0));
      }
    }
    expect_components_fit(components_of(results[0], sets, s, 3), marginals, covariance,
                          "Dirichlet set " + std::to_string(s));
  }
}

// Counts k is Binomial(n, p_k); Cov(x_i, x_j) = -n p_i p_j. A zero probability (the third set)
// gives zero counts.
TEST(MultivariateDraws, MultinomialFitsItsMarginalsAndCovariance) {
  const Vector trials = {10, 200, 30};
  const Matrix probabilities = {{0.1, 0.2, 0.3, 0.4}, {0.5, 0.05, 0.3, 0.15}, {0.6, 0.4, 0, 0}};
  const auto sets = static_cast<std::int64_t>(trials.size());
  const std::vector<Tensor> results =
      draw(Multinomial(constant(Tensor::from_doubles(trials, {sets})),
                       constant(tensor_of(probabilities))),
           {kDraws, sets, 4}, 306);
  EXPECT_EQ(results[0].dtype(), DType::int64);
  testing::expect_all_true(results[1], "Multinomial draws in the support");
  for (std::int64_t s = 0; s < sets; ++s) {
    const std::string what = "Multinomial set " + std::to_string(s);
    const std::vector<Vector> all = components_of(results[0], sets, s, 4);
    std::vector<Vector> components;
    std::vector<Marginal> marginals;
    Vector probabilities_drawn;
    for (std::size_t k = 0; k < 4; ++k) {
      const double p = probabilities[s][k];
      if (p == 0.0) {
        EXPECT_EQ(all[k], Vector(kDraws, 0.0)) << what << ": counts of a zero probability";
        continue;
      }
      const bm::binomial_distribution<> binomial(trials[s], p);
      components.push_back(all[k]);
      probabilities_drawn.push_back(p);
      marginals.push_back(
          {{bm::mean(binomial), bm::variance(binomial), bm::kurtosis(binomial)},
           std::nullopt,
           Pmf{[=](std::int64_t c) { return bm::pdf(binomial, static_cast<double>(c)); }, 0,
               static_cast<std::int64_t>(trials[s])}});
    }
    Matrix covariance(components.size(), Vector(components.size()));
    for (std::size_t i = 0; i < components.size(); ++i) {
      for (std::size_t j = 0; j < components.size(); ++j) {
        covariance[i][j] = -trials[s] * probabilities_drawn[i] * probabilities_drawn[j];
      }
    }
    expect_components_fit(components, marginals, covariance, what);
  }
}

// ---- LKJ families -------------------------------------------------------------------------------

const Vector kEtas = {1, 2.5, 0.7};

// The off-diagonal entries C_ij (i > j) of batch element `set` of correlation matrices shaped
// (kDraws, sets, dim, dim).
std::vector<Vector> off_diagonal_entries(const Tensor& correlations, std::int64_t sets,
                                         std::int64_t set, std::int64_t dim) {
  std::vector<Vector> entries;
  for (std::int64_t i = 1; i < dim; ++i) {
    for (std::int64_t j = 0; j < i; ++j) {
      entries.push_back(
          testing::strided(correlations, sets * dim * dim, (set * dim + i) * dim + j));
    }
  }
  return entries;
}

// Under LKJ(eta) every off-diagonal entry of a d x d correlation matrix is 2 B - 1 with
// B ~ Beta(b, b), b = eta - 1 + d / 2 (LKJ 2009), so its mean is 0 and its variance 1 / (2 eta + d
// - 1); distinct entries are uncorrelated (flipping one variable's sign flips some entries and
// leaves the distribution unchanged).
void expect_lkj_correlations_fit(const Tensor& correlations, std::int64_t dim,
                                 const std::string& name) {
  const auto sets = static_cast<std::int64_t>(kEtas.size());
  for (std::int64_t s = 0; s < sets; ++s) {
    const double b = kEtas[s] - 1.0 + 0.5 * static_cast<double>(dim);
    const Marginal marginal = boost_marginal(bm::beta_distribution<>(b, b), -1.0, 2.0);
    EXPECT_NEAR(marginal.moments.variance, 1.0 / (2.0 * kEtas[s] + dim - 1.0), 1e-14);
    const std::vector<Vector> entries = off_diagonal_entries(correlations, sets, s, dim);
    const std::size_t count = entries.size();
    expect_components_fit(entries, std::vector<Marginal>(count, marginal),
                          Matrix(count, Vector(count, 0.0)),
                          name + " eta " + std::to_string(kEtas[s]));
  }
}

Expr lkj_etas() {
  return constant(Tensor::from_doubles(kEtas, {static_cast<std::int64_t>(kEtas.size())}));
}

TEST(MultivariateDraws, LKJCorrFitsItsMarginals) {
  const std::int64_t dim = 3, sets = static_cast<std::int64_t>(kEtas.size());
  const std::vector<Tensor> results = draw(LKJCorr(dim, lkj_etas()), {kDraws, sets, dim, dim}, 307);
  testing::expect_all_true(results[1], "LKJCorr draws in the support");
  expect_lkj_correlations_fit(results[0], dim, "LKJCorr");
}

// The packed form: every entry of the vector is an off-diagonal entry, with the same marginal.
TEST(MultivariateDraws, PackedLKJCorrFitsItsMarginals) {
  const std::int64_t dim = 4, packed = 6, sets = static_cast<std::int64_t>(kEtas.size());
  const std::vector<Tensor> results =
      draw(LKJCorr(dim, lkj_etas(), CorrValue::packed), {kDraws, sets, packed}, 309);
  ASSERT_EQ(results[0].shape(), (Shape{kDraws, sets, packed}));
  testing::expect_all_true(results[1], "packed LKJCorr draws in the support");
  for (std::int64_t s = 0; s < sets; ++s) {
    const double b = kEtas[s] - 1.0 + 0.5 * static_cast<double>(dim);
    const Marginal marginal = boost_marginal(bm::beta_distribution<>(b, b), -1.0, 2.0);
    std::vector<Vector> entries;
    for (std::int64_t k = 0; k < packed; ++k) {
      entries.push_back(testing::strided(results[0], sets * packed, s * packed + k));
    }
    expect_components_fit(entries, std::vector<Marginal>(packed, marginal),
                          Matrix(packed, Vector(packed, 0.0)),
                          "packed LKJCorr eta " + std::to_string(kEtas[s]));
  }
}

TEST(MultivariateDraws, LKJCorrCholeskyFitsItsMarginals) {
  const std::int64_t dim = 4, sets = static_cast<std::int64_t>(kEtas.size());
  const std::vector<Tensor> results =
      draw(LKJCorrCholesky(dim, lkj_etas()), {kDraws, sets, dim, dim}, 308,
           [](const Expr& l) { return Exprs{matmul(l, matrix_transpose(l))}; });
  testing::expect_all_true(results[1], "LKJCorrCholesky draws in the support");
  expect_lkj_correlations_fit(results[2], dim, "LKJCorrCholesky");
}

// L = diag(sd) L_corr: the rows' lengths are the standard deviations (iid HalfNormal(2) here),
// and L L^T scaled to unit diagonal is an LKJ correlation matrix.
TEST(MultivariateDraws, LKJCholeskyCovFitsItsStandardDeviationsAndCorrelations) {
  const std::int64_t dim = 3, sets = static_cast<std::int64_t>(kEtas.size());
  const double sigma = 2.0;
  const std::vector<Tensor> results =
      draw(LKJCholeskyCov(dim, lkj_etas(), HalfNormal(sigma)), {kDraws, sets, dim, dim}, 309,
           [](const Expr& l) {
             Expr sd = sqrt(sum(square(l), {-1}));
             Expr covariance = matmul(l, matrix_transpose(l));
             return Exprs{sd, covariance / (expand_dims(sd, {-1}) * expand_dims(sd, {-2}))};
           });
  testing::expect_all_true(results[1], "LKJCholeskyCov draws in the support");
  const double root = std::sqrt(2.0 / std::numbers::pi);
  const Marginal half_normal{
      testing::moments_from_raw(sigma * root, sigma * sigma, 2.0 * std::pow(sigma, 3) * root,
                                3.0 * std::pow(sigma, 4)),
      [=](double x) { return std::erf(x / (sigma * std::sqrt(2.0))); }};
  for (std::int64_t s = 0; s < sets; ++s) {
    expect_components_fit(components_of(results[2], sets, s, dim),
                          std::vector<Marginal>(dim, half_normal), Matrix(dim, Vector(dim, 0.0)),
                          "LKJCholeskyCov standard deviations, set " + std::to_string(s));
  }
  expect_lkj_correlations_fit(results[3], dim, "LKJCholeskyCov");
}

// ---- ZeroSumNormal ------------------------------------------------------------------------------

// sigma z projected onto the zero-sum subspace: covariance sigma^2 (P_1 kron P_2 ...) with
// P = I - J / N per zero-sum axis of length N, so each entry has variance sigma^2 prod (N-1)/N.
void expect_zero_sum_normal_fits(const Shape& event, std::uint64_t seed) {
  const Vector sigmas = {1, 2.5};
  const auto sets = static_cast<std::int64_t>(sigmas.size());
  Shape shape = {kDraws, sets};
  shape.insert(shape.end(), event.begin(), event.end());
  const std::vector<Tensor> results =
      draw(ZeroSumNormal(constant(Tensor::from_doubles(sigmas, {sets})),
                         static_cast<std::int64_t>(event.size())),
           shape, seed);
  testing::expect_all_true(results[1], "ZeroSumNormal draws sum to zero");
  std::int64_t size = 1;
  for (std::int64_t length : event) size *= length;
  // The projection's entry for flat indices a and b: the product over axes of delta - 1/N.
  auto projection = [&](std::int64_t a, std::int64_t b) {
    double entry = 1.0;
    for (auto axis = static_cast<std::ptrdiff_t>(event.size()) - 1; axis >= 0; --axis) {
      const std::int64_t length = event[axis];
      entry *= (a % length == b % length ? 1.0 : 0.0) - 1.0 / static_cast<double>(length);
      a /= length;
      b /= length;
    }
    return entry;
  };
  for (std::int64_t s = 0; s < sets; ++s) {
    const double variance = sigmas[s] * sigmas[s];
    std::vector<Marginal> marginals;
    Matrix covariance(size, Vector(size));
    for (std::int64_t a = 0; a < size; ++a) {
      marginals.push_back(normal_marginal(0.0, variance * projection(a, a)));
      for (std::int64_t b = 0; b < size; ++b) covariance[a][b] = variance * projection(a, b);
    }
    std::ostringstream what;
    what << "ZeroSumNormal over " << event.size() << " axes, sigma " << sigmas[s];
    expect_components_fit(components_of(results[0], sets, s, size), marginals, covariance,
                          what.str());
  }
}

TEST(MultivariateDraws, ZeroSumNormalOverOneAxisFitsItsCovariance) {
  expect_zero_sum_normal_fits({5}, 310);
}

TEST(MultivariateDraws, ZeroSumNormalOverTwoAxesFitsItsCovariance) {
  expect_zero_sum_normal_fits({3, 4}, 311);
}

// ---- Small shapes ------------------------------------------------------------------------------

// Shapes so small that about half of the gamma draws behind these families underflow to 0: the
// ratios of gamma draws must still be proper values (G1 / (G1 + G2) would often be 0 / 0). Draws
// round to 0 or 1 here (correlations to +-1, singular matrices outside the support), so only
// their moments are checked, not their CDF.
TEST(MultivariateDraws, SmallShapesGiveProperDraws) {
  const double tiny = 0.001;
  const Distribution beta = Beta(tiny, tiny);
  const Distribution dirichlet = Dirichlet(constant(Tensor::from_doubles({tiny, tiny, tiny}, {3})));
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr beta_draws = beta.random(rng, {kDraws});
  const Expr dirichlet_draws = dirichlet.random(rng, {kDraws, 3});
  const Expr correlations = LKJCorr(2, tiny).random(rng, {kDraws, 2, 2});
  const std::vector<Tensor> results = testing::evaluate_draws(
      state,
      {beta_draws, dirichlet_draws, correlations, beta.support().contains(beta_draws),
       dirichlet.support().contains(dirichlet_draws),
       less_equal(abs(slice(slice(correlations, -2, Index{1}), -1, Index{0})), 1.0)},
      312);
  testing::expect_all_true(results[3], "Beta(0.001, 0.001) draws in the support");
  testing::expect_all_true(results[4], "Dirichlet(0.001, 0.001, 0.001) draws in the support");
  testing::expect_all_true(results[5], "LKJCorr(2, 0.001) correlations in [-1, 1]");
  testing::expect_moments(testing::strided(results[0], 1, 0),
                          boost_marginal(bm::beta_distribution<>(tiny, tiny)).moments,
                          "Beta(0.001, 0.001)");
  for (std::int64_t k = 0; k < 3; ++k) {
    testing::expect_moments(testing::strided(results[1], 3, k),
                            boost_marginal(bm::beta_distribution<>(tiny, 2.0 * tiny)).moments,
                            "Dirichlet(0.001, 0.001, 0.001) component " + std::to_string(k));
  }
  testing::expect_moments(testing::strided(results[2], 4, 2),
                          boost_marginal(bm::beta_distribution<>(tiny, tiny), -1.0, 2.0).moments,
                          "LKJCorr(2, 0.001) off-diagonal entry");
}

// ---- Same state, same draws on every backend ----------------------------------------------------

// A continuous (gamma and normal primitives), a discrete (gamma and binomial) and a multivariate
// family (gamma through the corr_cholesky transform) threading one stream.
TEST(DrawsOnBackends, InterpreterAndNativeDrawsAreBitIdentical) {
  const Expr state = testing::random_state_placeholder();
  RandomStream rng(state);
  const Expr t = StudentT(4.5, 1.0, 2.0).random(rng, {500});
  const Expr counts = BetaBinomial(20.0, 0.7, 2.0).random(rng, {500});
  const Expr factors = LKJCorrCholesky(4, 1.5).random(rng, {100, 4, 4});
  const Expr moved =
      MvNormalPrecision(constant(tensor_of(kMeans)), constant(tensor_of(kCovariances)))
          .random(rng, {100, 2, 3});
  const Exprs outputs = {t, counts, factors, moved, rng.state()};
  testing::expect_draws_identical_on_backends(state, outputs, {5, 6});
  // And the state matters: another seed, other draws.
  EXPECT_FALSE(testing::evaluate_draws(state, outputs, 5)[0].identical(
      testing::evaluate_draws(state, outputs, 7)[0]));
}

}  // namespace
}  // namespace hypatia
