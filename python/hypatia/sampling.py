"""``pm.sample``, ``pm.sample_smc``, predictive sampling, ``pm.draw`` and ``pm.logp``.

Arguments are PyMC's; the work is done by the C++ engine (compiled log density, NUTS or SMC in
C++ threads with the GIL released). An argument Hypatia cannot honour is an error naming it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import warnings
from typing import Any, Optional, Sequence

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import DistributionVariable
from hypatia.model import Model, modelcontext
from hypatia.progress import progress_callback
from hypatia.step_methods import step_specs
from hypatia.tensor.variable import TensorVariable, as_tensor_variable

_log = logging.getLogger("hypatia")
if not _log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(message)s"))
    _log.addHandler(_handler)
    _log.setLevel(logging.INFO)

_said_nuts_sampler = False


def _seed(random_seed: Any) -> int:
    """One 63-bit seed from PyMC's random_seed spellings (None draws one from the OS)."""
    if random_seed is None:
        return int.from_bytes(os.urandom(8), "little") >> 1
    if isinstance(random_seed, (np.random.Generator, np.random.RandomState)):
        return int(random_seed.integers(2**63) if hasattr(random_seed, "integers") else
                   random_seed.randint(2**31))
    if isinstance(random_seed, (list, tuple, np.ndarray)):
        low, high = np.random.SeedSequence([int(s) for s in random_seed]).generate_state(2, np.uint32)
        return (int(low) | int(high) << 32) >> 1
    seed = int(random_seed)
    if seed < 0:
        raise ValueError(f"random_seed must be non-negative, got {seed}")
    return seed


def _default_cores() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def _refuse(what: str, why: str = "is not supported by Hypatia yet") -> None:
    raise NotImplementedError(f"pm.sample({what}): {why}")


def _init_points(model: Model, initvals, init: str, chains: int, seed: int = 0,
                 jitter_max_retries: int = 10):
    """Unconstrained starting points for the C++ sampler, and the jitter radius.

    Without initvals the engine draws each chain's start uniformly on (-1, 1). With initvals the
    starts are computed here; as in PyMC, the jittering inits add uniform(-1, 1) noise to them on
    the unconstrained scale (redrawn up to `jitter_max_retries` times while the log density is
    not finite there).
    """
    metric = "dense" if init in ("adapt_full", "jitter+adapt_full") else "diagonal"
    known = ("auto", "adapt_diag", "jitter+adapt_diag", "adapt_full", "jitter+adapt_full",
             "jitter+adapt_diag_grad", "advi+adapt_diag", "advi", "advi_map", "pathfinder")
    if init not in known:
        raise ValueError(f"pm.sample(init={init!r}): Hypatia supports {', '.join(known)}")
    jitter = init.startswith("jitter") or init == "auto"
    given = initvals if initvals is not None else {}
    per_chain = given if isinstance(given, (list, tuple)) else [given] * 1
    base = {**{k: v for k, v in model.rvs_to_initial_values.items()}}
    if not given and not base:
        return [] if jitter else [model._initial_flat().tolist()], 1.0, metric
    points = []
    for values in per_chain:
        merged = {**base, **{(k.name if isinstance(k, TensorVariable) else k): v
                             for k, v in (values or {}).items()}}
        x = model._unconstrain_given(np.zeros(len(model._initial_flat())), merged)
        points.append(x)
    if len(points) not in (1, chains):
        raise ValueError(f"initvals: give one dict or one per chain ({chains}), got {len(points)}")
    if jitter:
        rng = np.random.default_rng([seed, 0x1A17])
        compiled = model.compiled()
        continuous = np.ones(len(points[0]))  # discrete values are not jittered
        for block in model._blocks():
            if block["discrete"]:
                continuous[block["offset"]:block["offset"] + block["size"]] = 0
        jittered = []
        for chain in range(chains):
            x = points[chain % len(points)]
            for _ in range(max(int(jitter_max_retries), 0) + 1):
                candidate = x + continuous * rng.uniform(-1.0, 1.0, size=x.shape)
                value, grad = compiled.logp_grad(candidate)
                if np.isfinite(value) and np.all(np.isfinite(grad)):
                    break
            else:
                candidate = x  # no finite jittered point: start at the given one
            jittered.append(candidate)
        points = jittered
    # The engine ignores the radius when starting points are given, but wants it positive.
    return [p.tolist() for p in points], 1.0, metric


