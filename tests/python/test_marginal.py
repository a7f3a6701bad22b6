"""hypatia.marginalize / recover_marginals and pm.sample(marginalize=...): discrete variables
summed out, checked against exact enumeration, the compound-sampled model and the closed-form
mixture."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

import hypatia as pm

from test_step_methods import COUNTS, _change_point_model, _exact_switchpoint, _mcse, _mixture_data


def test_marginalized_change_point_matches_enumeration_and_the_compound_run():
    model = _change_point_model()
    with model:
        compound = pm.sample(1500, tune=1000, chains=4, random_seed=7, progressbar=False)
    pm.marginalize(model, ["switchpoint"])
    with model:
        marginal = pm.sample(1500, tune=1000, chains=4, random_seed=7, progressbar=False)
    idata = pm.recover_marginals(marginal, model=model)
    exact = _exact_switchpoint()
    # The per-draw conditional probabilities average to the exact posterior.
    probabilities = np.exp(idata.posterior["lp_switchpoint"].values)
    assert probabilities.shape[-1] == len(COUNTS)
    np.testing.assert_allclose(probabilities.sum(-1), 1.0, atol=1e-9)
    for year in np.flatnonzero(exact > 0.05):
        p = probabilities[..., year]
        assert abs(p.mean() - exact[year]) < 4 * _mcse(p) + 1e-3, year
    draws = idata.posterior["switchpoint"].values
    assert abs(draws.mean() - np.dot(np.arange(len(exact)), exact)) < 4 * _mcse(draws)
    # The continuous rates: the same posterior as the compound run.
    for name in ("early_rate", "late_rate"):
        a, b = marginal.posterior[name].values, compound.posterior[name].values
        assert abs(a.mean() - b.mean()) < 4 * np.hypot(_mcse(a), _mcse(b)), name


def test_sampling_option_marginalizes_memberships_element_by_element():
    y = _mixture_data()
    weights = np.array([0.4, 0.6])
    with pm.Model():
        mu = pm.Normal("mu", mu=np.array([-2.0, 2.0]), sigma=1.0)
        z = pm.Categorical("z", p=weights, shape=len(y))
        pm.Normal("y", mu=mu[z], sigma=1.0, observed=y)
        marginal = pm.sample(1000, tune=500, chains=4, random_seed=3, progressbar=False,
                             marginalize=[z])
    with pm.Model():
        mu = pm.Normal("mu", mu=np.array([-2.0, 2.0]), sigma=1.0)
        pm.NormalMixture("y", w=weights, mu=mu, sigma=1.0, observed=y)
        closed_form = pm.sample(1000, tune=500, chains=4, random_seed=3, progressbar=False)
    for k in range(2):
        a = marginal.posterior["mu"].values[..., k]
        b = closed_form.posterior["mu"].values[..., k]
        assert abs(a.mean() - b.mean()) < 4 * np.hypot(_mcse(a), _mcse(b)), k
    # Membership probabilities of the first point: w_k N(y_0 | mu_k, 1), normalized, per draw.
    mu_draws = marginal.posterior["mu"].values.reshape(-1, 2)
    log_w = np.log(weights) - 0.5 * (y[0] - mu_draws) ** 2
    expected = np.exp(log_w - special.logsumexp(log_w, axis=1, keepdims=True))
    got = np.exp(marginal.posterior["lp_z"].values.reshape(-1, len(y), 2)[:, 0, :])
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_bad_marginalization_requests_are_errors_naming_the_variable():
    with pm.Model() as model:
        x = pm.Normal("x", 0, 1)
        k = pm.Poisson("k", 3.0)
        pm.Normal("y", x + k, 1, observed=[1.0, 2.0])
        with pytest.raises(ValueError, match="'k'.*finite support"):
            pm.sample(10, tune=10, chains=1, progressbar=False, marginalize=[k])
        with pytest.raises(ValueError, match="continuous"):
            pm.sample(10, tune=10, chains=1, progressbar=False, marginalize=[x])
        with pytest.raises(ValueError, match="not a free random variable"):
            pm.marginalize(model, ["nope"])
        with pytest.raises(ValueError, match="step"):
            pm.sample(10, tune=10, chains=1, progressbar=False, marginalize=[k],
                      step=pm.Metropolis([k]))


def test_two_variables_are_summed_out_jointly_and_drawn_back_in_order():
    # A scalar regime (noise doubled or not) and per-point outlier indicators share every
    # likelihood term; quadrature over mu gives the exact posterior.
    rng = np.random.default_rng(11)
    y = np.concatenate([rng.normal(1.0, 2.0, 28), [14.0, 6.0]])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 5.0)
        wide = pm.Bernoulli("wide", 0.3)
        outlier = pm.Bernoulli("outlier", 0.1, shape=len(y))
        scale = pm.math.switch(outlier, 10.0, 1.0) * pm.math.switch(wide, 2.0, 1.0)
        pm.Normal("y", mu, scale, observed=y)
    pm.marginalize(model, [wide, outlier])  # the scalar listed first: the vector goes first anyway
    with model:
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=5, progressbar=False)

    grid = np.linspace(-10.0, 12.0, 8001)[:, None]
    prior_mu = -0.5 * (grid[:, 0] / 5.0) ** 2
    log_joint, outlier_last = [], []
    for regime, p_regime in ((0, 0.7), (1, 0.3)):
        s = 2.0 if regime else 1.0
        inlier = np.log(0.9) + _normal_logpdf(y, grid, s)
        far = np.log(0.1) + _normal_logpdf(y, grid, 10 * s)
        per_point = np.logaddexp(inlier, far)
        log_joint.append(prior_mu + np.log(p_regime) + per_point.sum(1))
        outlier_last.append(np.exp(far[:, -1] - per_point[:, -1]))
    log_joint = np.array(log_joint)
    weights = np.exp(log_joint - special.logsumexp(log_joint))
    exact_mu = (weights.sum(0) * grid[:, 0]).sum()
    exact_wide = weights[1].sum()
    exact_outlier_last = (weights * np.array(outlier_last)).sum()

    draws = idata.posterior["mu"].values
    assert abs(draws.mean() - exact_mu) < 4 * _mcse(draws)
    # Eliminated last, the regime's probabilities are given mu alone: they average to p(wide | y).
    p_wide = np.exp(idata.posterior["lp_wide"].values[..., 1])
    assert abs(p_wide.mean() - exact_wide) < 4 * _mcse(p_wide) + 1e-3
    wide_draws = idata.posterior["wide"].values.astype(float)
    assert abs(wide_draws.mean() - exact_wide) < 4 * _mcse(wide_draws) + 1e-3
    # The indicators are drawn given the drawn regime: the last point's rate of being an outlier.
    last = idata.posterior["outlier"].values[..., -1].astype(float)
    assert abs(last.mean() - exact_outlier_last) < 4 * _mcse(last) + 1e-3
    assert idata.posterior["lp_outlier"].shape[-2:] == (len(y), 2)


def _normal_logpdf(y, mu, sigma):
    return -0.5 * ((y - mu) / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
