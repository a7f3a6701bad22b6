"""Ordinal regression: OrderedLogistic with ordered cutpoints (the ordered transform) and one
predictor; the cutpoints and slope are recovered from simulated ratings."""

import arviz as az
import numpy as np
from scipy import special, stats

import hypatia as pm

rng = np.random.default_rng(17)
n = 600
x = rng.normal(size=n)
beta_true = 1.3
cut_true = np.array([-1.5, 0.0, 1.2])
eta = beta_true * x
# P(y <= k) = expit(c_k - eta); sample the latent logistic variable directly
latent = eta + rng.logistic(size=n)
y = np.searchsorted(cut_true, latent)
K = 4

with pm.Model(coords={"cut": np.arange(K - 1)}) as ordinal:
    beta = pm.Normal("beta", 0, 2)
    cutpoints = pm.Normal("cutpoints", mu=np.linspace(-2, 2, K - 1), sigma=5, dims="cut",
                          transform=pm.distributions.transforms.ordered)
    pm.OrderedLogistic("y", eta=beta * x, cutpoints=cutpoints, observed=y, compute_p=False)
    idata = pm.sample(500, tune=500, chains=2, random_seed=3, progressbar=False)

print(az.summary(idata))
post = idata.posterior
cuts = post["cutpoints"].values
assert np.all(np.diff(cuts, axis=-1) > 0)
assert abs(float(post["beta"].mean()) - beta_true) < 0.25
assert np.allclose(cuts.mean(axis=(0, 1)), cut_true, atol=0.3)

# The model's log density at a point equals the categorical log likelihood by hand.
point = {"beta": np.array(1.0), "cutpoints_ordered__": np.array([-1.0, np.log(1.0), np.log(0.5)])}
c = np.array([-1.0, 0.0, 0.5])
cdf = special.expit(c[None, :] - x[:, None])
probs = np.diff(np.column_stack([np.zeros(n), cdf, np.ones(n)]), axis=1)
loglik = np.log(probs[np.arange(n), y]).sum()
prior = stats.norm(0, 2).logpdf(1.0) + stats.norm(np.linspace(-2, 2, 3), 5).logpdf(c).sum()
jacobian = np.log(1.0) + np.log(0.5)
assert np.isclose(ordinal.compile_logp()(point), loglik + prior + jacobian, rtol=1e-8)