def _has_gradient_free_op(model) -> bool:
    """Whether the log density goes through a black-box op without a gradient: the variables
    behind it get a gradient-free step (Slice), as in PyMC, so the run is compound."""
    graph = model._cpp.log_density()
    return bool(_core.non_differentiable_user_ops([graph["logp"]], [graph["x"]]))


def sample(draws: int = 1000, *, tune: int = 1000, chains: Optional[int] = None,
           cores: Optional[int] = None, random_seed: Any = None, progressbar: bool = True,
           step=None, var_names: Optional[Sequence[str]] = None, nuts_sampler: str = "pymc",
           initvals=None, init: str = "auto", n_init: int = 200_000,
           discard_tuned_samples: bool = True, compute_convergence_checks: bool = True,
           return_inferencedata: bool = True, idata_kwargs: Optional[dict] = None,
           nuts_sampler_kwargs: Optional[dict] = None, model: Optional[Model] = None,
           target_accept: Optional[float] = None, max_treedepth: Optional[int] = None,
           nuts: Optional[dict] = None, jitter_max_retries: int = 10, keep_warning_stat: bool = False,
           callback=None, mp_ctx=None, blas_cores=None, compile_kwargs=None,
           progressbar_theme=None, trace=None, backend: str = "default",
           marginalize: Optional[Sequence[Any]] = None, threads_per_chain: Optional[int] = None,
           **kwargs):
    """Draws from the posterior with Hypatia's compiled NUTS (PyMC's arguments).

    threads_per_chain (Hypatia's own): threads each chain's log density and gradient use on large
    data; the draws do not depend on it. None: the cores divided among the chains, at least 1.
    """
    global _said_nuts_sampler
    context = modelcontext(model)
    model = context.root  # a child model samples the joint model of its tree
    model.sync_data()
    if kwargs:
        raise TypeError(f"pm.sample() got unexpected keyword arguments: {', '.join(sorted(kwargs))}")
    steps = step_specs(step)
    # Hypatia's sampling option, and what hypatia.marginalize(model, vars) recorded.
    marginalized = [context._full_name(getattr(v, "name", v)) for v in (marginalize or [])]
    marginalized += [name for name in getattr(model, "_marginalized", []) if name not in marginalized]
    if marginalized and (steps or init not in ("auto", "adapt_diag", "jitter+adapt_diag")):
        raise ValueError(f"pm.sample(): marginalized variables ({', '.join(marginalized)}) are summed "
                         "out for NUTS; step= and init= other than the default do not apply")
    if len(steps) == 1 and steps[0]["method"] == "NUTS" and not steps[0]["variables"]:
        # One NUTS for everything: its settings are the run's NUTS settings.
        settings = steps.pop()["settings"]
        target_accept = settings["target_accept"] if target_accept is None else target_accept
        max_treedepth = int(settings["max_treedepth"]) if max_treedepth is None else max_treedepth
    if callback is not None:
        _refuse("callback=...")
    if trace is not None:
        _refuse("trace=...")
    if nuts_sampler != "pymc" and not _said_nuts_sampler:
        _log.info(f"nuts_sampler={nuts_sampler!r}: Hypatia runs its own compiled NUTS for every choice")
        _said_nuts_sampler = True
    settings = {**(nuts or {}), **(nuts_sampler_kwargs or {})}
    target_accept = settings.pop("target_accept", target_accept if target_accept is not None else 0.8)
    max_treedepth = settings.pop("max_treedepth", max_treedepth if max_treedepth is not None else 10)
    if settings:
        raise TypeError(f"pm.sample(nuts=...): unknown NUTS settings {', '.join(sorted(settings))}")
    idata_kwargs = dict(idata_kwargs or {})
    log_likelihood = bool(idata_kwargs.pop("log_likelihood", False))
    _check_idata_kwargs(idata_kwargs)
    # As in PyMC, keeping the tuning draws also stores them in the InferenceData unless
    # idata_kwargs says otherwise. (PyMC stores nothing for save_warmup=True alone, since its
    # trace has lost the tuning draws by then; Hypatia keeps them for it.)
    save_warmup = bool(idata_kwargs.pop("save_warmup", not discard_tuned_samples))
    record_warmup = save_warmup or not discard_tuned_samples
    cores = _default_cores() if cores is None else int(cores)
    chains = max(cores, 2) if chains is None else int(chains)
    if int(draws) < 1 and return_inferencedata:
        raise ValueError(f"pm.sample(draws={draws}): need at least one draw")
    if not model.free_RVs:
        raise ValueError("pm.sample(): the model has no free random variables to sample")
    _check_observed_fit(model)
    seed = _seed(random_seed)
    initial_inverse_metric = []
    if init == "pathfinder":  # each chain starts at its own multi-path Pathfinder draw
        from hypatia.pathfinder import pathfinder_initial_points
        init_points, initial_inverse_metric = pathfinder_initial_points(model, chains, seed, backend)
        radius, metric = 1.0, "diagonal"
    elif init in ("advi+adapt_diag", "advi", "advi_map"):
        # PyMC's ADVI initializations: starts drawn from a mean-field fit, whose variances are
        # the diagonal metric warm-up starts from (variational.advi_init).
        from hypatia.variational import advi_init

        init_points, initial_inverse_metric = advi_init(model, init, chains, n_init, seed, progressbar,
                                                        _full_initvals(context, initvals))
        radius, metric = 1.0, "diagonal"
    else:
        init_points, radius, metric = _init_points(model, _full_initvals(context, initvals), init, chains,
                                                   seed, jitter_max_retries)
    if marginalized and init_points:
        # The summed-out variables have no coordinates in the marginal model's flat vector.
        keep = np.ones(len(init_points[0]), dtype=bool)
        for block in model._blocks():
            if block["name"] in marginalized:
                keep[block["offset"]:block["offset"] + block["size"]] = False
        init_points = [list(np.asarray(point)[keep]) for point in init_points]
    free_names = ", ".join(rv.name for rv in model.free_RVs if rv.name not in marginalized)
    summed_out = f", summing out [{', '.join(marginalized)}]" if marginalized else ""
    compound = not marginalized and (bool(steps) or any(b["discrete"] for b in model._blocks())
                                     or _has_gradient_free_op(model))
    _log.info(f"Sampling {chains} chains for {int(tune):_} tune and {int(draws):_} draw iterations "
              + ("with Hypatia's compound steps" if compound else f"with Hypatia's NUTS: [{free_names}]{summed_out}"))
    start = time.perf_counter()
    raw = _core.sample(model._cpp, "nuts", int(draws), int(tune), chains, cores, seed,
                       float(target_accept), int(max_treedepth), metric, 0, bool(progressbar),
                       log_likelihood, init_points, radius, backend,
                       threading.current_thread() is threading.main_thread(),
                       progress_callback(progressbar), save_warmup=record_warmup,
                       initial_inverse_metric=initial_inverse_metric, steps=steps,
                       marginalize=marginalized,
                       threads_per_chain=_threads_per_chain(threads_per_chain))
    seconds = time.perf_counter() - start
    if compound:
        _log.info("CompoundStep\n" + "\n".join(
            f">{methods.replace(': ', ': [', 1)}]" for methods in raw["attributes"]["step_methods"].split("; ")))
    raw["attributes"]["sampling_time"] = repr(seconds)
    raw["attributes"]["tuning_steps"] = str(int(tune))
    _log.info(f"Sampling took {seconds:.1f} seconds.")
    if return_inferencedata and not save_warmup:
        raw["groups"] = {k: v for k, v in raw["groups"].items() if not k.startswith(_WARMUP_PREFIX)}
    idata = _to_inference_data(raw, model, idata_kwargs)
    if raw["attributes"].get("sampling_interrupted") == "1":
        warnings.warn("Sampling was interrupted: the result holds the draws made so far.", UserWarning)
    if compute_convergence_checks:
        _convergence_checks(idata)
    if var_names is not None:
        idata = _select(idata, _full_names(context, var_names))
    if not return_inferencedata:
        # PyMC's trace keeps the tuning draws at its front when they are not discarded.
        return MultiTrace(idata, with_warmup=not discard_tuned_samples)
    return idata


