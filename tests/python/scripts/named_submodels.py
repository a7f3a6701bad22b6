"""A model assembled from named sub-models (pm.Model("control") inside the root's with block):
prefixed variable names, lookups through the sub-model, a Deterministic over two sub-models,
coords shared with the root, and the posterior against the closed-form Gaussian posterior."""

import numpy as np

import hypatia as pm

rng = np.random.default_rng(8)
data = {"control": rng.normal(1.0, 1.0, size=20), "treatment": rng.normal(2.5, 1.0, size=15)}
prior_sd, group_sd, noise_sd = 10.0, 2.0, 1.0


def group_model(name, observed, grand_mean):
    """One arm of the experiment, its variables prefixed by the sub-model's name."""
    with pm.Model(name) as group:
        group.add_coord("obs", np.arange(len(observed)))
        theta = pm.Normal("theta", mu=grand_mean, sigma=group_sd)
        pm.Normal("y", mu=theta, sigma=noise_sd, observed=observed, dims="obs")
    return group


with pm.Model() as model:
    grand_mean = pm.Normal("grand_mean", mu=0.0, sigma=prior_sd)
    control = group_model("control", data["control"], grand_mean)
    with pm.Model("treatment") as treatment:
        theta = pm.Normal("theta", mu=grand_mean, sigma=group_sd)
        pm.Normal("y", mu=theta, sigma=noise_sd, observed=data["treatment"])
    effect = pm.Deterministic("effect", treatment["theta"] - control["theta"])

print(list(model.named_vars))
assert list(model.named_vars) == ["grand_mean", "control::theta", "control::y",
                                  "treatment::theta", "treatment::y", "effect"]
assert control["theta"] is model["control::theta"] and control.parent is model
assert [rv.name for rv in treatment.free_RVs] == ["treatment::theta"]
assert model.coords["obs"] == tuple(range(20))

with model:
    idata = pm.sample(1000, tune=1000, chains=2, random_seed=31, progressbar=False)

posterior = idata.posterior
assert set(posterior.data_vars) == {"grand_mean", "control::theta", "treatment::theta", "effect"}

# The posterior is Gaussian: its precision matrix over (grand_mean, control, treatment) and mean.
n_c, n_t = len(data["control"]), len(data["treatment"])
precision = np.array([
    [1 / prior_sd**2 + 2 / group_sd**2, -1 / group_sd**2, -1 / group_sd**2],
    [-1 / group_sd**2, 1 / group_sd**2 + n_c / noise_sd**2, 0.0],
    [-1 / group_sd**2, 0.0, 1 / group_sd**2 + n_t / noise_sd**2],
])
linear = np.array([0.0, data["control"].sum() / noise_sd**2, data["treatment"].sum() / noise_sd**2])
covariance = np.linalg.inv(precision)
mean = covariance @ linear
effect_mean = mean[2] - mean[1]
effect_sd = np.sqrt(covariance[1, 1] + covariance[2, 2] - 2 * covariance[1, 2])

for name, expected, sd in [("grand_mean", mean[0], np.sqrt(covariance[0, 0])),
                           ("control::theta", mean[1], np.sqrt(covariance[1, 1])),
                           ("treatment::theta", mean[2], np.sqrt(covariance[2, 2])),
                           ("effect", effect_mean, effect_sd)]:
    draws = posterior[name].values.ravel()
    print(f"{name}: {draws.mean():.3f} (closed form {expected:.3f}), sd {draws.std():.3f} ({sd:.3f})")
    # 2000 draws with an effective size of several hundred: 5 Monte Carlo standard errors.
    assert abs(draws.mean() - expected) < 5 * sd / np.sqrt(400), name
    assert abs(draws.std() / sd - 1) < 0.15, name

with model:
    predictive = pm.sample_posterior_predictive(idata, random_seed=4, progressbar=False)
assert predictive.posterior_predictive["control::y"].dims == ("chain", "draw", "obs")
assert predictive.posterior_predictive["treatment::y"].shape == (2, 1000, n_t)
print("ok")
