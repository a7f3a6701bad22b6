"""Logistic regression fitted with ADVI on minibatches: pm.Minibatch data, total_size scaling,
pm.fit(method="advi") and draws from the fitted approximation, whose mean must be near the
full-data maximum likelihood fit (scipy)."""

import numpy as np
from scipy import optimize, special

import hypatia as pm

rng = np.random.default_rng(4)
N = 5000
X = rng.normal(size=(N, 2))
y = rng.binomial(1, special.expit(0.5 + X @ np.array([1.0, -2.0])))

X_mb, y_mb = pm.Minibatch(X, y, batch_size=200)
with pm.Model() as model:
    alpha = pm.Normal("alpha", 0, 5)
    beta = pm.Normal("beta", 0, 5, shape=2)
    pm.Bernoulli("y", logit_p=alpha + X_mb @ beta, observed=y_mb, total_size=N)
    approx = pm.fit(20_000, method="advi", random_seed=1, progressbar=False)

idata = approx.sample(1000)
beta_mean = idata.posterior["beta"].mean(("chain", "draw")).values
assert np.allclose(beta_mean, [1.0, -2.0], atol=0.2)


def negative_log_likelihood(theta):
    eta = theta[0] + X @ theta[1:]
    return -np.sum(y * eta - np.logaddexp(0, eta))


mle = optimize.minimize(negative_log_likelihood, np.zeros(3), method="BFGS").x
alpha_mean = idata.posterior["alpha"].mean().item()
assert np.allclose([alpha_mean, *beta_mean], mle, atol=0.1), (alpha_mean, beta_mean, mle)
assert idata.posterior["beta"].sizes["draw"] == 1000
