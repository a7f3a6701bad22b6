"""pm.sample and friends: arguments as PyMC spells them, reproducibility, interruption, SMC,
predictive sampling and log likelihoods, each against an independent reference."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import scipy.stats as st

import hypatia as pm
from hypatia.inference_data import from_netcdf


def conjugate_normal(data, prior_sd=2.0, noise_sd=1.0):
    """mu ~ Normal(0, prior_sd), y ~ Normal(mu, noise_sd): the posterior is Normal."""
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, prior_sd)
        pm.Normal("y", mu, noise_sd, observed=data)
    precision = 1 / prior_sd**2 + len(data) / noise_sd**2
    return model, np.sum(data) / noise_sd**2 / precision, precision**-0.5


@pytest.fixture
def data(rng):
    return rng.normal(1.5, 1.0, size=20)


def test_posterior_matches_the_conjugate_result(data):
    model, mean, sd = conjugate_normal(data)
    with model:
        idata = pm.sample(2000, tune=500, chains=2, random_seed=1, progressbar=False)
    draws = idata.posterior["mu"].values.ravel()
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(1000)
    assert abs(draws.std() / sd - 1) < 0.1


def test_same_seed_same_draws_whatever_the_thread_count(data):
    model, _, _ = conjugate_normal(data)
    with model:
        one = pm.sample(200, tune=200, chains=3, cores=1, random_seed=7, progressbar=False)
        two = pm.sample(200, tune=200, chains=3, cores=2, random_seed=7, progressbar=False)
        other = pm.sample(200, tune=200, chains=3, cores=2, random_seed=8, progressbar=False)
    np.testing.assert_array_equal(one.posterior["mu"].values, two.posterior["mu"].values)
    assert not np.array_equal(one.posterior["mu"].values, other.posterior["mu"].values)


def test_random_seed_may_be_a_sequence_or_a_generator(data):
    # PyMC accepts one seed per chain (a list) and numpy generators as random_seed.
    model, _, _ = conjugate_normal(data)
    with model:
        runs = [pm.sample(50, tune=50, chains=2, random_seed=seed, progressbar=False)
                for seed in ([1, 2], [1, 2], [2, 1], np.random.default_rng(3),
                             np.random.default_rng(3))]
    draws = [run.posterior["mu"].values for run in runs]
    np.testing.assert_array_equal(draws[0], draws[1])
    np.testing.assert_array_equal(draws[3], draws[4])
    assert not np.array_equal(draws[0], draws[2])
    assert all(np.isfinite(d).all() for d in draws)


def test_draws_may_be_positional_and_defaults_follow_pymc(data):
    model, _, _ = conjugate_normal(data)
    with model:
        idata = pm.sample(150, tune=100, random_seed=2, progressbar=False)
    assert idata.posterior.sizes["draw"] == 150
    assert idata.posterior.sizes["chain"] == max(2, min(os.cpu_count() or 1, 4))


def test_log_likelihood_group_matches_scipy(data):
    model, _, _ = conjugate_normal(data)
    with model:
        idata = pm.sample(100, tune=100, chains=2, random_seed=3, progressbar=False,
                          idata_kwargs={"log_likelihood": True})
    mu = idata.posterior["mu"].values
    expected = st.norm(mu[..., None], 1.0).logpdf(data)
    np.testing.assert_allclose(idata.log_likelihood["y"].values, expected, rtol=1e-10)
    recomputed = pm.compute_log_likelihood(idata, model=model, extend_inferencedata=False)
    np.testing.assert_allclose(recomputed["y"].values, expected, rtol=1e-10)


def test_energy_error_is_the_chosen_minus_the_starting_hamiltonian(data):
    # energy - energy_error is H where the iteration started: -lp of the previous draw plus the
    # kinetic energy of a fresh momentum, which is chi^2_1 / 2 in one dimension.
    model, _, _ = conjugate_normal(data)
    with model:
        idata = pm.sample(1000, tune=300, chains=2, random_seed=5, progressbar=False)
    stats = idata.sample_stats
    assert stats["energy_error"].dims == ("chain", "draw")
    error = stats["energy_error"].values
    kinetic = (stats["energy"].values - error)[:, 1:] + stats["lp"].values[:, :-1]
    assert np.all(kinetic > -1e-9)
    assert st.kstest(2 * kinetic.ravel(), st.chi2(1).cdf).pvalue > 1e-3
    assert np.all(np.abs(error) <= np.abs(stats["max_energy_error"].values))
    assert abs(error.mean()) < 5 * error.std() / np.sqrt(error.size / 4)


@pytest.fixture(params=["arviz", "hypatia"])
def idata_kind(request, monkeypatch):
    """Runs a test with ArviZ's InferenceData (when installed) and with Hypatia's own."""
    if request.param == "hypatia":
        monkeypatch.setenv("HYPATIA_NO_ARVIZ", "1")
    else:
        pytest.importorskip("arviz")
        monkeypatch.delenv("HYPATIA_NO_ARVIZ", raising=False)
    return request.param


def _warmup_run(model, **kwargs):
    with model:
        return pm.sample(40, tune=60, chains=2, random_seed=9, progressbar=False, **kwargs)


def test_discard_tuned_samples_false_stores_the_warmup_groups(data, idata_kind, tmp_path):
    model, _, _ = conjugate_normal(data)
    idata = _warmup_run(model, discard_tuned_samples=False)
    plain = _warmup_run(model)
    assert "warmup_posterior" not in plain.groups()
    assert "warmup_posterior" in idata.groups() and "warmup_sample_stats" in idata.groups()
    warm, warm_stats = idata.warmup_posterior, idata.warmup_sample_stats
    assert warm["mu"].dims == ("chain", "draw") and warm["mu"].shape == (2, 60)
    assert idata.posterior["mu"].shape == (2, 40)
    assert warm_stats["lp"].shape == (2, 60)
    assert set(warm_stats.data_vars) == set(idata.sample_stats.data_vars)
    # The dual average after the last warm-up iteration is the step size of the draws.
    np.testing.assert_array_equal(warm_stats["step_size_bar"].values[:, -1],
                                  idata.sample_stats["step_size"].values[:, 0])
    # The same seed gives the same kept draws whether or not the warm-up is stored.
    np.testing.assert_array_equal(idata.posterior["mu"].values, plain.posterior["mu"].values)
    np.testing.assert_array_equal(idata.sample_stats["lp"].values, plain.sample_stats["lp"].values)
    # Warm-up draws are their own: lp is the log density at the warm-up draw beside it.
    mu = warm["mu"].values
    assert not np.isin(mu, idata.posterior["mu"].values).any()
    expected = st.norm(0, 2).logpdf(mu) + st.norm(mu[..., None], 1).logpdf(data).sum(-1)
    np.testing.assert_allclose(warm_stats["lp"].values, expected, rtol=1e-10)
    assert np.ptp(warm_stats["step_size"].values) > 0  # adapting
    assert warm.attrs["tuning_steps"] == 60
    path = str(tmp_path / "warmup.nc")
    idata.to_netcdf(path)
    back = from_netcdf(path)
    np.testing.assert_array_equal(back.warmup_posterior["mu"].values, mu)
    np.testing.assert_array_equal(back.warmup_sample_stats["lp"].values, warm_stats["lp"].values)
    np.testing.assert_array_equal(back.posterior["mu"].values, idata.posterior["mu"].values)


def test_save_warmup_in_idata_kwargs(data, idata_kind):
    model, _, _ = conjugate_normal(data)
    reference = _warmup_run(model, discard_tuned_samples=False)
    # idata_kwargs overrides the default that discard_tuned_samples sets, as in PyMC.
    idata = _warmup_run(model, discard_tuned_samples=False, idata_kwargs={"save_warmup": False})
    assert not any(g.startswith("warmup_") for g in idata.groups())
    idata = _warmup_run(model, idata_kwargs={"save_warmup": True})
    np.testing.assert_array_equal(idata.warmup_posterior["mu"].values,
                                  reference.warmup_posterior["mu"].values)
    with model:
        pm.Deterministic("twice", 2 * model["mu"])
    idata = _warmup_run(model, discard_tuned_samples=False, var_names=["twice"])
    assert list(idata.warmup_posterior.data_vars) == ["twice"]
    np.testing.assert_allclose(idata.warmup_posterior["twice"].values,
                               2 * reference.warmup_posterior["mu"].values)


def test_multitrace_keeps_the_tuning_draws_first(data, idata_kind):
    model, _, _ = conjugate_normal(data)
    idata = _warmup_run(model, discard_tuned_samples=False)
    trace = _warmup_run(model, discard_tuned_samples=False, return_inferencedata=False)
    assert len(trace) == 100
    expected = np.concatenate([idata.warmup_posterior["mu"].values,
                               idata.posterior["mu"].values], axis=1)
    np.testing.assert_array_equal(trace.get_values("mu", combine=False), list(expected))
    np.testing.assert_array_equal(trace["mu"], expected.ravel())
    assert "warmup_posterior" not in pm.to_inference_data(trace).groups()
    with_warmup = pm.to_inference_data(trace, save_warmup=True)
    np.testing.assert_array_equal(with_warmup.warmup_posterior["mu"].values,
                                  idata.warmup_posterior["mu"].values)
    assert len(_warmup_run(model, return_inferencedata=False)) == 40


def test_return_inferencedata_false_gives_draws_by_name(data):
    model, _, _ = conjugate_normal(data)
    with model:
        trace = pm.sample(50, tune=50, chains=2, random_seed=4, progressbar=False,
                          return_inferencedata=False)
    assert trace["mu"].shape == (100,)
    assert trace.nchains == 2 and len(trace) == 50


@pytest.mark.parametrize("kernel", ["IMH", "MH"])
def test_sample_smc_log_marginal_likelihood_is_the_analytic_evidence(data, kernel):
    model, mean, sd = conjugate_normal(data)
    with model:
        idata = pm.sample_smc(2000, kernel=getattr(pm.smc, kernel), chains=2, random_seed=5,
                              progressbar=False)
    # Evidence of y ~ N(0, I + prior_sd^2 11^T).
    covariance = np.eye(len(data)) + 4.0 * np.ones((len(data), len(data)))
    evidence = st.multivariate_normal(np.zeros(len(data)), covariance).logpdf(data)
    estimates = np.asarray(idata.sample_stats["log_marginal_likelihood"].values, dtype=float)
    assert np.all(np.abs(estimates[np.isfinite(estimates)] - evidence) < 0.3)
    assert abs(idata.posterior["mu"].values.mean() - mean) < 0.05


def test_prior_predictive_moments(data):
    with pm.Model():
        mu = pm.Normal("mu", 3.0, 2.0)
        pm.Normal("y", mu, 1.0, observed=data)
        prior = pm.sample_prior_predictive(4000, random_seed=6)
        old_spelling = pm.sample_prior_predictive(samples=10, random_seed=6)
    mu_draws = prior.prior["mu"].values.ravel()
    assert abs(mu_draws.mean() - 3.0) < 5 * 2.0 / np.sqrt(4000)
    y_draws = prior.prior_predictive["y"].values
    assert y_draws.shape == (1, 4000, len(data))
    assert abs(y_draws.var() - 5.0) < 0.4  # prior variance 4 + noise 1
    assert old_spelling.prior.sizes["draw"] == 10


def test_posterior_predictive_extends_the_inference_data(data):
    model, mean, sd = conjugate_normal(data)
    with model:
        idata = pm.sample(500, tune=300, chains=2, random_seed=7, progressbar=False)
        pm.sample_posterior_predictive(idata, extend_inferencedata=True, random_seed=8)
    draws = idata.posterior_predictive["y"].values
    assert draws.shape == (2, 500, len(data))
    # Predictive variance: noise 1 plus the posterior's.
    assert abs(draws.var() - (1 + sd**2)) < 0.15


def test_posterior_predictive_from_a_multitrace_or_a_list_of_points(data):
    model, _, _ = conjugate_normal(data)
    with model:
        idata = pm.sample(100, tune=100, chains=2, random_seed=3, progressbar=False)
        trace = pm.sample(100, tune=100, chains=2, random_seed=3, progressbar=False,
                          return_inferencedata=False)
        from_idata = pm.sample_posterior_predictive(idata, random_seed=4, progressbar=False)
        from_trace = pm.sample_posterior_predictive(trace, random_seed=4, progressbar=False)
        # Points far apart: each predictive draw sits around its own point's mu.
        from_points = pm.sample_posterior_predictive([{"mu": 100.0}, {"mu": -100.0}],
                                                     random_seed=5, progressbar=False)
        with pytest.raises(TypeError, match="must hold points"):
            pm.sample_posterior_predictive([1.0, 2.0], progressbar=False)
    np.testing.assert_array_equal(from_idata.posterior_predictive["y"].values,
                                  from_trace.posterior_predictive["y"].values)
    draws = from_points.posterior_predictive["y"].values
    assert draws.shape == (1, 2, len(data))
    assert abs(draws[0, 0].mean() - 100) < 1.5 and abs(draws[0, 1].mean() + 100) < 1.5


def test_initvals_start_the_chains_there(data):
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 2.0, initval=3.0)
        sigma = pm.HalfNormal("sigma", 1.0, initval=2.0)
        pm.Normal("y", mu, sigma, observed=data)
    point = model.initial_point()
    assert point["mu"] == pytest.approx(3.0) and point["sigma_log__"] == pytest.approx(np.log(2.0))
    first = {}
    with model:
        for start in (60.0, -60.0):
            idata = pm.sample(1, tune=0, chains=1, random_seed=9, progressbar=False,
                              initvals={"mu": start}, compute_convergence_checks=False)
            first[start] = idata.posterior["mu"].values[0, 0]
    # Without warm-up one transition from +-60 (the posterior sits near 1.5 with sd 0.2) cannot
    # reach the other side: the first draw remembers where the chain started.
    assert first[60.0] > 1.5 > first[-60.0]


def test_a_non_finite_start_point_names_the_variable(data):
    with pm.Model():
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("y", 0.0, sigma, observed=data)
        with pytest.raises(ValueError, match="sigma"):
            pm.sample(10, tune=10, chains=1, initvals={"sigma": np.inf}, progressbar=False)


def test_unknown_and_unsupported_arguments_are_errors_naming_them(data):
    model, _, _ = conjugate_normal(data)
    with model:
        with pytest.raises(TypeError, match="tunes"):
            pm.sample(10, tunes=10)
        with pytest.raises(TypeError, match="step"):
            pm.sample(10, step=object())
        with pytest.raises(TypeError, match="max_depth"):
            pm.sample(10, nuts={"max_depth": 3})
        with pytest.raises(ValueError, match="init"):
            pm.sample(10, init="no_such_init")


def test_data_with_nan_is_an_error_naming_it():
    with pm.Model():
        with pytest.raises(ValueError, match="x"):
            pm.Data("x", np.array([1.0, np.nan]))


def test_observed_nan_is_imputed_as_pymc_does(rng):
    values = rng.normal(2.0, 1.0, size=30)
    values[[3, 17]] = np.nan
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 10.0)
        pm.Normal("y", mu, 1.0, observed=values)
        idata = pm.sample(500, tune=300, chains=2, random_seed=10, progressbar=False)
    assert [v.name for v in model.free_RVs] == ["mu", "y_unobserved"]
    imputed = idata.posterior["y_unobserved"].values.reshape(-1, 2)
    mu = idata.posterior["mu"].values.ravel()
    # Each missing value is mu + noise: its mean tracks mu, its variance is var(mu) + 1.
    assert np.all(np.abs(imputed.mean(0) - mu.mean()) < 0.25)
    assert np.all(np.abs(imputed.var(0) - (mu.var() + 1)) < 0.3)
    full = idata.posterior["y"].values
    assert np.isnan(values[3]) and np.all(full[..., 3] == idata.posterior["y_unobserved"].values[..., 0])


INTERRUPTED_SCRIPT = textwrap.dedent("""
    import sys, numpy as np
    import hypatia as pm
    with pm.Model():
        x = pm.Normal("x", 0.0, 1.0, shape=5)
        idata = pm.sample(2_000_000, tune=100, chains=2, random_seed=1, progressbar=False,
                          compute_convergence_checks=False)
    print("DRAWS", idata.posterior.sizes["draw"], flush=True)
