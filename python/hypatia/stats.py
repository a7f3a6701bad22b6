"""``az.summary`` and PyMC's post-sampling convergence checks, computed by the engine.

The numbers (mean, sd, HDI, MCSE, bulk/tail ESS, rank-normalized split R-hat) come from the C++
diagnostics (``_core.summary``, checked against R's posterior package); this module selects
variables, labels rows as ArviZ does ("theta[Choate]", "x[0, 1]") and rounds like ArviZ.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Iterator, Optional, Sequence, Union

import numpy as np

from hypatia import _core

STATS_COLUMNS = ("mean", "sd")  # followed by the two HDI columns
DIAGNOSTIC_COLUMNS = ("mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat")
DEFAULT_HDI_PROB = 0.94

_log = logging.getLogger("hypatia.stats")


# ---------------------------------------------------------------- selecting and labelling


def _as_idata(data: Any) -> Any:
    """An InferenceData of either kind from what az.summary accepts here."""
    import xarray as xr

    from hypatia.inference_data import InferenceData, to_inference_data

    if isinstance(data, dict) and "groups" in data:  # the engine's raw dict
        return to_inference_data(data)
    if isinstance(data, xr.Dataset):
        return InferenceData(posterior=data)
    if hasattr(data, "groups") and callable(data.groups):
        return data
    raise TypeError(f"expected an InferenceData or an xarray Dataset, got {type(data).__name__}")


def _default_group(idata: Any) -> str:
    return "posterior" if "posterior" in idata else idata.groups()[0]


def select_var_names(available: Sequence[str], var_names: Union[str, Sequence[str], None],
                     filter_vars: Optional[str] = None) -> list[str]:
    """ArviZ's var_names rules: exact names, "~name" to exclude, or filter_vars="like"/"regex"."""
    if var_names is None:
        return list(available)
    wanted = [var_names] if isinstance(var_names, str) else list(var_names)
    excluded = all(name.startswith("~") for name in wanted)
    patterns = [name[1:] if excluded else name for name in wanted]

    def matches(name: str, pattern: str) -> bool:
        if filter_vars == "like":
            return pattern in name
        if filter_vars == "regex":
            return re.search(pattern, name) is not None
        if filter_vars is None:
            return name == pattern
        raise ValueError(f"filter_vars={filter_vars!r}: expected None, 'like' or 'regex'")

    if excluded:
        return [n for n in available if not any(matches(n, p) for p in patterns)]
    if filter_vars is None:
        missing = [p for p in patterns if p not in available]
        if missing:
            raise KeyError(f"var names {missing} are not in the data ({list(available)})")
        return patterns
    return [n for n in available if any(matches(n, p) for p in patterns)]


def _labels(name: str, array: Any) -> Iterator[str]:
    """Row labels in C order of the variable's own axes, as ArviZ writes them."""
    own = [d for d in array.dims if d not in ("chain", "draw")]
    if not own:
        yield name
        return
    axes = [array.coords[d].values if d in array.coords else np.arange(array.sizes[d])
            for d in own]
    for index in np.ndindex(*[len(a) for a in axes]):
        yield f"{name}[{', '.join(str(axis[i]) for axis, i in zip(axes, index))}]"


def _hdi_columns(hdi_prob: float) -> tuple[str, str]:
    return (f"hdi_{100 * (1 - hdi_prob) / 2:g}%", f"hdi_{100 * (1 + hdi_prob) / 2:g}%")


def _rows(data: Any, var_names: Any, filter_vars: Optional[str], group: Optional[str],
          hdi_prob: float, coords: Optional[dict] = None) -> tuple[list[str], dict[str, Any], Any]:
    """The engine's summary of the selected variables, with ArviZ's row labels."""
    from hypatia.inference_data import datasets_to_raw

    idata = _as_idata(data)
    group = group or _default_group(idata)
    dataset = idata[group]
    names = select_var_names([str(v) for v in dataset.data_vars], var_names, filter_vars)
    selected = dataset[names]
    if coords:
        selected = selected.sel(coords)  # a single label drops its dim, as in ArviZ
    table = _core.summary(datasets_to_raw({group: selected}), group, float(hdi_prob))
    labels = [label for name in names for label in _labels(name, selected[name])]
    if len(labels) != len(table["names"]):
        raise RuntimeError(f"internal: {len(table['names'])} summary rows for {len(labels)} labels")
    return labels, table, selected


