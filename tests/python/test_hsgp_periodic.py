"""pm.gp.HSGPPeriodic and the scaled Bessel function it needs: pt.ive against scipy.special.ive
(values over orders and arguments up to 1e4, gradient against finite differences), the expansion's
covariance converging to the exact Periodic kernel (numpy) as m grows, prior draws' covariance,
PyMC's shapes, and a small model recovering a periodic signal."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special

import hypatia as pm
import hypatia.tensor as pt

RNG = np.random.default_rng(7)


def _periodic(x, xs, ls, period):
    d = x[:, None, 0] - xs[None, :, 0]
    return np.exp(-0.5 * (np.sin(np.pi * d / period) / ls) ** 2)


@pytest.mark.parametrize("x", [0.0, 1e-3, 0.4, 3.0, 30.0, 250.0, 499.0, 501.0, 900.0, 4e3, 1e4,
                               -2.5, -1e4])
def test_ive_matches_scipy(x):
    orders = np.array([0, 1, 2, 3, 5, 8, 13, 21, 40, 80, 150, 300])
    got = pt.ive(orders, x).eval()
    expected = scipy.special.ive(orders, x)
    # Relative accuracy where the value is representable; tiny values (large orders at small x)
    # may underflow slightly differently.
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-290)


def test_ive_negative_orders_and_broadcasting():
    orders = np.arange(-4, 5)[:, None]
    x = np.array([0.5, 7.0, 600.0])[None, :]
    np.testing.assert_allclose(pt.ive(orders, x).eval(), scipy.special.ive(orders, x), rtol=1e-12)
    with pytest.raises(ValueError, match="integers"):
        pt.ive(np.array([0.5]), 1.0)


@pytest.mark.parametrize("order", [0, 1, 2, 7, 40])
def test_ive_gradient_matches_finite_differences(order):
    points = np.array([-3.0, 0.2, 1.5, 12.0, 480.0, 520.0, 2500.0])
    with pm.Model() as model:
        x = pm.Normal("x", size=len(points))
        pm.Potential("p", pt.sum(pt.ive(order, x)))
    logp_grad = model.compile_dlogp(jacobian=False)
    grad = np.asarray(logp_grad({"x": points})) + points  # remove the Normal's -x
    step = 1e-6 * np.maximum(1.0, np.abs(points))
    fd = (scipy.special.ive(order, points + step) - scipy.special.ive(order, points - step)) / (2 * step)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-12)


def test_covariance_converges_to_the_exact_periodic_kernel():
    x = np.linspace(-2.0, 3.0, 35)[:, None]
    ls, period = 0.7, 1.6
    exact = 1.3 ** 2 * _periodic(x, x, ls, period)
    errors = []
    for m in (2, 4, 8, 16):
        gp = pm.gp.HSGPPeriodic(m=m, scale=1.3, cov_func=pm.gp.cov.Periodic(1, period=period, ls=ls))
        (phi_cos, phi_sin), psd = gp.prior_linearized(x)
        phi_cos, phi_sin, q = phi_cos.eval(), phi_sin.eval(), psd.eval()
        assert phi_cos.shape == (35, m) and phi_sin.shape == (35, m) and q.shape == (m,)
        approx = (phi_cos * q ** 2) @ phi_cos.T + (phi_sin * q ** 2) @ phi_sin.T
        errors.append(np.max(np.abs(approx - exact)))
    assert all(b < a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-12, errors


def test_variance_factor_in_cov_func_equals_scale():
    x = np.linspace(0, 4, 9)[:, None]
    base = pm.gp.cov.Periodic(1, period=2.0, ls=0.5)
    _, with_scale = pm.gp.HSGPPeriodic(m=6, scale=2.0, cov_func=base).prior_linearized(x)
    _, with_factor = pm.gp.HSGPPeriodic(m=6, cov_func=4.0 * base).prior_linearized(x)
    np.testing.assert_allclose(with_scale.eval(), with_factor.eval(), rtol=1e-14)
    with pytest.raises(ValueError, match="Periodic"):
        pm.gp.HSGPPeriodic(m=6, cov_func=pm.gp.cov.ExpQuad(1, ls=1.0))
    with pytest.raises(ValueError, match="positive integer"):
        pm.gp.HSGPPeriodic(m=0, cov_func=base)
    with pytest.raises(NotImplementedError, match="HSGPPeriodic"):
        pm.gp.HSGP(m=[5], c=2.0, cov_func=base)


def test_prior_draws_have_the_kernel_covariance_and_conditional_matches_prior():
    x = np.linspace(0.0, 3.0, 6)[:, None]
    ls, period, scale = 0.9, 2.2, 0.8
    with pm.Model() as model:
        gp = pm.gp.HSGPPeriodic(m=12, scale=scale, cov_func=pm.gp.cov.Periodic(1, period=period, ls=ls))
        f = gp.prior("f", X=x)
        f_new = gp.conditional("f_new", Xnew=x)
    assert tuple(model["f_hsgp_coeffs_"].node.shape) == (23,)
    beta = RNG.normal(size=23)
    f_val, f_new_val = model.compile_fn([f, f_new])({"f_hsgp_coeffs_": beta})
    np.testing.assert_allclose(f_val, f_new_val, rtol=1e-12, atol=1e-12)
    draws = 20000
    with model:
        prior = pm.sample_prior_predictive(draws=draws, var_names=["f"], random_seed=3,
                                           return_inferencedata=False)
    samples = np.asarray(prior["f"]).reshape(draws, len(x))
    exact = scale ** 2 * _periodic(x, x, ls, period)
    np.testing.assert_allclose(np.cov(samples.T), exact, atol=6 * scale ** 2 / np.sqrt(draws) * 2)


def test_fits_a_periodic_signal():
    x = np.linspace(0, 6, 60)[:, None]
    truth = np.sin(2 * np.pi * x[:, 0] / 2.0) + 0.5 * np.cos(4 * np.pi * x[:, 0] / 2.0)
    y = truth + RNG.normal(0, 0.1, size=len(x))
    with pm.Model():
        ls = pm.Gamma("ls", alpha=4, beta=4)
        scale = pm.HalfNormal("scale", sigma=2)
        gp = pm.gp.HSGPPeriodic(m=15, scale=scale, cov_func=pm.gp.cov.Periodic(1, period=2.0, ls=ls))
        f = gp.prior("f", X=x)
        pm.Normal("y", mu=f, sigma=0.1, observed=y)
        idata = pm.sample(300, tune=300, chains=2, random_seed=4, progressbar=False)
    f_mean = idata.posterior["f"].values.reshape(-1, len(x)).mean(0)
    assert np.sqrt(np.mean((f_mean - truth) ** 2)) < 0.06