def _check_observed_fit(model: Model) -> None:
    if model._stale_observed:
        names = ", ".join(sorted(model._stale_observed))
        raise ValueError(f"pm.sample(): pm.set_data changed the data's shape, and the observed values of "
                         f"{names} no longer fit it; give them new observed values of the new shape "
                         "(observed=pm.Data(...) and pm.set_data) before sampling again")


def _threads_per_chain(threads_per_chain: Optional[int]) -> int:
    """The engine's setting: 0 asks for its default (the cores divided among the chains)."""
    if threads_per_chain is None:
        return 0
    if isinstance(threads_per_chain, bool) or int(threads_per_chain) != threads_per_chain \
            or threads_per_chain < 1:
        raise ValueError(f"pm.sample(): threads_per_chain must be a positive integer or None; "
                         f"got {threads_per_chain!r}")
    return int(threads_per_chain)


def _check_idata_kwargs(idata_kwargs: dict) -> None:
    allowed = {"dims", "coords", "save_warmup"}
    unknown = set(idata_kwargs) - allowed
    if unknown:
        raise TypeError(f"idata_kwargs: unknown keys {', '.join(sorted(unknown))}")


def _to_inference_data(raw: dict, model: Model, idata_kwargs: Optional[dict] = None):
    from hypatia.inference_data import to_inference_data

    coords = {**model.coords, **dict((idata_kwargs or {}).get("coords") or {})}
    # idata_kwargs={"dims": {name: [dim, ...]}} names the axes of variables, as PyMC's does.
    for name, dims in dict((idata_kwargs or {}).get("dims") or {}).items():
        dims = [dims] if isinstance(dims, str) else list(dims)
        for group in raw["groups"].values():
            for variable in group["variables"]:
                if variable["name"] == name:
                    variable["dims"] = dims
    return to_inference_data(raw, extra_coords=coords or None)


