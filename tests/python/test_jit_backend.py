"""The JIT backend (LLVM in process) from Python: the posterior of a conjugate model against its
closed form, the same draws as the g++ backend, and sampling with no C++ compiler reachable."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import hypatia as pm


def jit_available():
    try:
        with pm.Model():
            pm.Normal("x", 0.0, 1.0)
            pm.sample(5, tune=5, chains=1, progressbar=False, backend="jit")
        return True
    except Exception as error:  # a build without LLVM says so
        if "not in this build" in str(error):
            return False
        raise


pytestmark = pytest.mark.skipif(not jit_available(), reason="this build has no LLVM (no jit backend)")


def conjugate_normal(data, prior_sd=2.0, noise_sd=1.0):
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, prior_sd)
        pm.Normal("y", mu, noise_sd, observed=data)
    precision = 1 / prior_sd**2 + len(data) / noise_sd**2
    return model, np.sum(data) / noise_sd**2 / precision, precision**-0.5


def test_jit_posterior_matches_the_conjugate_result_and_the_native_draws():
    data = np.random.default_rng(3).normal(1.5, 1.0, size=20)
    model, mean, sd = conjugate_normal(data)
    with model:
        jit = pm.sample(1000, tune=300, chains=2, random_seed=4, progressbar=False, backend="jit")
        native = pm.sample(1000, tune=300, chains=2, random_seed=4, progressbar=False,
                           backend="native")
    draws = jit.posterior["mu"].values
    assert abs(draws.mean() - mean) < 5 * sd / np.sqrt(500)
    assert abs(draws.std() - sd) < 0.1 * sd
    np.testing.assert_array_equal(draws, native.posterior["mu"].values)


def test_samples_without_any_cpp_compiler(tmp_path):
    script = textwrap.dedent("""
        import numpy as np
        import hypatia as pm
        y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
        sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
        with pm.Model():
            mu = pm.Normal("mu", 0.0, 5.0)
            tau = pm.HalfCauchy("tau", 5.0)
            theta = pm.Normal("theta", mu, tau, shape=8)
            pm.Normal("y", theta, sigma, observed=y)
            idata = pm.sample(200, tune=200, chains=2, random_seed=1, progressbar=False,
                              backend="jit")
        print(float(idata.posterior["mu"].values.mean()))
    """)
    env = {key: value for key, value in os.environ.items() if key not in ("CXX", "CC", "PATH")}
    env["PATH"] = str(tmp_path / "empty")  # no g++, c++, clang: nothing to compile with
    env["HYPATIA_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert np.isfinite(float(result.stdout.strip().splitlines()[-1]))
    # Nothing was compiled by a C++ compiler: the g++ backend's cache stays empty.
    cache = tmp_path / "cache"
    assert not cache.exists() or not any(cache.rglob("*.so"))
