"""Every family of ``hypatia.distributions`` under PyMC's parameterizations, against independent
references: scipy.stats densities, numpy formulas (ordered, mixtures, time series, LKJ, zero-sum),
Monte Carlo moments of draws, model log densities with their Jacobians, finite-difference
gradients, and the error messages users see.

No arithmetic on TensorVariables here: parameters are numpy values and results come from
``.eval()`` or from compiled model functions.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st

import hypatia as pm

LOG2 = np.log(2.0)


def logp_of(dist, value) -> np.ndarray:
    return np.asarray(pm.logp(dist, np.asarray(value)).eval(), dtype=float)


def logcdf_of(dist, value) -> np.ndarray:
    return np.asarray(pm.logcdf(dist, np.asarray(value)).eval(), dtype=float)


def assert_close(got, expected, rtol=1e-8, atol=1e-10):
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    # Equal infinities (values outside the support) compare equal; finite values closely.
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------------------------------
# Univariate families: (id, distribution factory, reference log density, values)
# ---------------------------------------------------------------------------------------------


def half_student_t_logpdf(x, nu, sigma):
    x = np.asarray(x, float)
    inside = st.t.logpdf(x, nu, 0.0, sigma) + LOG2
    return np.where(x >= 0, inside, -np.inf)


def kumaraswamy_logpdf(x, a, b):
    x = np.asarray(x, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.log(a) + np.log(b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x**a)
    return np.where((x > 0) & (x < 1), inside, -np.inf)


def inverse_gamma_from_moments(mu, sigma):
    """alpha, beta of the inverse gamma with mean mu and standard deviation sigma (PyMC's mu/sigma):
    mean = beta / (alpha - 1), variance = mean^2 / (alpha - 2)."""
    alpha = 2.0 + mu**2 / sigma**2
    return alpha, mu * (alpha - 1.0)


def beta_from_moments(mu, sigma):
    kappa = mu * (1 - mu) / sigma**2 - 1
    return mu * kappa, (1 - mu) * kappa


POS = [0.05, 0.7, 1.0, 2.5, 9.0, -1.0]  # positive values, and one outside the support
REAL = [-4.0, -0.3, 0.0, 1.2, 6.0]
UNIT = [0.02, 0.3, 0.5, 0.97, -0.1, 1.3]

CONTINUOUS = [
    ("Normal-mu-sigma", lambda: pm.Normal.dist(mu=1.0, sigma=2.0), st.norm(1.0, 2.0).logpdf, REAL),
    ("Normal-positional", lambda: pm.Normal.dist(-0.5, 0.3), st.norm(-0.5, 0.3).logpdf, REAL),
    ("Normal-tau", lambda: pm.Normal.dist(mu=-1.0, tau=4.0), st.norm(-1.0, 0.5).logpdf, REAL),
    ("Normal-default", lambda: pm.Normal.dist(), st.norm(0.0, 1.0).logpdf, REAL),
    ("Normal-batched", lambda: pm.Normal.dist(mu=np.array([0.0, 1.0, -2.0]), sigma=np.array([1.0, 0.5, 3.0])),
     lambda x: st.norm(np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 3.0])).logpdf(x),
     [[0.1, 0.2, 0.3], [-1.0, 2.0, 5.0]]),
    ("HalfNormal-sigma", lambda: pm.HalfNormal.dist(sigma=2.0), st.halfnorm(scale=2.0).logpdf, POS),
    ("HalfNormal-tau", lambda: pm.HalfNormal.dist(tau=0.25), st.halfnorm(scale=2.0).logpdf, POS),
    ("TruncatedNormal-both", lambda: pm.TruncatedNormal.dist(mu=0.5, sigma=2.0, lower=-1.0, upper=3.0),
     st.truncnorm((-1.0 - 0.5) / 2.0, (3.0 - 0.5) / 2.0, 0.5, 2.0).logpdf, [-1.5, -0.9, 0.0, 2.9, 3.5]),
    ("TruncatedNormal-lower", lambda: pm.TruncatedNormal.dist(mu=0.0, sigma=1.0, lower=1.0),
     st.truncnorm(1.0, np.inf, 0.0, 1.0).logpdf, [0.5, 1.01, 2.0, 5.0]),
    ("TruncatedNormal-upper-tau", lambda: pm.TruncatedNormal.dist(mu=2.0, tau=0.25, upper=0.0),
     st.truncnorm(-np.inf, -1.0, 2.0, 2.0).logpdf, [-6.0, -1.0, -0.01, 0.5]),
    ("StudentT-sigma", lambda: pm.StudentT.dist(nu=3.0, mu=1.0, sigma=2.0), st.t(3.0, 1.0, 2.0).logpdf, REAL),
    ("StudentT-lam", lambda: pm.StudentT.dist(nu=5.5, mu=-1.0, lam=4.0), st.t(5.5, -1.0, 0.5).logpdf, REAL),
    ("HalfStudentT-sigma", lambda: pm.HalfStudentT.dist(nu=4.0, sigma=1.5),
     lambda x: half_student_t_logpdf(x, 4.0, 1.5), POS),
    ("HalfStudentT-lam", lambda: pm.HalfStudentT.dist(nu=2.5, lam=0.25),
     lambda x: half_student_t_logpdf(x, 2.5, 2.0), POS),
    ("Cauchy", lambda: pm.Cauchy.dist(alpha=1.0, beta=0.5), st.cauchy(1.0, 0.5).logpdf, REAL),
    ("HalfCauchy", lambda: pm.HalfCauchy.dist(beta=2.5), st.halfcauchy(scale=2.5).logpdf, POS),
    ("Exponential-lam", lambda: pm.Exponential.dist(lam=2.0), st.expon(scale=0.5).logpdf, POS),
    ("Exponential-positional", lambda: pm.Exponential.dist(0.3), st.expon(scale=1 / 0.3).logpdf, POS),
    ("Exponential-scale", lambda: pm.Exponential.dist(scale=3.0), st.expon(scale=3.0).logpdf, POS),
    ("Gamma-alpha-beta", lambda: pm.Gamma.dist(alpha=2.5, beta=1.5), st.gamma(2.5, scale=1 / 1.5).logpdf, POS),
    ("Gamma-mu-sigma", lambda: pm.Gamma.dist(mu=3.0, sigma=1.5),
     st.gamma((3.0 / 1.5) ** 2, scale=1.5**2 / 3.0).logpdf, POS),
    ("InverseGamma-alpha-beta", lambda: pm.InverseGamma.dist(alpha=3.0, beta=2.0),
     st.invgamma(3.0, scale=2.0).logpdf, POS),
    ("InverseGamma-mu-sigma", lambda: pm.InverseGamma.dist(mu=2.0, sigma=0.8),
     st.invgamma(inverse_gamma_from_moments(2.0, 0.8)[0], scale=inverse_gamma_from_moments(2.0, 0.8)[1]).logpdf,
     POS),
    ("Beta-alpha-beta", lambda: pm.Beta.dist(alpha=2.0, beta=5.0), st.beta(2.0, 5.0).logpdf, UNIT),
    ("Beta-positional", lambda: pm.Beta.dist(0.5, 0.5), st.beta(0.5, 0.5).logpdf, UNIT),
    ("Beta-mu-sigma", lambda: pm.Beta.dist(mu=0.3, sigma=0.1),
     st.beta(*beta_from_moments(0.3, 0.1)).logpdf, UNIT),
    ("Beta-mu-nu", lambda: pm.Beta.dist(mu=0.3, nu=12.0), st.beta(0.3 * 12.0, 0.7 * 12.0).logpdf, UNIT),
    ("Uniform", lambda: pm.Uniform.dist(lower=-1.0, upper=3.0), st.uniform(-1.0, 4.0).logpdf,
     [-2.0, -0.5, 0.0, 2.9, 3.5]),
    ("Uniform-default", lambda: pm.Uniform.dist(), st.uniform(0.0, 1.0).logpdf, UNIT),
    ("LogNormal-sigma", lambda: pm.LogNormal.dist(mu=0.5, sigma=0.8),
     st.lognorm(0.8, scale=np.exp(0.5)).logpdf, POS),
    ("LogNormal-tau", lambda: pm.LogNormal.dist(mu=-0.2, tau=4.0),
     st.lognorm(0.5, scale=np.exp(-0.2)).logpdf, POS),
    ("Lognormal-alias", lambda: pm.Lognormal.dist(mu=1.0, sigma=0.3),
     st.lognorm(0.3, scale=np.exp(1.0)).logpdf, POS),
    ("Laplace", lambda: pm.Laplace.dist(mu=0.5, b=2.0), st.laplace(0.5, 2.0).logpdf, REAL),
    ("Logistic", lambda: pm.Logistic.dist(mu=1.0, s=0.7), st.logistic(1.0, 0.7).logpdf, REAL),
    ("Weibull", lambda: pm.Weibull.dist(alpha=1.7, beta=2.5), st.weibull_min(1.7, scale=2.5).logpdf, POS),
    ("ChiSquared", lambda: pm.ChiSquared.dist(nu=3.0), st.chi2(3.0).logpdf, POS),
    ("Pareto", lambda: pm.Pareto.dist(alpha=3.0, m=0.5), st.pareto(3.0, scale=0.5).logpdf,
     [0.3, 0.5, 0.7, 2.0, 10.0]),
    # PyMC's density kappa cos(x - mu) - log(2 pi I0(kappa)) on [-pi, pi]; scipy's is periodic.
    ("VonMises", lambda: pm.VonMises.dist(mu=0.5, kappa=2.0), st.vonmises(2.0, loc=0.5).logpdf,
     [-2.5, -1.0, 0.0, 0.5, 3.1]),
    ("VonMises-default", lambda: pm.VonMises.dist(), st.vonmises(1.0).logpdf, [-3.1, -1.0, 0.0, 3.1]),
    ("SkewNormal-sigma", lambda: pm.SkewNormal.dist(mu=1.0, sigma=2.0, alpha=-3.0),
     st.skewnorm(-3.0, 1.0, 2.0).logpdf, REAL),
    ("SkewNormal-tau", lambda: pm.SkewNormal.dist(mu=0.0, tau=0.25, alpha=2.0),
     st.skewnorm(2.0, 0.0, 2.0).logpdf, REAL),
    ("Gumbel", lambda: pm.Gumbel.dist(mu=1.0, beta=2.0), st.gumbel_r(1.0, 2.0).logpdf, REAL),
    ("Wald-mu-lam", lambda: pm.Wald.dist(mu=1.5, lam=2.0), st.invgauss(1.5 / 2.0, scale=2.0).logpdf, POS),
    # phi = lam / mu
    ("Wald-mu-phi", lambda: pm.Wald.dist(mu=2.0, phi=3.0), st.invgauss(2.0 / 6.0, scale=6.0).logpdf, POS),
    ("ExGaussian", lambda: pm.ExGaussian.dist(mu=1.0, sigma=0.5, nu=2.0),
     st.exponnorm(2.0 / 0.5, loc=1.0, scale=0.5).logpdf, REAL),
    ("Kumaraswamy", lambda: pm.Kumaraswamy.dist(a=2.0, b=3.5),
     lambda x: kumaraswamy_logpdf(x, 2.0, 3.5), UNIT),
    ("Flat", lambda: pm.Flat.dist(), lambda x: np.zeros_like(np.asarray(x, float)), REAL),
    ("HalfFlat", lambda: pm.HalfFlat.dist(), lambda x: np.where(np.asarray(x) > 0, 0.0, -np.inf),
     [0.1, 3.0, 100.0, -1.0]),
]


def zero_inflated(psi, base_logpmf):
    """PyMC's psi: the probability of a draw of the base family (1 - psi: a structural zero)."""

    def logpmf(x):
        x = np.asarray(x)
        base = base_logpmf(x)
        zero = np.logaddexp(np.log1p(-psi), np.log(psi) + base)
        return np.where(x == 0, zero, np.log(psi) + base)

    return logpmf


def log_softmax(v):
    v = np.asarray(v, float)
    return v - sp.logsumexp(v)


COUNTS = [0, 1, 2, 5, 12, -1]

DISCRETE = [
    ("Bernoulli-p", lambda: pm.Bernoulli.dist(p=0.3), st.bernoulli(0.3).logpmf, [0, 1, 2, -1]),
    ("Bernoulli-logit_p", lambda: pm.Bernoulli.dist(logit_p=-0.7),
     st.bernoulli(sp.expit(-0.7)).logpmf, [0, 1, 2, -1]),
    ("Binomial-p", lambda: pm.Binomial.dist(n=10, p=0.35), st.binom(10, 0.35).logpmf, [0, 3, 10, 11, -1]),
    ("Binomial-logit_p", lambda: pm.Binomial.dist(n=7, logit_p=1.2),
     st.binom(7, sp.expit(1.2)).logpmf, [0, 3, 7, 8]),
    ("BetaBinomial", lambda: pm.BetaBinomial.dist(alpha=2.0, beta=3.5, n=9),
     st.betabinom(9, 2.0, 3.5).logpmf, [0, 4, 9, 10, -1]),
    ("Poisson", lambda: pm.Poisson.dist(mu=3.2), st.poisson(3.2).logpmf, COUNTS),
    # mu, alpha: mean mu, variance mu + mu^2 / alpha, i.e. scipy's n = alpha, p = alpha / (mu + alpha)
    ("NegativeBinomial-mu-alpha", lambda: pm.NegativeBinomial.dist(mu=4.0, alpha=2.5),
     st.nbinom(2.5, 2.5 / (4.0 + 2.5)).logpmf, COUNTS),
    ("NegativeBinomial-n-p", lambda: pm.NegativeBinomial.dist(n=3.0, p=0.4), st.nbinom(3.0, 0.4).logpmf, COUNTS),
    ("Geometric", lambda: pm.Geometric.dist(p=0.25), st.geom(0.25).logpmf, [1, 2, 7, 0, -1]),
    ("Categorical-p", lambda: pm.Categorical.dist(p=np.array([0.2, 0.5, 0.3])),
     lambda k: np.where((np.asarray(k) >= 0) & (np.asarray(k) < 3),
                        np.log(np.array([0.2, 0.5, 0.3]))[np.clip(k, 0, 2)], -np.inf), [0, 1, 2, 3, -1]),
    ("Categorical-logit_p", lambda: pm.Categorical.dist(logit_p=np.array([0.5, -1.0, 2.0, 0.0])),
     lambda k: log_softmax([0.5, -1.0, 2.0, 0.0])[np.asarray(k)], [0, 1, 2, 3]),
    ("DiscreteUniform", lambda: pm.DiscreteUniform.dist(lower=-2, upper=4), st.randint(-2, 5).logpmf,
     [-3, -2, 0, 4, 5]),
    ("ZeroInflatedPoisson", lambda: pm.ZeroInflatedPoisson.dist(psi=0.7, mu=2.5),
     zero_inflated(0.7, st.poisson(2.5).logpmf), COUNTS),
    ("ZeroInflatedBinomial", lambda: pm.ZeroInflatedBinomial.dist(psi=0.6, n=8, p=0.4),
     zero_inflated(0.6, st.binom(8, 0.4).logpmf), [0, 1, 5, 8, 9, -1]),
    ("ZeroInflatedNegativeBinomial-mu-alpha",
     lambda: pm.ZeroInflatedNegativeBinomial.dist(psi=0.8, mu=3.0, alpha=1.5),
     zero_inflated(0.8, st.nbinom(1.5, 1.5 / 4.5).logpmf), COUNTS),
    ("ZeroInflatedNegativeBinomial-n-p",
     lambda: pm.ZeroInflatedNegativeBinomial.dist(psi=0.4, n=2.0, p=0.3),
     zero_inflated(0.4, st.nbinom(2.0, 0.3).logpmf), COUNTS),
]


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in CONTINUOUS],
                         ids=[c[0] for c in CONTINUOUS])
def test_continuous_logp_matches_scipy(make, reference, values):
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore"):
        expected = reference(values)
    assert_close(logp_of(make(), values), expected)


def test_vonmises_support_is_minus_pi_to_pi_as_in_pymc():
    dist = pm.VonMises.dist(mu=0.5, kappa=2.0)
    values = np.array([-3.0, 3.5])
    expected = np.array([st.vonmises(2.0, loc=0.5).logpdf(-3.0), -np.inf])
    assert_close(logp_of(dist, values), expected)


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in DISCRETE], ids=[c[0] for c in DISCRETE])
def test_discrete_logp_matches_scipy(make, reference, values):
    values = np.asarray(values, dtype=np.int64)
    with np.errstate(divide="ignore"):
        expected = reference(values)
    assert_close(logp_of(make(), values), expected)