def to_inference_data(trace=None, **kwargs):
    """PyMC's ``pm.to_inference_data``: the InferenceData of a ``return_inferencedata=False``
    trace (Hypatia's results are InferenceData already)."""
    if isinstance(trace, MultiTrace):
        save_warmup = bool(kwargs.pop("save_warmup", False))
        if kwargs:
            raise NotImplementedError(f"pm.to_inference_data({', '.join(sorted(kwargs))}=...) is "
                                      "not supported by Hypatia yet")
        return trace.to_inference_data(save_warmup=save_warmup)
    from hypatia.inference_data import to_inference_data as from_raw

    return from_raw(trace, **kwargs)


def _convergence_checks(idata) -> None:
    from hypatia.stats import emit

    emit(idata, logger=_log)


def _full_initvals(model: Model, initvals):
    """initvals (a dict or one per chain) keyed by full variable names ("x" in a child model is
    "child::x")."""
    if initvals is None:
        return None
    full = lambda values: {model._full_name(k.name if isinstance(k, TensorVariable) else k): v
                           for k, v in (values or {}).items()}
    if isinstance(initvals, (list, tuple)):
        return [full(values) for values in initvals]
    return full(initvals)


def _full_names(model: Model, var_names) -> list:
    """var_names as the model's full variable names: in a named model "x" means "child::x", as
    ``model["x"]`` does."""
    names = [var_names] if isinstance(var_names, str) else list(var_names)
    return [model._full_name(n) for n in names]


def _select(idata, var_names):
    names = [var_names] if isinstance(var_names, str) else list(var_names)
    posterior = idata.posterior
    missing = [n for n in names if n not in posterior]
    if missing:
        raise KeyError(f"var_names: {missing} are not in the posterior ({list(posterior.data_vars)})")
    idata.posterior = posterior[names]
    if "warmup_posterior" in idata.groups():
        idata.warmup_posterior = idata.warmup_posterior[names]
    return idata


_WARMUP_PREFIX = "warmup_"


