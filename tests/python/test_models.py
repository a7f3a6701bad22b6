"""Models written the way PyMC's documentation writes them, run with `import hypatia as pm`, and
compared with posteriordb reference posteriors or closed-form posteriors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats
import scipy.stats as st

import hypatia as pm
import hypatia.tensor as pt
from hypatia import _core, pytensor

from conftest import assert_matches_reference, bench_data, posteriordb


def test_eight_schools_noncentered_matches_posteriordb():
    data, reference = posteriordb("eight_schools-eight_schools_noncentered")
    y, sigma = np.array(data["y"], float), np.array(data["sigma"], float)
    with pm.Model(coords={"school": np.arange(8)}):
        mu = pm.Normal("mu", mu=0, sigma=5)
        tau = pm.HalfCauchy("tau", beta=5)
        theta_tilde = pm.Normal("theta_t", mu=0, sigma=1, dims="school")
        theta = pm.Deterministic("theta", mu + tau * theta_tilde, dims="school")
        pm.Normal("obs", mu=theta, sigma=sigma, observed=y, dims="school")
        idata = pm.sample(2000, tune=1000, chains=4, random_seed=11, target_accept=0.9,
                          progressbar=False)
    names = {"mu": ("mu", ()), "tau": ("tau", ())}
    names |= {f"theta[{j + 1}]": ("theta", (j,)) for j in range(8)}
    assert_matches_reference(idata, reference, names)
    assert idata.posterior["theta"].dims == ("chain", "draw", "school")
    assert idata.sample_stats["diverging"].dtype == bool


def test_gaussian_mixture_matches_posteriordb():
    data, reference = posteriordb("low_dim_gauss_mix-low_dim_gauss_mix")
    y = np.array(data["y"], float)
    with pm.Model():
        mu = pm.Normal("mu", 0, 2, shape=2, transform=pm.distributions.transforms.ordered)
        sigma = pm.HalfNormal("sigma", 2, shape=2)
        theta = pm.Beta("theta", 5, 5)
        w = pm.math.stack([theta, 1 - theta])
        pm.NormalMixture("y", w=w, mu=mu, sigma=sigma, observed=y)
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=5, progressbar=False)
    names = {"mu[1]": ("mu", (0,)), "mu[2]": ("mu", (1,)), "sigma[1]": ("sigma", (0,)),
             "sigma[2]": ("sigma", (1,)), "theta": ("theta", ())}
    assert_matches_reference(idata, reference, names)


def test_linear_regression_matches_posteriordb():
    data, reference = posteriordb("sblrc-blr")
    X, y = np.array(data["X"], float), np.array(data["y"], float)
    with pm.Model():
        beta = pm.Normal("beta", 0, 10, shape=X.shape[1])
        sigma = pm.HalfNormal("sigma", 10)
        pm.Normal("y", mu=pm.math.dot(X, beta), sigma=sigma, observed=y)
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=3, progressbar=False)
    names = {f"beta[{k + 1}]": ("beta", (k,)) for k in range(X.shape[1])} | {"sigma": ("sigma", ())}
    assert_matches_reference(idata, reference, names)


def test_scan_autoregression_matches_posteriordb():
    """arK written with pytensor.scan over lagged windows of the series."""
    data, reference = posteriordb("arK-arK")
    y, K = np.array(data["y"], float), int(data["K"])
    windows = np.stack([y[t - K:t][::-1] for t in range(K, len(y))])
    with pm.Model():
        alpha = pm.Normal("alpha", 0, 10)
        beta = pm.Normal("beta", 0, 10, shape=K)
        sigma = pm.HalfCauchy("sigma", 2.5)

        def step(window, alpha, beta):
            return alpha + pt.dot(beta, window)

        mu, _ = pytensor.scan(step, sequences=[pt.as_tensor_variable(windows)],
                              non_sequences=[alpha, beta])
        pm.Normal("y", mu=mu, sigma=sigma, observed=y[K:])
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=8, progressbar=False)
    names = {"alpha": ("alpha", ()), "sigma": ("sigma", ())}
    names |= {f"beta[{k + 1}]": ("beta", (k,)) for k in range(K)}
    assert_matches_reference(idata, reference, names)


def test_gaussian_random_walk_posterior_is_the_closed_form(rng):
    """With known scales the walk's posterior given noisy observations is Gaussian: its mean
    solves the posterior precision system."""
    T, step_sd, noise_sd, init_sd = 30, 0.5, 1.0, 2.0
    truth = np.cumsum(rng.normal(0, step_sd, T))
    observed = truth + rng.normal(0, noise_sd, T)
    with pm.Model():
        x = pm.GaussianRandomWalk("x", sigma=step_sd, init_dist=pm.Normal.dist(0, init_sd), shape=T)
        pm.Normal("obs", mu=x, sigma=noise_sd, observed=observed)
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=2, progressbar=False)
    difference = np.diff(np.eye(T), axis=0)
    precision = difference.T @ difference / step_sd**2 + np.eye(T) / noise_sd**2
    precision[0, 0] += 1 / init_sd**2
    covariance = np.linalg.inv(precision)
    mean = covariance @ (observed / noise_sd**2)
    draws = idata.posterior["x"].values.reshape(-1, T)
    ess = pm.summary(idata)["ess_bulk"].to_numpy()
    z = (draws.mean(0) - mean) / np.sqrt(np.diag(covariance) / ess)
    assert np.abs(z).max() < 4.5


def test_ordinal_regression_slope_matches_quadrature(rng):
    """OrderedLogistic with known cutpoints: the slope's posterior mean by 1-d quadrature."""
    n, slope, cutpoints = 200, 1.3, np.array([-1.0, 0.5, 2.0])
    x = rng.normal(size=n)
    latent = slope * x + rng.logistic(size=n)
    y = np.searchsorted(cutpoints, latent)
    with pm.Model():
        beta = pm.Normal("beta", 0, 2)
        pm.OrderedLogistic("y", eta=beta * x, cutpoints=cutpoints, observed=y)
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=4, progressbar=False)
    grid = np.linspace(0, 3, 3001)
    cdf = scipy.special.expit(cutpoints[None, None, :] - grid[:, None, None] * x[None, :, None])
    cdf = np.concatenate([np.zeros((len(grid), n, 1)), cdf, np.ones((len(grid), n, 1))], axis=2)
    probs = np.diff(cdf, axis=2)[:, np.arange(n), y]
    log_post = np.log(probs).sum(1) + scipy.stats.norm(0, 2).logpdf(grid)
    weights = np.exp(log_post - log_post.max())
    exact_mean = (grid * weights).sum() / weights.sum()
    exact_sd = np.sqrt(((grid - exact_mean) ** 2 * weights).sum() / weights.sum())
    draws = idata.posterior["beta"].values.ravel()
    ess = float(pm.summary(idata, var_names=["beta"])["ess_bulk"].iloc[0])
    assert abs(draws.mean() - exact_mean) < 4.5 * exact_sd / np.sqrt(ess)


