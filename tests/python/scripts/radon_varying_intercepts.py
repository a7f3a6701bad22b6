"""Radon-style hierarchical model: varying intercepts by county from a pandas DataFrame indexed
with pd.factorize, a floor-level slope, coords from the factorized labels."""

import arviz as az
import numpy as np
import pandas as pd

import hypatia as pm

rng = np.random.default_rng(20)
counties = [f"county_{c}" for c in "ABCDEFGHIJKL"]
true_county = rng.normal(1.4, 0.35, size=len(counties))
rows = []
for c, name in enumerate(counties):
    for _ in range(int(rng.integers(4, 30))):
        floor = int(rng.random() < 0.3)
        rows.append({"county": name, "floor": floor,
                     "log_radon": true_county[c] - 0.6 * floor + rng.normal(0, 0.7)})
df = pd.DataFrame(rows).sample(frac=1.0, random_state=1).reset_index(drop=True)

county_idx, county_names = pd.factorize(df["county"])
coords = {"county": county_names, "obs_id": np.arange(len(df))}

with pm.Model(coords=coords) as varying_intercept:
    floor_idx = pm.Data("floor_idx", df["floor"].to_numpy(), dims="obs_id")
    county = pm.Data("county_idx", county_idx, dims="obs_id")

    mu_a = pm.Normal("mu_a", mu=0.0, sigma=10.0)
    sigma_a = pm.Exponential("sigma_a", 1.0)
    alpha = pm.Normal("alpha", mu=mu_a, sigma=sigma_a, dims="county")
    beta = pm.Normal("beta", mu=0.0, sigma=10.0)
    sigma_y = pm.Exponential("sigma_y", 1.0)

    theta = alpha[county] + beta * floor_idx
    pm.Normal("y", mu=theta, sigma=sigma_y, observed=df["log_radon"], dims="obs_id")

    idata = pm.sample(500, tune=500, chains=2, random_seed=3, target_accept=0.9, progressbar=False)

print(az.summary(idata, var_names=["mu_a", "sigma_a", "beta", "sigma_y"]))
post = idata.posterior
assert post["alpha"].dims == ("chain", "draw", "county")
assert list(post["alpha"].coords["county"].values) == list(county_names)

# The floor effect is estimated from within-county contrasts: compare with a fixed-effects
# least-squares fit (county dummies + floor), which the hierarchical estimate should be near.
X = np.column_stack([np.eye(len(county_names))[county_idx], df["floor"].to_numpy()])
coef, *_ = np.linalg.lstsq(X, df["log_radon"].to_numpy(), rcond=None)
beta_mean = float(post["beta"].mean())
assert abs(beta_mean - coef[-1]) < 0.1, (beta_mean, coef[-1])
# Partial pooling: the county intercepts shrink toward mu_a, between the no-pooling fit and it.
alpha_mean = post["alpha"].mean(("chain", "draw")).values
assert np.corrcoef(alpha_mean, coef[:-1])[0, 1] > 0.9
assert np.std(alpha_mean) <= np.std(coef[:-1]) + 1e-9

# Predictions for new houses in known counties: the model method set_data, one container at a time.
new_county = np.array([0, 0, 3, 3])
new_floor = np.array([0, 1, 0, 1])
with varying_intercept:
    varying_intercept.set_data("county_idx", new_county, coords={"obs_id": np.arange(4)})
    varying_intercept.set_data("floor_idx", new_floor)
    pred = pm.sample_posterior_predictive(idata, predictions=True, random_seed=4).predictions["y"]
assert pred.shape == (2, 500, 4)
expected = (post["alpha"].values[..., new_county] + post["beta"].values[..., None] * new_floor).mean(axis=(0, 1))
assert np.allclose(pred.mean(("chain", "draw")).values, expected, atol=0.1)
# basement minus first floor within a county is the floor effect
assert abs(float((pred[..., 1] - pred[..., 0]).mean()) - beta_mean) < 0.15
