"""Time series: an AR(1) with a constant and init_dist fitted to simulated data, and a
GaussianRandomWalk trend (init_dist=) with observation noise."""

import arviz as az
import numpy as np

import hypatia as pm

rng = np.random.default_rng(31)
T = 200
phi_true, const_true, sigma_true = 0.7, 0.5, 0.4
y = np.empty(T)
y[0] = const_true / (1 - phi_true)
for t in range(1, T):
    y[t] = const_true + phi_true * y[t - 1] + rng.normal(0, sigma_true)

with pm.Model(coords={"time": np.arange(T)}) as ar_model:
    rho = pm.Normal("rho", mu=0.0, sigma=1.0, shape=2)  # [constant, lag-1 coefficient]
    sigma = pm.HalfNormal("sigma", 1.0)
    init = pm.Normal.dist(mu=0.0, sigma=5.0)
    pm.AR("y", rho=rho, sigma=sigma, constant=True, init_dist=init, observed=y, dims="time")
    idata_ar = pm.sample(500, tune=500, chains=2, random_seed=5, progressbar=False,
                         idata_kwargs={"dims": {"rho": ["coef"]},
                                       "coords": {"coef": ["constant", "lag1"]}})

print(az.summary(idata_ar))
# Conditional least squares on (1, y[t-1]) is the posterior mode for vague priors.
X = np.column_stack([np.ones(T - 1), y[:-1]])
coef, *_ = np.linalg.lstsq(X, y[1:], rcond=None)
rho_mean = idata_ar.posterior["rho"].mean(("chain", "draw")).values
assert np.allclose(rho_mean, coef, atol=0.06), (rho_mean, coef)
assert idata_ar.posterior["rho"].dims == ("chain", "draw", "coef")
assert abs(float(idata_ar.posterior["rho"].sel(coef="lag1").mean()) - coef[1]) < 0.06

# Random-walk trend plus noise
steps = 60
trend = np.cumsum(rng.normal(0, 0.3, size=steps))
obs = trend + rng.normal(0, 0.2, size=steps)
with pm.Model(coords={"t": np.arange(steps)}) as rw_model:
    sigma_rw = pm.HalfNormal("sigma_rw", 1.0)
    sigma_obs = pm.HalfNormal("sigma_obs", 1.0)
    level = pm.GaussianRandomWalk("level", sigma=sigma_rw, init_dist=pm.Normal.dist(0, 2),
                                  dims="t")
    pm.Normal("obs", mu=level, sigma=sigma_obs, observed=obs, dims="t")
    prior = pm.sample_prior_predictive(200, random_seed=1)
    idata_rw = pm.sample(500, tune=500, chains=2, target_accept=0.9, random_seed=6,
                         progressbar=False)

assert prior.prior["level"].shape == (1, 200, steps)
# Prior random walk: variance grows along the walk.
level_prior = prior.prior["level"].values[0]
assert level_prior[:, -1].std() > level_prior[:, 0].std()
level_mean = idata_rw.posterior["level"].mean(("chain", "draw")).values
print("RMSE of the smoothed level", np.sqrt(np.mean((level_mean - trend) ** 2)))
assert np.sqrt(np.mean((level_mean - trend) ** 2)) < np.sqrt(np.mean((obs - trend) ** 2))
