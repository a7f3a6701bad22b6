"""pm.ode.DifferentialEquation with the stiff solver (method="BDF", SUNDIALS CVODES): analytic
solutions, Robertson's stiff kinetics against scipy, sensitivities against finite differences,
failures as NaN, and the Lotka-Volterra posterior against posteriordb's reference."""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy.integrate

import hypatia as pm
import hypatia.tensor as pt
from hypatia import pytensor

from conftest import assert_matches_reference, posteriordb

BACKENDS = [None, "native"]  # the reference interpreter and generated C++


def _solve(ode, y0, theta, mode=None, wrt_gradient=None):
    """The solution at (y0, theta), and with `wrt_gradient` (weights shaped like the solution) the
    gradient of sum(weights * solution) with respect to y0 and theta."""
    y0_var = pt.tensor("float64", name="y0", shape=(ode.n_states,))
    theta_var = pt.tensor("float64", name="theta", shape=(ode.n_theta,))
    solution = ode(y0=y0_var, theta=theta_var)
    outputs = [solution]
    if wrt_gradient is not None:
        objective = pt.sum(solution * np.asarray(wrt_gradient))
        outputs += pytensor.grad(objective, [y0_var, theta_var])
    function = pytensor.function([y0_var, theta_var], outputs, mode=mode)
    values = function(np.asarray(y0, float), np.asarray(theta, float))
    return [np.asarray(v) for v in values]


def _decay(y, t, p):
    return [-p[0] * y[0], -p[1] * y[1]]


@pytest.mark.parametrize("mode", BACKENDS)
def test_bdf_exponential_decay_matches_analytic_solution(mode):
    times = np.array([0.0, 0.1, 0.5, 1.0, 2.0, 5.0])
    ode = pm.ode.DifferentialEquation(_decay, times, n_states=2, n_theta=2, method="BDF",
                                      rtol=1e-10, atol=1e-12)
    y0, rates = np.array([3.0, 0.5]), np.array([0.7, 2.5])
    (solution,) = _solve(ode, y0, rates, mode)
    # BDF's global error grows past the local tolerance over the steps: a few 1e-7 relative.
    np.testing.assert_allclose(solution, y0 * np.exp(-np.outer(times, rates)), rtol=3e-6,
                               atol=1e-11)


@pytest.mark.parametrize("mode", BACKENDS)
def test_bdf_harmonic_oscillator_matches_analytic_solution_and_gradient(mode):
    def oscillator(y, t, p):
        return [y[1], -p[0] ** 2 * y[0]]

    times = np.linspace(0.5, 10.0, 12)
    ode = pm.ode.DifferentialEquation(oscillator, times, n_states=2, n_theta=1, method="bdf",
                                      rtol=1e-10, atol=1e-10)
    x0, v0, omega = 1.0, 0.5, 1.3
    weights = np.random.default_rng(3).normal(size=(times.size, 2))
    solution, grad_y0, grad_theta = _solve(ode, [x0, v0], [omega], mode, weights)
    c, s = np.cos(omega * times), np.sin(omega * times)
    expected = np.column_stack([x0 * c + v0 / omega * s, -x0 * omega * s + v0 * c])
    np.testing.assert_allclose(solution, expected, atol=2e-7)
    # Analytic sensitivities: d/dx0, d/dv0 and d/domega of x(t) and v(t).
    dx = np.column_stack([c, s / omega, -x0 * times * s + v0 * (times * c / omega - s / omega**2)])
    dv = np.column_stack([-omega * s, c,
                          -x0 * (s + omega * times * c) - v0 * times * s])
    expected_grad = weights[:, 0] @ dx + weights[:, 1] @ dv
    np.testing.assert_allclose(np.concatenate([grad_y0, grad_theta]), expected_grad, rtol=1e-6,
                               atol=1e-6)


def _robertson(y, t, p):
    return [-p[0] * y[0] + p[1] * y[1] * y[2],
            p[0] * y[0] - p[1] * y[1] * y[2] - p[2] * y[1] ** 2,
            p[2] * y[1] ** 2]


