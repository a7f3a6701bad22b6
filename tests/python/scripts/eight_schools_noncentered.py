"""Non-centered eight schools: model inspection (initial_point, point_logps, compile_logp) checked
against scipy, then sampling with a Deterministic over dims."""

import arviz as az
import numpy as np
from scipy import stats

import hypatia as pm

y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
schools = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss",
           "Lawrenceville", "St. Paul's", "Mt. Hermon"]

with pm.Model(coords={"school": schools}) as noncentered_eight:
    mu = pm.Normal("mu", mu=0, sigma=5)
    tau = pm.HalfCauchy("tau", beta=5)
    theta_tilde = pm.Normal("theta_tilde", mu=0, sigma=1, dims="school")
    theta = pm.Deterministic("theta", mu + tau * theta_tilde, dims="school")
    pm.Normal("obs", mu=theta, sigma=sigma, observed=y, dims="school")

ip = noncentered_eight.initial_point()
print(ip)
assert set(ip) == {"mu", "tau_log__", "theta_tilde"}, ip.keys()
assert ip["theta_tilde"].shape == (8,)

logp_fn = noncentered_eight.compile_logp()
point = {"mu": np.array(1.5), "tau_log__": np.array(np.log(2.0)),
         "theta_tilde": np.linspace(-1, 1, 8)}


def reference_logp(point):
    """The joint log density on the unconstrained scale, by hand with scipy."""
    tau_ = np.exp(point["tau_log__"])
    th = point["mu"] + tau_ * point["theta_tilde"]
    return (stats.norm(0, 5).logpdf(point["mu"])
            + stats.halfcauchy(scale=5).logpdf(tau_) + point["tau_log__"]  # log-Jacobian
            + stats.norm(0, 1).logpdf(point["theta_tilde"]).sum()
            + stats.norm(th, sigma).logpdf(y).sum())


assert np.isclose(logp_fn(point), reference_logp(point), rtol=1e-10), (logp_fn(point), reference_logp(point))

point_logps = noncentered_eight.point_logps()
print(point_logps)
assert set(point_logps) == {"mu", "tau", "theta_tilde", "obs"}
assert np.isclose(sum(point_logps.values()), reference_logp(ip), atol=0.05)

with noncentered_eight:
    idata = pm.sample(500, tune=500, chains=2, random_seed=123, progressbar=False)

summary = az.summary(idata, var_names=["mu", "tau", "theta"])
print(summary)
assert idata.posterior["theta"].dims == ("chain", "draw", "school")
assert summary.loc["theta[Choate]", "mean"] > summary.loc["theta[Phillips Andover]", "mean"]
assert 1.5 < summary.loc["mu", "mean"] < 7.0
assert summary["r_hat"].max() < 1.05