# Positional arguments in PyMC's order (PyMC 5 signatures of Family.dist).
POSITIONAL = [
    ("Normal", lambda: pm.Normal.dist(1.0, 2.0), st.norm(1.0, 2.0).logpdf, REAL),
    ("HalfNormal", lambda: pm.HalfNormal.dist(2.0), st.halfnorm(scale=2.0).logpdf, POS),
    ("TruncatedNormal", lambda: pm.TruncatedNormal.dist(0.5, 2.0, None, -1.0, 3.0),
     st.truncnorm(-0.75, 1.25, 0.5, 2.0).logpdf, [-0.5, 0.0, 2.0]),
    ("StudentT", lambda: pm.StudentT.dist(3.0, 1.0), st.t(3.0, 1.0, 1.0).logpdf, REAL),
    ("HalfStudentT", lambda: pm.HalfStudentT.dist(4.0, 1.5), lambda x: half_student_t_logpdf(x, 4.0, 1.5), POS),
    ("Gamma", lambda: pm.Gamma.dist(2.0, 3.0), st.gamma(2.0, scale=1 / 3.0).logpdf, POS),
    ("InverseGamma", lambda: pm.InverseGamma.dist(3.0, 2.0), st.invgamma(3.0, scale=2.0).logpdf, POS),
    ("Beta", lambda: pm.Beta.dist(2.0, 5.0), st.beta(2.0, 5.0).logpdf, UNIT),
    ("Uniform", lambda: pm.Uniform.dist(-1.0, 3.0), st.uniform(-1.0, 4.0).logpdf, [-0.5, 2.0]),
    ("LogNormal", lambda: pm.LogNormal.dist(0.5, 0.8), st.lognorm(0.8, scale=np.exp(0.5)).logpdf, POS),
    ("Wald", lambda: pm.Wald.dist(1.5, 2.0), st.invgauss(0.75, scale=2.0).logpdf, POS),
    ("ExGaussian", lambda: pm.ExGaussian.dist(1.0, 0.5, 2.0), st.exponnorm(4.0, loc=1.0, scale=0.5).logpdf, REAL),
    ("VonMises", lambda: pm.VonMises.dist(0.5, 2.0), st.vonmises(2.0, loc=0.5).logpdf, [-1.0, 0.5, 2.0]),
    ("SkewNormal", lambda: pm.SkewNormal.dist(-3.0, 1.0, 2.0), st.skewnorm(-3.0, 1.0, 2.0).logpdf, REAL),
    ("Logistic", lambda: pm.Logistic.dist(1.0, 0.7), st.logistic(1.0, 0.7).logpdf, REAL),
    ("Binomial", lambda: pm.Binomial.dist(10, 0.35), st.binom(10, 0.35).logpmf, [0, 3, 10]),
    ("BetaBinomial", lambda: pm.BetaBinomial.dist(2.0, 3.5, 9), st.betabinom(9, 2.0, 3.5).logpmf, [0, 4, 9]),
    ("NegativeBinomial", lambda: pm.NegativeBinomial.dist(4.0, 2.5), st.nbinom(2.5, 2.5 / 6.5).logpmf, [0, 3, 9]),
    ("ZeroInflatedPoisson", lambda: pm.ZeroInflatedPoisson.dist(0.7, 2.5),
     zero_inflated(0.7, st.poisson(2.5).logpmf), [0, 1, 4]),
    ("ZeroInflatedBinomial", lambda: pm.ZeroInflatedBinomial.dist(0.6, 8, 0.4),
     zero_inflated(0.6, st.binom(8, 0.4).logpmf), [0, 1, 8]),
    ("ZeroInflatedNegativeBinomial", lambda: pm.ZeroInflatedNegativeBinomial.dist(0.8, 3.0, 1.5),
     zero_inflated(0.8, st.nbinom(1.5, 1.5 / 4.5).logpmf), [0, 2, 7]),
    ("DiscreteUniform", lambda: pm.DiscreteUniform.dist(-2, 4), st.randint(-2, 5).logpmf, [-2, 0, 4]),
]


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in POSITIONAL], ids=[c[0] for c in POSITIONAL])
def test_positional_arguments_follow_pymc(make, reference, values):
    values = np.asarray(values)
    assert_close(logp_of(make(), values), reference(values))


A3 = np.array([0.7, 1.5, 4.0])
B3 = np.array([0.5, 2.0, 1.2])
P3 = np.array([0.15, 0.5, 0.8])
M3 = np.array([-1.0, 0.0, 2.5])
RNG_VALUES = np.random.default_rng(17)
POS_4x3 = RNG_VALUES.gamma(2.0, 1.0, size=(4, 3))
UNIT_4x3 = RNG_VALUES.beta(2.0, 2.0, size=(4, 3))
REAL_4x3 = RNG_VALUES.normal(0.0, 2.0, size=(4, 3))
COUNT_4x3 = RNG_VALUES.poisson(3.0, size=(4, 3))

# Parameters as arrays of shape (3,) against values of shape (4, 3): the alternative
# parameterizations' conversions must broadcast elementwise.
BATCHED = [
    ("Normal-tau", lambda: pm.Normal.dist(mu=M3, tau=B3), st.norm(M3, B3**-0.5).logpdf, REAL_4x3),
    ("HalfNormal-tau", lambda: pm.HalfNormal.dist(tau=B3), st.halfnorm(scale=B3**-0.5).logpdf, POS_4x3),
    ("StudentT-lam", lambda: pm.StudentT.dist(nu=A3, mu=M3, lam=B3), st.t(A3, M3, B3**-0.5).logpdf, REAL_4x3),
    ("HalfStudentT-lam", lambda: pm.HalfStudentT.dist(nu=A3, lam=B3),
     lambda x: half_student_t_logpdf(x, A3, B3**-0.5), POS_4x3),
    ("Exponential-scale", lambda: pm.Exponential.dist(scale=A3), st.expon(scale=A3).logpdf, POS_4x3),
    ("Gamma-alpha-beta", lambda: pm.Gamma.dist(alpha=A3, beta=B3), st.gamma(A3, scale=1 / B3).logpdf, POS_4x3),
    ("Gamma-mu-sigma", lambda: pm.Gamma.dist(mu=A3, sigma=B3),
     st.gamma(A3**2 / B3**2, scale=B3**2 / A3).logpdf, POS_4x3),
    ("InverseGamma-mu-sigma", lambda: pm.InverseGamma.dist(mu=A3, sigma=B3),
     st.invgamma(inverse_gamma_from_moments(A3, B3)[0], scale=inverse_gamma_from_moments(A3, B3)[1]).logpdf,
     POS_4x3),
    ("Beta-mu-sigma", lambda: pm.Beta.dist(mu=P3, sigma=np.array([0.1, 0.2, 0.15])),
     st.beta(*beta_from_moments(P3, np.array([0.1, 0.2, 0.15]))).logpdf, UNIT_4x3),
    ("Beta-mu-nu", lambda: pm.Beta.dist(mu=P3, nu=A3 * 3), st.beta(P3 * A3 * 3, (1 - P3) * A3 * 3).logpdf, UNIT_4x3),
    ("LogNormal-tau", lambda: pm.LogNormal.dist(mu=M3, tau=B3), st.lognorm(B3**-0.5, scale=np.exp(M3)).logpdf,
     POS_4x3),
    ("Wald-mu-phi", lambda: pm.Wald.dist(mu=A3, phi=B3), st.invgauss(1 / B3, scale=A3 * B3).logpdf, POS_4x3),
    ("Wald-mu-lam", lambda: pm.Wald.dist(mu=A3, lam=B3), st.invgauss(A3 / B3, scale=B3).logpdf, POS_4x3),
    ("SkewNormal", lambda: pm.SkewNormal.dist(mu=M3, sigma=B3, alpha=np.array([-2.0, 0.0, 5.0])),
     st.skewnorm(np.array([-2.0, 0.0, 5.0]), M3, B3).logpdf, REAL_4x3),
    ("ExGaussian", lambda: pm.ExGaussian.dist(mu=M3, sigma=B3, nu=A3), st.exponnorm(A3 / B3, M3, B3).logpdf,
     REAL_4x3),
    ("Weibull", lambda: pm.Weibull.dist(alpha=A3, beta=B3), st.weibull_min(A3, scale=B3).logpdf, POS_4x3),
    ("Kumaraswamy", lambda: pm.Kumaraswamy.dist(a=A3, b=B3 + 0.5), lambda x: kumaraswamy_logpdf(x, A3, B3 + 0.5),
     UNIT_4x3),
    ("Binomial-logit_p", lambda: pm.Binomial.dist(n=np.array([5, 10, 20]), logit_p=M3),
     st.binom(np.array([5, 10, 20]), sp.expit(M3)).logpmf, COUNT_4x3),
    ("NegativeBinomial-n-p", lambda: pm.NegativeBinomial.dist(n=A3, p=P3), st.nbinom(A3, P3).logpmf, COUNT_4x3),
    ("NegativeBinomial-mu-alpha", lambda: pm.NegativeBinomial.dist(mu=A3, alpha=B3),
     st.nbinom(B3, B3 / (A3 + B3)).logpmf, COUNT_4x3),
    ("ZeroInflatedPoisson", lambda: pm.ZeroInflatedPoisson.dist(psi=P3, mu=A3),
     lambda k: zero_inflated(P3, st.poisson(A3).logpmf)(k), COUNT_4x3),
    ("ZeroInflatedNegativeBinomial-n-p", lambda: pm.ZeroInflatedNegativeBinomial.dist(psi=P3, n=A3, p=P3),
     lambda k: zero_inflated(P3, st.nbinom(A3, P3).logpmf)(k), COUNT_4x3),
]


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in BATCHED], ids=[c[0] for c in BATCHED])
def test_batched_parameterizations_match_scipy(make, reference, values):
    with np.errstate(divide="ignore"):
        expected = reference(values)
    assert_close(logp_of(make(), values), expected)


# Far tails and extreme parameters, where naive formulas lose all precision.
TAILS = [
    ("Normal-far-tail", lambda: pm.Normal.dist(0.0, 1.0), st.norm.logpdf, [-40.0, 35.0, 1e3]),
    ("StudentT-huge-nu", lambda: pm.StudentT.dist(nu=1e7, mu=0.0, sigma=1.0), st.t(1e7).logpdf, [-5.0, 0.0, 3.0]),
    ("StudentT-cauchy", lambda: pm.StudentT.dist(nu=1.0, mu=0.0, sigma=1.0), st.cauchy.logpdf, [-1e6, 0.0, 1e4]),
    ("Beta-near-edges", lambda: pm.Beta.dist(0.3, 0.4), st.beta(0.3, 0.4).logpdf, [1e-12, 1 - 1e-12, 0.5]),
    ("Gamma-small-shape", lambda: pm.Gamma.dist(alpha=0.05, beta=2.0), st.gamma(0.05, scale=0.5).logpdf,
     [1e-30, 1e-5, 3.0]),
    ("Gamma-large-shape", lambda: pm.Gamma.dist(alpha=1e5, beta=1e5), st.gamma(1e5, scale=1e-5).logpdf,
     [0.99, 1.0, 1.01]),
    ("LogNormal-tiny", lambda: pm.LogNormal.dist(0.0, 1.0), st.lognorm(1.0).logpdf, [1e-100, 1e100]),
    ("Logistic-far", lambda: pm.Logistic.dist(0.0, 1.0), st.logistic.logpdf, [-800.0, 800.0]),
    ("Gumbel-left", lambda: pm.Gumbel.dist(0.0, 1.0), st.gumbel_r.logpdf, [-5.0, 600.0]),
    ("VonMises-high-kappa", lambda: pm.VonMises.dist(0.0, 800.0), st.vonmises(800.0).logpdf, [0.0, 0.1, 1.0]),
    ("HalfCauchy-far", lambda: pm.HalfCauchy.dist(1.0), st.halfcauchy.logpdf, [1e-8, 1e8]),
]

TAILS_DISCRETE = [
    ("Poisson-large", lambda: pm.Poisson.dist(1e4), st.poisson(1e4).logpmf, [9000, 10000, 11000, 0]),
    ("Poisson-small-rate", lambda: pm.Poisson.dist(1e-8), st.poisson(1e-8).logpmf, [0, 1, 5]),
    ("Binomial-large-n", lambda: pm.Binomial.dist(n=100000, p=1e-3), st.binom(100000, 1e-3).logpmf,
     [0, 100, 150, 100000]),
    ("Binomial-logit-extreme", lambda: pm.Binomial.dist(n=10, logit_p=-40.0), st.binom(10, sp.expit(-40.0)).logpmf,
     [0, 1, 10]),
    ("Bernoulli-logit-extreme", lambda: pm.Bernoulli.dist(logit_p=50.0),
     lambda k: np.where(np.asarray(k) == 1, -np.log1p(np.exp(-50.0)), -50.0 - np.log1p(np.exp(-50.0))), [0, 1]),
    ("NegativeBinomial-huge-alpha", lambda: pm.NegativeBinomial.dist(mu=3.0, alpha=1e8),
     st.nbinom(1e8, 1e8 / (3.0 + 1e8)).logpmf, [0, 3, 10]),
]


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in TAILS], ids=[c[0] for c in TAILS])
def test_continuous_tails_match_scipy(make, reference, values):
    values = np.asarray(values, dtype=float)
    assert_close(logp_of(make(), values), reference(values), rtol=1e-7)


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in TAILS_DISCRETE],
                         ids=[c[0] for c in TAILS_DISCRETE])
def test_discrete_tails_match_scipy(make, reference, values):
    values = np.asarray(values, dtype=np.int64)
    assert_close(logp_of(make(), values), reference(values), rtol=1e-7)


def test_logp_of_a_model_variable_uses_its_distribution():
    with pm.Model():
        x = pm.Gamma("x", mu=2.0, sigma=0.5)
        k = pm.NegativeBinomial("k", n=3.0, p=0.4, observed=np.array([1, 2]))
    values = np.array([0.5, 2.0, 3.5])
    assert_close(np.asarray(pm.logp(x, values).eval()), st.gamma(16.0, scale=0.125).logpdf(values))
    assert_close(np.asarray(pm.logp(k, np.array([0, 4])).eval()), st.nbinom(3.0, 0.4).logpmf([0, 4]))


def test_batched_parameters_broadcast_against_values():
    mu = np.array([0.5, 2.0, 7.0])
    values = np.array([[0, 1, 2], [3, 4, 9]])
    assert_close(logp_of(pm.Poisson.dist(mu=mu), values), st.poisson(mu).logpmf(values))
    alpha, beta = np.array([[1.0], [2.5]]), np.array([0.5, 1.0, 3.0])
    x = np.array([0.2, 1.0, 4.0])
    assert_close(logp_of(pm.Gamma.dist(alpha=alpha, beta=beta), x), st.gamma(alpha, scale=1 / beta).logpdf(x))


# ---------------------------------------------------------------------------------------------
# Ordered outcomes
# ---------------------------------------------------------------------------------------------


def ordered_probabilities(cdf, eta, cutpoints):
    """P(y = k) for k = 0..K: differences of cdf(c_k - eta), with cdf(-inf) = 0, cdf(inf) = 1."""
    c = np.concatenate([[-np.inf], cutpoints, [np.inf]])
    return np.diff(cdf(c - eta))


@pytest.mark.parametrize("eta", [-1.3, 0.0, 0.8, 4.0])
def test_ordered_logistic_matches_category_probabilities(eta):
    cutpoints = np.array([-1.0, 0.5, 2.0])
    probabilities = ordered_probabilities(sp.expit, eta, cutpoints)
    assert np.isclose(probabilities.sum(), 1.0)
    k = np.arange(4)
    assert_close(logp_of(pm.OrderedLogistic.dist(eta=eta, cutpoints=cutpoints), k), np.log(probabilities))


@pytest.mark.parametrize("eta, sigma", [(-1.3, 1.0), (0.0, 1.0), (0.8, 2.5), (3.0, 0.5)])
def test_ordered_probit_matches_category_probabilities(eta, sigma):
    cutpoints = np.array([-0.5, 0.3, 1.0, 2.2])
    probabilities = ordered_probabilities(lambda z: st.norm.cdf(z / sigma), eta, cutpoints)
    k = np.arange(5)
    dist = pm.OrderedProbit.dist(eta=eta, cutpoints=cutpoints, sigma=sigma)
    assert_close(logp_of(dist, k), np.log(probabilities))


