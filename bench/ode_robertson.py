"""Robertson's stiff chemical kinetics solved with forward sensitivities (to the 3 rate constants
and the 3 initial concentrations): Hypatia's BDF solver (SUNDIALS CVODES, generated C++) against
scipy's LSODA on the same augmented system (3 states + 3 x 6 sensitivities, written with numpy
and given its analytic Jacobian), both at rtol 1e-8, atol 1e-10, from t = 0 to 4e4.
The goal (issue 15) is Hypatia within 3x of LSODA's wall time.

    PYTHONPATH=build/python /usr/bin/python3 bench/ode_robertson.py [--repeats 20]
"""

import argparse
import time

import numpy as np
import scipy.integrate

import hypatia as pm
import hypatia.tensor as pt
from hypatia import pytensor

THETA = np.array([0.04, 1e4, 3e7])
Y0 = np.array([1.0, 0.0, 0.0])
TIMES = np.array([1e-4, 1e-2, 1.0, 10.0, 100.0, 1e3, 1e4, 4e4])
RTOL, ATOL = 1e-8, 1e-10


def robertson(y, t, p):
    return [-p[0] * y[0] + p[1] * y[1] * y[2],
            p[0] * y[0] - p[1] * y[1] * y[2] - p[2] * y[1] ** 2,
            p[2] * y[1] ** 2]


def hypatia_function():
    """Compiled once: the sensitivities dy(t_k)/d(y0, theta) summed against fixed weights (the
    gradient a sampler asks for), which needs the whole sensitivity solve."""
    ode = pm.ode.DifferentialEquation(robertson, TIMES, n_states=3, n_theta=3, method="BDF",
                                      rtol=RTOL, atol=ATOL)
    y0 = pt.tensor("float64", name="y0", shape=(3,))
    theta = pt.tensor("float64", name="theta", shape=(3,))
    weights = np.random.default_rng(1).normal(size=(TIMES.size, 3))
    objective = pt.sum(ode(y0=y0, theta=theta) * weights)
    return pytensor.function([y0, theta], pytensor.grad(objective, [y0, theta]), mode="native")


def jacobian(y, p):
    return np.array([[-p[0], p[1] * y[2], p[1] * y[1]],
                     [p[0], -p[1] * y[2] - 2 * p[2] * y[1], -p[1] * y[1]],
                     [0.0, 2 * p[2] * y[1], 0.0]])


def parameter_jacobian(y):
    return np.array([[-y[0], y[1] * y[2], 0.0],
                     [y[0], -y[1] * y[2], -y[1] ** 2],
                     [0.0, 0.0, y[1] ** 2]])


def augmented_rhs(t, z):
    y, s = z[:3], z[3:].reshape(3, 6)
    f = np.array([-THETA[0] * y[0] + THETA[1] * y[1] * y[2],
                  THETA[0] * y[0] - THETA[1] * y[1] * y[2] - THETA[2] * y[1] ** 2,
                  THETA[2] * y[1] ** 2])
    ds = jacobian(y, THETA) @ s
    ds[:, 3:] += parameter_jacobian(y)
    return np.concatenate([f, ds.ravel()])


def augmented_jacobian(t, z):
    # The sensitivities' own dependence on y is left out (as CVODES' staggered corrector does):
    # block diagonal in J, which is what makes the Newton iterations cheap.
    j = jacobian(z[:3], THETA)
    full = np.zeros((21, 21))
    full[:3, :3] = j
    for c in range(6):
        rows = 3 + np.arange(3) * 6 + c
        full[np.ix_(rows, rows)] = j
    return full


def lsoda():
    z0 = np.concatenate([Y0, np.hstack([np.eye(3), np.zeros((3, 3))]).ravel()])
    result = scipy.integrate.solve_ivp(augmented_rhs, (0.0, TIMES[-1]), z0, method="LSODA",
                                       t_eval=TIMES, jac=augmented_jacobian, rtol=RTOL, atol=ATOL)
    assert result.success, result.message
    return result.y.T


def best_of(function, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=20)
    repeats = parser.parse_args().repeats
    function = hypatia_function()
    function(Y0, THETA)  # compiled and warmed
    ours = best_of(lambda: function(Y0, THETA), repeats)
    theirs = best_of(lsoda, repeats)
    print(f"Robertson with sensitivities, t in [0, 4e4], rtol {RTOL:g}, atol {ATOL:g}")
    print(f"  hypatia BDF (CVODES, native): best {ours[0] * 1e3:8.3f} ms  median {ours[1] * 1e3:8.3f} ms")
    print(f"  scipy LSODA (augmented):      best {theirs[0] * 1e3:8.3f} ms  median {theirs[1] * 1e3:8.3f} ms")
    print(f"  ratio hypatia / LSODA (median): {ours[1] / theirs[1]:.3f}")


if __name__ == "__main__":
    main()
