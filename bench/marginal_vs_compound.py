"""Change-point model (switchpoint over 111 years): ESS per second of the rates with the
switchpoint sampled by a Metropolis step (compound) against summed out (marginalized).
Usage: /usr/bin/python3 bench/marginal_vs_compound.py (PYTHONPATH pointing at a build)."""

import time

import numpy as np

import hypatia as pm


def model():
    rng = np.random.default_rng(1851)
    years = np.arange(1851, 1962)
    counts = np.where(years < 1890, rng.poisson(3.0, len(years)), rng.poisson(0.9, len(years)))
    with pm.Model() as m:
        s = pm.DiscreteUniform("switchpoint", lower=years.min(), upper=years.max())
        early = pm.Exponential("early_rate", 1.0)
        late = pm.Exponential("late_rate", 1.0)
        pm.Poisson("disasters", pm.math.switch(s >= years, early, late), observed=counts)
    return m


def run(marginalize):
    m = model()
    with m:  # once to fill the compile cache, then timed
        pm.sample(100, tune=100, chains=4, random_seed=1, progressbar=False, marginalize=marginalize,
                  compute_convergence_checks=False)
        start = time.perf_counter()
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=2, progressbar=False,
                          marginalize=marginalize, compute_convergence_checks=False)
        seconds = time.perf_counter() - start
    table = pm.summary(idata, var_names=["early_rate", "late_rate", "switchpoint"])
    return seconds, table["ess_bulk"]


for label, marginalize in (("compound (Metropolis switchpoint)", None), ("marginalized", ["switchpoint"])):
    seconds, ess = run(marginalize)
    print(f"{label:36s} {seconds:6.2f} s  ESS/s early {ess['early_rate'] / seconds:8.0f}  "
          f"late {ess['late_rate'] / seconds:8.0f}  switchpoint {ess['switchpoint'] / seconds:8.0f}")


def mixture():
    rng = np.random.default_rng(5)
    y = np.concatenate([rng.normal(-2.0, 1.0, 300), rng.normal(2.5, 1.0, 500)])
    with pm.Model() as m:
        mu = pm.Normal("mu", mu=np.array([-2.0, 2.0]), sigma=1.0)
        z = pm.Categorical("z", p=np.array([0.4, 0.6]), shape=len(y))
        pm.Normal("y", mu=mu[z], sigma=1.0, observed=y)
    return m


print("two-component mixture, 800 points, explicit Categorical memberships:")
for label, marginalize in (("compound (CategoricalGibbs z)", None), ("marginalized", ["z"])):
    m = mixture()
    with m:
        pm.sample(100, tune=100, chains=4, random_seed=1, progressbar=False, marginalize=marginalize,
                  compute_convergence_checks=False)
        start = time.perf_counter()
        # Started in the labelled mode: the swapped one is a local mode chains can stick in.
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=2, progressbar=False,
                          marginalize=marginalize, compute_convergence_checks=False,
                          initvals={"mu": np.array([-2.0, 2.5])}, init="adapt_diag")
        seconds = time.perf_counter() - start
    ess = pm.summary(idata, var_names=["mu"])["ess_bulk"]
    print(f"{label:36s} {seconds:6.2f} s  ESS/s mu[0] {ess.iloc[0] / seconds:8.0f}  "
          f"mu[1] {ess.iloc[1] / seconds:8.0f}")
