"""CustomDist and DensityDist with a logp function written in pm.math, and pm.Potential; the
conjugate Gamma-Exponential posterior is known in closed form."""

import arviz as az
import numpy as np
from scipy import stats

import hypatia as pm
import hypatia.tensor as pt

rng = np.random.default_rng(2)
waits = rng.exponential(scale=1 / 2.5, size=150)
a0, b0 = 2.0, 1.0


def exponential_logp(value, lam):
    return pt.log(lam) - lam * value


def laplace_logp(value, mu, b):
    return -pt.log(2 * b) - pt.abs(value - mu) / b


with pm.Model() as model:
    lam = pm.Gamma("lam", alpha=a0, beta=b0)
    pm.CustomDist("waits", lam, logp=exponential_logp, observed=waits)
    idata = pm.sample(500, tune=500, chains=2, random_seed=1, progressbar=False)

# Gamma(a0 + n, b0 + sum(x)) posterior
post_dist = stats.gamma(a0 + len(waits), scale=1 / (b0 + waits.sum()))
lam_draws = idata.posterior["lam"].values.ravel()
print(az.summary(idata))
assert abs(lam_draws.mean() - post_dist.mean()) < 4 * post_dist.std() / np.sqrt(300)
assert abs(lam_draws.std() - post_dist.std()) < 0.15 * post_dist.std()

# The CustomDist's logp agrees with scipy at a point.
point = {"lam_log__": np.array(np.log(2.0))}
expected = (stats.expon(scale=0.5).logpdf(waits).sum() + stats.gamma(a0, scale=1 / b0).logpdf(2.0)
            + np.log(2.0))
assert np.isclose(model.compile_logp()(point), expected, rtol=1e-10)

# DensityDist (the older name) with two parameters, and a Potential that softly pins the sum of
# two effects: a sum-to-zero constraint.
obs = rng.laplace(1.0, 0.5, size=200)
with pm.Model() as model2:
    mu = pm.Normal("mu", 0, 10)
    b = pm.HalfNormal("b", 2)
    pm.DensityDist("obs", mu, b, logp=laplace_logp, observed=obs)
    effects = pm.Normal("effects", 0, 1, shape=2)
    pm.Potential("sum_to_zero", pm.logp(pm.Normal.dist(0, 0.01), effects.sum()))
    idata2 = pm.sample(500, tune=500, chains=2, random_seed=3, progressbar=False)

post = idata2.posterior
assert abs(float(post["mu"].median()) - np.median(obs)) < 0.1
assert abs(float(post["b"].mean()) - np.mean(np.abs(obs - np.median(obs)))) < 0.08
sums = post["effects"].values.sum(axis=-1)
assert np.abs(sums).max() < 0.06, np.abs(sums).max()
# Each effect's marginal under the constraint is N(0, 1/2)
assert abs(post["effects"].values.std() - np.sqrt(0.5)) < 0.08
assert "sum_to_zero" in model2.point_logps()
