"""PSIS-LOO, WAIC and model weights against R's loo package (scripts/fixtures/loo.R writes the
log likelihoods and loo 2.5.1's results), and the InferenceData front of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hypatia as pm
from hypatia import model_comparison as mc
from hypatia.inference_data import InferenceData

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = ("normal", "narrow", "student")


@pytest.fixture(scope="module")
def log_likelihoods() -> dict:
    table = pd.read_csv(FIXTURES / "loo_log_likelihood.csv")
    columns = [c for c in table.columns if c.startswith("obs_")]
    return {name: table[table.set == name].sort_values(["chain", "draw"])[columns].to_numpy()
            for name in SETS}


@pytest.fixture(scope="module")
def reference() -> dict:
    table = pd.read_csv(FIXTURES / "loo_reference.csv", skipinitialspace=True)
    out: dict = {}
    for (name, quantity), rows in table.groupby(["set", "quantity"]):
        values = rows.sort_values("index")["value"].to_numpy(dtype=float)
        out[name, quantity] = values[0] if rows["index"].iloc[0] == 0 else values
    return out


def _idata(matrix: np.ndarray, chains: int = 2) -> InferenceData:
    import xarray as xr

    samples, observations = matrix.shape
    values = matrix.reshape(chains, samples // chains, observations)
    return InferenceData(log_likelihood=xr.Dataset(
        {"y": (("chain", "draw", "y_dim_0"), values)},
        coords={"chain": np.arange(chains), "draw": np.arange(samples // chains),
                "y_dim_0": np.arange(observations)}))


def _r_se(pointwise: np.ndarray) -> float:
    """R's loo reports sqrt(n var(x)) with the n-1 variance; ArviZ (and Hypatia) use n."""
    return float(np.sqrt(len(pointwise) * np.var(pointwise, ddof=1)))