def test_lkj_cholesky_cov_prior_correlations_follow_the_lkj_marginal():
    """Without data, each correlation r of an LKJ(eta) n x n matrix has (r + 1) / 2 ~
    Beta(b, b) with b = eta - 1 + n / 2: variance 1 / (2 b + 1)."""
    n, eta = 3, 2.0
    with pm.Model():
        chol, corr, stds = pm.LKJCholeskyCov("chol", n=n, eta=eta,
                                             sd_dist=pm.Exponential.dist(1.0), compute_corr=True)
        idata = pm.sample(2000, tune=1000, chains=4, random_seed=6, progressbar=False)
    b = eta - 1 + n / 2
    r = idata.posterior["chol_corr"].values[..., 0, 1].ravel()
    assert abs(r.mean()) < 0.05
    assert abs(r.var() - 1 / (2 * b + 1)) < 0.03
    sds = idata.posterior["chol_stds"].values.reshape(-1, n)
    assert np.allclose(sds.mean(0), 1.0, atol=0.08)  # Exponential(1) mean


def test_logistic_regression_recovers_simulated_coefficients(rng):
    n, true_beta = 2000, np.array([0.5, -1.0, 2.0])
    X = rng.normal(size=(n, 3))
    y = rng.binomial(1, scipy.special.expit(X @ true_beta))
    with pm.Model():
        beta = pm.Normal("beta", 0, 5, shape=3)
        pm.Bernoulli("y", logit_p=pm.math.dot(X, beta), observed=y)
        idata = pm.sample(1000, tune=1000, chains=2, random_seed=7, progressbar=False)
    # With n = 2000 the posterior is close to the MLE's normal approximation around the truth.
    draws = idata.posterior["beta"].values.reshape(-1, 3)
    assert np.all(np.abs(draws.mean(0) - true_beta) < 4 * draws.std(0))


