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
Distribution OrderedLogistic(const Expr& eta, const Expr& cutpoints);
Distribution OrderedProbit(const Expr& eta, const Expr& cutpoints, const Expr& sigma = 1.0);

// ---- multivariate ----
Distribution MvNormal(const Expr& mu, const Expr& cov);
Distribution MvNormalCholesky(const Expr& mu, const Expr& chol);
Distribution MvNormalPrecision(const Expr& mu, const Expr& tau);
Distribution MvStudentT(const Expr& nu, const Expr& mu, const Expr& scale);
Distribution Dirichlet(const Expr& a);
Distribution Multinomial(const Expr& n, const Expr& p);
// Correlation matrices (dim x dim) with density proportional to det(C)^(eta-1).
Distribution LKJCorr(std::int64_t dim, const Expr& eta);
// Cholesky factors of LKJ correlation matrices (Stan's lkj_corr_cholesky).
Distribution LKJCorrCholesky(std::int64_t dim, const Expr& eta);
// Cholesky factors L = diag(sd) * L_corr of covariance matrices, sd ~ sd_dist (iid, dim values).
Distribution LKJCholeskyCov(std::int64_t dim, const Expr& eta, const Distribution& sd_dist);
Distribution ZeroSumNormal(const Expr& sigma, std::int64_t n_zerosum_axes = 1);

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
Distribution GARCH11(const Expr& omega, const Expr& alpha_1, const Expr& beta_1,
                     const Expr& initial_vol, std::int64_t steps);

// ---- user-defined ----
// A distribution given by its log density: `logp` is a graph of the placeholder `value` (an input
// node whose type is one draw's) and of any parameters, elementwise over the batch axes. Its
// support decides the free variable's transform; it has no random draws.
struct CustomDistributionSpec {
  std::string name = "CustomDist";
  Expr value = {};
  Expr logp = {};
  int event_rank = 0;
  SupportKind support = SupportKind::real;
};
Distribution CustomDist(CustomDistributionSpec spec);

}  // namespace hypatia
