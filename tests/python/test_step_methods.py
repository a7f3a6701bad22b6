"""Discrete variables and explicit step methods through pm.sample, against exact posteriors:
enumeration of a change point, Gamma-Poisson conjugacy for imputed counts, a mixture with
explicit memberships against its marginalized form, and each step's bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

import hypatia as pm
from hypatia import _core

# Yearly counts with a drop after year 23, written for these tests.
COUNTS = np.array([4, 5, 4, 1, 0, 4, 3, 4, 0, 6, 3, 3, 4, 0, 2, 6, 3, 3, 5, 4, 5, 3, 1, 4, 1, 1,
                   1, 0, 0, 1, 0, 1, 1, 0, 0, 2, 1, 0, 0, 1])


def _mcse(draws: np.ndarray) -> float:
    draws = np.asarray(draws, dtype=float)
    return float(draws.std(ddof=1) / np.sqrt(_core.ess_mean(draws)))


def _assert_mean(draws, truth: float, what: str, extra_error: float = 0.0) -> None:
    error = np.hypot(_mcse(draws), extra_error)
    estimate = float(np.mean(draws))
    assert abs(estimate - truth) < 4 * error + 1e-12, \
        f"{what}: {estimate:.4f} vs {truth:.4f} (mcse {error:.4f})"


def _exact_switchpoint() -> np.ndarray:
    """p(s | y) with Exponential(1) = Gamma(1, 1) rates integrated out, s the first late year."""
    years = len(COUNTS)
    log_mass = np.empty(years)
    for s in range(years):
        early, late = COUNTS[:s], COUNTS[s:]
        log_mass[s] = (special.gammaln(early.sum() + 1) - (early.sum() + 1) * np.log(len(early) + 1)
                       + special.gammaln(late.sum() + 1) - (late.sum() + 1) * np.log(len(late) + 1))
    mass = np.exp(log_mass - log_mass.max())
    return mass / mass.sum()


def _change_point_model() -> pm.Model:
    years = np.arange(len(COUNTS))
    with pm.Model() as model:
        switchpoint = pm.DiscreteUniform("switchpoint", lower=0, upper=len(COUNTS) - 1)
        early_rate = pm.Exponential("early_rate", 1.0)
        late_rate = pm.Exponential("late_rate", 1.0)
        rate = pm.math.switch(switchpoint > years, early_rate, late_rate)
        pm.Poisson("disasters", rate, observed=COUNTS)
    return model


def test_change_point_switchpoint_matches_exact_enumeration():
    with _change_point_model():
        idata = pm.sample(1500, tune=1000, chains=4, random_seed=7, progressbar=False)
    draws = idata.posterior["switchpoint"].values
    assert np.issubdtype(draws.dtype, np.integer) or np.all(draws == np.round(draws))
    exact = _exact_switchpoint()
    _assert_mean(draws, float(np.dot(np.arange(len(exact)), exact)), "switchpoint")
    for year in np.flatnonzero(exact > 0.1):
        _assert_mean((draws == year).astype(float), exact[year], f"P(switchpoint = {year})")
    stats_names = set(idata.sample_stats.data_vars)
    assert {"diverging", "accept", "accepted", "scaling", "lp"} <= stats_names


def test_imputed_counts_follow_gamma_poisson_conjugacy():
    observed = np.array([3.0, 5, np.nan, 4, 6, np.nan, 2, 4])
    with pm.Model():
        lam = pm.Gamma("lam", alpha=3, beta=1)
        pm.Poisson("y", lam, observed=observed)
        idata = pm.sample(2000, tune=1000, chains=4, random_seed=11, progressbar=False)
    present = observed[~np.isnan(observed)]
    posterior = stats.gamma(3 + present.sum(), scale=1 / (1 + len(present)))
    _assert_mean(idata.posterior["lam"].values, posterior.mean(), "lam")
    imputed = idata.posterior["y_unobserved"].values
    assert imputed.shape[-1] == 2
    # Each imputed count is negative binomial: mean E[lam], variance E[lam] + Var[lam].
    _assert_mean(imputed[..., 0], posterior.mean(), "y_unobserved[0]")
    assert np.var(imputed[..., 1]) == pytest.approx(posterior.mean() + posterior.var(), rel=0.15)


def _mixture_data() -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.concatenate([rng.normal(-2.0, 1.0, 30), rng.normal(2.5, 1.0, 50)])


def test_explicit_memberships_match_the_marginalized_mixture():
    y = _mixture_data()
    weights = np.array([0.4, 0.6])
    with pm.Model():
        mu = pm.Normal("mu", mu=np.array([-2.0, 2.0]), sigma=1.0)
        z = pm.Categorical("z", p=weights, shape=len(y))
        pm.Normal("y", mu=mu[z], sigma=1.0, observed=y)
        explicit = pm.sample(1500, tune=1000, chains=4, random_seed=3, progressbar=False)
    with pm.Model():
        mu = pm.Normal("mu", mu=np.array([-2.0, 2.0]), sigma=1.0)
        pm.NormalMixture("y", w=weights, mu=mu, sigma=1.0, observed=y)
        marginal = pm.sample(1500, tune=1000, chains=4, random_seed=3, progressbar=False)
    for k in range(2):
        reference = marginal.posterior["mu"].values[..., k]
        _assert_mean(explicit.posterior["mu"].values[..., k], float(reference.mean()), f"mu[{k}]",
                     extra_error=_mcse(reference))


def _indicator_model():
    y = (np.arange(40) % 5 < 3).astype(int)
    model = pm.Model()
    with model:
        p = pm.Beta("p", 2, 2)
        z = pm.Bernoulli("z", p, shape=len(y))
        pm.Bernoulli("y", pm.math.switch(pm.math.eq(z, 1), 0.85, 0.2), observed=y)
    return model, y


def _exact_indicator_mean(y: np.ndarray) -> float:
    grid = (np.arange(20000) + 0.5) / 20000
    a = np.where(y == 1, 0.85, 0.15)
    b = np.where(y == 1, 0.2, 0.8)
    log_f = np.log(grid) + np.log1p(-grid) + np.log(np.outer(grid, a) + np.outer(1 - grid, b)).sum(1)
    weight = np.exp(log_f - log_f.max())
    return float((grid * weight).sum() / weight.sum())


@pytest.mark.parametrize("step", ["binary", "categorical", "proportional"])
def test_explicit_discrete_steps_sample_latent_indicators(step):
    model, y = _indicator_model()
    with model:
        z = model["z"]
        chosen = {"binary": pm.BinaryGibbsMetropolis([z], transit_p=0.9),
                  "categorical": pm.CategoricalGibbsMetropolis([z]),
                  "proportional": pm.CategoricalGibbsMetropolis([z], proposal="proportional")}[step]
        idata = pm.sample(1500, tune=500, chains=4, random_seed=9, progressbar=False,
                          step=[pm.NUTS([model["p"]], target_accept=0.9), chosen])
    _assert_mean(idata.posterior["p"].values, _exact_indicator_mean(y), "p")


def test_metropolis_alone_samples_a_continuous_posterior():
    with pm.Model():
        mu = pm.Normal("mu", 0, 1)
        pm.Normal("y", mu, 1, observed=[1.0, 2.0, 0.5, 1.5])
        idata = pm.sample(3000, tune=1000, chains=4, random_seed=4, progressbar=False,
                          step=pm.Metropolis(proposal_dist=pm.LaplaceProposal))
    _assert_mean(idata.posterior["mu"].values, 1.0, "mu")
    assert float(idata.posterior["mu"].std()) == pytest.approx(1 / np.sqrt(5), abs=0.05)
    assert set(idata.sample_stats.data_vars) == {"lp", "accept", "accepted", "scaling", "tune"}


def test_same_seed_same_draws_whatever_the_core_count():
    model, _ = _indicator_model()
    with model:
        one = pm.sample(100, tune=100, chains=3, cores=1, random_seed=5, progressbar=False,
                        compute_convergence_checks=False)
        two = pm.sample(100, tune=100, chains=3, cores=2, random_seed=5, progressbar=False,
                        compute_convergence_checks=False)
    np.testing.assert_array_equal(one.posterior["z"].values, two.posterior["z"].values)
    np.testing.assert_array_equal(one.posterior["p"].values, two.posterior["p"].values)


def test_a_step_on_a_variable_it_cannot_move_names_both():
    model, _ = _indicator_model()
    with model:
        k = pm.Poisson("k", 3.0)
        with pytest.raises(ValueError, match=r"NUTS.*discrete.*'z'"):
            pm.sample(5, tune=5, chains=1, progressbar=False, step=pm.NUTS([model["z"]]))
        with pytest.raises(ValueError, match=r"BinaryGibbsMetropolis.*'k'"):
            pm.sample(5, tune=5, chains=1, progressbar=False, step=pm.BinaryGibbsMetropolis([k]))
        with pytest.raises(ValueError, match=r"'z' is given to two steps"):
            pm.sample(5, tune=5, chains=1, progressbar=False,
                      step=[pm.Metropolis([model["z"]]), pm.BinaryGibbsMetropolis([model["z"]])])
        with pytest.raises(TypeError, match="unexpected keyword"):
            pm.Metropolis(bogus=1)
        with pytest.raises(NotImplementedError, match="order"):
            pm.BinaryGibbsMetropolis([model["z"]], order=[0, 1])
        with pytest.raises(ValueError, match="proposal"):
            pm.CategoricalGibbsMetropolis([model["z"]], proposal="greedy")
        with pytest.raises(TypeError, match="step methods"):
            pm.sample(5, tune=5, chains=1, progressbar=False, step="NUTS")


@pytest.mark.parametrize("make_step", [
    lambda: pm.Slice(w=0.5),
    lambda: pm.HamiltonianMC(path_length=1.5, target_accept=0.7),
    lambda: pm.DEMetropolis(tune="lambda"),
    lambda: pm.DEMetropolisZ(),
    lambda: pm.Metropolis(S=np.array([0.5, 0.5]), proposal_dist=pm.NormalProposal),
], ids=["slice", "hmc", "demetropolis", "demetropolisz", "metropolis"])
def test_gradient_free_and_hmc_steps_sample_a_conjugate_posterior(make_step):
    # mu_k ~ Normal(0, 2); y_k ~ Normal(mu_k, 1) for 5 observations each: mu_k | y is normal.
    y = np.array([[0.3, 1.1, -0.4, 0.9, 1.6], [-2.0, -1.2, -2.5, -1.7, -0.9]])
    with pm.Model():
        mu = pm.Normal("mu", 0, 2, shape=2)
        pm.Normal("y", mu[:, None], 1, observed=y)
        idata = pm.sample(2000, tune=1000, chains=4, random_seed=12, progressbar=False,
                          step=make_step())
    precision = 1 / 4 + 5
    for k in range(2):
        draws = idata.posterior["mu"].values[..., k]
        _assert_mean(draws, y[k].sum() / precision, f"mu[{k}]")
        assert float(draws.std()) == pytest.approx(1 / np.sqrt(precision), rel=0.12)


def test_step_settings_reach_the_engine_and_bad_ones_are_errors():
    with pm.Model():
        pm.Normal("mu", 0, 1)
        with pytest.raises(ValueError, match="DEMetropolis"):
            pm.sample(10, tune=10, chains=2, progressbar=False, step=pm.DEMetropolis())
        with pytest.raises(ValueError, match="tune"):
            pm.DEMetropolis(tune="everything")
        with pytest.raises(NotImplementedError, match="covariance"):
            pm.Metropolis(S=np.eye(2))
        idata = pm.sample(50, tune=50, chains=1, progressbar=False,
                          step=pm.Slice(), compute_convergence_checks=False)
        assert {"nstep_out", "nstep_in"} <= set(idata.sample_stats.data_vars)