def test_ordered_logistic_with_a_vector_of_etas():
    cutpoints = np.array([-1.0, 1.0])
    eta = np.array([-2.0, 0.0, 3.0])
    y = np.array([0, 2, 1])
    expected = [np.log(ordered_probabilities(sp.expit, e, cutpoints)[k]) for e, k in zip(eta, y)]
    assert_close(logp_of(pm.OrderedLogistic.dist(eta=eta, cutpoints=cutpoints), y), expected)


# ---------------------------------------------------------------------------------------------
# Multivariate families
# ---------------------------------------------------------------------------------------------

COV = np.array([[2.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 0.5]])
MU3 = np.array([1.0, -0.5, 0.2])
MV_VALUES = np.array([[0.0, 0.0, 0.0], [1.5, -1.0, 0.7], [-2.0, 0.4, 1.1]])


@pytest.mark.parametrize("parameterization", ["cov", "tau", "chol", "chol-upper"])
def test_mvnormal_matches_scipy(parameterization):
    lower = np.linalg.cholesky(COV)
    kwargs = {"cov": {"cov": COV}, "tau": {"tau": np.linalg.inv(COV)}, "chol": {"chol": lower},
              "chol-upper": {"chol": lower.T, "lower": False}}[parameterization]
    dist = pm.MvNormal.dist(mu=MU3, **kwargs)
    expected = st.multivariate_normal(MU3, COV).logpdf(MV_VALUES)
    assert_close(logp_of(dist, MV_VALUES), expected)
    assert_close(logp_of(dist, MV_VALUES[1]), expected[1])


def test_mvnormal_scalar_mean_is_repeated():
    dist = pm.MvNormal.dist(mu=0.5, cov=COV)
    assert_close(logp_of(dist, MV_VALUES), st.multivariate_normal(np.full(3, 0.5), COV).logpdf(MV_VALUES))


@pytest.mark.parametrize("parameterization", ["Sigma", "scale", "chol", "chol-upper", "tau"])
def test_mvstudentt_matches_scipy(parameterization):
    lower = np.linalg.cholesky(COV)
    kwargs = {"Sigma": {"Sigma": COV}, "scale": {"scale": COV}, "chol": {"chol": lower},
              "chol-upper": {"chol": lower.T, "lower": False}, "tau": {"tau": np.linalg.inv(COV)}}[parameterization]
    dist = pm.MvStudentT.dist(nu=4.5, mu=MU3, **kwargs)
    expected = st.multivariate_t(MU3, COV, df=4.5).logpdf(MV_VALUES)
    assert_close(logp_of(dist, MV_VALUES), expected)


@pytest.mark.parametrize("a", [[1.0, 1.0, 1.0], [0.5, 2.0, 3.5], [4.0, 0.7]])
def test_dirichlet_matches_scipy(a):
    a = np.array(a)
    rng = np.random.default_rng(3)
    values = rng.dirichlet(np.ones(len(a)), size=4)
    expected = np.array([st.dirichlet(a).logpdf(v) for v in values])
    assert_close(logp_of(pm.Dirichlet.dist(a=a), values), expected)


def test_dirichlet_outside_the_simplex_is_minus_infinity():
    assert logp_of(pm.Dirichlet.dist(a=np.ones(3)), np.array([0.5, 0.6, -0.1])) == -np.inf


@pytest.mark.parametrize("n, p, x", [(10, [0.2, 0.3, 0.5], [2, 3, 5]), (10, [0.2, 0.3, 0.5], [0, 0, 10]),
                                     (7, [0.6, 0.4], [4, 3]), (5, [0.1, 0.2, 0.3, 0.4], [1, 1, 1, 2])])
def test_multinomial_matches_scipy(n, p, x):
    p, x = np.array(p), np.array(x)
    assert_close(logp_of(pm.Multinomial.dist(n=n, p=p), x), st.multinomial(n, p).logpmf(x))


def test_multinomial_counts_not_summing_to_n_are_minus_infinity():
    assert logp_of(pm.Multinomial.dist(n=10, p=np.array([0.5, 0.5])), np.array([3, 3])) == -np.inf


def lkj_log_normalizer(d, eta):
    """log of c_d(eta) = integral of det(C)^(eta - 1) over d x d correlation matrices
    (Lewandowski, Kurowicka & Joe 2009, eq. 16)."""
    k = np.arange(1, d)
    power_of_two = np.sum((2 * eta - 2 + d - k) * (d - k)) * LOG2
    b = eta + (d - k - 1) / 2.0
    return power_of_two + np.sum((d - k) * sp.betaln(b, b))


def lkj_logpdf(corr, eta):
    return (eta - 1) * np.linalg.slogdet(corr)[1] - lkj_log_normalizer(corr.shape[0], eta)


def correlation_matrix(rng, d):
    a = rng.normal(size=(d, d + 2))
    cov = a @ a.T
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)


def test_lkj_normalizer_integrates_to_one_for_two_dimensions():
    """Checks the reference itself: for d = 2 the density of r is (1 - r^2)^(eta - 1) / c_2."""
    r = np.linspace(-1, 1, 200001)
    for eta in (0.7, 1.0, 3.0):
        integral = np.trapz((1 - r**2) ** (eta - 1) if eta >= 1 else np.zeros_like(r), r)
        if eta >= 1:
            assert np.isclose(np.log(integral), lkj_log_normalizer(2, eta), atol=1e-6)
    assert np.isclose(lkj_log_normalizer(3, 1.0), np.log(np.pi**2 / 2))  # volume of 3x3 correlations


@pytest.mark.parametrize("d, eta", [(2, 0.7), (3, 1.0), (3, 2.5), (4, 4.0)])
def test_lkjcorr_matches_closed_form(d, eta):
    rng = np.random.default_rng(d * 10 + int(eta * 10))
    corr = correlation_matrix(rng, d)
    matrix = pm.LKJCorr.dist(n=d, eta=eta, return_matrix=True)
    assert_close(logp_of(matrix, corr), lkj_logpdf(corr, eta))
    assert_close(logp_of(matrix, np.eye(d)), -lkj_log_normalizer(d, eta))
    # The default (PyMC's) value: the strictly upper entries, row by row.
    rows, cols = np.triu_indices(d, k=1)
    assert_close(logp_of(pm.LKJCorr.dist(n=d, eta=eta), corr[rows, cols]), lkj_logpdf(corr, eta))


def _lower_to_sd_and_corr(packed, d):
    """(sds, upper off-diagonal correlations) of the covariance whose Cholesky factor's lower
    triangle is `packed` (row-major): the coordinates of the LKJCholeskyCov prior."""
    lower = np.zeros((d, d))
    lower[np.tril_indices(d)] = packed
    cov = lower @ lower.T
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    return np.concatenate([sd, corr[np.triu_indices(d, 1)]])


@pytest.mark.parametrize("d, eta", [(2, 1.5), (3, 2.0), (3, 0.8)])
def test_lkjcholeskycov_matches_change_of_variables(d, eta):
    """log p(L) = sum log p_sd(sd_i) + log LKJ(C) + log |d(sd, C) / dL|, the Jacobian taken by
    central finite differences of the map from L's lower triangle to (sd, C's upper triangle)."""
    rng = np.random.default_rng(7 + d)
    corr = correlation_matrix(rng, d)
    sd = rng.uniform(0.5, 2.0, size=d)
    lower = np.linalg.cholesky(corr * np.outer(sd, sd))
    packed = lower[np.tril_indices(d)]
    h = 1e-6
    jac = np.empty((packed.size, packed.size))
    for j in range(packed.size):
        step = np.zeros(packed.size)
        step[j] = h
        jac[:, j] = (_lower_to_sd_and_corr(packed + step, d) - _lower_to_sd_and_corr(packed - step, d)) / (2 * h)
    log_jacobian = np.linalg.slogdet(jac)[1]
    sd_rate = 1.3
    expected = np.sum(st.expon(scale=1 / sd_rate).logpdf(sd)) + lkj_logpdf(corr, eta) + log_jacobian
    dist = pm.LKJCholeskyCov.dist(eta=eta, n=d, sd_dist=pm.Exponential.dist(sd_rate))
    assert_close(logp_of(dist, lower), expected, rtol=1e-6)


@pytest.mark.parametrize("sigma", [1.0, 2.5])
def test_zerosumnormal_one_axis_matches_definition(sigma):
    """An isotropic normal on the (n - 1)-dimensional zero-sum subspace."""
    x = np.array([1.2, -0.4, 0.5, -1.3])
    n = x.size
    expected = -0.5 * np.sum((x / sigma) ** 2) - (n - 1) * (np.log(sigma) + 0.5 * np.log(2 * np.pi))
    assert_close(logp_of(pm.ZeroSumNormal.dist(sigma=sigma, shape=n), x), expected)


def test_zerosumnormal_two_axes_matches_definition():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 4))
    x -= x.mean(axis=0, keepdims=True)
    x -= x.mean(axis=1, keepdims=True)
    sigma = 1.7
    expected = -0.5 * np.sum((x / sigma) ** 2) - (2 * 3) * (np.log(sigma) + 0.5 * np.log(2 * np.pi))
    dist = pm.ZeroSumNormal.dist(sigma=sigma, n_zerosum_axes=2, shape=(3, 4))
    assert_close(logp_of(dist, x), expected)


def test_zerosumnormal_equals_projected_normal_density():
    """Same density as N(0, sigma^2 (I - 11^T/n)) restricted to its support, computed from the
    singular covariance's pseudo-determinant (independent of the closed form above)."""
    n, sigma = 5, 0.8
    x = np.array([0.3, -1.1, 0.9, 0.4, -0.5])
    cov = sigma**2 * (np.eye(n) - np.ones((n, n)) / n)
    expected = st.multivariate_normal(np.zeros(n), cov, allow_singular=True).logpdf(x)
    assert_close(logp_of(pm.ZeroSumNormal.dist(sigma=sigma, shape=n), x), expected)


def test_batched_multivariate_families_match_scipy():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    x = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    assert_close(logp_of(pm.Dirichlet.dist(a=a), x), [st.dirichlet(a[i]).logpdf(x[i]) for i in range(2)])
    mu = np.array([[0.0, 0.0, 0.0], [1.0, -1.0, 0.5]])
    assert_close(logp_of(pm.MvNormal.dist(mu=mu, cov=COV), MV_VALUES[:2]),
                 [st.multivariate_normal(mu[i], COV).logpdf(MV_VALUES[i]) for i in range(2)])
    p = np.array([[0.2, 0.8], [0.6, 0.4]])
    assert_close(logp_of(pm.Categorical.dist(p=p), np.array([1, 0])), np.log([0.8, 0.6]))
    n = np.array([5, 8])
    counts = np.array([[1, 4], [3, 5]])
    assert_close(logp_of(pm.Multinomial.dist(n=n, p=p), counts),
                 [st.multinomial(n[i], p[i]).logpmf(counts[i]) for i in range(2)])


def test_mixture_with_weights_per_observation():
    w = np.array([[0.2, 0.8], [0.5, 0.5], [0.9, 0.1]])
    x = np.array([0.0, 1.0, 2.0])
    comps = [st.norm(0.0, 1.0).logpdf, st.norm(3.0, 1.0).logpdf]
    expected = [sp.logsumexp(np.log(w[i]) + np.array([f(x[i]) for f in comps])) for i in range(3)]
    dist = pm.Mixture.dist(w=w, comp_dists=[pm.Normal.dist(0.0, 1.0), pm.Normal.dist(3.0, 1.0)])
    assert_close(logp_of(dist, x), expected)


# ---------------------------------------------------------------------------------------------
# Mixtures, truncation, censoring
# ---------------------------------------------------------------------------------------------


def mixture_logpdf(w, logpdfs, x):
    return sp.logsumexp(np.log(w)[:, None] + np.array([f(x) for f in logpdfs]), axis=0)


def test_mixture_of_listed_components_matches_logsumexp():
    w = np.array([0.2, 0.5, 0.3])
    comps = [pm.Normal.dist(-1.0, 0.5), pm.StudentT.dist(nu=3.0, mu=2.0, sigma=1.0), pm.Gumbel.dist(0.0, 2.0)]
    x = np.array([-3.0, -1.0, 0.0, 1.7, 5.0])
    expected = mixture_logpdf(w, [st.norm(-1, 0.5).logpdf, st.t(3, 2, 1).logpdf, st.gumbel_r(0, 2).logpdf], x)
    assert_close(logp_of(pm.Mixture.dist(w=w, comp_dists=comps), x), expected)


def test_mixture_of_one_batched_component_matches_logsumexp():
    w = np.array([0.6, 0.4])
    mu, sigma = np.array([0.0, 3.0]), np.array([1.0, 0.5])
    x = np.array([-1.0, 1.5, 3.2])
    expected = mixture_logpdf(w, [st.norm(0, 1).logpdf, st.norm(3, 0.5).logpdf], x)
    assert_close(logp_of(pm.Mixture.dist(w=w, comp_dists=pm.Normal.dist(mu=mu, sigma=sigma)), x), expected)


def test_mixture_of_poissons_matches_logsumexp():
    w = np.array([0.3, 0.7])
    k = np.array([0, 1, 4, 10])
    expected = mixture_logpdf(w, [st.poisson(1.0).logpmf, st.poisson(6.0).logpmf], k)
    dist = pm.Mixture.dist(w=w, comp_dists=[pm.Poisson.dist(1.0), pm.Poisson.dist(6.0)])
    assert_close(logp_of(dist, k), expected)


@pytest.mark.parametrize("use_tau", [False, True])
def test_normal_mixture_matches_logsumexp(use_tau):
    w = np.array([0.25, 0.45, 0.3])
    mu = np.array([-2.0, 0.0, 3.0])
    sigma = np.array([0.5, 1.0, 2.0])
    x = np.array([-2.5, 0.1, 2.0, 6.0])
    expected = mixture_logpdf(w, [st.norm(m, s).logpdf for m, s in zip(mu, sigma)], x)
    scale = {"tau": sigma**-2.0} if use_tau else {"sigma": sigma}
    assert_close(logp_of(pm.NormalMixture.dist(w=w, mu=mu, **scale), x), expected)


@pytest.mark.parametrize("lower, upper", [(-1.0, 2.0), (0.5, None), (None, -0.5), (2.0, 4.0)])
def test_truncated_normal_base_matches_scipy(lower, upper):
    base = st.norm(0.3, 1.5)
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    x = np.array([-3.0, -0.9, 0.0, 0.7, 1.9, 3.0, 5.0])
    with np.errstate(divide="ignore"):
        expected = np.where((x >= lo) & (x <= hi), base.logpdf(x) - np.log(base.cdf(hi) - base.cdf(lo)), -np.inf)
    dist = pm.Truncated.dist(pm.Normal.dist(0.3, 1.5), lower=lower, upper=upper)
    assert_close(logp_of(dist, x), expected)


def test_truncated_gamma_matches_scipy():
    base = st.gamma(2.0, scale=1 / 0.5)
    x = np.array([0.5, 1.0, 3.0, 6.0, 7.0])
    with np.errstate(divide="ignore"):
        expected = np.where((x >= 1.0) & (x <= 6.0), base.logpdf(x) - np.log(base.cdf(6.0) - base.cdf(1.0)), -np.inf)
    dist = pm.Truncated.dist(pm.Gamma.dist(alpha=2.0, beta=0.5), lower=1.0, upper=6.0)
    assert_close(logp_of(dist, x), expected)


@pytest.mark.xfail(strict=True, reason="Truncated of a discrete family (PyMC allows it) is refused: "
                                       "'only continuous distributions can be truncated'")
def test_truncated_poisson_matches_scipy():
    base = st.poisson(3.0)
    k = np.array([1, 2, 5])
    expected = base.logpmf(k) - np.log(base.cdf(5) - base.cdf(0))  # P(1 <= X <= 5)
    dist = pm.Truncated.dist(pm.Poisson.dist(3.0), lower=1, upper=5)
    assert_close(logp_of(dist, k), expected)


@pytest.mark.parametrize("lower, upper", [(-1.0, 2.0), (0.0, None), (None, 1.0)])
def test_censored_normal_matches_scipy(lower, upper):
    base = st.norm(0.5, 1.2)
    x = np.array([v for v in (-1.0, -0.3, 0.0, 0.8, 1.0, 2.0) if (lower is None or v >= lower)
                  and (upper is None or v <= upper)])
    expected = base.logpdf(x)
    if lower is not None:
        expected = np.where(x == lower, base.logcdf(lower), expected)
    if upper is not None:
        expected = np.where(x == upper, base.logsf(upper), expected)
    dist = pm.Censored.dist(pm.Normal.dist(0.5, 1.2), lower=lower, upper=upper)
    assert_close(logp_of(dist, x), expected)


