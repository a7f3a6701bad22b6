"""pm.fit_laplace against exact Gaussian posteriors, an independent numpy Newton solve with its
inverse Hessian, the log transform's analytic curvature, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import hypatia as pm


def _normal_normal(y, m0, s0, sigma):
    model = pm.Model(coords={"obs": np.arange(len(y))})
    with model:
        mu = pm.Normal("mu", m0, s0)
        pm.Normal("y", mu, sigma, observed=y, dims="obs")
        pm.Deterministic("shifted", mu + 10.0)
    return model


def test_normal_normal_matches_the_exact_gaussian_posterior():
    y = np.array([1.2, 0.4, 2.9, 1.7, -0.3, 2.2])
    m0, s0, sigma = -1.0, 2.0, 1.5
    precision = 1 / s0**2 + len(y) / sigma**2
    mean = (m0 / s0**2 + y.sum() / sigma**2) / precision
    sd = precision**-0.5
    with _normal_normal(y, m0, s0, sigma):
        idata = pm.fit_laplace(chains=4, draws=2000, random_seed=3, progressbar=False)

    # The Gaussian itself is the posterior: exact mean and variance.
    np.testing.assert_allclose(idata.fit["mean_vector"].values, [mean], atol=1e-7)
    np.testing.assert_allclose(idata.fit["covariance_matrix"].values, [[sd**2]], rtol=1e-8)
    assert list(idata.fit["mean_vector"].coords["rows"].values) == ["mu"]
    assert idata.fit["covariance_matrix"].dims == ("rows", "columns")

    draws = idata.posterior["mu"]
    assert draws.dims == ("chain", "draw") and draws.shape == (4, 2000)
    n = draws.size
    assert abs(float(draws.mean()) - mean) < 5 * sd / np.sqrt(n)
    # The sample sd's standard error is about sd / sqrt(2 n).
    assert abs(float(draws.std()) - sd) < 5 * sd / np.sqrt(2 * n)
    np.testing.assert_allclose(idata.posterior["shifted"].values, draws.values + 10.0, atol=1e-12)
    np.testing.assert_array_equal(idata.observed_data["y"].values, y)
    np.testing.assert_array_equal(idata.unconstrained_posterior["mu"].values, draws.values)
    assert bool(idata.optimizer_result["success"])


def test_logistic_regression_matches_a_numpy_newton_solve_and_inverse_hessian():
    rng = np.random.default_rng(12)
    n, k, prior_sd = 80, 3, 2.0
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    labels = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ [0.3, -1.0, 0.7])))).astype(int)

    def hessian(beta):
        p = 1 / (1 + np.exp(-X @ beta))
        return -(X.T * (p * (1 - p))) @ X - np.eye(k) / prior_sd**2

    beta = np.zeros(k)
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ beta))
        gradient = X.T @ (labels - p) - beta / prior_sd**2
        beta = beta - np.linalg.solve(hessian(beta), gradient)
    covariance = np.linalg.inv(-hessian(beta))

    coefficients = ["a", "b", "c"]
    with pm.Model(coords={"coef": coefficients}):
        X_data = pm.Data("X", X)
        b = pm.Normal("beta", 0, prior_sd, dims="coef")
        pm.Bernoulli("y", logit_p=pm.math.dot(X_data, b), observed=labels)
        idata = pm.fit_laplace(optimize_method="L-BFGS-B", draws=4000, random_seed=1,
                               progressbar=False)
        model = pm.modelcontext(None)

    # The engine's compiled Hessian (Hessian-vector products) at an arbitrary point.
    point = np.array([0.4, -1.1, 0.8])
    np.testing.assert_allclose(pm._core.model_hessian(model._cpp, point.tolist(), True),
                               hessian(point), rtol=1e-10, atol=1e-12)

    np.testing.assert_allclose(idata.fit["mean_vector"].values, beta, atol=1e-6)
    np.testing.assert_allclose(idata.fit["covariance_matrix"].values, covariance, rtol=1e-6,
                               atol=1e-10)
    assert list(idata.fit["mean_vector"].coords["rows"].values) == [
        "beta[a]", "beta[b]", "beta[c]"]
    draws = idata.posterior["beta"]
    assert draws.dims == ("chain", "draw", "coef")
    assert list(draws.coords["coef"].values) == coefficients
    flat = draws.values.reshape(-1, k)
    se = np.sqrt(np.diag(covariance) / len(flat))
    assert np.all(np.abs(flat.mean(axis=0) - beta) < 5 * se)
    sample_cov = np.cov(flat.T)
    se_cov = np.sqrt((np.outer(np.diag(covariance), np.diag(covariance)) + covariance**2)
                     / len(flat))
    assert np.all(np.abs(sample_cov - covariance) < 5 * se_cov)
    assert "X" in idata.constant_data


def test_log_transform_gaussian_on_the_unconstrained_scale():
    # sigma ~ HalfNormal(s), y ~ Normal(0, sigma) on u = log sigma with the Jacobian:
    # logp(u) = -e^2u / 2s^2 - (n - 1) u - S e^-2u / 2, so the mode solves
    # e^4u / s^2 + (n - 1) e^2u - S = 0 and the curvature there is -2 e^2u / s^2 - 2 S e^-2u.
    y = np.array([0.8, -1.9, 2.4, -0.6, 1.1])
    s, squares, n = 3.0, float(np.sum(y**2)), len(y)
    e2u = s**2 * (-(n - 1) + np.sqrt((n - 1) ** 2 + 4 * squares / s**2)) / 2
    u = 0.5 * np.log(e2u)
    variance = 1 / (2 * e2u / s**2 + 2 * squares / e2u)
    with pm.Model():
        sigma = pm.HalfNormal("sigma", s)
        pm.Normal("y", 0, sigma, observed=y)
        idata = pm.fit_laplace(draws=100, random_seed=5, progressbar=False)
    assert list(idata.fit["mean_vector"].coords["rows"].values) == ["sigma_log__"]
    np.testing.assert_allclose(idata.fit["mean_vector"].values, [u], atol=1e-6)
    np.testing.assert_allclose(idata.fit["covariance_matrix"].values, [[variance]], rtol=1e-6)
    unconstrained = idata.unconstrained_posterior["sigma_log__"].values
    np.testing.assert_allclose(idata.posterior["sigma"].values, np.exp(unconstrained), rtol=1e-12)
    assert np.all(idata.posterior["sigma"].values > 0)

    # Without the Jacobian the mode loses the -u term: (n - 1) becomes n.
    with pm.Model():
        sigma = pm.HalfNormal("sigma", s)
        pm.Normal("y", 0, sigma, observed=y)
        without = pm.fit_laplace(draws=10, random_seed=5, progressbar=False, jacobian=False)
    e2u = s**2 * (-n + np.sqrt(n**2 + 4 * squares / s**2)) / 2
    np.testing.assert_allclose(without.fit["mean_vector"].values, [0.5 * np.log(e2u)], atol=1e-6)


def test_same_seed_same_draws():
    model = _normal_normal(np.array([0.5, 1.5]), 0.0, 1.0, 1.0)
    first = pm.fit_laplace(model=model, draws=50, random_seed=7, progressbar=False)
    second = pm.fit_laplace(model=model, draws=50, random_seed=7, progressbar=False)
    other = pm.fit_laplace(model=model, draws=50, random_seed=8, progressbar=False)
    np.testing.assert_array_equal(first.posterior["mu"].values, second.posterior["mu"].values)
    assert not np.array_equal(first.posterior["mu"].values, other.posterior["mu"].values)
    assert first.posterior["mu"].shape == (2, 50)


def test_include_transformed_false_leaves_out_the_unconstrained_group():
    model = _normal_normal(np.array([0.5, 1.5]), 0.0, 1.0, 1.0)
    idata = pm.fit_laplace(model=model, draws=5, include_transformed=False, progressbar=False)
    assert "unconstrained_posterior" not in idata.groups()
    assert "fit" in idata.groups()


def _saddle_model():
    with pm.Model() as model:
        pm.Normal("x", 0, 1)
        y = pm.Normal("y", 0, 1)
        pm.Potential("bowl", y * y)  # y's curvature turns positive: a saddle at 0
    return model


def test_non_positive_definite_hessian():
    model = _saddle_model()
    with pytest.raises(ValueError, match=r"not positive definite.*along y"):
        pm.fit_laplace(model=model, draws=5, progressbar=False)
    with pytest.warns(UserWarning, match="not positive definite"):
        idata = pm.fit_laplace(model=model, draws=5, on_bad_cov="warn", progressbar=False)
    cov = idata.fit["covariance_matrix"].values
    np.testing.assert_allclose(cov, [[1.0, 0.0], [0.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(idata.posterior["y"].values, 0.0, atol=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"chains": 0}, ValueError, r"chains=0"),
    ({"draws": 2.5}, TypeError, r"draws"),
    ({"on_bad_cov": "maybe"}, ValueError, r"on_bad_cov='maybe'"),
    ({"diag_jitter": -1.0}, ValueError, r"diag_jitter"),
    ({"optimize_method": "Powell"}, NotImplementedError, r"Powell"),
    ({"optimize_method": "newton"}, ValueError, r"unknown method"),
    ({"initvals": {"nu": 1.0}}, KeyError, r"initvals.*'nu'"),
    ({"initvals": {"mu": [1.0, 2.0]}}, ValueError, r"initvals.*mu has shape"),
    ({"jitter_rvs": ["mu"]}, NotImplementedError, r"jitter_rvs"),
    ({"fit_in_unconstrained_space": False}, NotImplementedError, r"fit_in_unconstrained_space"),
    ({"use_hess": True}, NotImplementedError, r"use_hess"),
    ({"gradient_backend": "jax"}, NotImplementedError, r"gradient_backend"),
    ({"optimizer_kwargs": {"options": {"bogus": 1}}}, ValueError, r"optimizer_kwargs.*bogus"),
    ({"compile_kwargs": {"mode": "FAST_RUN"}}, ValueError, r"compile_kwargs.*mode"),
])
def test_bad_input_is_a_clear_error(kwargs, error, match):
    model = _normal_normal(np.array([0.5, 1.5]), 0.0, 1.0, 1.0)
    with pytest.raises(error, match=match):
        pm.fit_laplace(model=model, progressbar=False, **kwargs)


def test_model_without_free_variables_is_an_error():
    with pm.Model():
        pm.Normal("y", 0, 1, observed=[0.1])
        with pytest.raises(ValueError, match="no unobserved continuous variables"):
            pm.fit_laplace(progressbar=False)


def test_interpreter_backend_agrees_with_native():
    model = _normal_normal(np.array([0.5, 1.5, -0.2]), 0.0, 2.0, 1.0)
    native = pm.fit_laplace(model=model, draws=20, random_seed=2, progressbar=False)
    interp = pm.fit_laplace(model=model, draws=20, random_seed=2, progressbar=False,
                            compile_kwargs={"backend": "interp"})
    np.testing.assert_allclose(interp.fit["covariance_matrix"].values,
                               native.fit["covariance_matrix"].values, rtol=1e-12)
    np.testing.assert_allclose(interp.posterior["mu"].values, native.posterior["mu"].values,
                               rtol=1e-12)
