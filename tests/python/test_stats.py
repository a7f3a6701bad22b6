"""hypatia.summary (az.summary's table) against numpy computations and known properties of the
diagnostics, and PyMC's post-sampling warnings on constructed draws."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hypatia import stats
from hypatia.inference_data import InferenceData


def posterior(**variables) -> InferenceData:
    """An InferenceData whose posterior holds the given (chain, draw, ...) arrays."""
    import xarray as xr

    data_vars = {}
    coords = {}
    for name, (values, dims) in variables.items():
        own = dims or [f"{name}_dim_{k}" for k in range(values.ndim - 2)]
        data_vars[name] = (["chain", "draw", *own], values)
    if any(dims == ["school"] for _, dims in variables.values()):
        coords["school"] = ["Choate", "Deerfield", "Phillips Andover"]
    return InferenceData(posterior=xr.Dataset(data_vars, coords=coords))


def numpy_hdi(draws: np.ndarray, prob: float) -> tuple[float, float]:
    """The narrowest interval holding floor(prob * n) + 1 of the sorted draws."""
    ordered = np.sort(draws.ravel())
    n = ordered.size
    inside = int(np.floor(prob * n))
    widths = ordered[inside:] - ordered[: n - inside]
    start = int(np.argmin(widths))
    return ordered[start], ordered[start + inside]


def ar1(rng, rho: float, chains: int, draws: int) -> np.ndarray:
    noise = rng.normal(size=(chains, draws)) * np.sqrt(1 - rho**2)
    out = np.empty((chains, draws))
    out[:, 0] = rng.normal(size=chains)
    for t in range(1, draws):
        out[:, t] = rho * out[:, t - 1] + noise[:, t]
    return out


@pytest.fixture
def iid(rng):
    return posterior(mu=(rng.normal(3.0, 2.0, size=(4, 1000)), []),
                     theta=(rng.normal(size=(4, 1000, 3)) + [0.0, 5.0, -5.0], ["school"]),
                     L=(rng.gamma(2.0, size=(4, 1000, 2, 2)), []))


def test_rows_labelled_as_arviz_labels_them(iid):
    table = stats.summary(iid)
    assert list(table.index) == ["mu", "theta[Choate]", "theta[Deerfield]",
                                 "theta[Phillips Andover]", "L[0, 0]", "L[0, 1]", "L[1, 0]",
                                 "L[1, 1]"]
    assert list(table.columns) == ["mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "mcse_sd",
                                   "ess_bulk", "ess_tail", "r_hat"]


def test_mean_sd_and_hdi_match_numpy(iid):
    table = stats.summary(iid, round_to="none", hdi_prob=0.9)
    for label, draws in [("mu", iid.posterior["mu"].values),
                         ("theta[Deerfield]", iid.posterior["theta"].values[:, :, 1]),
                         ("L[1, 0]", iid.posterior["L"].values[:, :, 1, 0])]:
        row = table.loc[label]
        assert row["mean"] == pytest.approx(draws.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(draws.std(ddof=1), rel=1e-12)
        low, high = numpy_hdi(draws, 0.9)
        assert row["hdi_5%"] == pytest.approx(low, rel=1e-12)
        assert row["hdi_95%"] == pytest.approx(high, rel=1e-12)


def test_iid_draws_have_rhat_near_one_and_ess_near_the_draw_count(iid):
    table = stats.summary(iid, round_to="none")
    n = 4 * 1000
    assert np.all(np.abs(table["r_hat"] - 1) < 0.01)
    assert np.all(table["ess_bulk"].between(0.8 * n, 1.25 * n))
    # MCSE of the mean of iid draws: sd / sqrt(n), up to the ESS estimate's noise.
    expected = table["sd"] / np.sqrt(n)
    assert np.all((table["mcse_mean"] / expected).between(0.85, 1.15))


def test_autocorrelated_draws_have_the_ar1_effective_sample_size(rng):
    rho, chains, draws = 0.9, 4, 4000
    idata = posterior(x=(ar1(rng, rho, chains, draws), []))
    expected = chains * draws * (1 - rho) / (1 + rho)  # integrated autocorrelation of AR(1)
    ess = stats.summary(idata, round_to="none").loc["x", "ess_bulk"]
    assert 0.75 * expected < ess < 1.33 * expected


def test_chains_around_different_means_have_large_rhat(rng):
    shifted = rng.normal(size=(4, 500)) + np.array([[0.0], [0.0], [0.0], [3.0]])
    assert stats.summary(posterior(x=(shifted, [])), round_to="none").loc["x", "r_hat"] > 1.1


def test_kind_var_names_filter_vars_and_rounding(iid):
    assert list(stats.summary(iid, kind="stats").columns) == ["mean", "sd", "hdi_3%", "hdi_97%"]
    assert list(stats.summary(iid, kind="diagnostics").columns) == [
        "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"]
    assert list(stats.summary(iid, var_names=["mu"]).index) == ["mu"]
    assert "mu" not in stats.summary(iid, var_names=["~mu"]).index
    assert len(stats.summary(iid, var_names=["the"], filter_vars="like")) == 3
    assert len(stats.summary(iid, var_names=["^L$"], filter_vars="regex")) == 4
    raw_table = stats.summary(iid, round_to="none")
    np.testing.assert_allclose(stats.summary(iid, round_to=1)["mean"], raw_table["mean"].round(1))
    default = stats.summary(iid)
    np.testing.assert_allclose(default["mean"], raw_table["mean"].round(3))
    np.testing.assert_allclose(default["ess_bulk"], raw_table["ess_bulk"].round(0))
    chosen = stats.summary(iid, var_names=["theta"], coords={"school": ["Deerfield"]})
    assert list(chosen.index) == ["theta[Deerfield]"]
    assert chosen.loc["theta[Deerfield]", "mean"] == default.loc["theta[Deerfield]", "mean"]
    single = stats.summary(iid, var_names=["theta"], coords={"school": "Deerfield"})
    assert list(single.index) == ["theta"]  # a single label drops the dim, as in ArviZ
    with pytest.raises(KeyError, match="nope"):
        stats.summary(iid, var_names=["nope"])


def test_rhat_and_ess_datasets_have_the_variables_shapes(iid):
    rhat = stats.rhat(iid)
    table = stats.summary(iid, round_to="none")
    assert rhat["theta"].dims == ("school",)
    assert float(rhat["theta"].sel(school="Deerfield")) == pytest.approx(
        table.loc["theta[Deerfield]", "r_hat"])
    assert stats.ess(iid, method="tail")["L"].shape == (2, 2)
    assert float(stats.ess(iid, method="tail")["L"][0, 1]) == pytest.approx(
        table.loc["L[0, 1]", "ess_tail"])


def test_accepts_the_engine_dict_a_dataset_and_arviz_inference_data(iid):
    from hypatia.inference_data import to_raw

    expected = stats.summary(iid, round_to="none")
    for data in (to_raw(iid), iid.posterior):
        np.testing.assert_allclose(stats.summary(data, round_to="none").values, expected.values)
    arviz = pytest.importorskip("arviz")
    converted = stats.summary(arviz.InferenceData(posterior=iid.posterior), round_to="none")
    np.testing.assert_allclose(converted.values, expected.values)


def test_matches_arviz_when_installed(iid):
    arviz = pytest.importorskip("arviz")
    ours = stats.summary(iid, round_to="none")
    theirs = arviz.summary(iid.posterior, round_to="none")
    assert list(ours.index) == list(theirs.index)
    # mcse_sd differs by design: the engine follows R's posterior package (a newer estimator).
    for column in ("mean", "sd", "hdi_3%", "hdi_97%", "mcse_mean", "ess_bulk", "ess_tail",
                   "r_hat"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-6, err_msg=column)


# ---------------------------------------------------------------- convergence warnings


def with_stats(idata: InferenceData, diverging: np.ndarray, depth: np.ndarray = None,
               max_depth: int = 10) -> InferenceData:
    import xarray as xr

    stats_vars = {"diverging": (["chain", "draw"], diverging)}
    if depth is not None:
        stats_vars["reached_max_treedepth"] = (["chain", "draw"], depth >= max_depth)
    idata.add_groups(sample_stats=xr.Dataset(stats_vars))
    return idata


def test_divergences_are_counted_in_pymc_words(iid):
    diverging = np.zeros((4, 1000), dtype=bool)
    diverging[0, [3, 50]] = True
    diverging[2, 999] = True
    messages = stats.convergence_warnings(with_stats(iid, diverging))
    assert messages == ["There were 3 divergences after tuning. Increase `target_accept` or "
                        "reparameterize."]


def test_one_divergence_is_singular(iid):
    diverging = np.zeros((4, 1000), dtype=bool)
    diverging[1, 1] = True
    assert stats.convergence_warnings(with_stats(iid, diverging))[0].startswith(
        "There was 1 divergence after tuning.")


def test_tree_depth_warning_names_the_chain(iid):
    depth = np.full((4, 1000), 5)
    depth[2, :100] = 10  # 10% of chain 2's draws used every doubling
    messages = stats.convergence_warnings(with_stats(iid, np.zeros((4, 1000), bool), depth))
    assert messages == ["Chain 2 reached the maximum tree depth. Increase `max_treedepth`, "
                        "increase `target_accept` or reparameterize."]


def test_bad_rhat_and_low_ess_are_reported_and_logged(rng, caplog):
    stuck = ar1(rng, 0.995, 4, 1000) + np.array([[0.0], [0.0], [0.0], [4.0]])
    idata = posterior(x=(stuck, []))
    messages = stats.convergence_warnings(idata)
    assert any(m.startswith("The rhat statistic is larger than 1.01") for m in messages)
    assert any(m.startswith("The effective sample size per chain is smaller than 100")
               for m in messages)
    with caplog.at_level(logging.INFO, logger="hypatia"):
        stats.emit(idata)
    levels = {r.getMessage()[:20]: r.levelno for r in caplog.records}
    assert levels["The effective sample"] == logging.ERROR
    assert levels["The rhat statistic i"] == logging.INFO  # as PyMC logs it


def test_well_mixed_draws_raise_nothing(iid):
    assert stats.convergence_warnings(with_stats(iid, np.zeros((4, 1000), bool))) == []


def test_short_or_single_chain_runs_say_so(rng):
    short = posterior(x=(rng.normal(size=(4, 50)), []))
    assert stats.convergence_warnings(short) == [
        "The number of samples is too small to check convergence reliably."]
    single = posterior(x=(rng.normal(size=(1, 500)), []))
    assert stats.convergence_warnings(single) == [
        "Only one chain was sampled, this makes it impossible to run some convergence checks"]


def test_extract_stacks_chains_and_draws_in_order(rng):
    values = rng.normal(size=(3, 40, 2))
    idata = posterior(theta=(values, None), mu=(rng.normal(size=(3, 40)), None))
    theta = stats.extract(idata, var_names="theta")
    assert theta.dims == ("theta_dim_0", "sample") and theta.shape == (2, 120)
    # Chain-major order, as xarray's stack gives: sample k is chain k // 40, draw k % 40.
    np.testing.assert_array_equal(theta.values, values.reshape(120, 2).T)
    both = stats.extract(idata)
    assert set(both.data_vars) == {"theta", "mu"}
    subset = stats.extract(idata, var_names=["mu"], num_samples=25, rng=4, keep_dataset=True)
    assert subset["mu"].shape == (25,)
    assert set(subset["mu"].values) <= set(idata.posterior["mu"].values.ravel())
    assert len(set(subset["mu"].values)) == 25  # drawn without replacement
    with pytest.raises(ValueError, match="num_samples"):
        stats.extract(idata, num_samples=500)
    with pytest.raises(KeyError, match="prior"):
        stats.extract(idata, group="prior")