def test_censored_values_beyond_the_bounds_are_minus_infinity():
    dist = pm.Censored.dist(pm.Normal.dist(0.0, 1.0), lower=-1.0, upper=1.0)
    assert_close(logp_of(dist, np.array([-1.5, 1.5])), [-np.inf, -np.inf])


@pytest.mark.xfail(strict=True, reason="Censored of a discrete family (PyMC allows it) is refused")
def test_censored_poisson_matches_scipy():
    base = st.poisson(3.0)
    k = np.array([1, 3, 6])
    expected = np.array([base.logcdf(1), base.logpmf(3), base.logsf(5)])  # P(X <= 1), P(X = 3), P(X >= 6)
    dist = pm.Censored.dist(pm.Poisson.dist(3.0), lower=1, upper=6)
    assert_close(logp_of(dist, k), expected)


# ---------------------------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------------------------


def test_gaussian_random_walk_matches_increments():
    x = np.array([0.3, 1.0, 0.2, 0.9, 2.5, 2.0])
    mu, sigma = 0.4, 0.7
    expected = st.norm(-1.0, 2.0).logpdf(x[0]) + st.norm(mu, sigma).logpdf(np.diff(x)).sum()
    dist = pm.GaussianRandomWalk.dist(mu=mu, sigma=sigma, init_dist=pm.Normal.dist(-1.0, 2.0), steps=5)
    assert_close(logp_of(dist, x), expected)
    by_shape = pm.GaussianRandomWalk.dist(mu=mu, sigma=sigma, init_dist=pm.Normal.dist(-1.0, 2.0), shape=6)
    assert_close(logp_of(by_shape, x), expected)


def test_gaussian_random_walk_batched():
    x = np.array([[0.0, 1.0, 3.0, 2.0], [1.0, 0.5, -0.5, 0.0]])
    sigma = np.array([1.0, 0.5])  # one per walk
    expected = (st.norm(0, 1).logpdf(x[:, 0])
                + st.norm(0.0, sigma[:, None]).logpdf(np.diff(x, axis=-1)).sum(-1))
    dist = pm.GaussianRandomWalk.dist(sigma=sigma, init_dist=pm.Normal.dist(0.0, 1.0), shape=(2, 4))
    assert_close(logp_of(dist, x), expected)


@pytest.mark.parametrize("constant", [False, True])
def test_ar_matches_normal_innovations(constant):
    x = np.array([0.5, -0.2, 0.8, 1.1, 0.3, -0.4, 0.9])
    rho = np.array([0.3, 0.6, -0.2]) if constant else np.array([0.6, -0.2])
    coefficients = rho[1:] if constant else rho
    c = rho[0] if constant else 0.0
    p = 2
    sigma = 0.8
    means = np.array([c + coefficients[0] * x[t - 1] + coefficients[1] * x[t - 2] for t in range(p, x.size)])
    expected = st.norm(0.0, 3.0).logpdf(x[:p]).sum() + st.norm(means, sigma).logpdf(x[p:]).sum()
    dist = pm.AR.dist(rho=rho, sigma=sigma, constant=constant, init_dist=pm.Normal.dist(0.0, 3.0), steps=x.size - p)
    assert_close(logp_of(dist, x), expected)
    by_tau = pm.AR.dist(rho=rho, tau=sigma**-2, constant=constant, init_dist=pm.Normal.dist(0.0, 3.0),
                        shape=x.size)
    assert_close(logp_of(by_tau, x), expected)


def test_ar_explicit_order_with_constant_and_shape():
    """ar_order counts the lags only (rho holds the constant too), as in PyMC."""
    x = np.array([0.5, -0.2, 0.8, 1.1, 0.3])
    rho = np.array([0.2, 0.5])  # constant, rho_1
    expected = st.norm(0, 2).logpdf(x[0]) + st.norm(0.2 + 0.5 * x[:-1], 1.0).logpdf(x[1:]).sum()
    dist = pm.AR.dist(rho=rho, sigma=1.0, constant=True, ar_order=1, init_dist=pm.Normal.dist(0.0, 2.0),
                      shape=x.size)
    assert_close(logp_of(dist, x), expected)


def test_ar1_with_scalar_rho():
    x = np.array([1.0, 0.2, -0.5, 0.4])
    expected = st.norm(0, 1).logpdf(x[0]) + st.norm(0.7 * x[:-1], 0.5).logpdf(x[1:]).sum()
    dist = pm.AR.dist(rho=0.7, sigma=0.5, init_dist=pm.Normal.dist(0.0, 1.0), steps=3)
    assert_close(logp_of(dist, x), expected)


def test_garch11_matches_recursion():
    x = np.array([0.3, -0.8, 0.1, 1.2, -0.4])
    omega, alpha_1, beta_1, vol = 0.2, 0.3, 0.5, 0.9
    sigmas = [vol]
    for t in range(1, x.size):
        sigmas.append(np.sqrt(omega + alpha_1 * x[t - 1] ** 2 + beta_1 * sigmas[-1] ** 2))
    expected = st.norm(0.0, np.array(sigmas)).logpdf(x).sum()
    dist = pm.GARCH11.dist(omega=omega, alpha_1=alpha_1, beta_1=beta_1, initial_vol=vol, steps=4)
    assert_close(logp_of(dist, x), expected)


# ---------------------------------------------------------------------------------------------
# logcdf
# ---------------------------------------------------------------------------------------------

LOGCDF = [
    ("Normal", lambda: pm.Normal.dist(1.0, 2.0), st.norm(1.0, 2.0).logcdf, [-30.0, -2.0, 1.0, 4.0, 12.0]),
    ("HalfNormal", lambda: pm.HalfNormal.dist(1.5), st.halfnorm(scale=1.5).logcdf, [0.01, 1.0, 4.0]),
    ("Exponential", lambda: pm.Exponential.dist(0.5), st.expon(scale=2.0).logcdf, [0.01, 1.0, 10.0]),
    ("Gamma", lambda: pm.Gamma.dist(alpha=2.5, beta=1.5), st.gamma(2.5, scale=1 / 1.5).logcdf, [0.05, 1.0, 5.0]),
    ("Beta", lambda: pm.Beta.dist(2.0, 5.0), st.beta(2.0, 5.0).logcdf, [0.01, 0.3, 0.9]),
    ("StudentT", lambda: pm.StudentT.dist(nu=3.0, mu=0.5, sigma=2.0), st.t(3.0, 0.5, 2.0).logcdf,
     [-10.0, 0.0, 0.5, 4.0]),
    ("LogNormal", lambda: pm.LogNormal.dist(0.2, 0.6), st.lognorm(0.6, scale=np.exp(0.2)).logcdf, [0.3, 1.0, 4.0]),
    ("Logistic", lambda: pm.Logistic.dist(0.0, 1.5), st.logistic(0.0, 1.5).logcdf, [-20.0, -1.0, 0.0, 3.0]),
    ("Uniform", lambda: pm.Uniform.dist(-1.0, 3.0), st.uniform(-1.0, 4.0).logcdf, [-0.5, 1.0, 2.9]),
    ("Weibull", lambda: pm.Weibull.dist(1.7, 2.5), st.weibull_min(1.7, scale=2.5).logcdf, [0.1, 2.0, 6.0]),
    ("Cauchy", lambda: pm.Cauchy.dist(0.0, 1.0), st.cauchy(0.0, 1.0).logcdf, [-50.0, 0.0, 3.0]),
    ("Gumbel", lambda: pm.Gumbel.dist(1.0, 2.0), st.gumbel_r(1.0, 2.0).logcdf, [-2.0, 1.0, 6.0]),
    ("Poisson", lambda: pm.Poisson.dist(3.0), st.poisson(3.0).logcdf, [0, 2, 3, 9]),
    ("Binomial", lambda: pm.Binomial.dist(n=10, p=0.35), st.binom(10, 0.35).logcdf, [0, 3, 9, 10]),
    ("NegativeBinomial-mu-alpha", lambda: pm.NegativeBinomial.dist(mu=4.0, alpha=2.5),
     st.nbinom(2.5, 2.5 / 6.5).logcdf, [0, 3, 20]),
    ("NegativeBinomial-n-p", lambda: pm.NegativeBinomial.dist(n=3.0, p=0.4), st.nbinom(3.0, 0.4).logcdf, [0, 3, 20]),
    ("Geometric", lambda: pm.Geometric.dist(0.25), st.geom(0.25).logcdf, [1, 2, 10]),
    ("Bernoulli", lambda: pm.Bernoulli.dist(p=0.3), st.bernoulli(0.3).logcdf, [0, 1]),
    ("DiscreteUniform", lambda: pm.DiscreteUniform.dist(-2, 4), st.randint(-2, 5).logcdf, [-2, 0, 4]),
    ("Exponential-below-support", lambda: pm.Exponential.dist(0.5), st.expon(scale=2.0).logcdf, [-1.0, 0.0]),
    ("Beta-outside", lambda: pm.Beta.dist(2.0, 5.0), st.beta(2.0, 5.0).logcdf, [-0.5, 1.5]),
    ("Normal-tau", lambda: pm.Normal.dist(mu=1.0, tau=0.25), st.norm(1.0, 2.0).logcdf, [-3.0, 1.0, 5.0]),
    ("Gamma-mu-sigma", lambda: pm.Gamma.dist(mu=3.0, sigma=1.5), st.gamma(4.0, scale=0.75).logcdf, [0.5, 3.0, 9.0]),
    ("InverseGamma", lambda: pm.InverseGamma.dist(3.0, 2.0), st.invgamma(3.0, scale=2.0).logcdf, [0.2, 1.0, 5.0]),
    ("HalfStudentT", lambda: pm.HalfStudentT.dist(nu=3.0, sigma=2.0),
     lambda x: np.log(2 * st.t(3.0, 0.0, 2.0).cdf(x) - 1), [0.1, 1.0, 10.0]),
    ("Laplace", lambda: pm.Laplace.dist(0.5, 2.0), st.laplace(0.5, 2.0).logcdf, [-5.0, 0.5, 4.0]),
    ("Pareto", lambda: pm.Pareto.dist(3.0, 0.5), st.pareto(3.0, scale=0.5).logcdf, [0.6, 2.0, 10.0]),
    ("Kumaraswamy", lambda: pm.Kumaraswamy.dist(2.0, 3.5), lambda x: np.log1p(-(1 - x**2.0) ** 3.5), [0.1, 0.5, 0.9]),
    ("ExGaussian", lambda: pm.ExGaussian.dist(1.0, 0.5, 2.0), st.exponnorm(4.0, loc=1.0, scale=0.5).logcdf,
     [-1.0, 1.0, 5.0]),
    ("Wald", lambda: pm.Wald.dist(mu=1.5, lam=2.0), st.invgauss(0.75, scale=2.0).logcdf, [0.2, 1.0, 6.0]),
    ("TruncatedNormal", lambda: pm.TruncatedNormal.dist(0.5, 2.0, lower=-1.0, upper=3.0),
     st.truncnorm(-0.75, 1.25, 0.5, 2.0).logcdf, [-0.5, 1.0, 2.9]),
]


@pytest.mark.parametrize("make, reference, values", [c[1:] for c in LOGCDF], ids=[c[0] for c in LOGCDF])
def test_logcdf_matches_scipy(make, reference, values):
    values = np.asarray(values, dtype=np.int64 if isinstance(values[0], int) else float)
    assert_close(logcdf_of(make(), values), reference(values), rtol=1e-7)


# ---------------------------------------------------------------------------------------------
# Draws
# ---------------------------------------------------------------------------------------------

N_DRAWS = 4000


def assert_mean_within(draws, mean, variance, z=5.0):
    """The sample mean (per component) within z Monte Carlo standard errors of `mean`."""
    draws = np.asarray(draws, float)
    se = np.sqrt(np.asarray(variance) / draws.shape[0])
    assert np.all(np.abs(draws.mean(axis=0) - mean) < z * se), (draws.mean(axis=0), mean, se)


def assert_variance_within(draws, variance, rel=0.12):
    """Sample variances within `rel` (about 5 standard errors for these shapes at 4000 draws)."""
    got = np.asarray(draws, float).var(axis=0, ddof=1)
    assert np.all(np.abs(got / variance - 1) < rel), (got, variance)


def test_normal_draw_moments():
    draws = pm.draw(pm.Normal.dist(mu=1.5, sigma=2.0), draws=N_DRAWS, random_seed=1)
    assert draws.shape == (N_DRAWS,)
    assert_mean_within(draws, 1.5, 4.0)
    assert_variance_within(draws, 4.0, rel=0.12)
    # sigma = 2 and tau = 1/4 draw from the same distribution
    tau_draws = pm.draw(pm.Normal.dist(mu=1.5, tau=0.25), draws=N_DRAWS, random_seed=2)
    assert_mean_within(tau_draws, 1.5, 4.0)
    assert_variance_within(tau_draws, 4.0)


def test_gamma_draw_moments():
    alpha, beta = 3.0, 2.0
    draws = pm.draw(pm.Gamma.dist(alpha=alpha, beta=beta), draws=N_DRAWS, random_seed=3)
    assert np.all(draws > 0)
    assert_mean_within(draws, alpha / beta, alpha / beta**2)
    assert_variance_within(draws, alpha / beta**2, rel=0.15)
    by_moments = pm.draw(pm.Gamma.dist(mu=1.5, sigma=0.5, size=N_DRAWS), random_seed=4)
    assert by_moments.shape == (N_DRAWS,)
    assert_mean_within(by_moments, 1.5, 0.25)
    assert_variance_within(by_moments, 0.25, rel=0.15)


def test_poisson_draw_moments():
    draws = pm.draw(pm.Poisson.dist(mu=4.5), draws=N_DRAWS, random_seed=5)
    assert np.all(draws == np.round(draws)) and np.all(draws >= 0)
    assert_mean_within(draws, 4.5, 4.5)
    assert_variance_within(draws, 4.5, rel=0.12)


def test_dirichlet_draw_moments():
    a = np.array([1.0, 2.0, 3.5])
    a0 = a.sum()
    draws = pm.draw(pm.Dirichlet.dist(a=a), draws=N_DRAWS, random_seed=6)
    assert draws.shape == (N_DRAWS, 3)
    assert np.allclose(draws.sum(axis=1), 1.0) and np.all(draws > 0)
    mean = a / a0
    variance = mean * (1 - mean) / (a0 + 1)
    assert_mean_within(draws, mean, variance)
    assert_variance_within(draws, variance, rel=0.15)


def test_mvnormal_draw_moments():
    draws = pm.draw(pm.MvNormal.dist(mu=MU3, cov=COV), draws=N_DRAWS, random_seed=7)
    assert draws.shape == (N_DRAWS, 3)
    assert_mean_within(draws, MU3, np.diag(COV))
    sample_cov = np.cov(draws, rowvar=False)
    # standard error of a covariance entry: sqrt((S_ij^2 + S_ii S_jj) / n)
    se = np.sqrt((COV**2 + np.outer(np.diag(COV), np.diag(COV))) / N_DRAWS)
    assert np.all(np.abs(sample_cov - COV) < 5 * se), (sample_cov, COV)
    by_chol = pm.draw(pm.MvNormal.dist(mu=MU3, chol=np.linalg.cholesky(COV), size=N_DRAWS), random_seed=8)
    assert by_chol.shape == (N_DRAWS, 3)
    assert np.all(np.abs(np.cov(by_chol, rowvar=False) - COV) < 5 * se)


def mixture_cdf(w, cdfs):
    return lambda x: sum(wi * f(x) for wi, f in zip(w, cdfs))


