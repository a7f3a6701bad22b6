"""Logistic regression two ways: Bernoulli(p=pm.math.invlogit(eta)) and Bernoulli(logit_p=eta);
both must give the same log density, and the posterior mean is near the maximum likelihood fit."""

import arviz as az
import numpy as np
from scipy import optimize, special

import hypatia as pm

rng = np.random.default_rng(5)
n = 400
x1 = rng.normal(size=n)
x2 = rng.normal(size=n)
eta_true = -0.5 + 1.2 * x1 - 0.8 * x2
y = rng.binomial(1, special.expit(eta_true))
coords = {"coef": ["x1", "x2"], "obs": np.arange(n)}
X = np.column_stack([x1, x2])

with pm.Model(coords=coords) as logit_model:
    X_data = pm.Data("X", X, dims=("obs", "coef"))
    alpha = pm.Normal("alpha", 0, 2.5)
    beta = pm.Normal("beta", 0, 2.5, dims="coef")
    eta = alpha + pm.math.dot(X_data, beta)
    pm.Bernoulli("y", logit_p=eta, observed=y, dims="obs")

with pm.Model(coords=coords) as invlogit_model:
    alpha = pm.Normal("alpha", 0, 2.5)
    beta = pm.Normal("beta", 0, 2.5, dims="coef")
    p = pm.Deterministic("p", pm.math.invlogit(alpha + X @ beta), dims="obs")
    pm.Bernoulli("y", p=p, observed=y, dims="obs")

point = {"alpha": np.array(0.3), "beta": np.array([0.5, -1.0])}
lp1 = logit_model.compile_logp()(point)
lp2 = invlogit_model.compile_logp()(point)
eta_pt = 0.3 + X @ np.array([0.5, -1.0])
reference = (np.sum(y * eta_pt - np.logaddexp(0, eta_pt))
             + np.sum(-0.5 * (np.r_[0.3, 0.5, -1.0] / 2.5) ** 2 - np.log(2.5 * np.sqrt(2 * np.pi))))
assert np.isclose(lp1, reference, rtol=1e-9), (lp1, reference)
assert np.isclose(lp2, reference, rtol=1e-6), (lp2, reference)

with logit_model:
    idata = pm.sample(500, tune=500, chains=2, random_seed=11, progressbar=False)
print(az.summary(idata))


def negloglik(params):
    eta = params[0] + X @ params[1:]
    return -np.sum(y * eta - np.logaddexp(0, eta))


mle = optimize.minimize(negloglik, np.zeros(3), method="BFGS").x
post = idata.posterior
assert abs(float(post["alpha"].mean()) - mle[0]) < 0.06, (float(post["alpha"].mean()), mle)
assert np.allclose(post["beta"].mean(("chain", "draw")).values, mle[1:], atol=0.08)
