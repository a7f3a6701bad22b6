"""A correlated multivariate normal: LKJCholeskyCov(compute_corr=True) prior on the covariance,
MvNormal(chol=...) likelihood; the posterior correlation matches the data's."""

import arviz as az
import numpy as np

import hypatia as pm

rng = np.random.default_rng(101)
true_mu = np.array([1.0, -1.0, 0.5])
true_sd = np.array([1.0, 2.0, 0.5])
true_corr = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]])
true_cov = np.outer(true_sd, true_sd) * true_corr
N = 400
data = rng.multivariate_normal(true_mu, true_cov, size=N)

coords = {"axis": ["x", "y", "z"], "axis_bis": ["x", "y", "z"], "obs_id": np.arange(N)}
with pm.Model(coords=coords) as mv_model:
    chol, corr, stds = pm.LKJCholeskyCov("chol", n=3, eta=2.0,
                                         sd_dist=pm.Exponential.dist(1.0, shape=3),
                                         compute_corr=True)
    cov = pm.Deterministic("cov", chol @ chol.T, dims=("axis", "axis_bis"))
    mu = pm.Normal("mu", 0.0, sigma=5.0, dims="axis")
    pm.MvNormal("obs", mu=mu, chol=chol, observed=data, dims=("obs_id", "axis"))
    idata = pm.sample(400, tune=400, chains=2, random_seed=12, progressbar=False)

print(az.summary(idata, var_names=["mu", "chol_stds", "chol_corr"]))
post = idata.posterior
sample_corr = np.corrcoef(data, rowvar=False)
corr_mean = post["chol_corr"].mean(("chain", "draw")).values
stds_mean = post["chol_stds"].mean(("chain", "draw")).values
print(corr_mean)
assert corr_mean.shape == (3, 3)
assert np.allclose(np.diag(corr_mean), 1.0)
assert np.allclose(corr_mean, sample_corr, atol=0.06), (corr_mean, sample_corr)
assert np.allclose(stds_mean, data.std(axis=0), rtol=0.08)
assert np.allclose(post["mu"].mean(("chain", "draw")).values, data.mean(axis=0), atol=0.05)
cov_mean = post["cov"].mean(("chain", "draw")).values
assert np.allclose(cov_mean, cov_mean.T)
