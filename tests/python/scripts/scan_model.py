"""A model built with pytensor.scan: exponential smoothing of a series, where the smoothed level
is a scan over the observations and the smoothing weight is estimated."""

import arviz as az
import numpy as np

import hypatia as pm
import hypatia.tensor as pt
from hypatia import pytensor

rng = np.random.default_rng(44)
T = 120
level = np.cumsum(rng.normal(0, 0.2, size=T)) + 5
y = level + rng.normal(0, 0.3, size=T)


def smooth_step(y_t, level_prev, alpha):
    return alpha * y_t + (1 - alpha) * level_prev


# The scan on plain numbers gives the same values as a numpy loop.
y_sym = pt.vector("y_sym")
a_sym = pt.scalar("a_sym")
levels_sym, _ = pytensor.scan(fn=smooth_step, sequences=[y_sym], outputs_info=[y_sym[0]],
                              non_sequences=[a_sym])
smooth_fn = pytensor.function([y_sym, a_sym], levels_sym)
reference = np.empty(T)
prev = y[0]
for t in range(T):
    prev = 0.3 * y[t] + 0.7 * prev
    reference[t] = prev
assert np.allclose(smooth_fn(y, 0.3), reference)

with pm.Model() as ses:
    alpha = pm.Beta("alpha", 2, 2)
    sigma = pm.HalfNormal("sigma", 1)
    y0 = pm.Normal("y0", y[0], 1)
    levels, updates = pytensor.scan(fn=smooth_step, sequences=[pt.as_tensor_variable(y)],
                                    outputs_info=[y0], non_sequences=[alpha])
    forecast = pt.concatenate([[y0], levels[:-1]])
    pm.Deterministic("forecast", forecast)
    pm.Normal("y", mu=forecast, sigma=sigma, observed=y)
    idata = pm.sample(400, tune=400, chains=2, random_seed=4, progressbar=False)

print(az.summary(idata, var_names=["alpha", "sigma", "y0"]))
post = idata.posterior
assert post["forecast"].shape == (2, 400, T)
# The one-step forecast error sd is near the best over a grid of fixed alphas.
def sse(a):
    prev, err = y[0], []
    for t in range(T):
        err.append(y[t] - prev)
        prev = a * y[t] + (1 - a) * prev
    return np.sum(np.square(err))


grid = np.linspace(0.05, 0.95, 91)
best = grid[np.argmin([sse(a) for a in grid])]
alpha_mean = float(post["alpha"].mean())
print("best alpha on grid", best, "posterior mean", alpha_mean)
assert abs(alpha_mean - best) < 0.15