ROBERTSON_THETA = np.array([0.04, 1e4, 3e7])
ROBERTSON_TIMES = np.array([1e-4, 1e-2, 1.0, 10.0, 100.0, 1e3, 1e4, 4e4])


def _robertson_scipy(y0, theta, times, method):
    def rhs(t, y):
        return [-theta[0] * y[0] + theta[1] * y[1] * y[2],
                theta[0] * y[0] - theta[1] * y[1] * y[2] - theta[2] * y[1] ** 2,
                theta[2] * y[1] ** 2]

    def jacobian(t, y):
        return [[-theta[0], theta[1] * y[2], theta[1] * y[1]],
                [theta[0], -theta[1] * y[2] - 2 * theta[2] * y[1], -theta[1] * y[1]],
                [0.0, 2 * theta[2] * y[1], 0.0]]

    result = scipy.integrate.solve_ivp(rhs, (0.0, times[-1]), y0, method=method, t_eval=times,
                                       jac=jacobian, rtol=1e-11, atol=1e-16)
    assert result.success, result.message
    return result.y.T


@pytest.mark.parametrize("mode", BACKENDS)
@pytest.mark.parametrize("reference_method", ["LSODA", "BDF"])
def test_bdf_robertson_matches_scipy(mode, reference_method):
    ode = pm.ode.DifferentialEquation(_robertson, ROBERTSON_TIMES, n_states=3, n_theta=3,
                                      method="BDF", rtol=1e-10, atol=1e-14)
    y0 = np.array([1.0, 0.0, 0.0])
    (solution,) = _solve(ode, y0, ROBERTSON_THETA, mode)
    expected = _robertson_scipy(y0, ROBERTSON_THETA, ROBERTSON_TIMES, reference_method)
    # y2 is about 1e-5 at most: compare each state relative to its own size.
    np.testing.assert_allclose(solution, expected, rtol=1e-6, atol=1e-13)
    np.testing.assert_allclose(solution.sum(axis=1), 1.0, atol=1e-9)  # mass is conserved


@pytest.mark.parametrize("mode", BACKENDS)
def test_bdf_robertson_sensitivities_match_finite_differences(mode):
    ode = pm.ode.DifferentialEquation(_robertson, ROBERTSON_TIMES, n_states=3, n_theta=3,
                                      method="BDF", rtol=1e-11, atol=1e-15)
    y0 = np.array([1.0, 0.0, 0.0])
    # Each state scaled to order one, so every state counts in the objective.
    weights = np.random.default_rng(7).normal(size=(ROBERTSON_TIMES.size, 3)) * [1.0, 1e4, 1.0]
    _, grad_y0, grad_theta = _solve(ode, y0, ROBERTSON_THETA, mode, weights)

    def objective(y0_value, theta_value):
        (solution,) = _solve(ode, y0_value, theta_value, mode)
        return float(np.sum(solution * weights))

    def central_difference(point, index, other, is_theta):
        step = 1e-5 * max(abs(point[index]), 1e-2)
        up, down = point.copy(), point.copy()
        up[index] += step
        down[index] -= step
        args = (other, up) if is_theta else (up, other)
        args_down = (other, down) if is_theta else (down, other)
        return (objective(*args) - objective(*args_down)) / (2 * step)

    fd_theta = [central_difference(ROBERTSON_THETA, i, y0, True) for i in range(3)]
    fd_y0 = [central_difference(y0, i, ROBERTSON_THETA, False) for i in range(3)]
    np.testing.assert_allclose(grad_theta, fd_theta, rtol=2e-4)
    np.testing.assert_allclose(grad_y0, fd_y0, rtol=2e-4, atol=1e-6 * np.abs(fd_y0).max())


