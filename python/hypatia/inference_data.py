"""Results as ArviZ users expect them.

``to_inference_data`` turns the engine's plain dict (``_core.sample`` and friends) into an
``arviz.InferenceData`` when ArviZ is installed, and otherwise into Hypatia's own
``InferenceData``: the same groups of xarray Datasets, the same names, dims, coords and attributes,
and the same NetCDF layout (one netCDF group per InferenceData group), so files written by either
are read by either. xarray is imported only when a result is converted.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Iterator, Mapping, Optional, Sequence

import numpy as np

# ArviZ's order of groups; other groups follow in the order they came.
GROUP_ORDER = (
    "posterior", "posterior_predictive", "predictions", "log_likelihood", "log_prior",
    "sample_stats", "prior", "prior_predictive", "sample_stats_prior", "observed_data",
    "constant_data", "predictions_constant_data", "unconstrained_posterior",
    "unconstrained_prior", "warmup_posterior", "warmup_posterior_predictive",
    "warmup_predictions", "warmup_sample_stats", "warmup_log_likelihood", "warmup_log_prior",
)
# Groups without chain and draw axes.
DATA_GROUPS = frozenset({"observed_data", "constant_data", "predictions_constant_data"})
# Groups that carry the sampling time and the number of tuning steps, as PyMC's do.
_SAMPLED_RUN_GROUPS = frozenset({"posterior", "sample_stats", "warmup_posterior",
                                 "warmup_sample_stats"})
# Engine attributes renamed or reshaped on the way out; the rest are kept as they are.
_ENGINE_TIME_KEYS = ("sampling_time", "sampling_time_seconds")
_ENGINE_TUNE_KEYS = ("tuning_steps", "tune")


def _arviz() -> Any:
    """ArviZ when importable (it is optional: not a Debian package), else None."""
    if os.environ.get("HYPATIA_NO_ARVIZ"):
        return None
    try:
        import arviz
    except ImportError:
        return None
    return arviz


def _hypatia_version() -> str:
    from hypatia import __version__

    return __version__


# ---------------------------------------------------------------- raw dict -> xarray Datasets


def _default_dims(name: str, ndim: int) -> list[str]:
    # PyMC/ArviZ name unnamed axes "<var>_dim_<k>".
    return [f"{name}_dim_{k}" for k in range(ndim)]


def _variable_dims(name: str, given: Sequence[str], ndim: int) -> list[str]:
    """The variable's own dims: the names given, then defaults for axes left unnamed."""
    dims = [d for d in (given or []) if d]
    if len(dims) > ndim:
        raise ValueError(f"variable {name!r} has {ndim} axes but {len(dims)} dims {dims}")
    return dims + _default_dims(name, ndim)[len(dims):]


def _coord_for(dim: str, size: int, coords: Mapping[str, Sequence], where: str) -> np.ndarray:
    """Labels of one named dim: the model's coordinate, else 0..size-1 as ArviZ uses."""
    labels = coords.get(dim)
    if labels is None:
        return np.arange(size)
    labels = np.asarray(list(labels))
    if len(labels) != size:
        raise ValueError(f"{where}: dim {dim!r} has length {size} but its coordinate has "
                         f"{len(labels)} labels")
    return labels


def _integral_as_int(labels: np.ndarray) -> np.ndarray:
    # The engine keeps numeric labels as doubles; coords=np.arange(n) should still label rows
    # "theta[0]" as ArviZ does, not "theta[0.0]". (Labels passed as extra_coords are used as
    # given.)
    if labels.dtype.kind == "f" and labels.size and np.all(np.isfinite(labels)) and np.all(
            labels == np.round(labels)):
        return labels.astype(np.int64)
    return labels


def _chain_coord(raw: Mapping[str, Any], chains: int) -> np.ndarray:
    # An interrupted run keeps a block of chains and names them in a "chain" coordinate.
    labels = raw.get("coords", {}).get("chain")
    if labels is not None and len(labels) == chains:
        return np.asarray([int(c) for c in labels])
    return np.arange(chains)


