"""Change-point model for yearly disaster counts: a discrete switchpoint (DiscreteUniform) chooses
between an early and a late Poisson rate with pm.math.switch. As in PyMC, pm.sample builds a
compound step: Metropolis for the switchpoint, NUTS for the rates."""

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
# The switchpoint's exact posterior, the rates integrated out (Exponential(1) = Gamma(1, 1)):
# each segment of n years with S events contributes Gamma(S + 1) / (n + 1)^(S + 1).
from scipy.special import gammaln  # noqa: E402

log_mass = np.array([gammaln(counts[years <= s].sum() + 1)
                     - (counts[years <= s].sum() + 1) * np.log((years <= s).sum() + 1)
                     + gammaln(counts[years > s].sum() + 1)
                     - (counts[years > s].sum() + 1) * np.log((years > s).sum() + 1) for s in years])
mass = np.exp(log_mass - log_mass.max())
exact_mean = float((years * mass).sum() / mass.sum())
assert abs(float(post["switchpoint"].mean()) - exact_mean) < 1.5, (float(post["switchpoint"].mean()), exact_mean)
assert abs(exact_mean - true_switch) < 8
assert abs(float(post["early_rate"].mean()) - counts[years < true_switch].mean()) < 0.4
assert abs(float(post["late_rate"].mean()) - counts[years >= true_switch].mean()) < 0.3
