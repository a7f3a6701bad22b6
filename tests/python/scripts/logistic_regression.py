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

# Predictions for new rows: pm.set_data with a new number of rows and coords; the observed y of
# the old shape only stands in for the predictions.
X_new = np.array([[0.0, 0.0], [2.0, -1.0], [-2.0, 1.0]])
with logit_model:
    pm.set_data({"X": X_new}, coords={"obs": ["new_0", "new_1", "new_2"]})
    pred = pm.sample_posterior_predictive(idata, predictions=True, random_seed=12).predictions
assert pred["y"].dims == ("chain", "draw", "obs") and pred["y"].shape == (2, 500, 3)
assert list(pred["obs"].values) == ["new_0", "new_1", "new_2"]
assert set(np.unique(pred["y"].values)) <= {0, 1}
p_expected = (special.expit(post["alpha"].values[..., None]
                            + np.einsum("cdk,nk->cdn", post["beta"].values, X_new))).mean(axis=(0, 1))
assert np.allclose(pred["y"].mean(("chain", "draw")).values, p_expected, atol=0.05)