def _values(group: str, name: str, values: Any) -> np.ndarray:
    array = np.asarray(values)
    if name == "diverging" and group.startswith("sample_stats"):
        array = array.astype(bool)  # ArviZ plots and PyMC's checks expect booleans
    return array


def _group_dataset(raw: Mapping[str, Any], group: str, entry: Mapping[str, Any],
                   coords: Mapping[str, Sequence], attrs: Mapping[str, Any]) -> Any:
    import xarray as xr

    sampled = group not in DATA_GROUPS
    data_vars: dict[str, Any] = {}
    dataset_coords: dict[str, np.ndarray] = {}
    for variable in entry.get("variables", []):
        name = variable["name"]
        values = _values(group, name, variable["values"])
        lead = 2 if sampled else 0
        if values.ndim < lead:
            raise ValueError(f"{group}/{name}: expected (chain, draw, ...) values, got shape "
                             f"{values.shape}")
        own = _variable_dims(name, variable.get("dims", []), values.ndim - lead)
        dims = (["chain", "draw"] if sampled else []) + own
        for axis, dim in enumerate(dims):
            if dim not in dataset_coords:
                size = values.shape[axis]
                if dim == "chain":
                    dataset_coords[dim] = _chain_coord(raw, size)
                elif dim == "draw":
                    dataset_coords[dim] = np.arange(size)
                else:
                    dataset_coords[dim] = _coord_for(dim, size, coords, f"{group}/{name}")
        data_vars[name] = (dims, values)
    return xr.Dataset(data_vars, coords=dataset_coords, attrs=dict(attrs))


def _base_attrs(raw_attrs: Mapping[str, str]) -> dict[str, Any]:
    """Attributes every group carries, named as PyMC names them."""
    created = raw_attrs.get("created_at") or datetime.datetime.now(
        datetime.timezone.utc).isoformat()
    attrs: dict[str, Any] = {"created_at": created}
    arviz = _arviz()
    if arviz is not None:
        attrs["arviz_version"] = arviz.__version__
    attrs["inference_library"] = "hypatia"
    attrs["inference_library_version"] = _hypatia_version()
    return attrs


def _first_number(raw_attrs: Mapping[str, str], keys: Sequence[str], kind: type) -> Any:
    for key in keys:
        if key in raw_attrs:
            try:
                return kind(float(raw_attrs[key]))
            except ValueError:
                return None
    return None


def _run_attrs(raw_attrs: Mapping[str, str]) -> dict[str, Any]:
    """The sampled groups' extra attributes: PyMC's sampling_time and tuning_steps, then the
    engine's settings (sampler, seed, ...) as they came."""
    attrs: dict[str, Any] = {}
    seconds = _first_number(raw_attrs, _ENGINE_TIME_KEYS, float)
    if seconds is not None:
        attrs["sampling_time"] = seconds
    tune = _first_number(raw_attrs, _ENGINE_TUNE_KEYS, int)
    if tune is not None:
        attrs["tuning_steps"] = tune
    skip = {"created_at", *_ENGINE_TIME_KEYS, *_ENGINE_TUNE_KEYS}
    attrs.update({k: v for k, v in raw_attrs.items() if k not in skip})
    return attrs


def _pymc_sample_stats(dataset: Any, raw_attrs: Mapping[str, str], warmup: bool = False) -> Any:
    """Adds the sample statistics PyMC has that follow exactly from what the engine recorded.

    reached_max_treedepth: a trajectory that used every allowed doubling (Stan's count; PyMC's
    also excludes one whose last doubling ended in a U-turn, which the engine does not record).
    step_size_bar: the engine records it (the dual average during warm-up); for a dict without
    it, after warm-up PyMC samples with the averaged step size, so for the kept draws it equals
    step_size. Values the engine does not record (perf_counter_*, ...) are left out rather than
    made up.
    """
    if "tree_depth" in dataset and "max_tree_depth" in raw_attrs:
        limit = int(float(raw_attrs["max_tree_depth"]))
        dataset["reached_max_treedepth"] = dataset["tree_depth"] >= limit
    if "step_size" in dataset and "step_size_bar" not in dataset and not warmup:
        dataset["step_size_bar"] = dataset["step_size"]
    return dataset