def _without_warmup(idata):
    """idata without its warmup_* groups (the same object when it has none)."""
    warmup = [g for g in idata.groups() if g.startswith(_WARMUP_PREFIX)]
    if not warmup:
        return idata
    from hypatia.inference_data import _arviz, InferenceData

    kept = {g: idata[g] for g in idata.groups() if not g.startswith(_WARMUP_PREFIX)}
    arviz = _arviz()
    return arviz.InferenceData(**kept) if arviz is not None else InferenceData(**kept)


class MultiTrace:
    """What ``return_inferencedata=False`` returns: draws by name, chains concatenated.

    with_warmup (``discard_tuned_samples=False``): each chain's tuning draws come first, then its
    kept draws, as in PyMC's trace.
    """

    def __init__(self, idata, with_warmup: bool = False):
        self._idata = idata
        self._with_warmup = bool(with_warmup) and "warmup_posterior" in idata.groups()
        self.varnames = list(idata.posterior.data_vars)
        self.nchains = idata.posterior.sizes["chain"]
        self.chains = list(range(self.nchains))

    def __len__(self) -> int:
        tune = self._idata.warmup_posterior.sizes["draw"] if self._with_warmup else 0
        return tune + self._idata.posterior.sizes["draw"]

    def get_values(self, varname: str, combine: bool = True, chains=None):
        values = self._idata.posterior[varname].values
        if self._with_warmup:
            values = np.concatenate([self._idata.warmup_posterior[varname].values, values], axis=1)
        if chains is not None:
            values = values[list(np.atleast_1d(chains))]
        return values.reshape(-1, *values.shape[2:]) if combine else list(values)

    def __getitem__(self, varname: str):
        return self.get_values(varname)

    def to_inference_data(self, save_warmup: bool = False):
        """The InferenceData; its posterior holds the kept draws only, and the warmup_* groups
        are there with save_warmup (PyMC's default is without)."""
        return self._idata if save_warmup else _without_warmup(self._idata)


def sample_smc(draws: int = 2000, kernel: Any = "IMH", *, start=None, model: Optional[Model] = None,
               random_seed: Any = None, chains: Optional[int] = None, cores: Optional[int] = None,
               compute_convergence_checks: bool = True, return_inferencedata: bool = True,
               idata_kwargs: Optional[dict] = None, progressbar: bool = True, **kernel_kwargs):
    """Sequential Monte Carlo: ``draws`` particles per chain; the log marginal likelihood is in
    sample_stats."""
    model = modelcontext(model).root
    model.sync_data()
    kernel_name = getattr(kernel, "__name__", str(kernel))
    if kernel_name not in ("IMH", "MH"):
        raise ValueError(f"pm.sample_smc(kernel={kernel_name!r}): expected IMH or MH")
    if start is not None:
        raise NotImplementedError("pm.sample_smc(start=...) is not supported by Hypatia yet")
    if kernel_kwargs:
        raise TypeError(f"pm.sample_smc(): unsupported arguments {', '.join(sorted(kernel_kwargs))}")
    cores = _default_cores() if cores is None else int(cores)
    chains = max(cores, 2) if chains is None else int(chains)
    raw = _core.sample(model._cpp, "smc", int(draws), 0, chains, cores, _seed(random_seed), 0.8, 10,
                       "diagonal", int(draws), bool(progressbar), False, [], 2.0, "default",
                       threading.current_thread() is threading.main_thread(),
                       progress_callback(progressbar), smc_kernel=kernel_name)
    idata = _to_inference_data(raw, model, idata_kwargs)
    if compute_convergence_checks:
        _convergence_checks(idata)
    return idata if return_inferencedata else MultiTrace(idata)


def _filter_groups(raw: dict, keep: dict) -> dict:
    """raw with only the variables in keep[group] (None: all) of each group."""
    for group, names in keep.items():
        if group in raw["groups"] and names is not None:
            variables = raw["groups"][group]["variables"]
            raw["groups"][group]["variables"] = [v for v in variables if v["name"] in names]
    return raw