@pytest.mark.parametrize("mode", BACKENDS)
def test_bdf_failure_is_nan_not_an_error(mode):
    # Five steps cannot cross Robertson's fast transient: the solution and its gradient are NaN,
    # as a sampler needs (a rejected proposal), and nothing is raised.
    ode = pm.ode.DifferentialEquation(_robertson, ROBERTSON_TIMES, n_states=3, n_theta=3,
                                      method="BDF", max_num_steps=5)
    weights = np.ones((ROBERTSON_TIMES.size, 3))
    solution, grad_y0, grad_theta = _solve(ode, [1.0, 0.0, 0.0], ROBERTSON_THETA, mode, weights)
    assert np.isnan(solution).all() and np.isnan(grad_y0).all() and np.isnan(grad_theta).all()
    # A non-finite initial state is NaN too.
    ode = pm.ode.DifferentialEquation(_decay, [1.0, 2.0], n_states=2, n_theta=2, method="BDF")
    (solution,) = _solve(ode, [np.inf, 1.0], [1.0, 1.0], mode)
    assert np.isnan(solution).all()
    # A solution that blows up (y' = y^2 from 1 has a pole at t = 1) is NaN (every entry, as
    # documented), not a crash; before the pole it is 1 / (1 - t).
    blowup = pm.ode.DifferentialEquation(lambda y, t, p: [p[0] * y[0] ** 2], [0.5, 2.0],
                                         n_states=1, n_theta=1, method="BDF")
    (solution,) = _solve(blowup, [1.0], [1.0], mode)
    assert np.isnan(solution).all()
    before_pole = pm.ode.DifferentialEquation(lambda y, t, p: [p[0] * y[0] ** 2], [0.5, 0.9],
                                              n_states=1, n_theta=1, method="BDF", rtol=1e-9,
                                              atol=1e-9)
    (solution,) = _solve(before_pole, [1.0], [1.0], mode)
    np.testing.assert_allclose(solution[:, 0], [2.0, 10.0], rtol=1e-5)


def test_bdf_output_at_t0_and_repeated_times():
    times = np.array([0.0, 0.0, 1.0, 1.0, 3.0])
    ode = pm.ode.DifferentialEquation(_decay, times, n_states=2, n_theta=2, method="BDF",
                                      rtol=1e-10, atol=1e-12)
    (solution,) = _solve(ode, [1.0, 2.0], [0.5, 1.5])
    np.testing.assert_allclose(solution, [1.0, 2.0] * np.exp(-np.outer(times, [0.5, 1.5])),
                               rtol=1e-7)


def test_unknown_method_is_a_value_error():
    with pytest.raises(ValueError, match="method"):
        pm.ode.DifferentialEquation(_decay, [1.0], n_states=2, n_theta=2, method="Radau")


def test_rk45_and_bdf_agree_on_a_nonstiff_problem():
    def lotka_volterra(y, t, p):
        return [(p[0] - p[1] * y[1]) * y[0], (-p[2] + p[3] * y[0]) * y[1]]

    times = np.linspace(1.0, 20.0, 20)
    theta, y0 = [0.55, 0.028, 0.8, 0.024], [33.0, 6.0]
    solutions = []
    for method in ("RK45", "BDF"):
        ode = pm.ode.DifferentialEquation(lotka_volterra, times, n_states=2, n_theta=4,
                                          method=method, rtol=1e-10, atol=1e-10)
        solutions.append(_solve(ode, y0, theta)[0])
    np.testing.assert_allclose(solutions[0], solutions[1], rtol=1e-6)


# About 5 CPU minutes (12 on a loaded machine): run by the `validation` CTest label
# (python_validation), which sets HYPATIA_TEST_VALIDATION=1.
@pytest.mark.skipif(os.environ.get("HYPATIA_TEST_VALIDATION") != "1",
                    reason="slow posterior check; set HYPATIA_TEST_VALIDATION=1 (ctest -L validation)")