def _ordered(groups: Mapping[str, Any]) -> dict[str, Any]:
    known = [g for g in GROUP_ORDER if g in groups]
    return {g: groups[g] for g in known + [g for g in groups if g not in GROUP_ORDER]}


def _without_internal_data(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    """The group without the engine's own data (minibatch index tables), which users never named."""
    from hypatia.minibatch import INDEX_PREFIX

    variables = [v for v in entry.get("variables", []) if not str(v.get("name", "")).startswith(INDEX_PREFIX)]
    return {**entry, "variables": variables}


def raw_to_datasets(raw: Mapping[str, Any], *,
                    extra_coords: Optional[Mapping[str, Sequence]] = None) -> dict[str, Any]:
    """The engine's dict as {group: xarray.Dataset}, in ArviZ's group order."""
    engine_coords = {dim: _integral_as_int(np.asarray(list(labels)))
                     for dim, labels in raw.get("coords", {}).items()}
    coords = {**engine_coords, **(extra_coords or {})}
    raw_attrs = {str(k): str(v) for k, v in raw.get("attributes", {}).items()}
    base = _base_attrs(raw_attrs)
    run = _run_attrs(raw_attrs)
    datasets = {}
    for group, entry in raw.get("groups", {}).items():
        if group in DATA_GROUPS:
            entry = _without_internal_data(entry)
        if not entry.get("variables"):
            continue  # as ArviZ and PyMC do: no empty constant_data group
        attrs = {**base, **(run if group in _SAMPLED_RUN_GROUPS else {}),
                 **entry.get("attributes", {})}
        dataset = _group_dataset(raw, group, entry, coords, attrs)
        if group in ("sample_stats", "warmup_sample_stats") and raw_attrs.get(
                "sampler", "nuts") == "nuts":
            dataset = _pymc_sample_stats(dataset, raw_attrs, warmup=group != "sample_stats")
        datasets[group] = dataset
    return _ordered(datasets)


def to_inference_data(raw: Mapping[str, Any], *,
                      extra_coords: Optional[Mapping[str, Sequence]] = None) -> Any:
    """An ``arviz.InferenceData`` when ArviZ is installed, else Hypatia's ``InferenceData``.

    extra_coords: labels for named dims (``idata_kwargs={"coords": ...}``), overriding the model's.
    """
    datasets = raw_to_datasets(raw, extra_coords=extra_coords)
    arviz = _arviz()
    if arviz is not None:
        return arviz.InferenceData(**datasets)
    return InferenceData(**datasets)


# ---------------------------------------------------------------- Datasets -> raw dict


def _is_sampled(group: str, dataset: Any) -> bool:
    return group not in DATA_GROUPS and "chain" in dataset.dims and "draw" in dataset.dims


def to_raw(idata: Any, groups: Optional[Sequence[str]] = None) -> dict[str, Any]:
    """The engine's dict form of an InferenceData of either kind (for ``_core.summary`` and the
    predictive samplers). Values become float64; named dims keep their labels."""
    names = list(groups) if groups is not None else list(idata.groups())
    return datasets_to_raw({group: idata[group] for group in names})


def datasets_to_raw(datasets: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's dict form of {group: xarray.Dataset}."""
    out_groups: dict[str, Any] = {}
    coords: dict[str, list] = {}
    chains = draws = warmup_draws = 0
    for group, dataset in datasets.items():
        variables = []
        sampled = _is_sampled(group, dataset)
        for name, array in dataset.data_vars.items():
            if sampled:
                array = array.transpose("chain", "draw", ...)
                chains = chains or array.sizes["chain"]
                if group.startswith("warmup_"):
                    warmup_draws = warmup_draws or array.sizes["draw"]
                else:
                    draws = draws or array.sizes["draw"]
            own = [d for d in array.dims if d not in ("chain", "draw")]
            for dim in own:
                if dim in dataset.coords and dim not in coords:
                    coords[dim] = dataset.coords[dim].values.tolist()
            variables.append({"name": str(name), "values": np.asarray(array.values, dtype=float),
                              "dims": [str(d) for d in own]})
        attrs = {str(k): str(v) for k, v in dataset.attrs.items()}
        out_groups[group] = {"attributes": attrs, "variables": variables}
    return {"chains": int(chains), "draws": int(draws), "warmup_draws": int(warmup_draws),
            "coords": coords, "attributes": {}, "groups": out_groups}


# ---------------------------------------------------------------- Hypatia's InferenceData


class InferenceData:
    """Groups of xarray Datasets, for when ArviZ is not installed.

    Holds the part of ``arviz.InferenceData`` scripts touch: ``idata.posterior``,
    ``idata["sample_stats"]``, ``"posterior" in idata``, ``groups()``, ``extend``,
    ``add_groups``, ``sel``, ``to_netcdf`` and ``from_netcdf`` (ArviZ's file layout).
    """

    def __init__(self, **groups: Any) -> None:
        object.__setattr__(self, "_groups", {})
        for name, dataset in _ordered(groups).items():
            self._groups[name] = _as_dataset(dataset, name)

    # group access
    def groups(self) -> list[str]:
        return list(self._groups)

    def __getattr__(self, name: str) -> Any:
        groups = object.__getattribute__(self, "_groups")
        if name in groups:
            return groups[name]
        raise AttributeError(f"InferenceData has no group {name!r} (groups: {list(groups)})")

    def __setattr__(self, name: str, value: Any) -> None:
        # idata.posterior = idata.posterior[["mu"]] replaces a group, as in ArviZ.
        self._groups[name] = _as_dataset(value, name)

    def __delattr__(self, name: str) -> None:
        del self._groups[name]

    def __getitem__(self, name: str) -> Any:
        return self._groups[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._groups[name] = _as_dataset(value, name)

    def __delitem__(self, name: str) -> None:
        del self._groups[name]

    def __contains__(self, name: object) -> bool:
        return name in self._groups

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def items(self):
        return self._groups.items()

    def values(self):
        return self._groups.values()

    def __dir__(self) -> list[str]:
        return list(super().__dir__()) + list(self._groups)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InferenceData):
            return NotImplemented
        return self.groups() == other.groups() and all(
            self[g].identical(other[g]) for g in self.groups())

    # combining
    def extend(self, other: Any, join: str = "left") -> None:
        """Adds other's groups; for a group in both, join="left" keeps this one's."""
        if join not in ("left", "right"):
            raise ValueError(f"extend(join={join!r}): expected 'left' or 'right'")
        for group in other.groups():
            if group not in self._groups or join == "right":
                self._groups[group] = other[group]
        object.__setattr__(self, "_groups", _ordered(self._groups))

    def add_groups(self, group_dict: Optional[Mapping[str, Any]] = None,
                   coords: Optional[Mapping[str, Sequence]] = None,
                   dims: Optional[Mapping[str, Sequence[str]]] = None, **kwargs: Any) -> None:
        """New groups from Datasets or from {name: array} dicts (arrays (chain, draw, ...))."""
        new = {**(group_dict or {}), **kwargs}
        for group, value in new.items():
            if group in self._groups:
                raise ValueError(f"add_groups: group {group!r} already exists")
            self._groups[group] = _as_dataset(value, group, coords, dims)
        object.__setattr__(self, "_groups", _ordered(self._groups))

    def copy(self) -> "InferenceData":
        return InferenceData(**{g: d.copy() for g, d in self._groups.items()})

    def sel(self, groups: Optional[Sequence[str]] = None, inplace: bool = False,
            **indexers: Any) -> Optional["InferenceData"]:
        """Selects along dims (e.g. draw=slice(500, None)) in every group that has them."""
        chosen = self._groups if groups is None else {g: self._groups[g] for g in groups}
        result = self if inplace else self.copy()
        for group, dataset in chosen.items():
            valid = {k: v for k, v in indexers.items() if k in dataset.dims}
            result._groups[group] = dataset.sel(**valid)
        return None if inplace else result

    # files
    def to_netcdf(self, filename: str, compress: bool = True,
                  groups: Optional[Sequence[str]] = None, engine: str = "netcdf4") -> str:
        """Writes each group as a netCDF group of one file, as ArviZ does."""
        mode = "w"
        for group in groups if groups is not None else self.groups():
            dataset = self._groups[group]
            encoding = ({name: {"zlib": True} for name, var in dataset.variables.items()
                         if _compressible(var)} if compress and engine == "netcdf4" else None)
            dataset.to_netcdf(filename, mode=mode, group=group, engine=engine,
                              encoding=encoding)
            mode = "a"
        if mode == "w":  # no groups: still leave a valid, empty file
            import netCDF4

            netCDF4.Dataset(filename, mode="w").close()
        return filename

    @classmethod
    def from_netcdf(cls, filename: str, group_kwargs: Optional[Mapping] = None) -> "InferenceData":
        """Reads every netCDF group of the file as a group (ArviZ's layout)."""
        import netCDF4
        import xarray as xr

        with netCDF4.Dataset(filename, mode="r") as handle:
            names = list(handle.groups)
        groups = {}
        for name in names:
            options = dict((group_kwargs or {}).get(name, {}))
            with xr.open_dataset(filename, group=name, engine="netcdf4", **options) as dataset:
                groups[name] = dataset.load()  # read now: the file is closed on leaving
        return cls(**groups)

    # display
    def __repr__(self) -> str:
        lines = ["Inference data with groups:"]
        for group, dataset in self._groups.items():
            sizes = ", ".join(f"{d}: {n}" for d, n in dataset.sizes.items())
            names = ", ".join(str(v) for v in dataset.data_vars)
            lines.append(f"\t> {group}  ({sizes})  [{names}]")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        parts = ["<div><b>InferenceData</b><ul>"]
        for group, dataset in self._groups.items():
            parts.append(f"<li><details><summary>{html.escape(group)}</summary>"
                         f"{dataset._repr_html_()}</details></li>")
        parts.append("</ul></div>")
        return "".join(parts)


def _compressible(variable: Any) -> bool:
    return variable.dtype.kind in "biuf" and variable.ndim > 0


def _as_dataset(value: Any, group: str, coords: Optional[Mapping] = None,
                dims: Optional[Mapping] = None) -> Any:
    """A group's Dataset from a Dataset, or from {name: DataArray or array}."""
    import xarray as xr

    if isinstance(value, xr.Dataset):
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"group {group!r}: expected an xarray Dataset or a dict of arrays, got "
                        f"{type(value).__name__}")
    variables = []
    for name, array in value.items():
        if isinstance(array, xr.DataArray):
            variables.append({"name": name, "values": array.values,
                              "dims": [d for d in array.dims if d not in ("chain", "draw")]})
        else:
            variables.append({"name": name, "values": np.asarray(array),
                              "dims": list((dims or {}).get(name, []))})
    raw = {"groups": {group: {"variables": variables}}}
    return _group_dataset(raw, group, raw["groups"][group], dict(coords or {}), {})


def from_netcdf(filename: str, group_kwargs: Optional[Mapping] = None) -> Any:
    """Reads a file written by ``to_netcdf`` (Hypatia's or ArviZ's): ArviZ's InferenceData when
    ArviZ is installed, else Hypatia's."""
    arviz = _arviz()
    if arviz is not None:
        return arviz.from_netcdf(filename, group_kwargs=group_kwargs)
    return InferenceData.from_netcdf(filename, group_kwargs=group_kwargs)