def sample_prior_predictive(draws: Optional[int] = None, model: Optional[Model] = None,
                            var_names: Optional[Sequence[str]] = None, random_seed: Any = None,
                            return_inferencedata: bool = True, idata_kwargs: Optional[dict] = None,
                            compile_kwargs=None, samples: Optional[int] = None):
    """Draws from the prior and the prior predictive (``draws``; older releases: ``samples``)."""
    context = modelcontext(model)
    model = context.root
    model.sync_data()
    if draws is None:
        draws = samples if samples is not None else 500
    raw = _core.sample_prior_predictive(model._cpp, int(draws), _seed(random_seed), "default")
    if var_names is not None:
        names = set(_full_names(context, var_names))
        raw = _filter_groups(raw, {"prior": names, "prior_predictive": names})
    idata = _to_inference_data(raw, model, idata_kwargs)
    if not return_inferencedata:
        return {name: idata[group][name].values[0]
                for group in ("prior", "prior_predictive") if group in idata.groups()
                for name in idata[group].data_vars}
    return idata


def _posterior_raw(trace) -> dict:
    """The posterior draws of any trace PyMC accepts (InferenceData, a posterior Dataset, a
    MultiTrace, a list of points) as the engine's (chain, draw, ...) arrays."""
    if isinstance(trace, MultiTrace):
        trace = trace.to_inference_data()
    if isinstance(trace, (list, tuple)):
        return _points_raw(trace)
    posterior = trace.posterior if hasattr(trace, "posterior") else trace
    if not hasattr(posterior, "data_vars"):
        raise TypeError("sample_posterior_predictive: trace must be an InferenceData, a posterior "
                        f"Dataset, a MultiTrace or a list of points, got {type(trace).__name__}")
    variables = [{"name": name, "values": np.asarray(posterior[name].values, dtype=float),
                  "dims": list(posterior[name].dims[2:])} for name in posterior.data_vars]
    return _raw_posterior(int(posterior.sizes["chain"]), int(posterior.sizes["draw"]), variables)


def _points_raw(points: Sequence[dict]) -> dict:
    """A list of points (dicts by variable name) as one chain of len(points) draws."""
    if not points or not all(isinstance(p, dict) for p in points):
        raise TypeError("sample_posterior_predictive: a list trace must hold points (dicts of "
                        "values by variable name), at least one")
    names = [n for n in points[0] if all(n in p for p in points)]
    variables = [{"name": name, "values": np.stack([np.asarray(p[name], dtype=float)
                                                    for p in points])[None], "dims": []}
                 for name in names]
    return _raw_posterior(1, len(points), variables)


def _raw_posterior(chains: int, draws: int, variables: list) -> dict:
    return {"chains": chains, "draws": draws, "coords": {}, "attributes": {},
            "groups": {"posterior": {"attributes": {}, "variables": variables}}}


def sample_posterior_predictive(trace, model: Optional[Model] = None,
                                var_names: Optional[Sequence[str]] = None, sample_dims=None,
                                random_seed: Any = None, progressbar: bool = True,
                                return_inferencedata: bool = True,
                                extend_inferencedata: bool = False, predictions: bool = False,
                                idata_kwargs: Optional[dict] = None, compile_kwargs=None):
    """Draws of the observed variables given each posterior draw."""
    context = modelcontext(model)
    model = context.root
    model.sync_data()
    if sample_dims is not None:
        raise NotImplementedError("sample_posterior_predictive(sample_dims=...) is not supported by Hypatia yet")
    posterior = _posterior_raw(trace)
    raw = _core.sample_posterior_predictive(model._cpp, posterior, _seed(random_seed), "default")
    raw["groups"] = {k: v for k, v in raw["groups"].items() if k == "posterior_predictive"}
    if var_names is None:
        # Free variables missing from the trace are drawn (given the rest) but, as in PyMC, only
        # returned when asked for by name.
        raw = _filter_groups(raw, {"posterior_predictive": {rv.name for rv in model.observed_RVs}})
    else:
        names = _full_names(context, var_names)
        raw = _filter_groups(raw, {"posterior_predictive": set(names)})
        drawn = {v["name"] for v in raw["groups"]["posterior_predictive"]["variables"]}
        raw["groups"]["posterior_predictive"]["variables"] += _unobserved_values(
            model, posterior, [n for n in names if n not in drawn])
    group = "predictions" if predictions else "posterior_predictive"
    raw["groups"] = {group: raw["groups"]["posterior_predictive"]}
    if predictions:
        # As PyMC does: the data the predictions were made from, beside them.
        raw["groups"]["predictions_constant_data"] = _data_group(model)
    # Labels come from the model as it is now (pm.set_data(..., coords=...) may have changed them
    # since the posterior was drawn), as PyMC labels predictions.
    raw["coords"] = {**raw.get("coords", {}), **{d: list(v) for d, v in model.coords.items()}}
    result = _to_inference_data(raw, model, idata_kwargs)
    if not return_inferencedata:
        return {name: result[group][name].values for name in result[group].data_vars}
    if extend_inferencedata:
        # PyMC extends as ArviZ does: posterior predictive groups already there are kept,
        # predictions (made for new data) replace earlier ones.
        trace.extend(result, join="right" if predictions else "left")
        return trace
    return result


