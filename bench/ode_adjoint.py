"""Gradient of an ODE solution with many parameters: dy/dt = A y with A a 10 x 10 parameter
matrix (100 parameters plus 10 initial states), solved by Hypatia's BDF solver (SUNDIALS
CVODES, generated C++) at rtol = atol = 1e-8, gradient of a weighted sum of the solution at 8
times. Forward sensitivities solve 10 x (1 + 110) equations; the adjoint method (CVODES' adjoint
module) one forward solve with checkpoints and a backward one of 10 + 100 equations whose
right-hand side is a single vector-Jacobian product. Timings are medians of interleaved repeats.

    PYTHONPATH=build/python /usr/bin/python3 bench/ode_adjoint.py [--size 10] [--repeats 20]
"""

import argparse
import time

import numpy as np

import hypatia as pm
import hypatia.tensor as pt
from hypatia import pytensor

TIMES = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0])
RTOL, ATOL = 1e-8, 1e-8


def gradient_function(size, sensitivity):
    def rhs(y, t, p):
        return [sum(p[i * size + j] * y[j] for j in range(size)) for i in range(size)]

    ode = pm.ode.DifferentialEquation(rhs, TIMES, n_states=size, n_theta=size * size,
                                      method="BDF", rtol=RTOL, atol=ATOL, sensitivity=sensitivity)
    y0 = pt.tensor("float64", name="y0", shape=(size,))
    theta = pt.tensor("float64", name="theta", shape=(size * size,))
    weights = np.random.default_rng(1).normal(size=(TIMES.size, size))
    objective = pt.sum(ode(y0=y0, theta=theta) * weights)
    return pytensor.function([y0, theta], pytensor.grad(objective, [y0, theta]), mode="native")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=20)
    arguments = parser.parse_args()
    size = arguments.size
    rng = np.random.default_rng(0)
    a = 0.3 * rng.normal(size=(size, size)) - 0.6 * np.eye(size)
    y0 = rng.normal(size=size)
    functions = {}
    for sensitivity in ("forward", "adjoint"):
        start = time.perf_counter()
        functions[sensitivity] = gradient_function(size, sensitivity)
        gradient = functions[sensitivity](y0, a.ravel())  # compiled and warmed
        print(f"  {sensitivity:8s} build + compile + first call {time.perf_counter() - start:7.2f} s")
    forward = np.concatenate(functions["forward"](y0, a.ravel()))
    adjoint = np.concatenate(functions["adjoint"](y0, a.ravel()))
    print(f"  max |adjoint - forward| / max |forward| = "
          f"{np.abs(adjoint - forward).max() / np.abs(forward).max():.2e}")
    timings = {name: [] for name in functions}
    for _ in range(arguments.repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function(y0, a.ravel())
            timings[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(values)) for name, values in timings.items()}
    print(f"dy/dt = A y, A {size} x {size} ({size * size} parameters), gradient at rtol {RTOL:g}")
    for name, median in medians.items():
        print(f"  {name:8s} sensitivities: median {median * 1e3:9.3f} ms")
    print(f"  forward / adjoint: {medians['forward'] / medians['adjoint']:.2f}x")


if __name__ == "__main__":
    main()