# Draws of every continuous univariate family against scipy's CDF (Kolmogorov-Smirnov, fixed seeds),
# through each alternative parameterization, so the random paths use the same mapping as logp.
KS_CASES = [
    ("Normal-tau", lambda n: pm.Normal.dist(mu=1.0, tau=0.25, size=n), st.norm(1.0, 2.0).cdf),
    ("HalfNormal-tau", lambda n: pm.HalfNormal.dist(tau=4.0, size=n), st.halfnorm(scale=0.5).cdf),
    ("TruncatedNormal", lambda n: pm.TruncatedNormal.dist(mu=0.5, sigma=2.0, lower=-1.0, upper=3.0, size=n),
     st.truncnorm(-0.75, 1.25, 0.5, 2.0).cdf),
    ("TruncatedNormal-far-tail", lambda n: pm.TruncatedNormal.dist(mu=0.0, sigma=1.0, lower=6.0, size=n),
     st.truncnorm(6.0, np.inf).cdf),
    ("StudentT-lam", lambda n: pm.StudentT.dist(nu=3.0, mu=-1.0, lam=4.0, size=n), st.t(3.0, -1.0, 0.5).cdf),
    ("HalfStudentT", lambda n: pm.HalfStudentT.dist(nu=3.0, sigma=2.0, size=n),
     lambda x: 2 * st.t(3.0, 0.0, 2.0).cdf(x) - 1),
    ("Cauchy", lambda n: pm.Cauchy.dist(alpha=1.0, beta=0.5, size=n), st.cauchy(1.0, 0.5).cdf),
    ("HalfCauchy", lambda n: pm.HalfCauchy.dist(beta=2.0, size=n), st.halfcauchy(scale=2.0).cdf),
    ("Exponential-scale", lambda n: pm.Exponential.dist(scale=3.0, size=n), st.expon(scale=3.0).cdf),
    ("Gamma-mu-sigma", lambda n: pm.Gamma.dist(mu=3.0, sigma=1.5, size=n), st.gamma(4.0, scale=0.75).cdf),
    ("Gamma-small-shape", lambda n: pm.Gamma.dist(alpha=0.3, beta=1.0, size=n), st.gamma(0.3).cdf),
    ("InverseGamma-mu-sigma", lambda n: pm.InverseGamma.dist(mu=2.0, sigma=0.8, size=n),
     st.invgamma(inverse_gamma_from_moments(2.0, 0.8)[0], scale=inverse_gamma_from_moments(2.0, 0.8)[1]).cdf),
    ("Beta-mu-nu", lambda n: pm.Beta.dist(mu=0.3, nu=12.0, size=n), st.beta(3.6, 8.4).cdf),
    ("Beta-mu-sigma", lambda n: pm.Beta.dist(mu=0.3, sigma=0.1, size=n), st.beta(*beta_from_moments(0.3, 0.1)).cdf),
    ("Beta-small", lambda n: pm.Beta.dist(0.2, 0.3, size=n), st.beta(0.2, 0.3).cdf),
    ("Uniform", lambda n: pm.Uniform.dist(-1.0, 3.0, size=n), st.uniform(-1.0, 4.0).cdf),
    ("LogNormal-tau", lambda n: pm.LogNormal.dist(mu=0.5, tau=4.0, size=n), st.lognorm(0.5, scale=np.exp(0.5)).cdf),
    ("Laplace", lambda n: pm.Laplace.dist(mu=0.5, b=2.0, size=n), st.laplace(0.5, 2.0).cdf),
    ("Logistic", lambda n: pm.Logistic.dist(mu=1.0, s=0.7, size=n), st.logistic(1.0, 0.7).cdf),
    ("Weibull", lambda n: pm.Weibull.dist(alpha=1.7, beta=2.5, size=n), st.weibull_min(1.7, scale=2.5).cdf),
    ("ChiSquared", lambda n: pm.ChiSquared.dist(nu=3.0, size=n), st.chi2(3.0).cdf),
    ("Pareto", lambda n: pm.Pareto.dist(alpha=3.0, m=0.5, size=n), st.pareto(3.0, scale=0.5).cdf),
    ("VonMises", lambda n: pm.VonMises.dist(mu=0.0, kappa=2.0, size=n), st.vonmises(2.0).cdf),
    ("SkewNormal-tau", lambda n: pm.SkewNormal.dist(mu=1.0, tau=0.25, alpha=-3.0, size=n),
     st.skewnorm(-3.0, 1.0, 2.0).cdf),
    ("Gumbel", lambda n: pm.Gumbel.dist(mu=1.0, beta=2.0, size=n), st.gumbel_r(1.0, 2.0).cdf),
    ("Wald-mu-phi", lambda n: pm.Wald.dist(mu=2.0, phi=3.0, size=n), st.invgauss(2.0 / 6.0, scale=6.0).cdf),
    ("ExGaussian", lambda n: pm.ExGaussian.dist(mu=1.0, sigma=0.5, nu=2.0, size=n),
     st.exponnorm(4.0, loc=1.0, scale=0.5).cdf),
    ("Kumaraswamy", lambda n: pm.Kumaraswamy.dist(a=2.0, b=3.5, size=n), lambda x: 1 - (1 - x**2.0) ** 3.5),
    ("Truncated-Gamma", lambda n: pm.Truncated.dist(pm.Gamma.dist(alpha=2.0, beta=0.5), lower=1.0, upper=6.0, size=n),
     lambda x: (st.gamma(2.0, scale=2.0).cdf(x) - st.gamma(2.0, scale=2.0).cdf(1.0))
     / (st.gamma(2.0, scale=2.0).cdf(6.0) - st.gamma(2.0, scale=2.0).cdf(1.0))),
    ("Mixture", lambda n: pm.Mixture.dist(w=np.array([0.3, 0.7]),
                                          comp_dists=[pm.Normal.dist(-2.0, 0.5), pm.Gamma.dist(alpha=3.0, beta=1.0)],
                                          size=n),
     mixture_cdf([0.3, 0.7], [st.norm(-2.0, 0.5).cdf, st.gamma(3.0).cdf])),
    ("NormalMixture", lambda n: pm.NormalMixture.dist(w=np.array([0.6, 0.4]), mu=np.array([0.0, 3.0]),
                                                      sigma=np.array([1.0, 0.5]), size=n),
     mixture_cdf([0.6, 0.4], [st.norm(0.0, 1.0).cdf, st.norm(3.0, 0.5).cdf])),
]


@pytest.mark.parametrize("make, cdf", [c[1:] for c in KS_CASES], ids=[c[0] for c in KS_CASES])
def test_continuous_draws_follow_the_distribution(make, cdf):
    draws = np.asarray(pm.draw(make(3000), random_seed=2026), dtype=float)
    assert draws.shape == (3000,)
    assert np.all(np.isfinite(draws))
    result = st.kstest(draws, cdf)
    assert result.pvalue > 1e-4, f"KS statistic {result.statistic:.4f}, p = {result.pvalue:.2g}"


