"""Robust linear regression with a StudentT likelihood: a few gross outliers barely move the
slope, while ordinary least squares is pulled away; predictions at new inputs through a
pytensor.shared input and set_value."""

import arviz as az
import numpy as np

import hypatia as pm
from hypatia import pytensor

rng = np.random.default_rng(13)
n = 60
x = np.linspace(0, 1, n)
y = 1.0 + 2.0 * x + rng.normal(0, 0.1, size=n)
outliers = [5, 20, 50]
y[outliers] = [4.0, 4.5, 0.2]

x_shared = pytensor.shared(x)  # the pre-pm.Data idiom for swapping in new inputs

with pm.Model() as robust:
    intercept = pm.Normal("Intercept", 0, sigma=20)
    slope = pm.Normal("slope", 0, sigma=20)
    sigma = pm.HalfCauchy("sigma", beta=10)
    nu = pm.Gamma("nu", alpha=2, beta=0.1)
    pm.StudentT("y", mu=intercept + slope * x_shared, sigma=sigma, nu=nu, observed=y,
                shape=x_shared.shape)
    idata = pm.sample(500, tune=500, chains=2, random_seed=4, progressbar=False,
                      step=pm.NUTS(target_accept=0.9))

print(az.summary(idata))
ols_slope = np.polyfit(x, y, 1)[0]
slope_mean = float(idata.posterior["slope"].mean())
print("OLS slope", ols_slope, "robust slope", slope_mean)
assert abs(slope_mean - 2.0) < 0.15, slope_mean
assert abs(ols_slope - 2.0) > 2 * abs(slope_mean - 2.0)
assert float(idata.posterior["nu"].median()) < 10  # heavy tails found

# Predictions at new inputs by replacing the shared value.
x_new = np.array([0.0, 0.5, 1.0, 2.0])
x_shared.set_value(x_new)
with robust:
    ppc = pm.sample_posterior_predictive(idata, random_seed=5)
y_new = ppc.posterior_predictive["y"]
assert y_new.shape == (2, 500, 4), y_new.shape
post = idata.posterior
line = (post["Intercept"].values[..., None] + post["slope"].values[..., None] * x_new).mean(axis=(0, 1))
# heavy-tailed predictive: compare medians, not means
assert np.allclose(np.median(y_new.values, axis=(0, 1)), line, atol=0.05), (np.median(y_new.values, axis=(0, 1)), line)
