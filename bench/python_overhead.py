"""Python's own overhead in pm.sample: model building, argument handling and the conversion of
results to xarray/ArviZ, against the C++ time (compiling with a warm cache, sampling, gathering).

    PYTHONPATH=build-release/python /usr/bin/python3 bench/python_overhead.py [--repeats 5]

Each model is built and sampled once to warm the compile cache, then `repeats` times; medians are
reported. The C++ time is the time inside hypatia._core.sample; everything else is Python's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

import hypatia as pm
from hypatia import _core

SHARED = Path(__file__).resolve().parents[2] / "shared"


def eight_schools():
    y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
    sigma = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
    with pm.Model(coords={"school": list("ABCDEFGH")}) as model:
        mu = pm.Normal("mu", mu=0, sigma=5)
        tau = pm.HalfCauchy("tau", beta=5)
        theta_tilde = pm.Normal("theta_t", mu=0, sigma=1, dims="school")
        theta = pm.Deterministic("theta", mu + tau * theta_tilde, dims="school")
        pm.Normal("obs", mu=theta, sigma=sigma, observed=y, dims="school")
    return model


def radon():
    data = json.loads((SHARED / "bench-data" / "radon_mn.json").read_text())
    with pm.Model(coords={"county": np.arange(1, data["J"] + 1)}) as model:
        county = pm.Data("county_idx", np.array(data["county_idx"]) - 1, dims="house")
        floor = pm.Data("floor_measure", np.array(data["floor_measure"], float), dims="house")
        sigma_y = pm.HalfNormal("sigma_y", 1)
        sigma_alpha = pm.HalfNormal("sigma_alpha", 1)
        sigma_beta = pm.HalfNormal("sigma_beta", 1)
        mu_alpha = pm.Normal("mu_alpha", 0, 10)
        mu_beta = pm.Normal("mu_beta", 0, 10)
        alpha_raw = pm.Normal("alpha_raw", 0, 1, dims="county")
        beta_raw = pm.Normal("beta_raw", 0, 1, dims="county")
        alpha = pm.Deterministic("alpha", mu_alpha + sigma_alpha * alpha_raw, dims="county")
        beta = pm.Deterministic("beta", mu_beta + sigma_beta * beta_raw, dims="county")
        mean = alpha[county] + floor * beta[county]
        pm.Normal("log_radon", mean, sigma_y, observed=np.array(data["log_radon"], float), dims="house")
    return model


def measure(build, repeats: int) -> dict:
    inner = []
    original = _core.sample

    def timed_sample(*args, **kwargs):
        start = time.perf_counter()
        result = original(*args, **kwargs)
        inner.append(time.perf_counter() - start)
        return result

    _core.sample = timed_sample
    try:
        totals, builds = [], []
        for run in range(repeats + 1):
            start = time.perf_counter()
            model = build()
            built = time.perf_counter()
            with model:
                pm.sample(1000, tune=1000, chains=4, random_seed=run, progressbar=False,
                          compute_convergence_checks=False)
            end = time.perf_counter()
            if run > 0:  # the first run warms the compile cache
                totals.append(end - start)
                builds.append(built - start)
    finally:
        _core.sample = original
    cpp = inner[1:]
    python = [t - c for t, c in zip(totals, cpp)]
    return {"total_s": statistics.median(totals), "cpp_s": statistics.median(cpp),
            "python_s": statistics.median(python), "model_building_s": statistics.median(builds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    for name, build in (("eight_schools", eight_schools), ("radon", radon)):
        result = measure(build, args.repeats)
        print(f"{name:14s} total {result['total_s'] * 1e3:8.1f} ms   C++ {result['cpp_s'] * 1e3:8.1f} ms   "
              f"Python {result['python_s'] * 1e3:6.1f} ms (model building {result['model_building_s'] * 1e3:5.1f} ms)")


if __name__ == "__main__":
    main()