# ---------------------------------------------------------------- az.summary


def summary(data: Any, var_names: Any = None, filter_vars: Optional[str] = None,
            group: Optional[str] = None, fmt: str = "wide", kind: str = "all",
            round_to: Any = None, hdi_prob: Optional[float] = None, coords: Optional[dict] = None,
            **unsupported: Any) -> Any:
    """A pandas DataFrame like ``az.summary``: one row per scalar element, columns mean, sd,
    hdi_3%, hdi_97%, mcse_mean, mcse_sd, ess_bulk, ess_tail, r_hat (kind="stats" or
    "diagnostics" keeps one half). round_to=None rounds as ArviZ does; "none" keeps all digits.
    coords selects labels, e.g. {"school": ["Choate"]}."""
    import pandas as pd

    if unsupported:
        raise TypeError(f"summary(): unsupported arguments {', '.join(sorted(unsupported))}")
    if fmt != "wide":
        raise NotImplementedError(f"summary(fmt={fmt!r}): Hypatia gives fmt='wide' only")
    if kind not in ("all", "stats", "diagnostics"):
        raise ValueError(f"summary(kind={kind!r}): expected 'all', 'stats' or 'diagnostics'")
    hdi_prob = DEFAULT_HDI_PROB if hdi_prob is None else float(hdi_prob)
    if not 0 < hdi_prob <= 1:
        raise ValueError("The value of hdi_prob should be in the interval (0, 1]")
    labels, table, _ = _rows(data, var_names, filter_vars, group, hdi_prob, coords)
    low, high = _hdi_columns(hdi_prob)
    columns = {"mean": table["mean"], "sd": table["sd"], low: table["hdi_lower"],
               high: table["hdi_upper"]}
    columns.update({c: table[c] for c in DIAGNOSTIC_COLUMNS})
    frame = pd.DataFrame({c: np.asarray(v, dtype=float) for c, v in columns.items()},
                         index=labels)
    if kind == "stats":
        frame = frame[[*STATS_COLUMNS, low, high]]
    elif kind == "diagnostics":
        frame = frame[list(DIAGNOSTIC_COLUMNS)]
    return _round(frame, round_to)


def _round(frame: Any, round_to: Any) -> Any:
    if isinstance(round_to, str) and round_to.lower() == "none":
        return frame
    if round_to is not None:
        return frame.round(int(round_to))
    # ArviZ's default: 3 decimals, 2 for r_hat, whole numbers for the ESS.
    decimals = {c: 2 if c == "r_hat" else 0 if c.startswith("ess_") else 3 for c in frame.columns}
    return frame.round(decimals)


# ---------------------------------------------------------------- az.rhat, ess, mcse, hdi


def _per_variable(data: Any, var_names: Any, column: str, hdi_prob: float = DEFAULT_HDI_PROB,
                  filter_vars: Optional[str] = None) -> Any:
    """One summary column as a Dataset of the variables' own shapes (as ArviZ returns)."""
    import xarray as xr

    _, table, selected = _rows(data, var_names, filter_vars, None, hdi_prob)
    values = np.asarray(table[column], dtype=float)
    out, start = {}, 0
    for name in selected.data_vars:
        array = selected[name].isel(chain=0, draw=0, drop=True)
        out[name] = xr.DataArray(values[start:start + array.size].reshape(array.shape),
                                 dims=array.dims, coords=array.coords)
        start += array.size
    return xr.Dataset(out)


def rhat(data: Any, var_names: Any = None, method: str = "rank", **kwargs: Any) -> Any:
    """Rank-normalized split R-hat per element (Vehtari et al. 2021), as ``az.rhat``."""
    if method != "rank":
        raise NotImplementedError(f"rhat(method={method!r}): Hypatia computes method='rank'")
    return _per_variable(data, var_names, "r_hat", **kwargs)


