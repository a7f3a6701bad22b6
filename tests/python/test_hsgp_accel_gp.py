"""posteriordb's mcycle_gp-accel_gp (brms: a heteroscedastic regression whose mean and log-sd are
each an approximate GP, Y ~ normal(Intercept + f, exp(Intercept_sigma + g))) written with
pm.gp.HSGP. brms passes the basis (Xgp) and the square roots of the Laplacian's eigenvalues
(slambda = j pi / (2 L)) as data; the inputs it was built from (the standardised, mean-centred
times) are recovered here from the first two basis columns, and pm.gp.HSGP must rebuild both."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import hypatia as pm
from conftest import assert_matches_reference, posteriordb

POSTERIOR = "mcycle_gp-accel_gp"


def _brms_inputs(basis: np.ndarray, L: float) -> np.ndarray:
    """x from phi_1 = sin(t) / sqrt(L), phi_2 = sin(2 t) / sqrt(L), t = pi (x + L) / (2 L):
    cos(t) = phi_2 / (2 phi_1) resolves the angle that sin alone leaves ambiguous."""
    t = np.arctan2(basis[:, 0] * np.sqrt(L), basis[:, 1] / (2.0 * basis[:, 0]))
    return t * 2.0 * L / np.pi - L


def _gp(name: str, x: np.ndarray, m: int, L: float):
    """brms' approximate GP: sdgp^2 ExpQuad(lscale) with its priors, via pm.gp.HSGP. brms centres
    the inputs at their mean before building the basis and x is already centred, so the HSGP's
    centre (the training inputs' midpoint by default) is fixed at 0."""
    sd = pm.HalfStudentT(f"sdgp{name}", nu=3, sigma=36)
    lscale = pm.InverseGamma(f"lscale{name}", alpha=1.124909, beta=0.0177)
    gp = pm.gp.HSGP(m=[m], L=[L], cov_func=sd ** 2 * pm.gp.cov.ExpQuad(1, ls=lscale))
    gp._X_center = np.zeros(1)
    return gp


def _data():
    data, reference = posteriordb(POSTERIOR)
    out = {}
    for suffix in ("_1", "_sigma_1"):
        basis = np.asarray(data["Xgp" + suffix], float)
        slambda = np.asarray(data["slambda" + suffix], float)[:, 0]
        L = np.pi / (2.0 * slambda[0])
        out[suffix] = (basis, slambda, L, _brms_inputs(basis, L)[:, None])
    return data, reference, out


def _model(data, parts):
    with pm.Model() as model:
        intercept = pm.StudentT("Intercept", nu=3, mu=-13, sigma=36)
        gps = {suffix: _gp(suffix, parts[suffix][3], len(parts[suffix][1]), parts[suffix][2])
               for suffix in ("_1", "_sigma_1")}
        f = gps["_1"].prior("f", X=parts["_1"][3])
        intercept_sigma = pm.StudentT("Intercept_sigma", nu=3, mu=0, sigma=10)
        g = gps["_sigma_1"].prior("g", X=parts["_sigma_1"][3])
        pm.Normal("Y", mu=intercept + f, sigma=pm.math.exp(intercept_sigma + g),
                  observed=np.asarray(data["Y"], float))
    return model


def _fixture_point() -> dict:
    """scripts/fixtures/posteriordb_models.py's point and its scipy log density."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "posteriordb_log_density.txt"
    fields = {}
    for line in fixture.read_text().splitlines():
        posterior, name, *values = line.split()
        if posterior == POSTERIOR:
            fields[name] = np.array([float(v) for v in values])
    return fields


def test_hsgp_model_log_density_equals_scipy_reference():
    """The model written with pm.gp.HSGP has the reference model's log density (every constant and
    log-Jacobian), evaluated with numpy/scipy from brms' own basis and frequencies."""
    data, _, parts = _data()
    fields = _fixture_point()
    point = {"Intercept": fields["Intercept"][0], "Intercept_sigma": fields["Intercept_sigma"][0],
             "f_hsgp_coeffs": fields["zgp_1"], "g_hsgp_coeffs": fields["zgp_sigma_1"]}
    for name in ("sdgp_1", "lscale_1", "sdgp_sigma_1", "lscale_sigma_1"):
        point[f"{name}_log__"] = np.log(fields[name][0])
    logp = _model(data, parts).compile_logp()(point)
    np.testing.assert_allclose(logp, fields["logp"][0], rtol=1e-11)


def test_hsgp_basis_and_frequencies_equal_brms():
    _, _, parts = _data()
    for suffix, (basis, slambda, L, x) in parts.items():
        with pm.Model():
            gp = _gp(suffix, x, len(slambda), L)
            phi, _ = gp.prior_linearized(x)
        np.testing.assert_allclose(phi.eval(), basis, rtol=0, atol=1e-10)
        frequencies = np.sqrt(pm.gp.hsgp_approx.calc_eigenvalues(L, [len(slambda)]).eval())[:, 0]
        np.testing.assert_allclose(frequencies, slambda, rtol=0, atol=1e-10)


# Slow (the reference needed adapt_delta 0.999; trajectories reach depth 11): run by the
# `validation` CTest label (python_validation), which sets HYPATIA_TEST_VALIDATION=1.
@pytest.mark.skipif(os.environ.get("HYPATIA_TEST_VALIDATION") != "1",
                    reason="slow posterior check; set HYPATIA_TEST_VALIDATION=1 (ctest -L validation)")
# Open: with seed 11 one of the four chains never leaves a high-curvature region it enters in
# warm-up (log density -3437 against -650 for the others, lscale_1 0.43 against 0.08, step size
# 0.00027, 36% of its transitions divergent; R-hat and the divergence count flag it). The other
# three match the reference. The model itself is the reference's (the log-density test above, to
# 1e-11), and the C++ bundled model passes `hypatia validate`; starting at PyMC's support points
# instead of zero made it worse (two of four chains stuck). The reference used 10 chains with
# 10,000 warm-up iterations each.
@pytest.mark.xfail(reason="a chain can stay stuck in a high-curvature region after warm-up "
                          "(seed 11: one of four); under investigation", strict=False)
def test_accel_gp_posterior_with_hsgp_matches_posteriordb():
    data, reference, parts = _data()
    with _model(data, parts):
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=11, target_accept=0.999,
                          max_treedepth=11, progressbar=False)
    names = {n: (n, ()) for n in ("Intercept", "Intercept_sigma")}
    for suffix, (_, slambda, _, _) in parts.items():
        names[f"sdgp{suffix}"] = (f"sdgp{suffix}", ())
        names[f"lscale{suffix}"] = (f"lscale{suffix}", ())
        coeffs = "f_hsgp_coeffs" if suffix == "_1" else "g_hsgp_coeffs"
        names |= {f"zgp{suffix}[{j + 1}]": (coeffs, (j,)) for j in range(len(slambda))}
    assert_matches_reference(idata, reference, names)
