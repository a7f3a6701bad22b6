"""Gaussian-process regression with a marginal likelihood: pm.gp.Marginal with an ExpQuad kernel,
hyperparameters by pm.find_MAP and NUTS, predictions at new inputs with gp.conditional and
sample_posterior_predictive.
"""

import numpy as np

import hypatia as pm

rng = np.random.default_rng(9)
n = 40
X = np.sort(rng.uniform(0, 10, size=n))[:, None]
f_true = np.sin(X[:, 0]) + 0.3 * X[:, 0]
y = f_true + rng.normal(0, 0.2, size=n)
X_new = np.linspace(0, 12, 50)[:, None]

with pm.Model() as gp_model:
    ell = pm.Gamma("ell", alpha=2, beta=1)
    eta = pm.HalfNormal("eta", sigma=2)
    cov = eta**2 * pm.gp.cov.ExpQuad(1, ls=ell)
    gp = pm.gp.Marginal(cov_func=cov)
    sigma = pm.HalfNormal("sigma", sigma=1)
    gp.marginal_likelihood("y", X=X, y=y, sigma=sigma)
    mp = pm.find_MAP()

    idata = pm.sample(300, tune=300, chains=2, random_seed=2, progressbar=False)
    # Predictions are added after sampling, as in PyMC's GP examples: f_pred is then drawn
    # given each posterior draw instead of being sampled by NUTS alongside the hyperparameters.
    f_pred = gp.conditional("f_pred", X_new)
    pm.sample_posterior_predictive(idata, var_names=["f_pred"], extend_inferencedata=True)

assert 0.5 < mp["ell"] < 3.0 and abs(mp["sigma"] - 0.2) < 0.1
f_mean = idata.posterior_predictive["f_pred"].mean(("chain", "draw")).values
inside = X_new[:, 0] <= 10
assert np.sqrt(np.mean((f_mean[inside] - (np.sin(X_new[inside, 0]) + 0.3 * X_new[inside, 0])) ** 2)) < 0.3