def test_lotka_volterra_posterior_with_bdf_matches_posteriordb():
    data, reference = posteriordb("hudson_lynx_hare-lotka_volterra")
    times, y, y_init = (np.asarray(data[k], float) for k in ("ts", "y", "y_init"))

    # On the log scale (as the bundled C++ model): every tolerance is then relative.
    def log_predator_prey(log_z, t, theta):
        prey, predator = pt.exp(log_z[0]), pt.exp(log_z[1])
        return [theta[0] - theta[1] * predator, -theta[2] + theta[3] * prey]

    ode = pm.ode.DifferentialEquation(log_predator_prey, times, n_states=2, n_theta=4,
                                      method="BDF", rtol=1e-8, atol=1e-8, max_num_steps=2000)
    with pm.Model():
        theta = pm.TruncatedNormal("theta", mu=[1.0, 0.05, 1.0, 0.05],
                                   sigma=[0.5, 0.05, 0.5, 0.05], lower=0.0, shape=4)
        z_init = pm.LogNormal("z_init", mu=np.log(10.0), sigma=1.0, shape=2)
        sigma = pm.LogNormal("sigma", mu=-1.0, sigma=1.0, shape=2)
        log_z_init = pt.log(z_init)
        log_z = ode(y0=log_z_init, theta=theta)
        pm.LogNormal("y_init_obs", mu=log_z_init, sigma=sigma, observed=y_init)
        pm.LogNormal("y_obs", mu=log_z, sigma=sigma, observed=y)
        idata = pm.sample(500, tune=500, chains=2, random_seed=17, target_accept=0.95,
                          progressbar=False)
    names = {f"theta[{k + 1}]": ("theta", (k,)) for k in range(4)}
    names |= {f"z_init[{k + 1}]": ("z_init", (k,)) for k in range(2)}
    names |= {f"sigma[{k + 1}]": ("sigma", (k,)) for k in range(2)}
    assert_matches_reference(idata, reference, names)


# ---- Adjoint sensitivities (sensitivity="adjoint", CVODES' adjoint module) ----------------------

def _linear_system(size=10, seed=5):
    rng = np.random.default_rng(seed)
    a = 0.3 * rng.normal(size=(size, size)) - 0.6 * np.eye(size)
    return a, rng.normal(size=size)


def _linear_rhs(size):
    def rhs(y, t, p):
        return [sum(p[i * size + j] * y[j] for j in range(size)) for i in range(size)]

    return rhs


def _expm_gradient(a, y0, times, weights):
    """d/d(y0, A) of sum_k weights_k . expm(A t_k) y0: expm(A t)^T w for y0 and, for A, the
    top-right block of expm([[A^T, w y0^T], [0, A^T]] t) (Van Loan's block exponential)."""
    n = a.shape[0]
    d_y0, d_a = np.zeros(n), np.zeros((n, n))
    for t, w in zip(times, weights):
        d_y0 += scipy.linalg.expm(a * t).T @ w
        block = np.block([[a.T, np.outer(w, y0)], [np.zeros((n, n)), a.T]])
        d_a += scipy.linalg.expm(block * t)[:n, n:]
    return d_y0, d_a.ravel()


@pytest.mark.parametrize("mode", BACKENDS)
def test_adjoint_gradient_of_a_hundred_parameter_linear_system_matches_expm(mode):
    size = 10
    a, y0 = _linear_system(size)
    times = np.array([0.5, 1.0, 2.0, 3.0])
    weights = np.random.default_rng(6).normal(size=(times.size, size))
    results = {}
    for sensitivity in ("adjoint", "forward"):
        ode = pm.ode.DifferentialEquation(_linear_rhs(size), times, n_states=size,
                                          n_theta=size * size, method="BDF", rtol=1e-10,
                                          atol=1e-10, sensitivity=sensitivity)
        results[sensitivity] = _solve(ode, y0, a.ravel(), mode, weights)
    solution, grad_y0, grad_theta = results["adjoint"]
    expected = np.stack([scipy.linalg.expm(a * t) @ y0 for t in times])
    np.testing.assert_allclose(solution, expected, atol=1e-7)
    d_y0, d_a = _expm_gradient(a, y0, times, weights)
    scale = max(np.abs(d_y0).max(), np.abs(d_a).max())
    np.testing.assert_allclose(grad_y0, d_y0, atol=1e-7 * scale)
    np.testing.assert_allclose(grad_theta, d_a, atol=1e-7 * scale)
    _, forward_y0, forward_theta = results["forward"]
    np.testing.assert_allclose(grad_y0, forward_y0, atol=1e-7 * scale)
    np.testing.assert_allclose(grad_theta, forward_theta, atol=1e-7 * scale)