def _radon_model(data: dict, floor: np.ndarray, county: np.ndarray):
    coords = {"county": np.arange(1, data["J"] + 1).astype(float)}
    with pm.Model(coords=coords) as model:
        county_idx = pm.Data("county_idx", county, dims="house")
        floor_measure = pm.Data("floor_measure", floor, dims="house")
        log_radon = pm.Data("log_radon", np.array(data["log_radon"], float), dims="house")
        sigma_y = pm.HalfNormal("sigma_y", 1)
        sigma_alpha = pm.HalfNormal("sigma_alpha", 1)
        sigma_beta = pm.HalfNormal("sigma_beta", 1)
        mu_alpha = pm.Normal("mu_alpha", 0, 10)
        mu_beta = pm.Normal("mu_beta", 0, 10)
        alpha_raw = pm.Normal("alpha_raw", 0, 1, dims="county")
        beta_raw = pm.Normal("beta_raw", 0, 1, dims="county")
        alpha = pm.Deterministic("alpha", mu_alpha + sigma_alpha * alpha_raw, dims="county")
        beta = pm.Deterministic("beta", mu_beta + sigma_beta * beta_raw, dims="county")
        index = county_idx - 1
        mean = alpha[index] + floor_measure * beta[index]
        pm.Normal("log_radon_obs", mean, sigma_y, observed=log_radon, dims="house")
    return model


def test_radon_same_seed_same_draws_as_the_cpp_model():
    data = bench_data("radon_mn")
    model = _radon_model(data, np.array(data["floor_measure"], float),
                         np.array(data["county_idx"], np.int64))
    arguments = ("nuts", 200, 200, 2, 1, 99, 0.8, 10, "diagonal", 0, False, False, [], 2.0, "native", False)
    from_python = _core.sample(model._cpp, *arguments)
    from_cpp = _core.sample(_core.bundled_model("radon"), *arguments)
    ours = {v["name"]: v["values"] for v in from_python["groups"]["posterior"]["variables"]}
    theirs = {v["name"]: v["values"] for v in from_cpp["groups"]["posterior"]["variables"]}
    assert set(ours) == set(theirs)
    for name in ours:
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)


def test_radon_set_data_and_posterior_predictive_for_new_houses():
    data = bench_data("radon_mn")
    model = _radon_model(data, np.array(data["floor_measure"], float),
                         np.array(data["county_idx"], np.int64))
    with model:
        idata = pm.sample(300, tune=300, chains=2, random_seed=1, progressbar=False,
                          compute_convergence_checks=False)
        pm.set_data({"county_idx": np.array([1, 1, 2]), "floor_measure": np.array([0.0, 1.0, 0.0]),
                     "log_radon": np.zeros(3)})
        predictions = pm.sample_posterior_predictive(idata, predictions=True, random_seed=2)
    draws = predictions.predictions["log_radon_obs"].values
    assert draws.shape == (2, 300, 3)
    post = idata.posterior
    expected = np.stack([post["alpha"].values[..., 0],
                         post["alpha"].values[..., 0] + post["beta"].values[..., 0],
                         post["alpha"].values[..., 1]], axis=-1)
    residual_sd = post["sigma_y"].values[..., None]
    z = (draws - expected) / residual_sd
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1
    # The data the predictions were made from come with them, as in PyMC.
    np.testing.assert_array_equal(predictions.predictions_constant_data["county_idx"].values, [1, 1, 2])
    np.testing.assert_array_equal(predictions.predictions_constant_data["floor_measure"].values,
                                  [0.0, 1.0, 0.0])
    with model:
        pm.sample_posterior_predictive(idata, predictions=True, extend_inferencedata=True,
                                       random_seed=2)
    assert {"predictions", "predictions_constant_data", "posterior"} <= set(idata.groups())
    assert idata.constant_data["county_idx"].shape != (3,)  # the fitted data stay as they were


def test_check_bounds_false_is_accepted_and_changes_nothing_for_valid_parameters(rng):
    # Hypatia keeps its parameter checks with check_bounds=False (PyMC drops them for speed):
    # the same seed gives the same draws and the same log density.
    y = rng.normal(2.0, 1.5, size=30)
    draws = {}
    for check_bounds in (True, False):
        with pm.Model(check_bounds=check_bounds) as model:
            mu = pm.Normal("mu", 0, 10)
            sigma = pm.HalfNormal("sigma", 5)
            pm.Normal("y", mu, sigma, observed=y)
            idata = pm.sample(200, tune=200, chains=2, random_seed=5, progressbar=False,
                              compute_convergence_checks=False)
        assert model.check_bounds is check_bounds
        draws[check_bounds] = idata.posterior["mu"].values
        point = {"mu": 0.0, "sigma_log__": np.log(1.5)}
        expected = (st.norm(0, 10).logpdf(0.0) + st.halfnorm(scale=5).logpdf(1.5) + np.log(1.5)
                    + st.norm(0.0, 1.5).logpdf(y).sum())
        assert model.compile_logp()(point) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(draws[True], draws[False])
