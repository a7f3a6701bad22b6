#pragma once

// The distribution families. Parameters are graphs (a C++ number is a constant), broadcast like
// numpy; names and parameterizations follow PyMC. Each family lives in one file under
// src/ppl/distributions/.

#include <optional>
#include <string>
#include <vector>

#include "hypatia/ppl/distribution.hpp"

namespace hypatia {

// ---- continuous ----
Distribution Normal(const Expr& mu, const Expr& sigma);
Distribution HalfNormal(const Expr& sigma);
Distribution TruncatedNormal(const Expr& mu, const Expr& sigma, std::optional<Expr> lower,
                             std::optional<Expr> upper);
Distribution StudentT(const Expr& nu, const Expr& mu, const Expr& sigma);
Distribution HalfStudentT(const Expr& nu, const Expr& sigma);
Distribution Cauchy(const Expr& alpha, const Expr& beta);
Distribution HalfCauchy(const Expr& beta);
Distribution Exponential(const Expr& lam);
Distribution Gamma(const Expr& alpha, const Expr& beta);  // shape, rate
Distribution InverseGamma(const Expr& alpha, const Expr& beta);
Distribution Beta(const Expr& alpha, const Expr& beta);
Distribution Uniform(const Expr& lower, const Expr& upper);
Distribution LogNormal(const Expr& mu, const Expr& sigma);
Distribution Laplace(const Expr& mu, const Expr& b);
Distribution Logistic(const Expr& mu, const Expr& s);
Distribution Weibull(const Expr& alpha, const Expr& beta);  // shape, scale
Distribution ChiSquared(const Expr& nu);
Distribution Pareto(const Expr& alpha, const Expr& m);
Distribution VonMises(const Expr& mu, const Expr& kappa);
Distribution SkewNormal(const Expr& mu, const Expr& sigma, const Expr& alpha);
Distribution Gumbel(const Expr& mu, const Expr& beta);
Distribution Wald(const Expr& mu, const Expr& lam);
Distribution ExGaussian(const Expr& mu, const Expr& sigma, const Expr& nu);
Distribution Kumaraswamy(const Expr& a, const Expr& b);
// Jones and Faddy's skewed t: a = b is StudentT(nu = 2a, mu, sigma); a > b skews right.
Distribution SkewStudentT(const Expr& a, const Expr& b, const Expr& mu = 0.0,
                          const Expr& sigma = 1.0);
// Density exp(-kappa z) above mu, exp(z / kappa) below (z = (x - mu) / b); kappa = 1 is Laplace.
Distribution AsymmetricLaplace(const Expr& kappa, const Expr& mu, const Expr& b);
// Linear up from lower to the mode c, linear down to upper.
Distribution Triangular(const Expr& lower, const Expr& c, const Expr& upper);
// The length of a 2-d normal vector with mean length nu and per-axis standard deviation sigma.
Distribution Rice(const Expr& nu, const Expr& sigma);
Distribution Moyal(const Expr& mu, const Expr& sigma);
// Polya-Gamma PG(h, z) on x > 0 (h > 0): density cosh(z/2)^h exp(-z^2 x / 2) p(x | h, 0).
Distribution PolyaGamma(const Expr& h = 1.0, const Expr& z = 0.0);
// logit(x) ~ Normal(mu, sigma).
Distribution LogitNormal(const Expr& mu, const Expr& sigma);
// The density linear between the points (x_points[i], pdf_points[i]) and zero outside them,
// normalized to integrate to 1. Both must be constant 1-d arrays, x_points strictly increasing.
Distribution Interpolated(const Expr& x_points, const Expr& pdf_points);
Distribution Flat();
Distribution HalfFlat();

// ---- discrete ----
Distribution Bernoulli(const Expr& p);
Distribution BernoulliLogit(const Expr& logit_p);
Distribution Binomial(const Expr& n, const Expr& p);
Distribution BinomialLogit(const Expr& n, const Expr& logit_p);
Distribution BetaBinomial(const Expr& n, const Expr& alpha, const Expr& beta);
Distribution Poisson(const Expr& mu);
Distribution NegativeBinomial(const Expr& mu, const Expr& alpha);  // mean, dispersion
Distribution NegativeBinomialNP(const Expr& n, const Expr& p);
Distribution Geometric(const Expr& p);
Distribution Categorical(const Expr& p);  // probabilities along the last axis
Distribution CategoricalLogit(const Expr& logits);
Distribution DiscreteUniform(const Expr& lower, const Expr& upper);
Distribution ZeroInflatedPoisson(const Expr& psi, const Expr& mu);  // psi: P(not a structural 0)
Distribution ZeroInflatedBinomial(const Expr& psi, const Expr& n, const Expr& p);
Distribution ZeroInflatedNegativeBinomial(const Expr& psi, const Expr& mu, const Expr& alpha);
// Successes in n draws without replacement from N items of which k are successes.
Distribution HyperGeometric(const Expr& N, const Expr& k, const Expr& n);
// P(X >= x) = q^(x^beta) on 0, 1, 2, ...
Distribution DiscreteWeibull(const Expr& q, const Expr& beta);
// Hurdle families (psi: P(nonzero), as PyMC): 0 with probability 1 - psi, otherwise the base
// conditioned on being nonzero (the discrete ones truncated to 1, 2, ...; the continuous ones, as
// in PyMC, truncated below at the float64 machine epsilon).
Distribution HurdlePoisson(const Expr& psi, const Expr& mu);
Distribution HurdleNegativeBinomial(const Expr& psi, const Expr& mu, const Expr& alpha);
Distribution HurdleGamma(const Expr& psi, const Expr& alpha, const Expr& beta);
Distribution HurdleLogNormal(const Expr& psi, const Expr& mu, const Expr& sigma);
Distribution OrderedLogistic(const Expr& eta, const Expr& cutpoints);
Distribution OrderedProbit(const Expr& eta, const Expr& cutpoints, const Expr& sigma = 1.0);

// ---- multivariate ----
Distribution MvNormal(const Expr& mu, const Expr& cov);
Distribution MvNormalCholesky(const Expr& mu, const Expr& chol);
Distribution MvNormalPrecision(const Expr& mu, const Expr& tau);
Distribution MvStudentT(const Expr& nu, const Expr& mu, const Expr& scale);
Distribution Dirichlet(const Expr& a);
Distribution Multinomial(const Expr& n, const Expr& p);
// Counts along the last axis summing to n: Multinomial(n, p) with p ~ Dirichlet(a) integrated out.
Distribution DirichletMultinomial(const Expr& n, const Expr& a);
// Counts of n ordered-logistic outcomes (OrderedLogistic(eta, cutpoints)) over the K + 1
// categories: Multinomial(n, p) with p from the cutpoints.
Distribution OrderedMultinomial(const Expr& eta, const Expr& cutpoints, const Expr& n);
// The K + 1 weights (on the simplex) of a stick broken K times into Beta(1, alpha) shares; the
// last weight is what is left.
Distribution StickBreakingWeights(const Expr& alpha, std::int64_t K);
// How LKJCorr's value holds a correlation matrix: the dim x dim matrix, or (PyMC's default) the
// vector of its dim(dim-1)/2 strictly upper entries, row by row as numpy's triu_indices(dim, 1)
// orders them. Both have the same density (those entries are the matrix's free coordinates) and
// are sampled on the same unconstrained space.
enum class CorrValue { matrix, packed };
// Correlation matrices (dim x dim) with density proportional to det(C)^(eta-1).
Distribution LKJCorr(std::int64_t dim, const Expr& eta, CorrValue value = CorrValue::matrix);
// Cholesky factors of LKJ correlation matrices (Stan's lkj_corr_cholesky).
Distribution LKJCorrCholesky(std::int64_t dim, const Expr& eta);
// Cholesky factors L = diag(sd) * L_corr of covariance matrices, sd ~ sd_dist (iid, dim values).
Distribution LKJCholeskyCov(std::int64_t dim, const Expr& eta, const Distribution& sd_dist);
// m x n matrices X = mu + L_row Z L_col^T (vec(X) has covariance colcov (x) rowcov); event rank 2.
// The Cholesky variant takes the lower factors of rowcov and colcov.
Distribution MatrixNormal(const Expr& mu, const Expr& rowcov, const Expr& colcov);
Distribution MatrixNormalCholesky(const Expr& mu, const Expr& rowchol, const Expr& colchol);
// Conditional autoregression over K areas: MvNormal(mu, precision tau (D - alpha W)) with
// D = diag(row sums of W), -1 < alpha < 1. W (K x K, symmetric, nonnegative, no empty rows) must be
// a constant. The full normalized density (PyMC's leaves out constants that depend only on W).
Distribution CAR(const Expr& mu, const Expr& W, const Expr& alpha, const Expr& tau);
// The intrinsic CAR prior as PyMC defines it: -sum_{i~j} (x_i - x_j)^2 / (2 sigma^2) plus
// Normal(0, zero_sum_stdev N) at sum(x). W: a constant symmetric 0/1 adjacency matrix. No draws.
Distribution ICAR(const Expr& W, const Expr& sigma = 1.0, const Expr& zero_sum_stdev = 0.001);
// A multivariate normal over N = n_1 ... n_m values with covariance kron(covs[0], ..., covs[m-1])
// (+ sigma^2 I when sigma is given); the covs are unbatched n_k x n_k matrices. The Cholesky
// variant takes their lower Cholesky factors.
Distribution KroneckerNormal(const Expr& mu, const std::vector<Expr>& covs,
                             std::optional<Expr> sigma = std::nullopt);
Distribution KroneckerNormalCholesky(const Expr& mu, const std::vector<Expr>& chols,
                                     std::optional<Expr> sigma = std::nullopt);
Distribution ZeroSumNormal(const Expr& sigma, std::int64_t n_zerosum_axes = 1);

// ---- point mass ----
// All mass at c: log density 0 at c, -inf elsewhere. Discrete when c has an integer dtype. A free
// variable with it (Model::rv) is the constant c, stored with each draw.
Distribution DiracDelta(const Expr& c);

// ---- combinators ----
// Weights along the last axis; components are univariate, one per weight, broadcasting alike.
Distribution Mixture(const Expr& weights, const std::vector<Distribution>& components);
// Any univariate continuous distribution with a CDF, restricted to [lower, upper].
Distribution Truncated(const Distribution& base, std::optional<Expr> lower,
                       std::optional<Expr> upper);
// Values at or beyond a bound are censored there (their mass is the tail probability).
Distribution Censored(const Distribution& base, std::optional<Expr> lower,
                      std::optional<Expr> upper);

// ---- time series (value: the whole series along the last axis) ----
Distribution GaussianRandomWalk(const Expr& mu, const Expr& sigma, const Distribution& init_dist,
                                std::int64_t steps);
// x_t = constant + sum_k rho[k] x_{t-1-k} + sigma * eps_t; the first p values from init_dist.
Distribution AR(const Expr& rho, const Expr& sigma, const Distribution& init_dist,
                std::int64_t steps, bool constant = false);
// x_0 ~ init_dist (a vector family over the K coordinates, or a univariate one with K values),
// x_t - x_{t-1} ~ MvNormal(mu, cov) for t = 1..steps. The value is (..., steps + 1, K): time on
// the second-to-last axis (event rank 2). The Cholesky and precision variants take chol (lower
// Cholesky factor of cov) or tau (the inverse of cov) instead of cov.
Distribution MvGaussianRandomWalk(const Expr& mu, const Expr& cov, const Distribution& init_dist,
                                  std::int64_t steps);
Distribution MvGaussianRandomWalkCholesky(const Expr& mu, const Expr& chol,
                                          const Distribution& init_dist, std::int64_t steps);
Distribution MvGaussianRandomWalkPrecision(const Expr& mu, const Expr& tau,
                                           const Distribution& init_dist, std::int64_t steps);
// The same walk with MvStudentT(nu, mu, scale) increments (scale, its Cholesky factor, or the
// precision tau = scale^-1).
Distribution MvStudentTRandomWalk(const Expr& nu, const Expr& mu, const Expr& scale,
                                  const Distribution& init_dist, std::int64_t steps);
Distribution MvStudentTRandomWalkCholesky(const Expr& nu, const Expr& mu, const Expr& chol,
                                          const Distribution& init_dist, std::int64_t steps);
Distribution MvStudentTRandomWalkPrecision(const Expr& nu, const Expr& mu, const Expr& tau,
                                           const Distribution& init_dist, std::int64_t steps);
Distribution GARCH11(const Expr& omega, const Expr& alpha_1, const Expr& beta_1,
                     const Expr& initial_vol, std::int64_t steps);

// ---- user-defined ----
// A distribution given by its log density: `logp` is a graph of the placeholder `value` (an input
// node whose type is one draw's) and of any parameters, elementwise over the batch axes. Its
// support decides the free variable's transform. Random draws come from an optional generative
// graph: `draw` (one draw, the value's type) and `next_state` are graphs of the placeholder
// `random_state` (a Philox state, see ops/random.hpp), which random() replaces with its stream's.
struct CustomDistributionSpec {
  std::string name = "CustomDist";
  Expr value = {};
  Expr logp = {};
  int event_rank = 0;
  SupportKind support = SupportKind::real;
  Expr random_state = {};
  Expr draw = {};
  Expr next_state = {};
};
Distribution CustomDist(CustomDistributionSpec spec);

}  // namespace hypatia
