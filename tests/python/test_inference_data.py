"""The engine's result dict as an InferenceData: groups, dims, coords, dtypes, PyMC's attribute and
sample-stat names, and NetCDF files laid out as ArviZ lays them out (one netCDF group per group).

Most tests build the engine's dict by hand (its documented form), so the expected dims and values
are known independently; one test runs the sampler to check the real dict converts the same way.
"""

from __future__ import annotations

import numpy as np
import pytest

from hypatia import _core
from hypatia.inference_data import InferenceData, from_netcdf, raw_to_datasets, to_inference_data

SCHOOLS = ["Choate", "Deerfield", "Phillips Andover"]


def hand_made_raw(rng, chains: int = 2, draws: int = 50) -> dict:
    """A dict shaped as _core.sample returns it, with known values."""
    def draws_of(*shape):
        return rng.normal(size=(chains, draws, *shape))

    stats = [
        {"name": "lp", "values": draws_of(), "dims": []},
        {"name": "step_size", "values": np.full((chains, draws), 0.3), "dims": []},
        {"name": "tree_depth", "values": rng.integers(1, 6, size=(chains, draws)), "dims": []},
        {"name": "diverging", "values": np.zeros((chains, draws), dtype=bool), "dims": []},
    ]
    stats[3]["values"][0, 7] = True
    return {
        "chains": chains, "draws": draws,
        "coords": {"school": SCHOOLS},
        "attributes": {"sampler": "nuts", "max_tree_depth": "4", "tune": "500",
                       "sampling_time_seconds": "1.25", "created_at": "2026-12-05T00:00:00Z"},
        "groups": {
            "sample_stats": {"attributes": {}, "variables": stats},
            "posterior": {"attributes": {}, "variables": [
                {"name": "mu", "values": draws_of(), "dims": []},
                {"name": "theta", "values": draws_of(3), "dims": ["school"]},
                {"name": "L", "values": draws_of(2, 3), "dims": []},
            ]},
            "observed_data": {"attributes": {}, "variables": [
                {"name": "y", "values": np.array([28.0, 8.0, -3.0]), "dims": ["school"]}]},
            "constant_data": {"attributes": {}, "variables": []},
        },
    }


@pytest.fixture
def no_arviz(monkeypatch):
    """Hypatia's own InferenceData, as on CI where ArviZ is not installed."""
    monkeypatch.setenv("HYPATIA_NO_ARVIZ", "1")


@pytest.fixture
def raw(rng):
    return hand_made_raw(rng)


def test_groups_follow_arviz_order_and_empty_groups_are_dropped(raw, no_arviz):
    idata = to_inference_data(raw)
    assert isinstance(idata, InferenceData)
    assert idata.groups() == ["posterior", "sample_stats", "observed_data"]
    assert "posterior" in idata and "constant_data" not in idata
    assert idata["posterior"] is idata.posterior


def test_dims_and_coords_as_pymc_names_them(raw, no_arviz):
    posterior = to_inference_data(raw).posterior
    assert posterior["mu"].dims == ("chain", "draw")
    assert posterior["theta"].dims == ("chain", "draw", "school")
    assert posterior["L"].dims == ("chain", "draw", "L_dim_0", "L_dim_1")
    assert list(posterior["school"].values) == SCHOOLS
    np.testing.assert_array_equal(posterior["chain"].values, [0, 1])
    np.testing.assert_array_equal(posterior["draw"].values, np.arange(50))
    np.testing.assert_array_equal(posterior["L_dim_1"].values, [0, 1, 2])
    source = raw["groups"]["posterior"]["variables"][1]["values"]
    np.testing.assert_array_equal(posterior["theta"].values, source)


def test_observed_data_has_no_chain_or_draw(raw, no_arviz):
    observed = to_inference_data(raw).observed_data
    assert observed["y"].dims == ("school",)
    np.testing.assert_array_equal(observed["y"].values, [28.0, 8.0, -3.0])