def _data_group(model: Model) -> dict:
    """The model's data containers at their current values, as a raw unsampled group."""
    dims = {v["name"]: list(v["dims"]) for v in model._cpp.variables()}
    return {"attributes": {}, "variables": [
        {"name": d.name, "values": np.asarray(model._cpp.data_value(d.name)),
         "dims": dims.get(d.name, [])} for d in model.data_vars]}


def _unobserved_values(model: Model, posterior: dict, names: list) -> list:
    """Free variables and deterministics asked for in sample_posterior_predictive's var_names, as
    raw variables: free variables as drawn, deterministics recomputed at every draw over the
    model's current data (so after pm.set_data they are the predictions' means, as in PyMC)."""
    if not names:
        return []
    draws_by_name = {v["name"]: v["values"] for v in posterior["groups"]["posterior"]["variables"]}
    free = [rv.name for rv in model.free_RVs]
    deterministic = {d.name for d in model.deterministics}
    unknown = [n for n in names if n not in deterministic and n not in free]
    if unknown:
        raise KeyError(f"sample_posterior_predictive: var_names {unknown} are not variables of the "
                       f"model (observed, free or deterministic)")
    dims = {v["name"]: list(v["dims"]) for v in model._cpp.variables()}
    chains, draws = posterior["chains"], posterior["draws"]
    values: dict = {}
    wanted = [n for n in names if n in deterministic]
    if wanted:
        compiled = model.compiled()
        for c in range(chains):
            for d in range(draws):
                point = {n: draws_by_name[n][c, d] for n in free}
                constrained = compiled.constrain(np.asarray(model._cpp.unconstrain(point)))
                for n in wanted:
                    value = np.asarray(constrained[n])
                    if n not in values:
                        values[n] = np.empty((chains, draws, *value.shape))
                    values[n][c, d] = value
    for n in names:
        if n not in values:
            values[n] = np.asarray(draws_by_name[n], dtype=float)
    return [{"name": n, "values": values[n], "dims": dims.get(n, [])} for n in names]


def compute_log_likelihood(idata, *, var_names: Optional[Sequence[str]] = None,
                           model: Optional[Model] = None, extend_inferencedata: bool = True,
                           progressbar: bool = True):
    """Each observed variable's pointwise log likelihood at every posterior draw."""
    import xarray as xr

    context = modelcontext(model)
    model = context.root
    model.sync_data()
    graph = model._cpp.log_density()
    names = [n for n, _ in graph["pointwise_log_likelihood"]]
    if var_names is not None:
        var_names = _full_names(context, var_names)
        unknown = set(var_names) - set(names)
        if unknown:
            raise KeyError(f"compute_log_likelihood: {sorted(unknown)} are not observed variables")
        names = [n for n in names if n in var_names]
    terms = [node for n, node in graph["pointwise_log_likelihood"] if n in names]
    function = _core.Function([graph["x"], *graph["data_inputs"]], terms, "default")
    posterior = idata.posterior
    chains, draws = posterior.sizes["chain"], posterior.sizes["draw"]
    free = [rv.name for rv in model.free_RVs]
    results = [np.empty((chains, draws, *node.shape)) for node in terms]
    for c in range(chains):
        for d in range(draws):
            point = {n: posterior[n].values[c, d] for n in free}
            x = np.asarray(model._cpp.unconstrain(point))
            for target, value in zip(results, function([x, *graph["data_values"]])):
                target[c, d] = value
    dataset = xr.Dataset({n: (("chain", "draw", *[f"{n}_dim_{k}" for k in range(v.ndim - 2)]), v)
                          for n, v in zip(names, results)},
                         coords={"chain": posterior.chain, "draw": posterior.draw})
    if extend_inferencedata:
        idata.add_groups({"log_likelihood": dataset})
        return idata
    return dataset


