"""Eight schools, written as PyMC's documentation writes it; only the import line says Hypatia.

Run with Debian's Python after `bash scripts/demo.sh`:  /usr/bin/python3 examples/eight_schools.py
"""

import numpy as np

import hypatia as pm

J = 8
y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
schools = ["Choate", "Deerfield", "Phillips Andover", "Phillips Exeter", "Hotchkiss",
           "Lawrenceville", "St. Paul's", "Mt. Hermon"]

with pm.Model(coords={"school": schools}) as noncentered_eight:
    mu = pm.Normal("mu", mu=0, sigma=5)
    tau = pm.HalfCauchy("tau", beta=5)
    theta_tilde = pm.Normal("theta_t", mu=0, sigma=1, dims="school")
    theta = pm.Deterministic("theta", mu + tau * theta_tilde, dims="school")
    obs = pm.Normal("obs", mu=theta, sigma=sigma, observed=y, dims="school")

    idata = pm.sample(2000, tune=1000, chains=4, random_seed=2026, target_accept=0.9)

try:
    import arviz as az

    print(az.summary(idata, var_names=["mu", "tau", "theta"]))
except ImportError:
    print(pm.summary(idata, var_names=["mu", "tau", "theta"]))