@pytest.mark.parametrize("mode", BACKENDS)
def test_adjoint_lotka_volterra_gradient_matches_forward_and_finite_differences(mode):
    def lotka_volterra(y, t, p):
        return [(p[0] - p[1] * y[1]) * y[0], (-p[2] + p[3] * y[0]) * y[1]]

    times = np.array([0.0, 1.0, 2.0, 2.0, 5.0, 8.0, 12.0])
    theta, y0 = np.array([0.55, 0.028, 0.8, 0.024]), np.array([33.0, 6.0])
    weights = np.random.default_rng(8).normal(size=(times.size, 2))
    gradients = {}
    for sensitivity in ("adjoint", "forward"):
        ode = pm.ode.DifferentialEquation(lotka_volterra, times, n_states=2, n_theta=4,
                                          method="BDF", rtol=1e-10, atol=1e-10,
                                          sensitivity=sensitivity)
        _, grad_y0, grad_theta = _solve(ode, y0, theta, mode, weights)
        gradients[sensitivity] = np.concatenate([grad_y0, grad_theta])
    np.testing.assert_allclose(gradients["adjoint"], gradients["forward"], rtol=1e-6)

    distinct, where = np.unique(times, return_inverse=True)  # solve_ivp wants them increasing

    def loss(x):
        solution = scipy.integrate.solve_ivp(lambda t, y: lotka_volterra(y, t, x[2:]),
                                             (0.0, times[-1]), x[:2], t_eval=distinct,
                                             method="LSODA", rtol=1e-12, atol=1e-12)
        return np.sum(weights * solution.y.T[where])

    x = np.concatenate([y0, theta])
    steps = 1e-6 * np.abs(x)
    fd = np.array([(loss(x + e) - loss(x - e)) / (2 * h)
                   for e, h in ((np.eye(6)[i] * steps[i], steps[i]) for i in range(6))])
    np.testing.assert_allclose(gradients["adjoint"], fd, rtol=1e-5)


@pytest.mark.parametrize("mode", BACKENDS)
def test_adjoint_failure_is_nan_not_an_error(mode):
    ode = pm.ode.DifferentialEquation(_robertson, ROBERTSON_TIMES, n_states=3, n_theta=3,
                                      method="BDF", max_num_steps=5, sensitivity="adjoint")
    weights = np.ones((ROBERTSON_TIMES.size, 3))
    solution, grad_y0, grad_theta = _solve(ode, [1.0, 0.0, 0.0], ROBERTSON_THETA, mode, weights)
    assert np.isnan(solution).all() and np.isnan(grad_y0).all() and np.isnan(grad_theta).all()


def test_sensitivity_option_round_trips_and_is_checked():
    ode = pm.ode.DifferentialEquation(_decay, [1.0], n_states=2, n_theta=2, method="BDF",
                                      sensitivity="adjoint")
    assert ode.sensitivity == "adjoint"
    assert pm.ode.DifferentialEquation(_decay, [1.0], n_states=2, n_theta=2).sensitivity == "forward"
    with pytest.raises(ValueError, match="sensitivity"):
        pm.ode.DifferentialEquation(_decay, [1.0], n_states=2, n_theta=2, method="BDF",
                                    sensitivity="backward")
    with pytest.raises(ValueError, match="BDF"):
        pm.ode.DifferentialEquation(_decay, [1.0], n_states=2, n_theta=2, sensitivity="adjoint")