def ess(data: Any, var_names: Any = None, method: str = "bulk", **kwargs: Any) -> Any:
    """Bulk or tail effective sample size per element, as ``az.ess``."""
    if method not in ("bulk", "tail"):
        raise NotImplementedError(f"ess(method={method!r}): Hypatia computes 'bulk' and 'tail'")
    return _per_variable(data, var_names, f"ess_{method}", **kwargs)


def mcse(data: Any, var_names: Any = None, method: str = "mean", **kwargs: Any) -> Any:
    """Monte Carlo standard error of the mean or sd per element, as ``az.mcse``."""
    if method not in ("mean", "sd"):
        raise NotImplementedError(f"mcse(method={method!r}): Hypatia computes 'mean' and 'sd'")
    return _per_variable(data, var_names, f"mcse_{method}", **kwargs)


def hdi(data: Any, hdi_prob: Optional[float] = None, var_names: Any = None, **kwargs: Any) -> Any:
    """Highest density intervals with a trailing "hdi" dim (lower, higher), as ``az.hdi``."""
    import xarray as xr

    prob = DEFAULT_HDI_PROB if hdi_prob is None else float(hdi_prob)
    low = _per_variable(data, var_names, "hdi_lower", prob, **kwargs)
    high = _per_variable(data, var_names, "hdi_upper", prob, **kwargs)
    return xr.concat([low, high], dim="hdi").assign_coords(hdi=["lower", "higher"]).transpose(
        ..., "hdi")


# ---------------------------------------------------------------- PyMC's convergence checks

_RHAT_MESSAGE = ("The rhat statistic is larger than 1.01 for some parameters. This indicates "
                 "problems during sampling. See https://arxiv.org/abs/1903.08008 for details")
_ESS_MESSAGE = ("The effective sample size per chain is smaller than 100 for some parameters.  A "
                "higher number is needed for reliable rhat and ess computation. See "
                "https://arxiv.org/abs/1903.08008 for details")


def _divergence_checks(idata: Any) -> list[tuple[int, str]]:
    stats = idata["sample_stats"] if "sample_stats" in idata else None
    if stats is None or "diverging" not in stats:
        return []
    count = int(np.asarray(stats["diverging"].values, dtype=bool).sum())
    if count == 0:
        return []
    verb, noun = ("was", "divergence") if count == 1 else ("were", "divergences")
    return [(logging.ERROR, f"There {verb} {count} {noun} after tuning. Increase "
                            "`target_accept` or reparameterize.")]


def _treedepth_checks(idata: Any) -> list[tuple[int, str]]:
    stats = idata["sample_stats"] if "sample_stats" in idata else None
    if stats is None or "reached_max_treedepth" not in stats:
        return []
    reached = stats["reached_max_treedepth"].astype(float).mean("draw")
    return [(logging.WARNING, f"Chain {int(chain)} reached the maximum tree depth. Increase "
                              "`max_treedepth`, increase `target_accept` or reparameterize.")
            for chain, share in zip(reached["chain"].values, reached.values) if share > 0.05]


def _diagnostic_checks(idata: Any, var_names: Any) -> list[tuple[int, str]]:
    posterior = idata["posterior"]
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    if draws < 100:
        return [(logging.INFO, "The number of samples is too small to check convergence "
                               "reliably.")]
    if chains == 1:
        return [(logging.INFO, "Only one chain was sampled, this makes it impossible to run "
                               "some convergence checks")]
    checks = []
    if chains < 4:
        checks.append((logging.INFO, "We recommend running at least 4 chains for robust "
                                     "computation of convergence diagnostics"))
    _, table, _ = _rows(idata, var_names, None, "posterior", DEFAULT_HDI_PROB)
    # Constant elements (a fixed deterministic) have no R-hat or ESS: ignored, not alarming.
    r_hat = np.asarray(table["r_hat"], dtype=float)
    ess_bulk = np.asarray(table["ess_bulk"], dtype=float)
    if np.any(r_hat[np.isfinite(r_hat)] > 1.01):
        checks.append((logging.INFO, _RHAT_MESSAGE))
    if np.any(ess_bulk[np.isfinite(ess_bulk)] / chains < 100):
        checks.append((logging.ERROR, _ESS_MESSAGE))
    return checks


