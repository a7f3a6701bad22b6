"""Missing-data imputation: NaNs in a pandas column and a numpy masked array as observed values;
the missing entries become <name>_unobserved free variables."""

import arviz as az
import numpy as np
import pandas as pd

import hypatia as pm

rng = np.random.default_rng(3)
n = 80
df = pd.DataFrame({"height": rng.normal(170, 8, size=n)})
df["weight"] = 0.9 * (df["height"] - 170) + 70 + rng.normal(0, 4, size=n)
missing_rows = [3, 17, 42, 60]
df.loc[missing_rows, "height"] = np.nan

# A second series of counts-like positives with a masked array
values = rng.gamma(4.0, 1.5, size=40)
masked = np.ma.masked_array(values, mask=np.zeros(40, dtype=bool))
masked[[0, 9, 33]] = np.ma.masked

with pm.Model() as model:
    mu_h = pm.Normal("mu_h", 170, 20)
    sigma_h = pm.HalfNormal("sigma_h", 20)
    height = pm.Normal("height", mu=mu_h, sigma=sigma_h, observed=df["height"])

    a = pm.Normal("a", 70, 20)
    b = pm.Normal("b", 0, 2)
    sigma_w = pm.HalfNormal("sigma_w", 10)
    pm.Normal("weight", mu=a + b * (height - 170), sigma=sigma_w, observed=df["weight"])

    shape_g = pm.Exponential("shape_g", 0.5)
    rate_g = pm.Exponential("rate_g", 0.5)
    pm.Gamma("g", alpha=shape_g, beta=rate_g, observed=masked)

    idata = pm.sample(500, tune=500, chains=2, random_seed=14, progressbar=False)

print(az.summary(idata, var_names=["mu_h", "b", "height_unobserved", "g_unobserved"]))
post = idata.posterior
assert post["height_unobserved"].shape == (2, 500, 4)
assert post["g_unobserved"].shape == (2, 500, 3)
assert post["height"].shape == (2, 500, n)
# observed entries of the full deterministic are the data, missing ones the imputed draws
full = post["height"].values
observed_rows = np.setdiff1d(np.arange(n), missing_rows)
assert np.allclose(full[..., observed_rows], df["height"].to_numpy()[observed_rows])
assert np.allclose(full[..., missing_rows], post["height_unobserved"].values)
# Each imputed height is informed by its weight: E[h | w] moves toward (w - a)/b + 170.
w_missing = df.loc[missing_rows, "weight"].to_numpy()
imputed = post["height_unobserved"].mean(("chain", "draw")).values
naive = np.full(4, np.nanmean(df["height"]))
implied = (w_missing - 70) / 0.9 + 170
assert np.all(np.abs(imputed - implied) < np.abs(naive - implied) + 1e-9), (imputed, implied)
assert np.all(post["g_unobserved"].values > 0)