def test_sample_stats_dtypes_and_derived_pymc_stats(raw, no_arviz):
    stats = to_inference_data(raw).sample_stats
    assert stats["diverging"].dtype == bool
    assert int(stats["diverging"].sum()) == 1
    assert stats["tree_depth"].dtype.kind == "i"
    depth = raw["groups"]["sample_stats"]["variables"][2]["values"]
    np.testing.assert_array_equal(stats["reached_max_treedepth"].values, depth >= 4)
    np.testing.assert_array_equal(stats["step_size_bar"].values, stats["step_size"].values)
    for invented in ("perf_counter_diff", "process_time_diff"):
        assert invented not in stats  # the engine does not record them


def test_integer_diverging_from_an_older_dict_becomes_bool(raw, no_arviz):
    raw["groups"]["sample_stats"]["variables"][3]["values"] = np.array([[0, 1] * 25] * 2)
    assert to_inference_data(raw).sample_stats["diverging"].dtype == bool


def test_attributes_named_as_pymc_names_them(raw, no_arviz):
    idata = to_inference_data(raw)
    for group in idata.groups():
        attrs = idata[group].attrs
        assert attrs["inference_library"] == "hypatia"
        assert attrs["created_at"] == "2026-12-05T00:00:00Z"
        assert "inference_library_version" in attrs
    assert idata.posterior.attrs["sampling_time"] == pytest.approx(1.25)
    assert idata.sample_stats.attrs["tuning_steps"] == 500
    assert "sampling_time" not in idata.observed_data.attrs


def test_whole_number_labels_from_the_engine_become_integers(raw, no_arviz):
    raw["coords"]["school"] = [0.0, 1.0, 2.0]  # the engine stores numeric labels as doubles
    theta = to_inference_data(raw).posterior["theta"]
    assert theta["school"].dtype.kind == "i"
    raw["coords"]["school"] = [0.5, 1.0, 2.0]
    assert to_inference_data(raw).posterior["theta"]["school"].dtype.kind == "f"


def test_an_interrupted_run_keeps_the_names_of_its_chains(raw, no_arviz):
    raw["coords"]["chain"] = [0, 3]  # the engine kept chains 0 and 3 of four
    idata = to_inference_data(raw)
    np.testing.assert_array_equal(idata.posterior["chain"].values, [0, 3])
    np.testing.assert_array_equal(idata.sample_stats["chain"].values, [0, 3])


def test_extra_coords_override_and_wrong_lengths_are_refused(raw, no_arviz):
    idata = to_inference_data(raw, extra_coords={"school": ["a", "b", "c"]})
    assert list(idata.posterior["school"].values) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="school"):
        to_inference_data(raw, extra_coords={"school": ["a", "b"]})


def test_extend_add_groups_and_sel(raw, rng, no_arviz):
    idata = to_inference_data(raw)
    predictive = rng.normal(size=(2, 50, 3))
    idata.add_groups({"posterior_predictive": {"y": predictive}}, dims={"y": ["school"]})
    assert idata.groups().index("posterior_predictive") == 1  # ArviZ's order
    assert idata.posterior_predictive["y"].dims == ("chain", "draw", "school")
    with pytest.raises(ValueError, match="already exists"):
        idata.add_groups(posterior_predictive={"y": predictive})

    other = InferenceData(prior=idata.posterior.isel(chain=[0]), posterior=idata.posterior * 0)
    idata.extend(other)
    assert "prior" in idata
    assert float(abs(idata.posterior["mu"]).sum()) > 0  # join="left" kept ours

    later = idata.sel(draw=slice(40, None))
    assert later.posterior.sizes["draw"] == 10
    assert later.observed_data.sizes["school"] == 3
    assert idata.posterior.sizes["draw"] == 50