def convergence_checks(idata: Any, var_names: Any = None) -> list[tuple[int, str]]:
    """(logging level, message) pairs with PyMC's wording, thresholds and levels."""
    if "posterior" not in idata:
        return [(logging.INFO, "No posterior samples. Unable to run convergence checks")]
    return (_divergence_checks(idata) + _treedepth_checks(idata)
            + _diagnostic_checks(idata, var_names))


def convergence_warnings(idata: Any, var_names: Any = None) -> list[str]:
    """The messages PyMC logs after sampling: divergences, maximum tree depth, R-hat > 1.01,
    bulk ESS under 100 per chain (var_names: the variables to check; default all posterior)."""
    return [message for _, message in convergence_checks(idata, var_names)]


def emit(idata: Any, var_names: Any = None, logger: Optional[logging.Logger] = None) -> list[str]:
    """Runs the checks and logs each message at PyMC's level on the "hypatia" logger (divergences
    and low ESS as errors, tree depth as a warning, the rest as info); returns the messages."""
    logger = logger or _log
    checks = convergence_checks(idata, var_names)
    for level, message in checks:
        logger.log(level, message)
    return [message for _, message in checks]


def extract(data: Any, group: str = "posterior", sample_dims: Optional[Sequence[str]] = None,
            combined: bool = True, var_names: Any = None, filter_vars: Optional[str] = None,
            num_samples: Optional[int] = None, keep_dataset: bool = False, rng: Any = None) -> Any:
    """ArviZ's ``az.extract``: one group with chain and draw stacked into a "sample" dim (last),
    optionally a random subset of ``num_samples`` draws; a lone variable comes back as a
    DataArray unless ``keep_dataset``."""
    idata = _as_idata(data)
    if group not in idata.groups():
        raise KeyError(f"extract: the InferenceData has no {group!r} group ({idata.groups()})")
    dataset = idata[group]
    if var_names is not None:
        names = select_var_names(list(dataset.data_vars), var_names, filter_vars)
        dataset = dataset[names]
    dims = list(sample_dims or ("chain", "draw"))
    if combined:
        dataset = dataset.stack(sample=dims).transpose(..., "sample")
        if num_samples is not None:
            size = dataset.sizes["sample"]
            if num_samples > size:
                raise ValueError(f"extract: num_samples={num_samples} is more than the {size} draws")
            generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
                None if rng is None or rng is True else rng)
            dataset = dataset.isel(sample=generator.permutation(size)[:num_samples])
    elif num_samples is not None:
        raise ValueError("extract: num_samples needs combined=True")
    if len(dataset.data_vars) == 1 and not keep_dataset:
        return dataset[list(dataset.data_vars)[0]]
    return dataset


def __getattr__(name: str) -> Any:
    """PyMC's ``pm.stats`` re-exports ArviZ's statistics (loo, waic, compare, ...): those come
    from ArviZ when it is installed; without it, Hypatia's own PSIS-LOO, WAIC and compare."""
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        import arviz

        arviz_stats = getattr(arviz, "stats", None)
    except ImportError:
        arviz_stats = None
    if arviz_stats is not None and name in getattr(arviz_stats, "__all__", ()):
        return getattr(arviz_stats, name)
    if name in ("loo", "waic", "compare", "ELPDData"):
        from hypatia import model_comparison

        return getattr(model_comparison, name)
    if arviz_stats is None:
        raise AttributeError(f"hypatia.stats.{name}: not computed by Hypatia, and ArviZ (which "
                             "provides it in PyMC) is not installed")
    raise AttributeError(f"module 'hypatia.stats' has no attribute {name!r}")