def _chi_square_pvalue(draws, pmf, support):
    """Pearson's test over `support`, with the mass outside it as one more cell."""
    draws = np.asarray(draws)
    assert np.all(draws == np.round(draws))
    observed = np.array([np.sum(draws == k) for k in support] + [np.sum(~np.isin(draws, support))])
    probabilities = np.array([pmf(k) for k in support])
    probabilities = np.append(probabilities, max(0.0, 1.0 - probabilities.sum()))
    expected = probabilities * draws.size
    keep = expected > 5  # cells with too few expected counts join the last one
    observed = np.append(observed[keep], observed[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if expected[-1] == 0:
        assert observed[-1] == 0
        observed, expected = observed[:-1], expected[:-1]
    return st.chisquare(observed, expected).pvalue


CHI2_CASES = [
    ("Bernoulli-logit_p", lambda n: pm.Bernoulli.dist(logit_p=-0.7, size=n), st.bernoulli(sp.expit(-0.7)).pmf,
     range(2)),
    ("Binomial-logit_p", lambda n: pm.Binomial.dist(n=7, logit_p=1.2, size=n), st.binom(7, sp.expit(1.2)).pmf,
     range(8)),
    ("BetaBinomial", lambda n: pm.BetaBinomial.dist(alpha=2.0, beta=3.5, n=9, size=n), st.betabinom(9, 2.0, 3.5).pmf,
     range(10)),
    ("Poisson", lambda n: pm.Poisson.dist(3.2, size=n), st.poisson(3.2).pmf, range(15)),
    ("NegativeBinomial-mu-alpha", lambda n: pm.NegativeBinomial.dist(mu=4.0, alpha=2.5, size=n),
     st.nbinom(2.5, 2.5 / 6.5).pmf, range(25)),
    ("NegativeBinomial-n-p", lambda n: pm.NegativeBinomial.dist(n=3.0, p=0.4, size=n), st.nbinom(3.0, 0.4).pmf,
     range(25)),
    ("Geometric", lambda n: pm.Geometric.dist(0.25, size=n), st.geom(0.25).pmf, range(1, 30)),
    ("Categorical-logit_p", lambda n: pm.Categorical.dist(logit_p=np.array([0.5, -1.0, 2.0, 0.0]), size=n),
     lambda k: np.exp(log_softmax([0.5, -1.0, 2.0, 0.0]))[k], range(4)),
    ("DiscreteUniform", lambda n: pm.DiscreteUniform.dist(-2, 4, size=n), st.randint(-2, 5).pmf, range(-2, 5)),
    ("ZeroInflatedPoisson", lambda n: pm.ZeroInflatedPoisson.dist(psi=0.7, mu=2.5, size=n),
     lambda k: np.exp(zero_inflated(0.7, st.poisson(2.5).logpmf)(k)), range(15)),
    ("ZeroInflatedBinomial", lambda n: pm.ZeroInflatedBinomial.dist(psi=0.6, n=8, p=0.4, size=n),
     lambda k: np.exp(zero_inflated(0.6, st.binom(8, 0.4).logpmf)(k)), range(9)),
    ("ZeroInflatedNegativeBinomial-n-p", lambda n: pm.ZeroInflatedNegativeBinomial.dist(psi=0.4, n=2.0, p=0.3, size=n),
     lambda k: np.exp(zero_inflated(0.4, st.nbinom(2.0, 0.3).logpmf)(k)), range(30)),
    ("OrderedLogistic", lambda n: pm.OrderedLogistic.dist(eta=0.8, cutpoints=np.array([-1.0, 0.5, 2.0]), size=n),
     lambda k: ordered_probabilities(sp.expit, 0.8, np.array([-1.0, 0.5, 2.0]))[k], range(4)),
    ("OrderedProbit", lambda n: pm.OrderedProbit.dist(eta=0.3, cutpoints=np.array([-0.5, 0.3, 1.0]), sigma=2.0,
                                                      size=n),
     lambda k: ordered_probabilities(lambda z: st.norm.cdf(z / 2.0), 0.3, np.array([-0.5, 0.3, 1.0]))[k], range(4)),
]


@pytest.mark.parametrize("make, pmf, support", [c[1:] for c in CHI2_CASES], ids=[c[0] for c in CHI2_CASES])
def test_discrete_draws_follow_the_distribution(make, pmf, support):
    draws = pm.draw(make(4000), random_seed=2026)
    assert np.shape(draws) == (4000,)
    assert _chi_square_pvalue(draws, pmf, list(support)) > 1e-4


def test_censored_draws_put_the_tails_on_the_bounds():
    draws = pm.draw(pm.Censored.dist(pm.Normal.dist(0.5, 1.2), lower=-1.0, upper=2.0, size=4000), random_seed=3)
    base = st.norm(0.5, 1.2)
    assert draws.min() == -1.0 and draws.max() == 2.0
    for fraction, p in ((np.mean(draws == -1.0), base.cdf(-1.0)), (np.mean(draws == 2.0), base.sf(2.0))):
        assert abs(fraction - p) < 5 * np.sqrt(p * (1 - p) / draws.size)
    inside = draws[(draws > -1.0) & (draws < 2.0)]
    assert st.kstest(inside, st.truncnorm((-1.0 - 0.5) / 1.2, (2.0 - 0.5) / 1.2, 0.5, 1.2).cdf).pvalue > 1e-4


def test_multivariate_draws_have_the_right_moments():
    n = 4000
    # MvStudentT: covariance nu / (nu - 2) * scale
    t_draws = pm.draw(pm.MvStudentT.dist(nu=8.0, mu=MU3, scale=COV, size=n), random_seed=4)
    assert t_draws.shape == (n, 3)
    cov_t = 8.0 / 6.0 * COV
    assert_mean_within(t_draws, MU3, np.diag(cov_t))
    assert np.all(np.abs(np.cov(t_draws, rowvar=False) / cov_t - 1)[np.abs(cov_t) > 0.5] < 0.15)
    # Multinomial: mean n p, rows sum to n
    p = np.array([0.2, 0.3, 0.5])
    m_draws = pm.draw(pm.Multinomial.dist(n=10, p=p, size=n), random_seed=5)
    assert m_draws.shape == (n, 3) and np.all(m_draws.sum(axis=1) == 10)
    assert_mean_within(m_draws, 10 * p, 10 * p * (1 - p))
    # LKJCorr: unit diagonal, symmetric, positive definite; off-diagonal entries have mean 0 and
    # variance 1 / (2 eta + d - 1) (their marginal is 2 Beta(eta - 1 + d/2, eta - 1 + d/2) - 1)
    d, eta = 3, 2.0
    c_draws = pm.draw(pm.LKJCorr.dist(n=d, eta=eta, size=n, return_matrix=True), random_seed=6)
    assert c_draws.shape == (n, d, d)
    assert np.allclose(np.diagonal(c_draws, axis1=1, axis2=2), 1.0)
    assert np.allclose(c_draws, np.swapaxes(c_draws, 1, 2))
    assert np.all(np.linalg.eigvalsh(c_draws) > 0)
    off = c_draws[:, 0, 1]
    b = eta - 1 + d / 2
    assert st.kstest((off + 1) / 2, st.beta(b, b).cdf).pvalue > 1e-4
    # LKJCholeskyCov: rows' lengths are the standard deviations, drawn from sd_dist
    l_draws = pm.draw(pm.LKJCholeskyCov.dist(eta=eta, n=d, sd_dist=pm.Exponential.dist(1.3), size=n),
                      random_seed=7)
    assert l_draws.shape == (n, d, d)
    assert np.allclose(np.triu(l_draws, 1), 0.0)
    sds = np.sqrt(np.sum(l_draws**2, axis=-1))
    assert st.kstest(sds.ravel(), st.expon(scale=1 / 1.3).cdf).pvalue > 1e-4
    # ZeroSumNormal: sums to zero; each entry has variance sigma^2 (1 - 1/n)
    z_draws = pm.draw(pm.ZeroSumNormal.dist(sigma=2.0, shape=4), draws=n, random_seed=8)
    assert z_draws.shape == (n, 4)
    assert np.allclose(z_draws.sum(axis=1), 0.0, atol=1e-10)
    assert_variance_within(z_draws, 4.0 * (1 - 1 / 4), rel=0.12)


def test_time_series_draws_have_the_right_increments():
    n = 2000
    walks = pm.draw(pm.GaussianRandomWalk.dist(mu=0.3, sigma=0.5, init_dist=pm.Normal.dist(2.0, 0.1), steps=6,
                                               size=n), random_seed=9)
    assert walks.shape == (n, 7)
    assert st.kstest(np.diff(walks, axis=1).ravel(), st.norm(0.3, 0.5).cdf).pvalue > 1e-4
    assert_mean_within(walks[:, 0], 2.0, 0.01)
    rho = np.array([0.5, -0.3])
    series = pm.draw(pm.AR.dist(rho=rho, sigma=0.7, init_dist=pm.Normal.dist(0.0, 1.0), steps=8, size=n),
                     random_seed=10)
    assert series.shape == (n, 10)
    innovations = series[:, 2:] - rho[0] * series[:, 1:-1] - rho[1] * series[:, :-2]
    assert st.kstest(innovations.ravel(), st.norm(0.0, 0.7).cdf).pvalue > 1e-4


def test_same_seed_gives_same_draws_and_other_seeds_differ():
    for dist in (pm.Normal.dist(0.0, 1.0), pm.Gamma.dist(alpha=2.0, beta=1.0), pm.Poisson.dist(3.0),
                 pm.Dirichlet.dist(a=np.ones(3)), pm.MvNormal.dist(mu=MU3, cov=COV)):
        first = pm.draw(dist, draws=50, random_seed=42)
        again = pm.draw(dist, draws=50, random_seed=42)
        other = pm.draw(dist, draws=50, random_seed=43)
        np.testing.assert_array_equal(first, again)
        assert not np.array_equal(first, other)
        # the draws are not all the same value
        assert np.unique(first.reshape(50, -1), axis=0).shape[0] > 5


def test_one_draw_has_no_leading_axis():
    assert np.shape(pm.draw(pm.Normal.dist(0.0, 1.0), draws=1, random_seed=1)) == ()
    assert np.shape(pm.draw(pm.Normal.dist(0.0, 1.0, shape=4), random_seed=1)) == (4,)
    assert np.shape(pm.draw(pm.Dirichlet.dist(a=np.ones(3)), draws=1, random_seed=1)) == (3,)
    assert np.shape(pm.draw(pm.MvNormal.dist(mu=MU3, cov=COV), random_seed=1)) == (3,)
    assert np.shape(pm.draw(pm.Poisson.dist(2.0, size=(2, 5)), draws=3, random_seed=1)) == (3, 2, 5)


def test_draw_of_a_list_gives_one_array_each():
    a, b = pm.draw([pm.Normal.dist(0.0, 1.0), pm.Poisson.dist(2.0, shape=3)], draws=10, random_seed=9)
    assert a.shape == (10,) and b.shape == (10, 3)


# ---------------------------------------------------------------------------------------------
# Models: joint log density with Jacobians, its gradient, per-variable terms
# ---------------------------------------------------------------------------------------------

Y_OBS = np.array([0.5, 1.5, -0.2, 2.2])
K_OBS = np.array([1, 3])


def build_model():
    with pm.Model() as model:
        a = pm.Normal("a", mu=1.0, sigma=2.0)
        b = pm.HalfNormal("b", sigma=1.5)
        pm.Beta("c", alpha=2.0, beta=3.0)
        pm.Uniform("d", lower=-1.0, upper=3.0)
        e = pm.Gamma("e", alpha=2.0, beta=3.0, shape=2)
        pm.Exponential("f", lam=0.5)
        pm.Normal("y", mu=a, sigma=b, observed=Y_OBS)
        pm.Poisson("k", mu=e, observed=K_OBS)
    return model


def unconstrained_names(model) -> dict:
    """variable name -> its value variable's name, found by prefix (the suffixes are checked in
    test_value_variable_names_follow_pymc)."""
    names = {}
    for value_name in model.value_vars:
        base = value_name.split("_")[0] if value_name.endswith("__") else value_name
        names[base] = value_name
    return names


def reference_terms(u: dict) -> dict:
    """Each variable's log density term at the unconstrained point `u` (by variable name),
    including the log-Jacobian of its default transform, computed with scipy."""
    a = u["a"]
    b = np.exp(u["b"])
    c = sp.expit(u["c"])
    d = -1.0 + 4.0 * sp.expit(u["d"])
    e = np.exp(u["e"])
    f = np.exp(u["f"])
    return {
        "a": st.norm(1.0, 2.0).logpdf(a),
        "b": st.halfnorm(scale=1.5).logpdf(b) + u["b"],  # log: dx/du = x
        "c": st.beta(2.0, 3.0).logpdf(c) + np.log(c) + np.log1p(-c),  # logodds: x (1 - x)
        "d": st.uniform(-1.0, 4.0).logpdf(d) + np.log(4.0) + np.log(sp.expit(u["d"])) + np.log(sp.expit(-u["d"])),
        "e": np.sum(st.gamma(2.0, scale=1 / 3.0).logpdf(e) + u["e"]),
        "f": st.expon(scale=2.0).logpdf(f) + u["f"],
        "y": np.sum(st.norm(a, b).logpdf(Y_OBS)),
        "k": np.sum(st.poisson(e).logpmf(K_OBS)),
    }


def model_points():
    rng = np.random.default_rng(11)
    yield {"a": 0.0, "b": 0.0, "c": 0.0, "d": 0.0, "e": np.zeros(2), "f": 0.0}
    for _ in range(2):
        yield {"a": rng.normal(), "b": rng.normal(), "c": rng.normal(), "d": rng.normal(),
               "e": rng.normal(size=2), "f": rng.normal()}


def as_point(model, u: dict) -> dict:
    names = unconstrained_names(model)
    return {names[k]: np.asarray(v, float) for k, v in u.items()}


def test_model_initial_point_is_zero_on_the_unconstrained_scale():
    model = build_model()
    point = model.initial_point()
    assert set(point) == set(model.value_vars)
    assert point[unconstrained_names(model)["e"]].shape == (2,)
    assert all(np.all(v == 0) for v in point.values())


def test_model_logp_matches_scipy_with_jacobians():
    model = build_model()
    logp = model.compile_logp()
    assert np.isclose(logp(model.initial_point()), sum(reference_terms(next(model_points())).values()),
                      rtol=1e-10)
    for u in model_points():
        expected = sum(reference_terms(u).values())
        assert np.isclose(logp(as_point(model, u)), expected, rtol=1e-10), (u, logp(as_point(model, u)), expected)


def test_model_dlogp_matches_finite_differences():
    model = build_model()
    _finite_difference_check(model, [as_point(model, u) for u in model_points()])


def test_point_logps_per_variable_match_scipy():
    model = build_model()
    for u in model_points():
        terms = model.point_logps(as_point(model, u), round_vals=10)
        expected = reference_terms(u)
        assert set(terms) == set(expected)
        for name, value in expected.items():
            assert np.isclose(terms[name], value, rtol=1e-9, atol=1e-9), (name, terms[name], value)
    # default: the initial point, rounded to 2 decimals as PyMC does
    default = model.point_logps()
    for name, value in reference_terms(next(model_points())).items():
        assert default[name] == pytest.approx(round(value, 2), abs=1e-12)


def test_model_with_multivariate_free_variables():
    """Dirichlet through the simplex transform, checked against scipy plus the transform's Jacobian
    computed numerically from the model's own constrain map (via point_logps of the unconstrained
    point vs. scipy at the constrained point)."""
    with pm.Model() as model:
        pm.MvNormal("z", mu=MU3, cov=COV)
        pm.Dirichlet("w", a=np.array([2.0, 3.0, 4.0]))
    names = unconstrained_names(model)
    rng = np.random.default_rng(2)
    z = rng.normal(size=3)
    u = rng.normal(size=2)
    point = {names["z"]: z, names["w"]: u}
    compiled = model.compiled()
    flat = model._flat_point(point)
    w = compiled.constrain(flat)["w"]
    assert np.isclose(w.sum(), 1.0) and np.all(w > 0)

    # numerical log-Jacobian of u -> (w_0, w_1) (w_2 = 1 - w_0 - w_1)
    def first_two(v):
        p = dict(point)
        p[names["w"]] = v
        return compiled.constrain(model._flat_point(p))["w"][:2]

    h = 1e-6
    jac = np.column_stack([(first_two(u + h * np.eye(2)[j]) - first_two(u - h * np.eye(2)[j])) / (2 * h)
                           for j in range(2)])
    expected_w = st.dirichlet([2.0, 3.0, 4.0]).logpdf(w) + np.linalg.slogdet(jac)[1]
    expected_z = st.multivariate_normal(MU3, COV).logpdf(z)
    terms = model.point_logps(point, round_vals=10)
    assert np.isclose(terms["z"], expected_z, rtol=1e-9)
    assert np.isclose(terms["w"], expected_w, rtol=1e-6)
    assert np.isclose(model.compile_logp()(point), expected_z + expected_w, rtol=1e-6)


def test_value_variable_names_follow_pymc_for_log_and_logodds():
    model = build_model()
    assert {"a", "b_log__", "c_logodds__", "e_log__", "f_log__"} <= set(model.value_vars)


# One free variable per model, default transform whatever it is: the joint log density at an
# unconstrained u must be scipy's log density at x = constrain(u) plus log |dx/du|, the derivative
# taken numerically from the model's own constrain map; the gradient must match finite differences.
FREE_SCALARS = [
    ("Normal", lambda name: pm.Normal(name, mu=1.0, sigma=2.0), st.norm(1.0, 2.0).logpdf),
    ("HalfNormal-tau", lambda name: pm.HalfNormal(name, tau=0.25), st.halfnorm(scale=2.0).logpdf),
    ("Beta-mu-nu", lambda name: pm.Beta(name, mu=0.3, nu=12.0), st.beta(3.6, 8.4).logpdf),
    ("Uniform", lambda name: pm.Uniform(name, lower=-1.0, upper=3.0), st.uniform(-1.0, 4.0).logpdf),
    ("TruncatedNormal-both", lambda name: pm.TruncatedNormal(name, mu=0.5, sigma=2.0, lower=-1.0, upper=3.0),
     st.truncnorm(-0.75, 1.25, 0.5, 2.0).logpdf),
    ("TruncatedNormal-lower", lambda name: pm.TruncatedNormal(name, mu=0.0, sigma=1.0, lower=1.0),
     st.truncnorm(1.0, np.inf).logpdf),
    ("TruncatedNormal-upper", lambda name: pm.TruncatedNormal(name, mu=0.0, sigma=1.0, upper=-1.0),
     st.truncnorm(-np.inf, -1.0).logpdf),
    ("Pareto", lambda name: pm.Pareto(name, alpha=3.0, m=0.5), st.pareto(3.0, scale=0.5).logpdf),
    ("VonMises", lambda name: pm.VonMises(name, mu=0.0, kappa=2.0), st.vonmises(2.0).logpdf),
    ("Kumaraswamy", lambda name: pm.Kumaraswamy(name, a=2.0, b=3.5), lambda x: kumaraswamy_logpdf(x, 2.0, 3.5)),
    ("Wald-mu-phi", lambda name: pm.Wald(name, mu=2.0, phi=3.0), st.invgauss(1 / 3.0, scale=6.0).logpdf),
    ("InverseGamma-mu-sigma", lambda name: pm.InverseGamma(name, mu=2.0, sigma=0.8),
     st.invgamma(inverse_gamma_from_moments(2.0, 0.8)[0], scale=inverse_gamma_from_moments(2.0, 0.8)[1]).logpdf),
    ("Gamma-mu-sigma", lambda name: pm.Gamma(name, mu=3.0, sigma=1.5), st.gamma(4.0, scale=0.75).logpdf),
    ("Exponential-scale", lambda name: pm.Exponential(name, scale=3.0), st.expon(scale=3.0).logpdf),
    ("LogNormal-tau", lambda name: pm.LogNormal(name, mu=0.5, tau=4.0), st.lognorm(0.5, scale=np.exp(0.5)).logpdf),
    ("HalfStudentT-lam", lambda name: pm.HalfStudentT(name, nu=3.0, lam=0.25),
     lambda x: half_student_t_logpdf(x, 3.0, 2.0)),
    ("HalfCauchy", lambda name: pm.HalfCauchy(name, beta=2.0), st.halfcauchy(scale=2.0).logpdf),
    ("Weibull", lambda name: pm.Weibull(name, alpha=1.7, beta=2.5), st.weibull_min(1.7, scale=2.5).logpdf),
    ("ChiSquared", lambda name: pm.ChiSquared(name, nu=3.0), st.chi2(3.0).logpdf),
    ("StudentT-lam", lambda name: pm.StudentT(name, nu=3.0, mu=1.0, lam=0.25), st.t(3.0, 1.0, 2.0).logpdf),
    ("Truncated-Normal", lambda name: pm.Truncated(name, pm.Normal.dist(0.3, 1.5), lower=-1.0, upper=2.0),
     lambda x: st.norm(0.3, 1.5).logpdf(x) - np.log(st.norm(0.3, 1.5).cdf(2.0) - st.norm(0.3, 1.5).cdf(-1.0))),
    ("Mixture", lambda name: pm.Mixture(name, w=np.array([0.3, 0.7]),
                                   comp_dists=[pm.Normal.dist(-2.0, 0.5), pm.Normal.dist(1.0, 1.0)]),
     lambda x: mixture_logpdf(np.array([0.3, 0.7]), [st.norm(-2.0, 0.5).logpdf, st.norm(1.0, 1.0).logpdf],
                              np.atleast_1d(x))[0]),
]


@pytest.fixture(scope="module")
def free_scalars_model():
    """All FREE_SCALARS in one model (one compilation), each named by its id."""
    with pm.Model() as model:
        for name, make, _ in FREE_SCALARS:
            make(name)
    value_names = dict(zip([b["name"] for b in model._blocks()], model.value_vars))
    return model, value_names, model.compile_logp(), model.compile_dlogp()


def _point_with(value_names, overrides=None, default=0.2):
    point = {v: np.array(default) for v in value_names.values()}
    point.update(overrides or {})
    return point


@pytest.mark.parametrize("name, reference", [(c[0], c[2]) for c in FREE_SCALARS], ids=[c[0] for c in FREE_SCALARS])
def test_free_variable_logp_includes_the_log_jacobian(free_scalars_model, name, reference):
    model, value_names, _, _ = free_scalars_model
    compiled = model.compiled()
    value_name = value_names[name]

    def constrained(u):
        flat = model._flat_point(_point_with(value_names, {value_name: np.array(u)}))
        return float(compiled.constrain(flat)[name])

    h = 1e-6
    for u in (-1.3, 0.0, 0.4, 1.7):
        x = constrained(u)
        dx_du = (constrained(u + h) - constrained(u - h)) / (2 * h)
        expected = float(reference(x)) + np.log(abs(dx_du))
        term = model.point_logps(_point_with(value_names, {value_name: np.array(u)}), round_vals=12)[name]
        assert np.isclose(term, expected, rtol=1e-6, atol=1e-6), (u, x, term, expected)


def test_free_variables_joint_logp_and_gradient(free_scalars_model):
    model, value_names, logp, dlogp = free_scalars_model
    names = model.value_vars
    rng = np.random.default_rng(4)
    u = rng.normal(size=len(names))
    point = dict(zip(names, u))
    terms = model.point_logps({k: np.array(v) for k, v in point.items()}, round_vals=12)
    assert np.isclose(logp(point), sum(terms.values()), rtol=1e-9)
    h = 1e-6
    numeric = np.array([(logp(dict(zip(names, u + h * e))) - logp(dict(zip(names, u - h * e)))) / (2 * h)
                        for e in np.eye(len(names))])
    np.testing.assert_allclose(np.asarray(dlogp(point)), numeric, rtol=1e-5, atol=1e-5)


def test_model_dlogp_with_multivariate_transforms_matches_finite_differences():
    data = np.array([[0.5, -1.0, 0.3], [1.2, 0.4, -0.6], [-0.3, 0.1, 0.9], [0.0, 0.5, 0.2]])
    with pm.Model() as model:
        chol, _, _ = pm.LKJCholeskyCov("chol", eta=2.0, n=3, sd_dist=pm.Exponential.dist(1.0))
        pm.MvNormal("y", mu=0.0, chol=chol, observed=data)
        pm.Dirichlet("w", a=np.array([2.0, 3.0, 4.0]))
        pm.ZeroSumNormal("z", sigma=1.5, shape=4)
        mu = pm.Normal("mu", 0.0, 1.0, shape=3)
        pm.MvNormal("y2", mu=mu, cov=COV, observed=data)
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    names = model.value_vars
    point = model.initial_point()
    rng = np.random.default_rng(21)
    point = {n: 0.3 * rng.normal(size=np.shape(v)) for n, v in point.items()}
    flat = np.concatenate([np.atleast_1d(point[n]).ravel() for n in names])

    def unflatten(vector):
        out, offset = {}, 0
        for n in names:
            size = np.size(point[n])
            out[n] = vector[offset:offset + size].reshape(np.shape(point[n]))
            offset += size
        return out

    h = 1e-6
    numeric = np.array([(logp(unflatten(flat + h * e)) - logp(unflatten(flat - h * e))) / (2 * h)
                        for e in np.eye(flat.size)])
    np.testing.assert_allclose(np.asarray(dlogp(point)), numeric, rtol=1e-5, atol=1e-5)

    # The observed terms at the constrained point, against scipy.
    constrained = model.compiled().constrain(model._flat_point(point))
    lower = np.asarray(constrained["chol"])
    terms = model.point_logps(point, round_vals=10)
    expected_y = st.multivariate_normal(np.zeros(3), lower @ lower.T).logpdf(data).sum()
    expected_y2 = st.multivariate_normal(np.asarray(constrained["mu"]), COV).logpdf(data).sum()
    assert np.isclose(terms["y"], expected_y, rtol=1e-9)
    assert np.isclose(terms["y2"], expected_y2, rtol=1e-9)
    assert np.isclose(np.sum(constrained["z"]), 0.0, atol=1e-12)


def test_alternative_parameterizations_with_model_variables_as_parameters():
    """tau, lam, mu/sigma, mu/nu, phi, n/p given free variables: the conversions are graphs."""
    y = np.array([0.3, -1.2, 0.8])
    k = np.array([0, 2, 5])
    x = np.array([0.2, 0.45, 0.7])
    with pm.Model() as model:
        t = pm.Gamma("t", alpha=2.0, beta=1.0)
        m = pm.Beta("m", alpha=2.0, beta=2.0)
        pm.Normal("y_tau", mu=0.0, tau=t, observed=y)
        pm.StudentT("y_lam", nu=4.0, mu=0.0, lam=t, observed=y)
        pm.Beta("x_mu_nu", mu=m, nu=t, observed=x)
        pm.Gamma("g_mu_sigma", mu=t, sigma=m, observed=x)
        pm.Wald("w_phi", mu=t, phi=m, observed=x)
        pm.NegativeBinomial("k_np", n=t, p=m, observed=k)
    names = unconstrained_names(model)
    point = {names["t"]: np.array(0.4), names["m"]: np.array(-0.3)}
    t_value, m_value = np.exp(0.4), sp.expit(-0.3)
    terms = model.point_logps(point, round_vals=10)
    expected = {
        "y_tau": st.norm(0.0, t_value**-0.5).logpdf(y).sum(),
        "y_lam": st.t(4.0, 0.0, t_value**-0.5).logpdf(y).sum(),
        "x_mu_nu": st.beta(m_value * t_value, (1 - m_value) * t_value).logpdf(x).sum(),
        "g_mu_sigma": st.gamma((t_value / m_value) ** 2, scale=m_value**2 / t_value).logpdf(x).sum(),
        "w_phi": st.invgauss(1 / m_value, scale=t_value * m_value).logpdf(x).sum(),
        "k_np": st.nbinom(t_value, m_value).logpmf(k).sum(),
    }
    for name, value in expected.items():
        assert np.isclose(terms[name], value, rtol=1e-9), (name, terms[name], value)


INTERVAL_NAMED = [
    ("Uniform", lambda: pm.Uniform("x", lower=-1.0, upper=3.0)),
    ("TruncatedNormal-both", lambda: pm.TruncatedNormal("x", mu=0.0, sigma=1.0, lower=-1.0, upper=2.0)),
    ("TruncatedNormal-lower", lambda: pm.TruncatedNormal("x", mu=0.0, sigma=1.0, lower=0.0)),
    ("Pareto", lambda: pm.Pareto("x", alpha=3.0, m=0.5)),
]


@pytest.mark.parametrize("make", [c[1] for c in INTERVAL_NAMED], ids=[c[0] for c in INTERVAL_NAMED])
def test_bounded_families_value_variable_is_named_interval_as_in_pymc(make):
    with pm.Model() as model:
        make()
    assert model.value_vars == ["x_interval__"]


def test_vonmises_value_variable_is_circular_as_in_pymc():
    with pm.Model() as model:
        pm.VonMises("x", mu=0.0, kappa=1.0)
    assert model.value_vars == ["x_circular__"]


# ---------------------------------------------------------------------------------------------
# Errors users see
# ---------------------------------------------------------------------------------------------


def test_missing_required_parameter_is_a_type_error():
    with pytest.raises(TypeError):
        pm.Gamma.dist(alpha=2.0)
    with pytest.raises(TypeError):
        pm.Poisson.dist()
    with pytest.raises(TypeError):
        pm.Binomial.dist(n=3)
    with pytest.raises(TypeError):
        pm.MvNormal.dist(mu=MU3)


def test_both_sigma_and_tau_is_a_value_error_naming_both():
    with pytest.raises(ValueError, match=r"sigma.*tau|tau.*sigma"):
        pm.Normal.dist(mu=0.0, sigma=1.0, tau=1.0)
    with pytest.raises(ValueError, match=r"sigma.*lam|lam.*sigma"):
        pm.StudentT.dist(nu=3.0, sigma=1.0, lam=1.0)
    with pytest.raises(ValueError, match=r"lam.*scale|scale.*lam"):
        pm.Exponential.dist(lam=1.0, scale=1.0)


def test_invalid_constant_parameter_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="sigma"):
        pm.Normal.dist(mu=0.0, sigma=-1.0)
    with pytest.raises(ValueError, match="sigma"):
        with pm.Model():
            pm.Normal("x", mu=0.0, sigma=-1.0)
    with pytest.raises(ValueError, match="p"):
        pm.Bernoulli.dist(p=1.5)


INVALID_ALTERNATIVES = [
    ("Normal-tau", lambda: pm.Normal.dist(mu=0.0, tau=-1.0), "tau"),
    ("Normal-tau-array", lambda: pm.Normal.dist(mu=0.0, tau=np.array([1.0, 0.0])), "tau"),
    ("HalfNormal-tau", lambda: pm.HalfNormal.dist(tau=0.0), "tau"),
    ("LogNormal-tau", lambda: pm.LogNormal.dist(tau=-2.0), "tau"),
    ("StudentT-lam", lambda: pm.StudentT.dist(nu=3.0, lam=-2.0), "lam"),
    ("HalfStudentT-lam", lambda: pm.HalfStudentT.dist(nu=3.0, lam=-2.0), "lam"),
    ("Exponential-scale", lambda: pm.Exponential.dist(scale=-1.0), "scale"),
    ("Gamma-mu", lambda: pm.Gamma.dist(mu=-1.0, sigma=1.0), "mu"),
    ("Gamma-sigma", lambda: pm.Gamma.dist(mu=1.0, sigma=0.0), "sigma"),
    ("InverseGamma-sigma", lambda: pm.InverseGamma.dist(mu=1.0, sigma=-1.0), "sigma"),
    ("Beta-mu", lambda: pm.Beta.dist(mu=1.5, nu=2.0), "mu"),
    ("Beta-nu", lambda: pm.Beta.dist(mu=0.5, nu=-2.0), "nu"),
    ("Beta-sigma-too-large", lambda: pm.Beta.dist(mu=0.5, sigma=0.6), "sigma"),
    ("Wald-phi", lambda: pm.Wald.dist(mu=1.0, phi=-1.0), "phi"),
    ("NegativeBinomial-p", lambda: pm.NegativeBinomial.dist(n=2.0, p=1.5), "p"),
    ("ZeroInflatedNegativeBinomial-p", lambda: pm.ZeroInflatedNegativeBinomial.dist(psi=0.5, n=2.0, p=1.5), "p"),
    ("NormalMixture-tau", lambda: pm.NormalMixture.dist(w=np.array([0.5, 0.5]), mu=np.zeros(2),
                                                        tau=np.array([1.0, -1.0])), "tau"),
    ("MvNormal-tau", lambda: pm.MvNormal.dist(mu=np.zeros(2), tau=np.array([[1.0, 2.0], [2.0, 1.0]])), "tau"),
    ("Dirichlet-a", lambda: pm.Dirichlet.dist(a=np.array([1.0, -1.0])), "a"),
    ("Bernoulli-p", lambda: pm.Bernoulli.dist(p=1.5), "p"),
]


@pytest.mark.parametrize("make, name", [c[1:] for c in INVALID_ALTERNATIVES], ids=[c[0] for c in INVALID_ALTERNATIVES])
def test_invalid_constant_of_any_parameterization_names_what_the_user_gave(make, name):
    """Not the converted parameter (sigma for tau), and no NaN in the message."""
    with pytest.raises(ValueError, match=rf"\b{name}\b") as error:
        make()
    assert "nan" not in str(error.value).lower()


def test_name_that_is_not_a_string_is_a_type_error():
    with pm.Model():
        with pytest.raises(TypeError, match="name"):
            pm.Normal(3, 0.0, 1.0)


def test_duplicate_variable_name_is_a_value_error():
    with pm.Model():
        pm.Normal("x", 0.0, 1.0)
        with pytest.raises(ValueError, match="'x'"):
            pm.HalfNormal("x", 1.0)


def test_variable_outside_a_model_is_a_type_error():
    with pytest.raises(TypeError, match="[Mm]odel"):
        pm.Normal("x", 0.0, 1.0)


def test_unknown_keyword_is_a_type_error_naming_it():
    with pytest.raises(TypeError, match="sgima"):
        pm.Normal.dist(mu=0.0, sgima=1.0)
    with pm.Model():
        with pytest.raises(TypeError, match="sgima"):
            pm.Normal("x", mu=0.0, sgima=1.0)


def test_observed_with_the_wrong_shape_is_a_value_error_with_both_shapes():
    with pm.Model():
        with pytest.raises(ValueError) as error:
            pm.Normal("y", 0.0, 1.0, shape=3, observed=np.array([1.0, 2.0]))
    message = str(error.value)
    assert "(2,)" in message and "(3,)" in message and "y" in message


def test_observed_outside_the_support_is_a_value_error_naming_the_variable():
    with pm.Model():
        with pytest.raises(ValueError, match="counts"):
            pm.Poisson("counts", mu=2.0, observed=np.array([1, -1, 3]))


def test_nan_in_discrete_observed_values_becomes_a_discrete_free_variable():
    # Sampled by a discrete step (test_step_methods.py checks the imputed values' posterior).
    with pm.Model() as model:
        pm.Poisson("counts", mu=2.0, observed=np.array([1.0, np.nan, 3.0]))
    assert [v.name for v in model.free_RVs] == ["counts_unobserved"]
    assert model.free_RVs[0].dtype.startswith("int")


def test_unknown_variable_lookup_is_a_key_error_naming_it():
    model = build_model()
    with pytest.raises(KeyError, match="nope"):
        model["nope"]
    assert model["a"].name == "a"


# ---------------------------------------------------------------------------------------------
# Every exported family is checked above
# ---------------------------------------------------------------------------------------------

# Families the engine gained for the front end: (name, dist, (values, scipy logp)).
def _hurdle_poisson(x, psi, mu):
    positive = np.log(psi) + st.poisson(mu).logpmf(x) - np.log1p(-np.exp(-mu))
    return np.where(x == 0, np.log1p(-psi), positive)


def _logit_normal(x, mu, sigma):
    logit = np.log(x / (1 - x))
    return st.norm(mu, sigma).logpdf(logit) - np.log(x * (1 - x))


def _discrete_weibull(x, q, beta):
    return np.log(q ** (x ** beta) - q ** ((x + 1) ** beta))


def _hurdle_gamma(x, psi, alpha, beta):
    gamma = st.gamma(alpha, scale=1 / beta)
    positive = np.log(psi) + gamma.logpdf(x) - gamma.logsf(np.finfo(float).eps)
    return np.where(x == 0, np.log1p(-psi), positive)


ENGINE_FAMILIES = [
    ("AsymmetricLaplace", lambda: pm.AsymmetricLaplace.dist(kappa=2.0, mu=0.5, b=1.5),
     (np.array([-2.0, 0.1, 0.5, 3.0]), lambda x: st.laplace_asymmetric(2.0, loc=0.5, scale=1.5).logpdf(x))),
    ("Triangular", lambda: pm.Triangular.dist(lower=-1.0, c=0.5, upper=2.0),
     (np.array([-0.5, 0.5, 1.9]), lambda x: st.triang(0.5, loc=-1.0, scale=3.0).logpdf(x))),
    ("Rice", lambda: pm.Rice.dist(nu=1.5, sigma=0.7),
     (np.array([0.1, 1.0, 3.0]), lambda x: st.rice(1.5 / 0.7, scale=0.7).logpdf(x))),
    ("Moyal", lambda: pm.Moyal.dist(mu=0.5, sigma=2.0),
     (np.array([-1.0, 0.3, 5.0]), lambda x: st.moyal(0.5, 2.0).logpdf(x))),
    ("LogitNormal", lambda: pm.LogitNormal.dist(mu=0.3, sigma=1.2),
     (np.array([0.05, 0.5, 0.9]), lambda x: _logit_normal(x, 0.3, 1.2))),
    ("HyperGeometric", lambda: pm.HyperGeometric.dist(N=20, k=7, n=5),
     (np.array([0, 2, 5]), lambda x: st.hypergeom(20, 7, 5).logpmf(x))),
    ("DiscreteWeibull", lambda: pm.DiscreteWeibull.dist(q=0.6, beta=1.3),
     (np.array([0, 1, 4]), lambda x: _discrete_weibull(x, 0.6, 1.3))),
    ("HurdlePoisson", lambda: pm.HurdlePoisson.dist(psi=0.7, mu=3.0),
     (np.array([0, 1, 6]), lambda x: _hurdle_poisson(x, 0.7, 3.0))),
    ("HurdleNegativeBinomial", lambda: pm.HurdleNegativeBinomial.dist(psi=0.6, mu=2.0, alpha=3.0),
     (np.array([0, 2, 7]), lambda x: np.where(
         x == 0, np.log(0.4),
         np.log(0.6) + st.nbinom(3.0, 3.0 / 5.0).logpmf(x) - np.log1p(-st.nbinom(3.0, 3.0 / 5.0).pmf(0))))),
    ("HurdleGamma", lambda: pm.HurdleGamma.dist(psi=0.8, alpha=2.0, beta=1.5),
     (np.array([0.0, 0.4, 3.0]), lambda x: _hurdle_gamma(x, 0.8, 2.0, 1.5))),
    ("HurdleLogNormal", lambda: pm.HurdleLogNormal.dist(psi=0.8, mu=0.2, sigma=0.9),
     (np.array([0.0, 0.4, 3.0]), lambda x: np.where(
         x == 0, np.log(0.2), np.log(0.8) + st.lognorm(0.9, scale=np.exp(0.2)).logpdf(np.where(x == 0, 1, x))))),
]


@pytest.mark.parametrize("make, case", [c[1:] for c in ENGINE_FAMILIES], ids=[c[0] for c in ENGINE_FAMILIES])
def test_engine_families_logp_matches_scipy(make, case):
    values, reference = case
    with np.errstate(divide="ignore"):
        assert_close(logp_of(make(), values), reference(values), rtol=1e-7)


# Polya-Gamma PG(h, z). References: the textbook alternating series for p(x | h, 0) summed by mpmath
# in as many digits as its cancellation needs (at least 50), the closed-form Laplace transform,
# finite differences, and the closed-form mean and variance.


def _polya_gamma_reference_logpdf(h, z, x):
    """log p(x | h, z) = h log cosh(z/2) - z^2 x / 2 + log of
    2^(h-1) / Gamma(h) sum_n (-1)^n Gamma(n + h) / n! (2n + h) / sqrt(2 pi x^3) exp(-(2n + h)^2 / (8x)),
    the sum taken with 50 digits, or more where its terms cancel (large x): the working precision
    is raised until it exceeds the digits lost (largest term over the sum) by 30."""
    import mpmath as mp

    dps = 50
    while True:
        with mp.workdps(dps):
            hh, xx = mp.mpf(h), mp.mpf(x)
            total, largest, n = mp.mpf(0), mp.mpf(0), 0
            while True:
                term = (-1) ** n * mp.exp(mp.loggamma(n + hh) - mp.loggamma(n + 1) + mp.log(2 * n + hh)
                                          - (2 * n + hh) ** 2 / (8 * xx))
                total += term
                largest = max(largest, abs(term))
                # past the largest term (n^2 > 4 x h) and below the working precision
                if n > 10 and n * n > 4 * xx * hh and abs(term) < abs(total) * mp.mpf(10) ** -dps:
                    break
                n += 1
            lost = float(mp.log10(largest / abs(total))) if total != 0 else dps
            if total > 0 and lost < dps - 30:
                log_p0 = ((hh - 1) * mp.log(2) - mp.loggamma(hh) - mp.log(2 * mp.pi * xx ** 3) / 2
                          + mp.log(total))
                zz = mp.mpf(z)
                return float(hh * mp.log(mp.cosh(zz / 2)) - zz ** 2 * xx / 2 + log_p0)
        dps = int(lost) + 60


POLYA_GAMMA_H = [0.5, 0.8, 1.0, 2.5, 7.0, 13.0, 25.0, 50.0]


@pytest.mark.parametrize("h", POLYA_GAMMA_H)
def test_polya_gamma_logp_matches_mpmath(h):
    """Over x in [1e-3, 100] (both sides of the engine's switch between its small-x series and its
    large-x expansion at x = 1 + h/8) and z in {0, 1.5, -7, 50}: log p within 1e-9."""
    xs = np.concatenate([np.geomspace(1e-3, 100.0, 13), [(1 + h / 8) * (1 - 1e-9), 1 + h / 8]])
    for z in (0.0, 1.5, -7.0, 50.0):
        got = logp_of(pm.PolyaGamma.dist(h=h, z=z), xs)
        expected = np.array([_polya_gamma_reference_logpdf(h, z, x) for x in xs])
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9, err_msg=f"h={h} z={z}")