@pytest.mark.parametrize("name", SETS)
def test_loo_matches_r(name, log_likelihoods, reference):
    matrix = log_likelihoods[name]
    elpd, p_loo, k = mc.loo_pointwise(matrix, 1.0)
    np.testing.assert_allclose(k, reference[name, "pareto_k"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(elpd, reference[name, "elpd_loo_i"], rtol=1e-10)
    np.testing.assert_allclose(p_loo, reference[name, "p_loo_i"], rtol=1e-8, atol=1e-12)
    assert _r_se(elpd) == pytest.approx(reference[name, "se_elpd_loo"], rel=1e-10)
    with pytest.warns(UserWarning, match="Pareto") if k.max() > 0.7 else _no_warning():
        result = pm.stats.loo(_idata(matrix), pointwise=True, reff=1.0) if _own_stats() else \
            mc.loo(_idata(matrix), pointwise=True, reff=1.0)
    assert result.elpd_loo == pytest.approx(reference[name, "elpd_loo"], rel=1e-10)
    assert result.p_loo == pytest.approx(reference[name, "p_loo"], rel=1e-8)
    assert result.se == pytest.approx(np.sqrt(len(elpd) * np.var(elpd)), rel=1e-12)
    np.testing.assert_allclose(result.pareto_k.values, reference[name, "pareto_k"], rtol=1e-9,
                               atol=1e-12)
    assert result.warning == bool(k.max() > result.good_k)


@pytest.mark.parametrize("name", SETS)
def test_waic_matches_r(name, log_likelihoods, reference):
    matrix = log_likelihoods[name]
    elpd, _ = mc.waic_pointwise(matrix)
    np.testing.assert_allclose(elpd, reference[name, "elpd_waic_i"], rtol=1e-10)
    result = mc.waic(_idata(matrix), pointwise=True)
    assert result.elpd_waic == pytest.approx(reference[name, "elpd_waic"], rel=1e-10)
    assert result.p_waic == pytest.approx(reference[name, "p_waic"], rel=1e-10)
    assert _r_se(elpd) == pytest.approx(reference[name, "se_elpd_waic"], rel=1e-10)


def test_compare_matches_r_differences_and_weights(log_likelihoods, reference):
    models = {name: _idata(log_likelihoods[name]) for name in SETS}
    with pytest.warns(UserWarning):
        table = mc.compare(models, method="stacking")
        pseudo = mc.compare(models, method="pseudo-BMA")
    order = sorted(SETS, key=lambda n: reference[n, "elpd_diff"], reverse=True)
    assert list(table.index) == order and list(table["rank"]) == [0, 1, 2]
    for name in SETS:
        assert table.loc[name, "elpd_diff"] == pytest.approx(-reference[name, "elpd_diff"],
                                                             abs=1e-9)
        # loo_compare's se_diff uses the n-1 variance; compare's dse the n one.
        n = log_likelihoods[name].shape[1]
        assert table.loc[name, "dse"] == pytest.approx(
            reference[name, "se_diff"] * np.sqrt((n - 1) / n), abs=1e-9)
        # The stacking objective is flat near its optimum and loo's optimizer stops early:
        # weights agree to 1e-3, and ours reach at least the objective value of R's (below).
        assert table.loc[name, "weight"] == pytest.approx(reference[name, "weight_stacking"],
                                                          abs=1e-3)
        assert pseudo.loc[name, "weight"] == pytest.approx(reference[name, "weight_pseudo_bma"],
                                                           rel=1e-8, abs=1e-15)
    assert table["weight"].sum() == pytest.approx(1.0)
    elpd = np.column_stack([mc.loo_pointwise(log_likelihoods[n], 1.0)[0] for n in SETS])
    objective = lambda w: np.sum(np.log(np.exp(elpd) @ w))  # noqa: E731
    ours = table.loc[list(SETS), "weight"].to_numpy()
    theirs = np.array([reference[n, "weight_stacking"] for n in SETS])
    assert objective(ours) >= objective(theirs / theirs.sum()) - 1e-12


def test_compare_scales_and_bad_input(log_likelihoods):
    models = {name: _idata(log_likelihoods[name]) for name in ("normal", "student")}
    with pytest.warns(UserWarning):
        log = mc.compare(models)
        deviance = mc.compare(models, scale="deviance")
    assert list(deviance.index) == list(log.index)
    np.testing.assert_allclose(deviance["elpd_loo"], -2 * log["elpd_loo"])
    np.testing.assert_allclose(deviance["elpd_diff"], 2 * log["elpd_diff"])
    with pytest.raises(ValueError, match="method"):
        mc.compare(models, method="best")
    with pytest.raises(ValueError, match="scale"):
        mc.compare(models, scale="bits")
    short = {"a": models["normal"], "b": _idata(log_likelihoods["student"][:, :5])}
    with pytest.raises(ValueError, match="different numbers of observations"):
        mc.compare(short)
    with pytest.raises(TypeError, match="log_likelihood group"):
        mc.loo(InferenceData())


def test_relative_efficiency_from_the_posterior(rng):
    # AR(1) draws with rho have ESS(mean) ~ n (1 - rho) / (1 + rho); the tail length of PSIS
    # grows as reff falls, so loo with the computed reff must match loo with it given.
    import xarray as xr

    chains, draws, rho = 4, 1000, 0.5
    x = np.zeros((chains, draws))
    for t in range(1, draws):
        x[:, t] = rho * x[:, t - 1] + rng.normal(size=chains) * np.sqrt(1 - rho**2)
    reff = mc._relative_efficiency(InferenceData(posterior=xr.Dataset(
        {"x": (("chain", "draw"), x)})), chains, draws)
    assert reff == pytest.approx((1 - rho) / (1 + rho), rel=0.2)


def test_loo_from_a_sampled_model_is_near_the_exact_leave_one_out(rng):
    # Normal mean with known sd: each leave-one-out predictive is Normal in closed form.
    y = rng.normal(1.0, 1.0, size=15)
    prior_sd = 10.0
    with pm.Model():
        mu = pm.Normal("mu", 0.0, prior_sd)
        pm.Normal("y", mu, 1.0, observed=y)
        idata = pm.sample(1000, tune=500, chains=2, random_seed=3, progressbar=False,
                          idata_kwargs={"log_likelihood": True})
    exact = 0.0
    for i in range(len(y)):
        rest = np.delete(y, i)
        precision = 1 / prior_sd**2 + len(rest)
        mean, var = rest.sum() / precision, 1 / precision
        exact += -0.5 * np.log(2 * np.pi * (1 + var)) - (y[i] - mean) ** 2 / (2 * (1 + var))
    result = mc.loo(idata, pointwise=True)
    assert result.elpd_loo == pytest.approx(exact, abs=0.15)
    assert result.loo_i.dims == ("y_dim_0",)
    assert not result.warning


def _own_stats() -> bool:
    try:
        import arviz  # noqa: F401
    except ImportError:
        return True
    return False


class _no_warning:
    def __enter__(self):
        import warnings

        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._catcher.__exit__(*exc)
