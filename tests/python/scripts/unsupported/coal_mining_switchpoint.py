"""Change-point model for yearly disaster counts: a discrete switchpoint (DiscreteUniform) chooses
between an early and a late Poisson rate with pm.math.switch. PyMC samples it with a compound
step: Metropolis for the switchpoint, NUTS for the rates.

Missing in Hypatia: discrete free variables. pm.sample refuses a model with a discrete free
variable (NUTS needs continuous ones) and there are no step methods other than NUTS
(pm.Metropolis, pm.BinaryGibbsMetropolis, pm.CategoricalGibbsMetropolis, compound steps). The
engine's chain runner needs compound steps over disjoint blocks (ARCHITECTURE.md, "Samplers beyond
NUTS"): a C++ gap, not a front-end one.
"""

import arviz as az
import numpy as np

import hypatia as pm

rng = np.random.default_rng(1851)
years = np.arange(1851, 1962)
true_switch = 1890
counts = np.where(years < true_switch, rng.poisson(3.0, size=len(years)),
                  rng.poisson(0.9, size=len(years)))

with pm.Model(coords={"year": years}) as disaster_model:
    switchpoint = pm.DiscreteUniform("switchpoint", lower=years.min(), upper=years.max())
    early_rate = pm.Exponential("early_rate", 1.0)
    late_rate = pm.Exponential("late_rate", 1.0)
    rate = pm.math.switch(switchpoint >= years, early_rate, late_rate)
    pm.Poisson("disasters", rate, observed=counts, dims="year")
    idata = pm.sample(500, tune=500, chains=2, random_seed=3, progressbar=False)

print(az.summary(idata))
post = idata.posterior
assert abs(float(post["switchpoint"].median()) - true_switch) <= 4
assert abs(float(post["early_rate"].mean()) - counts[years < true_switch].mean()) < 0.4
assert abs(float(post["late_rate"].mean()) - counts[years >= true_switch].mean()) < 0.3
