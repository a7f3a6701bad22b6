"""Eight schools, centered parameterization, with coords/dims, prior predictive checks and the
pointwise log likelihood for LOO (converted from PyMC by the import rule)."""

import arviz as az
import numpy as np

import hypatia as pm

y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
schools = np.array(["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss",
                    "Lawrenceville", "St. Paul's", "Mt. Hermon"])
coords = {"school": schools}

with pm.Model(coords=coords) as centered_eight:
    mu = pm.Normal("mu", mu=0.0, sigma=10.0)
    tau = pm.HalfCauchy("tau", beta=5.0)
    theta = pm.Normal("theta", mu=mu, sigma=tau, dims="school")
    obs = pm.Normal("obs", mu=theta, sigma=sigma, observed=y, dims="school")

    prior = pm.sample_prior_predictive(draws=500, random_seed=1)
    idata = pm.sample(draws=500, tune=500, chains=2, target_accept=0.95, random_seed=2,
                      progressbar=False, idata_kwargs={"log_likelihood": True})
    idata.extend(prior)

# Prior predictive: obs ~ Normal(theta, sigma) with theta ~ Normal(mu, tau); its sd is
# dominated by the half-Cauchy tau, so check the median of |obs| and the prior of mu instead.
prior_mu = prior.prior["mu"].values.ravel()
assert prior.prior_predictive["obs"].shape == (1, 500, 8), prior.prior_predictive["obs"].shape
assert abs(prior_mu.mean()) < 1.5 and 8.5 < prior_mu.std() < 11.5, (prior_mu.mean(), prior_mu.std())
assert list(idata.posterior["theta"].coords["school"].values) == list(schools)

print(az.summary(idata, var_names=["mu", "tau"], round_to=2))
# The posterior of mu is close to the precision-weighted mean of y with the tau-induced spread;
# for this data its mean is about 4.4 with sd about 3.3 (a wide interval accepts any sound sampler).
mu_mean = float(idata.posterior["mu"].mean())
assert 1.5 < mu_mean < 7.5, mu_mean

loo = az.loo(idata, pointwise=True)
print(loo)
assert idata.log_likelihood["obs"].shape == (2, 500, 8)
assert np.isfinite(loo.elpd_loo)
# elpd_loo must be below the log likelihood of a perfect fit and above a very poor one
assert -40.0 < loo.elpd_loo < -25.0, loo.elpd_loo
# pm.stats re-exports ArviZ's statistics, as PyMC's does
waic = pm.stats.waic(idata)
assert abs(waic.elpd_waic - loo.elpd_loo) < 2.0, (waic.elpd_waic, loo.elpd_loo)