""")


def test_ctrl_c_stops_sampling_and_keeps_the_draws():
    process = subprocess.Popen([sys.executable, "-c", INTERRUPTED_SCRIPT], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    # Wait until sampling has started (its first log line), then a while longer.
    for line in process.stderr:
        if line.startswith("Sampling 2 chains"):
            break
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    # No timing is asserted (a loaded machine stretches it): the run must end by itself, well
    # before the millions of draws asked for, with the draws made so far.
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    draws = int(out.split("DRAWS")[1])
    assert 0 < draws < 2_000_000
    assert "interrupted" in err.lower()


def test_shared_data_set_value_reaches_posterior_predictive(rng):
    """The older PyMC idiom: pytensor.shared predictors, set_value, posterior predictive."""
    from hypatia import pytensor

    x = rng.normal(size=40)
    y = 1.0 + 2.0 * x + rng.normal(0, 0.5, size=40)
    x_shared = pytensor.shared(x)
    with pm.Model():
        a = pm.Normal("a", 0, 10)
        b = pm.Normal("b", 0, 10)
        sigma = pm.HalfNormal("sigma", 1)
        pm.Normal("y", a + b * x_shared, sigma, observed=y)
        idata = pm.sample(400, tune=300, chains=2, random_seed=11, progressbar=False)
        x_shared.set_value(np.array([-1.0, 0.0, 2.0]))
        predictions = pm.sample_posterior_predictive(idata, random_seed=12)
    draws = predictions.posterior_predictive["y"].values
    assert draws.shape == (2, 400, 3)
    expected = (idata.posterior["a"].values[..., None]
                + idata.posterior["b"].values[..., None] * np.array([-1.0, 0.0, 2.0]))
    z = (draws - expected) / idata.posterior["sigma"].values[..., None]
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1


def test_total_size_scales_the_minibatch_likelihood(rng):
    batch = rng.normal(1.0, 1.0, size=10)
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 5.0)
        pm.Normal("y", mu, 1.0, observed=batch, total_size=1000)
    point = {"mu": np.array(0.3)}
    expected = st.norm(0, 5).logpdf(0.3) + 100.0 * st.norm(0.3, 1.0).logpdf(batch).sum()
    assert model.compile_logp()(point) == pytest.approx(expected, rel=1e-12)


def test_threads_per_chain_does_not_change_the_draws(rng):
    # 20,000 rows: the log density's sums and the design matrix products run in chunks of rows,
    # on one or two threads; the chunks combine in a fixed order, so the draws are the same bits.
    x = rng.normal(size=(20_000, 3))
    y = (rng.uniform(size=20_000) < 1 / (1 + np.exp(-(0.3 + x @ [0.5, -0.2, 0.1])))).astype(float)
    with pm.Model():
        alpha = pm.Normal("alpha", 0.0, 2.0)
        beta = pm.Normal("beta", 0.0, 1.0, shape=3)
        pm.Bernoulli("y", logit_p=alpha + pm.math.dot(x, beta), observed=y)
        one = pm.sample(15, tune=15, chains=1, random_seed=3, progressbar=False,
                        threads_per_chain=1)
        two = pm.sample(15, tune=15, chains=1, random_seed=3, progressbar=False,
                        threads_per_chain=2)
        with pytest.raises(ValueError, match="threads_per_chain must be a positive integer"):
            pm.sample(5, tune=5, chains=1, progressbar=False, threads_per_chain=0)
    np.testing.assert_array_equal(one.posterior["beta"].values, two.posterior["beta"].values)
    np.testing.assert_array_equal(one.posterior["alpha"].values, two.posterior["alpha"].values)
    assert one.posterior.attrs["threads_per_chain"] == "1"
    assert two.posterior.attrs["threads_per_chain"] == "2"
