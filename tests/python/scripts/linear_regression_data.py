"""Linear regression with pm.Data, then out-of-sample predictions with pm.set_data and
sample_posterior_predictive(predictions=True)."""

import arviz as az
import numpy as np
import xarray as xr

import hypatia as pm

rng = np.random.default_rng(42)
n = 100
true_intercept, true_slope, true_sigma = 1.0, 2.5, 0.7
x = rng.uniform(-2, 2, size=n)
y = true_intercept + true_slope * x + rng.normal(0, true_sigma, size=n)

with pm.Model(coords={"obs_id": np.arange(n)}) as model:
    x_data = pm.Data("x", x, dims="obs_id")
    y_data = pm.Data("y", y, dims="obs_id")

    intercept = pm.Normal("intercept", mu=0, sigma=10)
    slope = pm.Normal("slope", mu=0, sigma=10)
    sigma = pm.HalfNormal("sigma", sigma=5)

    mu = pm.Deterministic("mu", intercept + slope * x_data, dims="obs_id")
    pm.Normal("likelihood", mu=mu, sigma=sigma, observed=y_data, shape=x_data.shape, dims="obs_id")

    idata = pm.sample(draws=500, tune=500, chains=2, random_seed=7, progressbar=False)

# With vague priors the posterior mean of the coefficients is the least-squares fit.
X = np.column_stack([np.ones(n), x])
beta_ols, *_ = np.linalg.lstsq(X, y, rcond=None)
post = az.extract(idata)
print(az.summary(idata, var_names=["intercept", "slope", "sigma"]))
assert abs(float(post["intercept"].mean()) - beta_ols[0]) < 0.05, (float(post["intercept"].mean()), beta_ols)
assert abs(float(post["slope"].mean()) - beta_ols[1]) < 0.05
resid_sd = np.sqrt(np.sum((y - X @ beta_ols) ** 2) / (n - 2))
assert abs(float(post["sigma"].mean()) - resid_sd) < 0.06

x_new = np.array([-1.0, 0.0, 0.5, 3.0])
with model:
    pm.set_data({"x": x_new, "y": np.zeros_like(x_new)}, coords={"obs_id": np.arange(n, n + 4)})
    preds = pm.sample_posterior_predictive(idata, var_names=["likelihood", "mu"], predictions=True,
                                           random_seed=8)

pred = preds.predictions["likelihood"]
print(pred.coords)
assert pred.shape == (2, 500, 4), pred.shape
assert list(pred.coords["obs_id"].values) == [100, 101, 102, 103]
assert pred.coords["obs_id"].dtype.kind == "i"  # integer labels stay integers, as in PyMC
assert idata.posterior["mu"].coords["obs_id"].dtype.kind == "i"
expected = beta_ols[0] + beta_ols[1] * x_new
assert np.allclose(pred.mean(("chain", "draw")).values, expected, atol=0.15), pred.mean(("chain", "draw")).values
# predictive sd: noise plus parameter uncertainty, a bit above sigma
assert np.all(pred.std(("chain", "draw")).values > 0.6)
# the Deterministic mean line, recomputed over the new x at every posterior draw
mu_pred = preds.predictions["mu"]
assert mu_pred.dims == ("chain", "draw", "obs_id")
line = idata.posterior["intercept"] + idata.posterior["slope"] * xr.DataArray(x_new, dims="x")
assert np.allclose(mu_pred.values, line.values)
