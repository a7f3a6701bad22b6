"""Count regression with a log link: Poisson and NegativeBinomial(mu, alpha) GLMs on
overdispersed data; the NB model must find the overdispersion and both the true slope."""

import arviz as az
import numpy as np
from scipy import optimize, stats

import hypatia as pm

rng = np.random.default_rng(8)
n = 300
x = rng.uniform(0, 2, size=n)
mu_true = np.exp(0.5 + 0.9 * x)
alpha_true = 3.0
# NB with mean mu and dispersion alpha: Gamma-Poisson mixture
counts = rng.poisson(rng.gamma(alpha_true, mu_true / alpha_true))

with pm.Model() as poisson_glm:
    b0 = pm.Normal("b0", 0, 5)
    b1 = pm.Normal("b1", 0, 5)
    pm.Poisson("y", mu=pm.math.exp(b0 + b1 * x), observed=counts)
    idata_pois = pm.sample(400, tune=400, chains=2, random_seed=1, progressbar=False)

with pm.Model() as nb_glm:
    b0 = pm.Normal("b0", 0, 5)
    b1 = pm.Normal("b1", 0, 5)
    alpha = pm.Exponential("alpha", 0.2)
    mu = pm.Deterministic("mu", pm.math.exp(b0 + b1 * x))
    pm.NegativeBinomial("y", mu=mu, alpha=alpha, observed=counts)
    idata_nb = pm.sample(400, tune=400, chains=2, random_seed=2, progressbar=False)

print(az.summary(idata_pois))
print(az.summary(idata_nb, var_names=["b0", "b1", "alpha"]))


def nb_negloglik(params):
    b0, b1, log_alpha = params
    m, a = np.exp(b0 + b1 * x), np.exp(log_alpha)
    return -stats.nbinom(a, a / (a + m)).logpmf(counts).sum()


def pois_negloglik(params):
    return -stats.poisson(np.exp(params[0] + params[1] * x)).logpmf(counts).sum()


mle_nb = optimize.minimize(nb_negloglik, np.zeros(3), method="Nelder-Mead",
                           options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 4000}).x
mle_pois = optimize.minimize(pois_negloglik, np.zeros(2), method="BFGS").x
post_nb, post_pois = idata_nb.posterior, idata_pois.posterior
assert abs(float(post_pois["b1"].mean()) - mle_pois[1]) < 0.03, (float(post_pois["b1"].mean()), mle_pois)
assert abs(float(post_nb["b1"].mean()) - mle_nb[1]) < 0.06, (float(post_nb["b1"].mean()), mle_nb)
assert abs(np.log(float(post_nb["alpha"].median())) - mle_nb[2]) < 0.25, (float(post_nb["alpha"].median()), np.exp(mle_nb[2]))
# overdispersion widens the slope's posterior relative to the Poisson model's
assert float(post_nb["b1"].std()) > 1.3 * float(post_pois["b1"].std())
assert post_nb["mu"].shape == (2, 400, n)