def test_polya_gamma_logp_defaults_and_positional_arguments_follow_pymc():
    x = np.array([0.1, 0.5, 2.0])
    assert_close(logp_of(pm.PolyaGamma.dist(), x), logp_of(pm.PolyaGamma.dist(h=1.0, z=0.0), x))
    assert_close(logp_of(pm.PolyaGamma.dist(3.0, 2.0), x), logp_of(pm.PolyaGamma.dist(h=3.0, z=2.0), x))
    # z enters through |z|
    assert_close(logp_of(pm.PolyaGamma.dist(3.0, -2.0), x), logp_of(pm.PolyaGamma.dist(3.0, 2.0), x))


@pytest.mark.parametrize("h, z", [(0.6, 0.0), (1.0, 2.5), (4.5, -3.0), (30.0, 10.0)])
def test_polya_gamma_density_integrates_to_one_with_the_closed_form_laplace_transform(h, z):
    """E exp(-t X) = cosh(z/2)^h / cosh(sqrt(z^2/4 + t/2))^h (t = 0: the density integrates to 1),
    by scipy's quad over exp(logp)."""
    from scipy import integrate

    from hypatia import pytensor
    import hypatia.tensor as pt

    value = pt.dscalar("x")
    logp = pytensor.function([value], pm.logp(pm.PolyaGamma.dist(h=h, z=z), value))
    mean = h / 4 if z == 0 else h / (2 * z) * np.tanh(z / 2)
    pieces = [(0, mean / 2), (mean / 2, 2 * mean), (2 * mean, 10 * mean), (10 * mean, np.inf)]
    for t in (0.0, 0.7, 3.0, 20.0):
        def integrand(x, t=t):
            return np.exp(float(logp(x)) - t * x)

        got = sum(integrate.quad(integrand, a, b, epsabs=0, epsrel=1e-11, limit=200)[0] for a, b in pieces)
        expected = (np.cosh(z / 2) / np.cosh(np.sqrt(z * z / 4 + t / 2))) ** h
        assert abs(got / expected - 1) < 1e-8, (t, got, expected)


