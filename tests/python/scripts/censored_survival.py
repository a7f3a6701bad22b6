"""Right-censored survival times with pm.Censored: an exponential model (whose posterior is a
known Gamma) against a Weibull model, compared by LOO with pm.compute_log_likelihood and
az.compare; posterior predictive draws added with extend_inferencedata=True."""

import arviz as az
import numpy as np
from scipy import stats

import hypatia as pm

rng = np.random.default_rng(77)
n = 150
true_times = rng.weibull(1.6, size=n) * 10.0
censor_at = 12.0
t_obs = np.minimum(true_times, censor_at)
censored = true_times >= censor_at
print(f"{censored.sum()} of {n} censored")
a0, b0 = 1.0, 1.0

with pm.Model() as exp_model:
    lam = pm.Gamma("lam", alpha=a0, beta=b0)
    pm.Censored("t", pm.Exponential.dist(lam=lam), lower=None, upper=censor_at, observed=t_obs)
    idata_exp = pm.sample(500, tune=500, chains=2, random_seed=1, progressbar=False)
    pm.compute_log_likelihood(idata_exp)
    pm.sample_posterior_predictive(idata_exp, extend_inferencedata=True, random_seed=2)

with pm.Model() as weibull_model:
    alpha = pm.Gamma("alpha", 2, 1)
    beta = pm.HalfNormal("beta", 20)
    pm.Censored("t", pm.Weibull.dist(alpha=alpha, beta=beta), lower=None, upper=censor_at,
                observed=t_obs)
    idata_wb = pm.sample(500, tune=500, chains=2, random_seed=3, progressbar=False,
                         idata_kwargs={"log_likelihood": True})

# Censored exponential with a Gamma prior: Gamma(a0 + #events, b0 + total time at risk).
exact = stats.gamma(a0 + (~censored).sum(), scale=1 / (b0 + t_obs.sum()))
lam_draws = idata_exp.posterior["lam"].values.ravel()
print(lam_draws.mean(), exact.mean(), lam_draws.std(), exact.std())
assert abs(lam_draws.mean() - exact.mean()) < 4 * exact.std() / np.sqrt(250)
assert abs(lam_draws.std() - exact.std()) < 0.15 * exact.std()

# Posterior predictive draws are censored too: nothing above the censoring point, and about the
# observed fraction sits exactly on it.
ppc = idata_exp.posterior_predictive["t"].values
assert ppc.shape == (2, 500, n)
assert ppc.max() <= censor_at + 1e-12
assert "log_likelihood" in idata_exp.groups() and "log_likelihood" in idata_wb.groups()
assert idata_exp.log_likelihood["t"].shape == (2, 500, n)

# The log likelihood of a censored point is log S(c) = -lam * c for the exponential.
ll = idata_exp.log_likelihood["t"].values
lam_cd = idata_exp.posterior["lam"].values
assert np.allclose(ll[..., censored], -lam_cd[..., None] * censor_at)
assert np.allclose(ll[..., ~censored],
                   np.log(lam_cd[..., None]) - lam_cd[..., None] * t_obs[~censored])

comparison = az.compare({"exponential": idata_exp, "weibull": idata_wb})
print(comparison)
assert comparison.index[0] == "weibull"  # the data are Weibull with shape 1.6
assert float(idata_wb.posterior["alpha"].mean()) > 1.2
