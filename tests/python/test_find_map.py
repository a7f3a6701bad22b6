"""pm.find_MAP against closed-form modes, scipy.optimize on a numpy log posterior, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.special
import scipy.stats

import hypatia as pm


def test_normal_normal_mean_is_the_conjugate_posterior_mode():
    y = np.array([1.2, 0.4, 2.9, 1.7, -0.3, 2.2])
    m0, s0, sigma = -1.0, 2.0, 1.5
    with pm.Model():
        mu = pm.Normal("mu", m0, s0)
        pm.Normal("y", mu, sigma, observed=y)
        pm.Deterministic("shifted", mu + 10.0)
        result = pm.find_MAP(progressbar=False)
    precision = 1 / s0**2 + len(y) / sigma**2
    mode = (m0 / s0**2 + y.sum() / sigma**2) / precision
    assert set(result) == {"mu", "shifted"}
    assert isinstance(result["mu"], np.ndarray) and result["mu"].shape == ()
    np.testing.assert_allclose(result["mu"], mode, atol=1e-7)
    np.testing.assert_allclose(result["shifted"], mode + 10.0, atol=1e-7)


@pytest.mark.parametrize("family", ["gamma", "halfnormal"])
def test_jacobian_moves_the_mode_of_a_positive_variable(family):
    # Gamma(a, b): the density's mode is (a - 1) / b; on log x the Jacobian x adds 1 to the shape,
    # so the unconstrained-space mode is a / b. HalfNormal(s): mode 0 (on the boundary: the
    # optimizer walks towards it) without, s with the Jacobian (d/dx [-x^2/2s^2 + log x] = 0).
    with pm.Model():
        if family == "gamma":
            a, b = 3.0, 2.0
            pm.Gamma("x", alpha=a, beta=b)
            constrained_mode, unconstrained_mode = (a - 1) / b, a / b
        else:
            s = 1.7
            pm.HalfNormal("x", sigma=s)
            constrained_mode, unconstrained_mode = None, s
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the HalfNormal's mode at 0 is never reached
            without = pm.find_MAP(progressbar=False)
        with_jacobian = pm.find_MAP(progressbar=False, jacobian=True)
    assert set(without) == {"x", "x_log__"}
    np.testing.assert_allclose(np.exp(without["x_log__"]), without["x"], rtol=1e-12)
    if constrained_mode is not None:
        np.testing.assert_allclose(without["x"], constrained_mode, rtol=1e-6)
    else:
        assert without["x"] < 1e-3
    np.testing.assert_allclose(with_jacobian["x"], unconstrained_mode, rtol=1e-6)


def test_logistic_regression_matches_scipy_on_a_numpy_log_posterior():
    rng = np.random.default_rng(7)
    n, prior_sd = 200, 2.5
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = rng.binomial(1, scipy.special.expit(X @ np.array([-0.4, 1.2, -0.8])))

    def negative_log_posterior(beta):
        eta = X @ beta
        loglik = np.sum(y * eta - np.logaddexp(0.0, eta))
        return -(loglik + scipy.stats.norm.logpdf(beta, 0.0, prior_sd).sum())

    def gradient(beta):
        return -(X.T @ (y - scipy.special.expit(X @ beta)) - beta / prior_sd**2)

    reference = scipy.optimize.minimize(negative_log_posterior, np.zeros(3), jac=gradient,
                                        method="BFGS", options={"gtol": 1e-10})
    with pm.Model():
        beta = pm.Normal("beta", 0, prior_sd, shape=3)
        pm.Bernoulli("y", logit_p=pm.math.dot(X, beta), observed=y)
        result, raw = pm.find_MAP(progressbar=False, return_raw=True)
    np.testing.assert_allclose(result["beta"], reference.x, atol=1e-6)
    assert raw.success
    np.testing.assert_allclose(raw.fun, negative_log_posterior(result["beta"]), rtol=1e-10)
    np.testing.assert_allclose(raw.x, result["beta"])
    assert raw.nfev >= raw.nit >= 1


def test_transformed_values_and_deterministics_in_the_result():
    y = np.array([0.8, -1.9, 2.4, -0.6, 1.1])
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        sigma = pm.HalfNormal("sigma", 3)
        pm.Normal("y", mu, sigma, observed=y)
        pm.Deterministic("precision", 1 / sigma**2)
        full = pm.find_MAP(progressbar=False)
        plain = pm.find_MAP(progressbar=False, include_transformed=False)
    assert list(full) == ["mu", "sigma_log__", "sigma", "precision"]
    assert list(plain) == ["mu", "sigma", "precision"]
    np.testing.assert_allclose(full["sigma_log__"], np.log(full["sigma"]), rtol=1e-12)
    np.testing.assert_allclose(full["precision"], full["sigma"] ** -2, rtol=1e-12)
    # The constrained mode solves d/d(mu, sigma) log p = 0 (no Jacobian): mu is the mean, and
    # sigma^4 / 9 + n sigma^2 - S = 0 with S the sum of squares about mu.
    np.testing.assert_allclose(full["mu"], y.mean() * (len(y) / full["sigma"] ** 2)
                               / (len(y) / full["sigma"] ** 2 + 1 / 100), atol=1e-6)
    squares = np.sum((y - full["mu"]) ** 2)
    sigma2 = 9 * (-len(y) + np.sqrt(len(y) ** 2 + 4 * squares / 9)) / 2
    np.testing.assert_allclose(full["sigma"], np.sqrt(sigma2), rtol=1e-6)


def test_vars_optimizes_a_subset_and_start_fixes_the_rest():
    y = np.array([3.1, 2.2, 4.0, 2.7])
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        sigma = pm.HalfNormal("sigma", 5)
        pm.Normal("y", mu, sigma, observed=y)
        result = pm.find_MAP(start={"sigma": 2.0}, vars=[mu], progressbar=False)
        # The start may also name the unconstrained value, as model.initial_point() does.
        by_value = pm.find_MAP(start={"sigma_log__": np.log(2.0)}, vars=["mu"], progressbar=False)
    mode = (y.sum() / 4.0) / (1 / 100 + len(y) / 4.0)
    np.testing.assert_allclose(result["mu"], mode, atol=1e-7)
    assert result["sigma"] == pytest.approx(2.0, abs=1e-14)
    np.testing.assert_allclose(by_value["mu"], mode, atol=1e-7)


def test_start_selects_the_mode_found():
    with pm.Model():
        x = pm.Normal("x", 0, 10)
        pm.Potential("well", -((x**2 - 4.0) ** 2))
        right = pm.find_MAP(start={"x": 1.0}, progressbar=False)
        left = pm.find_MAP(start={"x": -1.0}, progressbar=False)
        again = pm.find_MAP(start=left, progressbar=False)  # a result can be passed back
    # d/dx [-x^2 / 200 - (x^2 - 4)^2] = 0 at x^2 = 4 - 1/400.
    np.testing.assert_allclose(right["x"], np.sqrt(4 - 1 / 400), atol=1e-7)
    np.testing.assert_allclose(left["x"], -np.sqrt(4 - 1 / 400), atol=1e-7)
    np.testing.assert_allclose(again["x"], left["x"], atol=1e-8)


def test_non_convergence_warns_with_the_gradient_norm():
    with pm.Model():
        mu = pm.Normal("mu", 0, 100)
        pm.Normal("y", mu, 1, observed=[10.0, 11.0])
        with pytest.warns(UserWarning, match="did not converge.*gradient norm"):
            pm.find_MAP(maxeval=2, progressbar=False)


def test_bad_input_is_a_clear_error():
    with pm.Model():
        mu = pm.Normal("mu", 0, 1)
        sigma = pm.HalfNormal("sigma", 1)
        pm.Normal("y", mu, sigma, observed=[0.5, -0.2])
        with pytest.raises(KeyError, match="'nu'.*free variables: mu, sigma"):
            pm.find_MAP(start={"nu": 1.0}, progressbar=False)
        with pytest.raises(ValueError, match="sigma = -1.0 is outside the variable's support"):
            pm.find_MAP(start={"sigma": -1.0}, progressbar=False)
        with pytest.raises(ValueError, match="not finite at the starting point.*sigma"):
            pm.find_MAP(start={"sigma_log__": np.inf}, progressbar=False)
        with pytest.raises(ValueError, match="mu has shape \\(3,\\)"):
            pm.find_MAP(start={"mu": np.zeros(3)}, progressbar=False)
        with pytest.raises(NotImplementedError, match="'Powell'"):
            pm.find_MAP(method="Powell", progressbar=False)
        with pytest.raises(ValueError, match="'simplex-search'"):
            pm.find_MAP(method="simplex-search", progressbar=False)
        with pytest.raises(TypeError, match="bounds"):
            pm.find_MAP(bounds=[(0, 1)], progressbar=False)
        with pytest.raises(ValueError, match="not free variables of the model: y"):
            pm.find_MAP(vars=["y"], progressbar=False)
        # The methods Hypatia runs as L-BFGS are accepted under either name, to the same mode.
        results = [pm.find_MAP(method=method, progressbar=False)
                   for method in ("L-BFGS-B", "BFGS", "l-bfgs-b")]
    for result in results[1:]:
        np.testing.assert_allclose(result["mu"], results[0]["mu"], atol=1e-12)


def test_beta_prior_mode_with_and_without_the_log_odds_jacobian():
    # Beta(a, b) has its mode at (a - 1) / (a + b - 2); the log-odds Jacobian x (1 - x) makes it
    # Beta(a + 1, b + 1)'s, a / (a + b).
    a, b = 2.5, 4.0
    with pm.Model():
        pm.Beta("p", alpha=a, beta=b)
        without = pm.find_MAP(progressbar=False)
        with_jacobian = pm.find_MAP(progressbar=False, jacobian=True)
    assert set(without) == {"p", "p_logodds__"}
    np.testing.assert_allclose(without["p"], (a - 1) / (a + b - 2), rtol=1e-6)
    np.testing.assert_allclose(with_jacobian["p"], a / (a + b), rtol=1e-6)


def test_jacobian_of_a_bound_that_is_another_free_variable():
    # s ~ Gamma(3, 1), x ~ Uniform(0, s). Without Jacobians log p = 2 log s - s - log s, so s = 1
    # (x's density is flat in x). With them x's log-odds Jacobian adds log s + log(t (1 - t)),
    # t = x / s, and s's log transform log s: 3 log s - s + ..., so s = 3 and x = s / 2.
    with pm.Model():
        s = pm.Gamma("s", alpha=3.0, beta=1.0)
        pm.Uniform("x", lower=0.0, upper=s)
        without = pm.find_MAP(progressbar=False)
        with_jacobian = pm.find_MAP(progressbar=False, jacobian=True)
    np.testing.assert_allclose(without["s"], 1.0, rtol=1e-6)
    np.testing.assert_allclose(with_jacobian["s"], 3.0, rtol=1e-6)
    np.testing.assert_allclose(with_jacobian["x"], 1.5, rtol=1e-6)
