"""Robust linear regression with a StudentT likelihood: a few gross outliers barely move the
slope, while ordinary least squares is pulled away."""

import arviz as az
import numpy as np

import hypatia as pm

rng = np.random.default_rng(13)
n = 60
x = np.linspace(0, 1, n)
y = 1.0 + 2.0 * x + rng.normal(0, 0.1, size=n)
outliers = [5, 20, 50]
y[outliers] = [4.0, 4.5, 0.2]

with pm.Model() as robust:
    intercept = pm.Normal("Intercept", 0, sigma=20)
    slope = pm.Normal("slope", 0, sigma=20)
    sigma = pm.HalfCauchy("sigma", beta=10)
    nu = pm.Gamma("nu", alpha=2, beta=0.1)
    pm.StudentT("y", mu=intercept + slope * x, sigma=sigma, nu=nu, observed=y)
    idata = pm.sample(500, tune=500, chains=2, random_seed=4, progressbar=False,
                      step=pm.NUTS(target_accept=0.9))

print(az.summary(idata))
ols_slope = np.polyfit(x, y, 1)[0]
slope_mean = float(idata.posterior["slope"].mean())
print("OLS slope", ols_slope, "robust slope", slope_mean)
assert abs(slope_mean - 2.0) < 0.15, slope_mean
assert abs(ols_slope - 2.0) > 2 * abs(slope_mean - 2.0)
assert float(idata.posterior["nu"].median()) < 10  # heavy tails found
