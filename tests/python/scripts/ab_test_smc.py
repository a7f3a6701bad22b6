"""An A/B test: Beta-Binomial conversion rates with a Deterministic uplift and pm.math.switch,
sampled with NUTS and with pm.sample_smc, whose log marginal likelihood is checked against the
closed-form Beta-Binomial evidence."""

import arviz as az
import numpy as np
from scipy import special, stats

import hypatia as pm

trials = np.array([1000, 980])
successes = np.array([112, 141])

with pm.Model(coords={"variant": ["A", "B"]}) as ab_model:
    p = pm.Beta("p", alpha=2, beta=8, dims="variant")
    pm.Binomial("conversions", n=trials, p=p, observed=successes, dims="variant")
    uplift = pm.Deterministic("uplift", p[1] / p[0] - 1)
    pm.Deterministic("b_wins", pm.math.switch(p[1] > p[0], 1.0, 0.0))
    idata = pm.sample(500, tune=500, chains=2, random_seed=5, progressbar=False)
    idata_smc = pm.sample_smc(draws=600, chains=2, random_seed=6, progressbar=False)

print(az.summary(idata, var_names=["p", "uplift", "b_wins"]))
# Conjugate posterior: Beta(2 + s, 8 + n - s) per variant.
exact = stats.beta(2 + successes, 8 + trials - successes)
post_mean = idata.posterior["p"].mean(("chain", "draw")).values
assert np.allclose(post_mean, exact.mean(), atol=3e-3), (post_mean, exact.mean())
smc_mean = idata_smc.posterior["p"].mean(("chain", "draw")).values
assert np.allclose(smc_mean, exact.mean(), atol=4e-3), (smc_mean, exact.mean())

# P(p_B > p_A) by numerical integration of the two independent Beta posteriors.
grid = np.linspace(0, 1, 20001)
prob_b_wins = np.trapz(exact.pdf(grid[:, None])[:, 1] * exact.cdf(grid[:, None])[:, 0], grid)
assert abs(float(idata.posterior["b_wins"].mean()) - prob_b_wins) < 0.03

# Evidence: product over variants of C(n, s) B(2 + s, 8 + n - s) / B(2, 8).
log_evidence = np.sum(np.log(special.comb(trials, successes))
                      + special.betaln(2 + successes, 8 + trials - successes) - special.betaln(2, 8))
lml = idata_smc.sample_stats["log_marginal_likelihood"].values
lml = np.array([np.asarray(v, dtype=float).ravel()[-1] for v in np.ravel(lml)]) \
    if lml.dtype == object else lml.reshape(lml.shape[0], -1)[:, -1]
print("SMC log evidence", lml, "exact", log_evidence)
assert np.all(np.abs(lml - log_evidence) < 0.3)