def test_group_assignment_and_repr(raw, no_arviz):
    idata = to_inference_data(raw)
    idata.posterior = idata.posterior[["mu"]]
    assert list(idata.posterior.data_vars) == ["mu"]
    text = repr(idata)
    assert "posterior" in text and "sample_stats" in text and "chain: 2" in text
    with pytest.raises(AttributeError, match="prior"):
        idata.prior


def test_netcdf_groups_read_back_with_xarray(raw, tmp_path, no_arviz):
    import netCDF4
    import xarray as xr

    idata = to_inference_data(raw)
    path = str(tmp_path / "trace.nc")
    idata.to_netcdf(path)
    with netCDF4.Dataset(path) as handle:
        assert list(handle.groups) == idata.groups()
    with xr.open_dataset(path, group="posterior", engine="netcdf4") as posterior:
        np.testing.assert_array_equal(posterior["theta"].values, idata.posterior["theta"].values)
        assert list(posterior["school"].values) == SCHOOLS
    with xr.open_dataset(path, group="sample_stats", engine="netcdf4") as stats:
        assert stats["diverging"].dtype == bool
    back = from_netcdf(path)
    assert back == idata


def test_netcdf_file_is_read_by_arviz(raw, tmp_path, monkeypatch):
    arviz = pytest.importorskip("arviz")
    monkeypatch.setenv("HYPATIA_NO_ARVIZ", "1")
    path = str(tmp_path / "trace.nc")
    to_inference_data(raw).to_netcdf(path)
    read = arviz.from_netcdf(path)
    assert read.groups() == ["posterior", "sample_stats", "observed_data"]
    np.testing.assert_array_equal(read.posterior["L"].values,
                                  raw["groups"]["posterior"]["variables"][2]["values"])
    # ...and the other way round: ArviZ's file read by Hypatia's class.
    arviz_path = str(tmp_path / "arviz.nc")
    read.to_netcdf(arviz_path)
    ours = InferenceData.from_netcdf(arviz_path)
    assert ours.groups() == read.groups()
    assert ours.sample_stats["diverging"].dtype == bool


def test_arviz_inference_data_when_arviz_is_installed(raw, monkeypatch):
    arviz = pytest.importorskip("arviz")
    monkeypatch.delenv("HYPATIA_NO_ARVIZ", raising=False)
    idata = to_inference_data(raw)
    assert isinstance(idata, arviz.InferenceData)
    assert idata.posterior["theta"].dims == ("chain", "draw", "school")
    assert idata.sample_stats["diverging"].dtype == bool


def test_sampled_dict_converts(no_arviz):
    model = _core.Model()
    model.add_coord("school", SCHOOLS)
    mu = model.rv("mu", _core.Normal(_core.float_scalar(0), _core.float_scalar(5)), None, [],
                  None, False)
    theta = model.rv("theta", _core.Normal(mu, _core.float_scalar(2)), [3], ["school"], None,
                     False)
    model.observe("y", _core.Normal(theta, _core.float_scalar(10)), np.array([1.0, 2.0, 3.0]),
                  ["school"])
    raw = _core.sample(model, "nuts", 100, 100, 2, 1, 3, 0.8, 10, "diagonal", 0, False, True, [],
                       2.0, "native", False)
    datasets = raw_to_datasets(raw)
    assert list(datasets) == ["posterior", "log_likelihood", "sample_stats", "observed_data"]
    assert datasets["posterior"]["theta"].dims == ("chain", "draw", "school")
    assert datasets["log_likelihood"]["y"].dims == ("chain", "draw", "school")
    stats = datasets["sample_stats"]
    assert stats["diverging"].dtype == bool
    assert stats.sizes["chain"] == 2 and stats.sizes["draw"] == 100
    np.testing.assert_array_equal(stats["reached_max_treedepth"].values,
                                  stats["tree_depth"].values >= 10)
    assert datasets["posterior"].attrs["tuning_steps"] == 100
    assert datasets["posterior"].attrs["sampling_time"] > 0