def _finite_difference_check(model, points, step=1e-5, rtol=1e-6, atol=1e-6):
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    names = model.value_vars
    for point in points:
        flat = np.concatenate([np.atleast_1d(point[n]).ravel() for n in names])
        numeric = np.empty_like(flat)
        for i in range(flat.size):
            values = []
            for sign in (1, -1):
                shifted = flat.copy()
                shifted[i] += sign * step
                offset, moved = 0, {}
                for n in names:
                    size = np.size(point[n])
                    moved[n] = shifted[offset:offset + size].reshape(np.shape(point[n]))
                    offset += size
                values.append(logp(moved))
            numeric[i] = (values[0] - values[1]) / (2 * step)
        np.testing.assert_allclose(np.asarray(dlogp(point)), numeric, rtol=rtol, atol=atol)


def test_polya_gamma_gradient_in_x_matches_finite_differences():
    """x free (on the log scale), at points on both sides of the switch x = 1 + h/8."""
    for h, z in [(0.7, 0.0), (2.5, 1.5), (40.0, -3.0)]:
        with pm.Model() as model:
            pm.PolyaGamma("x", h=h, z=z)
        name = model.value_vars[0]
        points = [{name: np.log(x)} for x in (0.02, 0.3, 1.0 + h / 8 - 0.05, 1.0 + h / 8 + 0.05, 4.0, 15.0)]
        _finite_difference_check(model, points)


def test_polya_gamma_gradient_in_h_and_z_matches_finite_differences():
    """h and z free, with observations on both sides of the switch."""
    with pm.Model() as model:
        h = pm.HalfNormal("h", sigma=10.0)
        z = pm.Normal("z", 0.0, 5.0)
        pm.PolyaGamma("y", h=h, z=z, observed=np.array([0.05, 0.4, 1.3, 3.0, 8.0]))
    log_h, z_name = model.value_vars
    points = [{log_h: np.log(hv), z_name: zv} for hv, zv in [(0.6, 0.0), (1.0, 0.3), (3.3, -1.2), (20.0, 2.0)]]
    _finite_difference_check(model, points, rtol=1e-5, atol=1e-5)


def _polya_gamma_variance(h, z):
    if z == 0:
        return h / 24
    return h / (4 * z ** 3) * (np.sinh(z) - z) / np.cosh(z / 2) ** 2


@pytest.mark.parametrize("h, z", [(1.0, 0.0), (2.5, 1.7), (0.6, -4.0), (12.0, 0.3), (3.0, 40.0)])
def test_polya_gamma_draws_have_the_closed_form_mean_and_variance(h, z):
    draws = pm.draw(pm.PolyaGamma.dist(h=h, z=z), draws=N_DRAWS, random_seed=17)
    assert draws.shape == (N_DRAWS,) and np.all(draws > 0)
    mean = h / 4 if z == 0 else h / (2 * z) * np.tanh(z / 2)
    variance = _polya_gamma_variance(h, z)
    assert_mean_within(draws, mean, variance)
    # the sample variance within 5 of its standard errors (from the sample's fourth central moment)
    centered = draws - draws.mean()
    se = np.sqrt((np.mean(centered ** 4) - variance ** 2) / N_DRAWS)
    assert abs(draws.var(ddof=1) - variance) < 5 * se, (draws.var(ddof=1), variance, se)


@pytest.mark.parametrize("h, z", [(0.8, 0.0), (5.0, 2.0)])
def test_polya_gamma_draws_follow_the_density(h, z):
    """Kolmogorov-Smirnov against the CDF integrated from exp(logp) on a fine grid."""
    draws = pm.draw(pm.PolyaGamma.dist(h=h, z=z), draws=N_DRAWS, random_seed=23)
    grid = np.concatenate([[0.0], np.geomspace(1e-4, 60.0, 40000)])
    density = np.exp(logp_of(pm.PolyaGamma.dist(h=h, z=z), grid[1:]))
    cdf_grid = np.concatenate([[0.0], np.cumsum(np.diff(grid) * (density + np.concatenate([[0.0], density[:-1]])) / 2)])
    assert abs(cdf_grid[-1] - 1) < 1e-6
    assert st.kstest(draws, lambda x: np.interp(x, grid, cdf_grid)).pvalue > 1e-3


def test_polya_gamma_bad_parameters_and_values():
    for h in (0.0, -1.0):
        with pytest.raises(ValueError, match=r"\bh\b.*> 0"):
            logp_of(pm.PolyaGamma.dist(h=h, z=0.0), 0.5)
    with pytest.raises(ValueError, match=r"\bz\b.*finite"):
        logp_of(pm.PolyaGamma.dist(h=1.0, z=np.inf), 0.5)
    with np.errstate(divide="ignore"):
        assert np.all(np.isneginf(logp_of(pm.PolyaGamma.dist(h=2.0, z=1.0), np.array([-1.0, 0.0]))))


def test_dirichlet_multinomial_is_the_compound_of_its_closed_form():
    n, a, x = 6, np.array([0.5, 2.0, 1.5]), np.array([1, 3, 2])
    expected = (sp.gammaln(n + 1) + sp.gammaln(a.sum()) - sp.gammaln(n + a.sum())
                + np.sum(sp.gammaln(x + a) - sp.gammaln(x + 1) - sp.gammaln(a)))
    assert_close(logp_of(pm.DirichletMultinomial.dist(n=n, a=a), x), expected)


def test_stick_breaking_weights_density_by_change_of_variables():
    """PyMC's density: the K Beta(1, alpha) fractions v_k = w_k / (1 - sum_{j<k} w_j) with the
    Jacobian prod_k 1 / (1 - sum_{j<k} w_j)."""
    alpha, w = 2.5, np.array([0.3, 0.2, 0.4, 0.1])
    remaining = 1 - np.concatenate([[0.0], np.cumsum(w[:-1])])[:3]
    v = w[:3] / remaining
    expected = np.sum(st.beta(1, alpha).logpdf(v)) - np.sum(np.log(remaining))
    assert_close(logp_of(pm.StickBreakingWeights.dist(alpha=alpha, K=3), w), expected)


def test_dirac_delta_is_a_point_mass():
    assert_close(logp_of(pm.DiracDelta.dist(2.5), np.array([2.5, 2.0])), [0.0, -np.inf])


def test_car_is_the_normalized_gaussian_with_its_precision():
    W = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]], dtype=float)
    mu, alpha, tau, x = np.array([0.1, -0.2, 0.3]), 0.6, 2.0, np.array([0.5, -0.4, 1.0])
    precision = tau * (np.diag(W.sum(1)) - alpha * W)
    expected = st.multivariate_normal(mu, np.linalg.inv(precision)).logpdf(x)
    assert_close(logp_of(pm.CAR.dist(mu=mu, W=W, alpha=alpha, tau=tau), x), expected)


def test_icar_is_the_pairwise_difference_prior_with_a_soft_sum_to_zero():
    W = np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]], dtype=float)
    sigma, x = 1.3, np.array([0.2, -0.5, 0.4])
    pairs = [(0, 1), (0, 2)]
    expected = (-sum((x[i] - x[j]) ** 2 for i, j in pairs) / (2 * sigma**2)
                + st.norm(0, 0.001 * 3).logpdf(x.sum()))
    assert_close(logp_of(pm.ICAR.dist(W=W, sigma=sigma), x), expected, rtol=1e-6)


def test_mv_gaussian_random_walk_sums_its_increments():
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    mu = np.array([0.1, -0.2])
    x = np.array([[0.0, 0.5], [0.4, 0.2], [1.1, -0.3]])
    init = pm.Normal.dist(0.0, 2.0, shape=2)
    expected = (st.norm(0, 2).logpdf(x[0]).sum()
                + st.multivariate_normal(mu, cov).logpdf(np.diff(x, axis=0)).sum())
    for kwargs in ({"cov": cov}, {"chol": np.linalg.cholesky(cov)}, {"tau": np.linalg.inv(cov)}):
        dist = pm.MvGaussianRandomWalk.dist(mu=mu, init_dist=init, steps=2, **kwargs)
        assert_close(logp_of(dist, x), expected)


def test_skew_student_t_is_jones_and_faddy():
    """Jones & Faddy (2003): f(t) = C (1 + t/sqrt(a+b+t^2))^(a+1/2) (1 - t/sqrt(a+b+t^2))^(b+1/2),
    C = 1 / (2^(a+b-1) B(a, b) sqrt(a+b)), with t = (x - mu) / sigma."""
    a, b, mu, sigma = 2.0, 3.5, 0.4, 1.3
    x = np.array([-3.0, 0.0, 0.4, 2.5])
    t = (x - mu) / sigma
    root = np.sqrt(a + b + t**2)
    expected = ((a + 0.5) * np.log1p(t / root) + (b + 0.5) * np.log1p(-t / root)
                - (a + b - 1) * np.log(2) - sp.betaln(a, b) - 0.5 * np.log(a + b) - np.log(sigma))
    assert_close(logp_of(pm.SkewStudentT.dist(a=a, b=b, mu=mu, sigma=sigma), x), expected)


def test_matrix_normal_is_the_kronecker_multivariate_normal():
    mu = np.array([[0.1, 0.2, -0.3], [0.0, 0.5, 1.0]])
    rowcov = np.array([[1.0, 0.3], [0.3, 0.8]])
    colcov = np.array([[1.0, 0.2, 0.0], [0.2, 1.5, 0.4], [0.0, 0.4, 0.7]])
    x = np.array([[0.5, -0.2, 0.1], [0.3, 0.9, 1.4]])
    # vec by rows: cov(vec(X)) = rowcov (x) colcov.
    expected = st.multivariate_normal(mu.ravel(), np.kron(rowcov, colcov)).logpdf(x.ravel())
    for kwargs in ({"rowcov": rowcov, "colcov": colcov},
                   {"rowchol": np.linalg.cholesky(rowcov), "colcov": colcov},
                   {"rowchol": np.linalg.cholesky(rowcov), "colchol": np.linalg.cholesky(colcov)}):
        assert_close(logp_of(pm.MatrixNormal.dist(mu=mu, **kwargs), x), expected)


def test_interpolated_is_the_normalized_piecewise_linear_density():
    x_points = np.array([-1.0, 0.0, 0.5, 2.0])
    pdf_points = np.array([0.5, 2.0, 1.0, 0.0])
    area = np.trapz(pdf_points, x_points)
    x = np.array([-0.7, 0.25, 1.9, 2.5])
    with np.errstate(divide="ignore"):
        expected = np.log(np.interp(x, x_points, pdf_points, left=0.0, right=0.0) / area)
    assert np.isneginf(expected[-1])
    assert_close(logp_of(pm.Interpolated.dist(x_points, pdf_points, shape=4), x), expected)


def test_interpolated_needs_constant_points():
    with pytest.raises(Exception, match="constant"):
        with pm.Model():
            xp = pm.Normal("xp", 0.0, 1.0, shape=3)
            pm.Interpolated("y", xp, np.ones(3))


def test_kronecker_normal_is_the_multivariate_normal_with_the_kronecker_covariance():
    a = np.array([[1.0, 0.3], [0.3, 0.8]])
    b = np.array([[1.0, 0.2, 0.0], [0.2, 1.5, 0.4], [0.0, 0.4, 0.7]])
    mu = np.array([0.1, 0.2, -0.3, 0.0, 0.5, 1.0])
    x = np.array([0.5, -0.2, 0.1, 0.3, 0.9, 1.4])
    expected = st.multivariate_normal(mu, np.kron(a, b)).logpdf(x)
    assert_close(logp_of(pm.KroneckerNormal.dist(mu=mu, covs=[a, b]), x), expected)
    chols = [np.linalg.cholesky(a), np.linalg.cholesky(b)]
    assert_close(logp_of(pm.KroneckerNormal.dist(mu=mu, chols=chols), x), expected)
    evds = [np.linalg.eigh(a), np.linalg.eigh(b)]
    assert_close(logp_of(pm.KroneckerNormal.dist(mu=mu, evds=evds), x), expected)
    noisy = st.multivariate_normal(mu, np.kron(a, b) + 0.7**2 * np.eye(6)).logpdf(x)
    assert_close(logp_of(pm.KroneckerNormal.dist(mu=mu, covs=[a, b], sigma=0.7), x), noisy)


def test_ordered_multinomial_counts_the_ordered_logistic_categories():
    eta, cutpoints, n = 0.4, np.array([-1.0, 0.5, 2.0]), 7
    cdf = sp.expit(cutpoints - eta)
    p = np.diff(np.concatenate([[0.0], cdf, [1.0]]))
    x = np.array([1, 3, 2, 1])
    expected = st.multinomial(n, p).logpmf(x)
    assert_close(logp_of(pm.OrderedMultinomial.dist(eta=eta, cutpoints=cutpoints, n=n), x), expected)


def test_mv_student_t_random_walk_sums_its_increments():
    nu, scale, mu = 5.0, np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([0.1, -0.2])
    x = np.array([[0.0, 0.5], [0.4, 0.2], [1.1, -0.3]])
    init = pm.Normal.dist(0.0, 2.0, shape=2)
    expected = (st.norm(0, 2).logpdf(x[0]).sum()
                + st.multivariate_t(mu, scale, df=nu).logpdf(np.diff(x, axis=0)).sum())
    for kwargs in ({"scale": scale}, {"chol": np.linalg.cholesky(scale)}, {"tau": np.linalg.inv(scale)}):
        dist = pm.MvStudentTRandomWalk.dist(nu=nu, mu=mu, init_dist=init, steps=2, **kwargs)
        assert_close(logp_of(dist, x), expected)


TESTED_FAMILIES = {
    # univariate tables
    *(c[0].split("-")[0] for c in CONTINUOUS + DISCRETE),
    "OrderedLogistic", "OrderedProbit", "CustomDist", "MvNormal", "MvStudentT", "Dirichlet", "Multinomial", "LKJCorr",
    "LKJCholeskyCov", "ZeroSumNormal", "Mixture", "NormalMixture", "Truncated", "Censored",
    "GaussianRandomWalk", "AR", "GARCH11", *(name for name, _, _ in ENGINE_FAMILIES),
    "DirichletMultinomial", "StickBreakingWeights", "DiracDelta", "CAR", "ICAR",
    "MvGaussianRandomWalk", "SkewStudentT", "MatrixNormal", "OrderedMultinomial",
    "MvStudentTRandomWalk", "Interpolated", "KroneckerNormal", "PolyaGamma",
}


def test_every_exported_family_has_a_logp_test():
    import hypatia.distributions as distributions

    exported = {name for name, value in vars(distributions).items()
                if isinstance(value, type) and name[0].isupper() and hasattr(value, "dist")
                and name not in ("Distribution", "DistributionVariable")}
    assert "Normal" in exported and "LKJCholeskyCov" in exported
    missing = exported - TESTED_FAMILIES
    assert not missing, f"families without a logp test: {sorted(missing)}"


def test_custom_dist_logp_is_the_users_function_compiled():
    """A CustomDist whose logp is a Laplace density written in tensor ops, against scipy."""
    import hypatia.tensor as pt

    def laplace_logp(value, mu, b):
        return -pt.abs(value - mu) / b - pt.log(2 * b)

    values = np.array([-2.0, 0.1, 3.5])
    dist = pm.CustomDist.dist(0.5, 1.5, logp=laplace_logp, shape=(3,))
    assert_close(logp_of(dist, values), st.laplace(0.5, 1.5).logpdf(values))
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        pm.CustomDist("y", mu, 1.5, logp=laplace_logp, observed=values)
    point = model.initial_point()
    expected = st.norm(0, 1).logpdf(0.0) + st.laplace(0.0, 1.5).logpdf(values).sum()
    assert model.compile_logp()(point) == pytest.approx(expected, rel=1e-12)
