"""A two-component Gaussian mixture with pm.NormalMixture; the component means use the ordered
transform (with an ordered initval) so the labels cannot switch between chains."""

import arviz as az
import numpy as np

import hypatia as pm

rng = np.random.default_rng(21)
n = 500
true_w = np.array([0.35, 0.65])
true_mu = np.array([-2.0, 3.0])
true_sd = np.array([1.0, 0.8])
z = rng.choice(2, size=n, p=true_w)
data = rng.normal(true_mu[z], true_sd[z])

with pm.Model(coords={"cluster": ["low", "high"]}) as mixture:
    w = pm.Dirichlet("w", a=np.ones(2), dims="cluster")
    mu = pm.Normal("mu", mu=0.0, sigma=10.0, dims="cluster",
                   transform=pm.distributions.transforms.ordered, initval=[-1.0, 1.0])
    sigma = pm.HalfNormal("sigma", sigma=2.0, dims="cluster")
    pm.NormalMixture("x", w=w, mu=mu, sigma=sigma, observed=data)
    idata = pm.sample(500, tune=500, chains=2, random_seed=9, progressbar=False)

summary = az.summary(idata)
print(summary)
post = idata.posterior
mu_draws = post["mu"].values
assert np.all(mu_draws[..., 0] < mu_draws[..., 1]), "ordered transform violated"
assert np.allclose(post["mu"].mean(("chain", "draw")).values, true_mu, atol=0.25)
assert np.allclose(post["w"].mean(("chain", "draw")).values, true_w, atol=0.07)
assert np.allclose(post["sigma"].mean(("chain", "draw")).values, true_sd, atol=0.2)
assert summary["r_hat"].max() < 1.05
