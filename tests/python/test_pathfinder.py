"""hypatia.fit_pathfinder against analytic posteriors (a correlated MvNormal, conjugate models),
pm.sample(init="pathfinder"), and its argument errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import hypatia as pm
import hypatia.pathfinder as pathfinder_module


def _draws(idata, name):
    values = idata.posterior[name].values
    return values.reshape((-1,) + values.shape[2:])


def test_correlated_mvnormal_covariance_is_recovered():
    mean = np.array([1.0, -2.0, 0.5])
    sds = np.array([0.5, 2.0, 1.0])
    correlation = np.array([[1.0, 0.8, -0.4], [0.8, 1.0, -0.3], [-0.4, -0.3, 1.0]])
    covariance = correlation * np.outer(sds, sds)
    with pm.Model():
        pm.MvNormal("x", mu=mean, cov=covariance)
        with warnings.catch_warnings():  # Pareto k may exceed 0.7 for a nearly exact q
            warnings.simplefilter("ignore", UserWarning)
            idata = pm.fit_pathfinder(num_draws=4000, random_seed=5, progressbar=False)
    assert idata.posterior["x"].shape == (1, 4000, 3)
    x = _draws(idata, "x")
    np.testing.assert_allclose(x.mean(axis=0), mean, atol=0.1 * sds.max())
    estimated = np.cov(x.T)
    scale = np.outer(sds, sds)
    assert np.all(np.abs(estimated - covariance) < 0.15 * scale), (estimated, covariance)
    assert np.isfinite(float(idata.posterior.attrs["pareto_k"]))
    # lp in sample_stats is the model's log density at each draw (up to its constant).
    lp = idata.sample_stats["lp"].values.reshape(-1)
    centered = x - mean
    quadratic = -0.5 * np.einsum("ni,ij,nj->n", centered, np.linalg.inv(covariance), centered)
    offset = lp - quadratic
    np.testing.assert_allclose(offset, offset[0], atol=1e-8)


def test_conjugate_gamma_poisson_mean_and_sd_with_a_deterministic():
    y = np.array([3, 5, 2, 4, 6, 3, 4])
    a, b = 2.0, 0.5
    with pm.Model():
        rate = pm.Gamma("rate", alpha=a, beta=b)
        pm.Poisson("y", mu=rate, observed=y)
        pm.Deterministic("twice", 2 * rate)
        with warnings.catch_warnings():  # q's tails are lighter than the log-gamma's: k > 0.7
            warnings.simplefilter("ignore", UserWarning)
            idata = pm.fit_pathfinder(random_seed=3, progressbar=False)
    shape, inverse_scale = a + y.sum(), b + len(y)
    exact_mean, exact_sd = shape / inverse_scale, np.sqrt(shape) / inverse_scale
    rate = _draws(idata, "rate")
    assert abs(rate.mean() - exact_mean) < 0.1 * exact_sd
    assert abs(rate.std() - exact_sd) < 0.1 * exact_sd
    np.testing.assert_allclose(_draws(idata, "twice"), 2 * rate)


def test_normal_normal_single_path_and_no_resampling():
    y = np.array([1.2, 0.4, 2.9, 1.7, -0.3, 2.2])
    m0, s0, sigma = -1.0, 2.0, 1.5
    precision = 1 / s0**2 + len(y) / sigma**2
    exact_mean = (m0 / s0**2 + y.sum() / sigma**2) / precision
    exact_sd = precision**-0.5
    with pm.Model():
        mu = pm.Normal("mu", m0, s0)
        pm.Normal("obs", mu, sigma, observed=y)
        single = pm.fit_pathfinder(num_paths=1, num_draws_per_path=3000, random_seed=1,
                                   progressbar=False)
        pooled = pm.fit_pathfinder(num_paths=3, num_draws_per_path=500,
                                   importance_sampling=None, random_seed=1, progressbar=False)
    assert single.posterior["mu"].shape == (1, 3000)
    assert abs(_draws(single, "mu").mean() - exact_mean) < 0.1 * exact_sd
    assert abs(_draws(single, "mu").std() - exact_sd) < 0.1 * exact_sd
    # Without importance sampling, one chain per path, as pymc-extras returns them.
    assert pooled.posterior["mu"].shape == (3, 500)
    assert abs(_draws(pooled, "mu").mean() - exact_mean) < 0.1 * exact_sd


def test_same_seed_same_draws():
    with pm.Model():
        pm.Normal("z", 0, 1, shape=3)
        first = pm.fit_pathfinder(random_seed=9, progressbar=False, cores=1)
        second = pm.fit_pathfinder(random_seed=9, progressbar=False, cores=2)
        other = pm.fit_pathfinder(random_seed=10, progressbar=False)
    np.testing.assert_array_equal(first.posterior["z"].values, second.posterior["z"].values)
    assert not np.array_equal(first.posterior["z"].values, other.posterior["z"].values)


def test_sample_with_pathfinder_init_starts_chains_at_distinct_draws(monkeypatch):
    y = np.array([0.8, 1.9, 1.1, 1.5, 0.7, 1.2, 1.6, 0.9])
    starts, metrics = [], []
    original = pathfinder_module.pathfinder_initial_points

    def recording(*args, **kwargs):
        points, metric = original(*args, **kwargs)
        starts.extend(points)
        metrics.append(metric)
        return points, metric

    monkeypatch.setattr(pathfinder_module, "pathfinder_initial_points", recording)
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        sigma = pm.HalfNormal("sigma", 2)
        pm.Normal("obs", mu, sigma, observed=y)
        idata = pm.sample(draws=400, tune=300, chains=3, cores=1, init="pathfinder",
                          random_seed=4, progressbar=False, compute_convergence_checks=False)
    assert len(starts) == 3
    assert len({tuple(point) for point in starts}) == 3
    # Each start is a posterior draw: mu near the data mean, log sigma near log of its sd.
    for point in starts:
        values = dict(zip(["mu", "sigma_log__"], point))
        assert abs(values["mu"] - y.mean()) < 1.0
        assert abs(values["sigma_log__"] - np.log(y.std())) < 1.5
    # The warm-up's first metric is the draws' variances: mu's about sd(y)^2 / n, log sigma's
    # about 1 / (2 (n - 1)) (the posterior of a normal scale).
    mu_variance, log_sigma_variance = metrics[0]
    assert mu_variance == pytest.approx(y.var() / len(y), rel=0.6)
    assert log_sigma_variance == pytest.approx(1 / (2 * (len(y) - 1)), rel=0.6)
    mu_draws = _draws(idata, "mu")
    assert idata.posterior["mu"].shape == (3, 400)
    assert abs(mu_draws.mean() - y.mean()) < 0.1


def test_bad_arguments_are_clear_errors():
    with pm.Model() as model:
        pm.Normal("x", 0, 1)
    with model:
        with pytest.raises(ValueError, match="importance_sampling"):
            pm.fit_pathfinder(importance_sampling="bogus")
        with pytest.raises(ValueError, match="num_paths"):
            pm.fit_pathfinder(num_paths=0)
        with pytest.raises(TypeError, match="num_draws"):
            pm.fit_pathfinder(num_draws="many")
        with pytest.raises(ValueError, match="inference_backend"):
            pm.fit_pathfinder(inference_backend="blackjax")
        with pytest.raises(ValueError, match="postprocessing_backend"):
            pm.fit_pathfinder(postprocessing_backend="gpu")
        with pytest.raises(TypeError, match="pathfinder_kwargs"):
            pm.fit_pathfinder(pathfinder_kwargs={"foo": 1})
        with pytest.raises(ValueError, match="jitter"):
            pm.fit_pathfinder(jitter=-1.0)
        with pytest.raises(KeyError, match="nope"):
            pm.fit_pathfinder(initvals={"nope": 1.0})
    with pm.Model():
        pm.Poisson("k", 3.0)
        with pytest.raises(ValueError, match="discrete"):
            pm.fit_pathfinder()
    with pm.Model():
        with pytest.raises(ValueError, match="no free random variables"):
            pm.fit_pathfinder()


def test_initvals_start_the_paths_there():
    with pm.Model():
        pm.Normal("x", 3.0, 0.5)
        idata = pm.fit_pathfinder(initvals={"x": 3.0}, jitter=0.1, random_seed=2,
                                  progressbar=False)
    x = _draws(idata, "x")
    assert abs(x.mean() - 3.0) < 0.05
    assert abs(x.std() - 0.5) < 0.05