def draw(vars: Any, draws: int = 1, random_seed: Any = None, **kwargs):
    """Random draws of `vars` (unregistered distributions or model variables and graphs of them)."""
    if kwargs:
        raise TypeError(f"pm.draw(): unexpected keyword arguments {', '.join(sorted(kwargs))}")
    single = not isinstance(vars, (list, tuple))
    items = [vars] if single else list(vars)
    seed = _seed(random_seed)
    results = [_draws_of(item, int(draws), seed, position) for position, item in enumerate(items)]
    if draws == 1:
        results = [r[0] for r in results]
    return results[0] if single else results


def _draws_of(item: Any, draws: int, seed: int, position: int) -> np.ndarray:
    if isinstance(item, DistributionVariable):
        return np.stack([item.distribution.draw(item.draw_shape(), seed, position * 2**32 + i)
                         for i in range(draws)])
    variable = as_tensor_variable(item)
    model = getattr(variable, "model", None) or Model.get_context(error_if_none=False)
    if model is None:
        return np.stack([variable.eval() for _ in range(draws)])
    return np.stack([forward_values(model, [variable.node], [], [], seed, position * 2**32 + i)[0]
                     for i in range(draws)])


def forward_values(model: Model, outputs: list, inputs: list, values: list, seed: Optional[int] = None,
                   stream: int = 0) -> list:
    """`outputs` evaluated with every model variable drawn from its prior (one draw)."""
    model = model.root
    model.sync_data()
    state, forward = model._cpp.forward_graph()
    by_name = dict(forward)
    replacements = []
    for name, variable in model.named_vars.items():
        if name in by_name and variable in model.free_RVs:
            replacements.append((variable.node, by_name[name]))
    resolved = []
    for output in outputs:
        named = next((v for v in model.named_vars.values() if v.node.same(output)), None)
        if named is not None and named.name in by_name:
            resolved.append(by_name[named.name])
        else:
            resolved.append(output)
    resolved = _core.substitute(resolved, replacements) if replacements else resolved
    seed = _seed(None) if seed is None else seed
    data = [(d.node, model._cpp.data_value(d.name)) for d in model.data_vars]
    all_inputs = [state, *[n for n, _ in data], *inputs]
    all_values = [np.array([seed, stream, 0], dtype=np.int64), *[v for _, v in data], *values]
    needed = _core.free_inputs(resolved)
    pairs = [(n, v) for n, v in zip(all_inputs, all_values) if any(n.same(m) for m in needed)]
    return list(_core.evaluate(resolved, [n for n, _ in pairs], [v for _, v in pairs]))


def logp(rv: Any, value: Any, warn_rvs: Any = None, **kwargs) -> TensorVariable:
    """The elementwise log density of `rv` (a distribution or model variable) at `value`."""
    return TensorVariable(_distribution_of(rv).logp(as_tensor_variable(value).node))


def logcdf(rv: Any, value: Any, **kwargs) -> TensorVariable:
    return TensorVariable(_distribution_of(rv).logcdf(as_tensor_variable(value).node))


def _distribution_of(rv: Any) -> _core.Distribution:
    if isinstance(rv, DistributionVariable):
        return rv.distribution
    model = getattr(rv, "model", None)
    if model is not None and rv.name in model._distributions:
        return model._distributions[rv.name].distribution
    raise TypeError(f"pm.logp: {rv!r} is not a distribution or a random variable of a model")
