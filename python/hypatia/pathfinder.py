"""``fit_pathfinder``: Pathfinder variational inference with pymc-extras' name and arguments.

The work is the C++ engine's (``hypatia::pathfinder``: L-BFGS paths on the compiled log density,
ELBO-selected normal approximations, Pareto-smoothed importance resampling across paths, paths on
threads). The result is an InferenceData whose posterior is one chain of ``num_draws`` draws, as
pymc-extras returns it (``importance_sampling=None``: one chain per path, no resampling).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.model import Model, modelcontext

_IMPORTANCE_SAMPLING = ("psis", None)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"fit_pathfinder({name}=...): expected an integer, got {type(value).__name__}")
    if int(value) < 1:
        raise ValueError(f"fit_pathfinder({name}={value}): must be at least 1")
    return int(value)


def _non_negative_float(name: str, value: Any) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"fit_pathfinder({name}=...): expected a number, got {type(value).__name__}") from None
    if not math.isfinite(result) or result < 0:
        raise ValueError(f"fit_pathfinder({name}={value}): must be finite and at least 0")
    return result


def _start_points(model: Model, initvals, jitter: float, num_paths: int, seed: int) -> list:
    """Unconstrained starts: none (the engine draws each path's start uniformly in +-jitter
    around zero), or the initial values, jittered uniformly by +-jitter per path."""
    from hypatia.sampling import _full_initvals
    from hypatia.tensor.variable import TensorVariable

    given = _full_initvals(model, initvals) or {}
    if not isinstance(given, dict):
        raise TypeError("fit_pathfinder(initvals=...): expected a dict of variable name -> value")
    base = dict(model.rvs_to_initial_values.items())
    if not given and not base:
        return [] if jitter > 0 else [model._initial_flat().tolist()]
    merged = {**base, **{(k.name if isinstance(k, TensorVariable) else k): v for k, v in given.items()}}
    unknown = sorted(set(merged) - {rv.name for rv in model.free_RVs})
    if unknown:
        raise KeyError(f"fit_pathfinder(initvals=...): {', '.join(unknown)} is not a free random "
                       f"variable of the model (free: {', '.join(rv.name for rv in model.free_RVs)})")
    x = model._unconstrain_given(np.zeros(len(model._initial_flat())), merged)
    rng = np.random.default_rng([seed, 0x9A7F])
    return [(x + rng.uniform(-jitter, jitter, size=x.shape)).tolist() for _ in range(num_paths)]


def fit_pathfinder(model=None, num_paths: int = 4, num_draws: int = 1000,
                   num_draws_per_path: int = 1000, maxcor: Optional[int] = None, maxiter: int = 1000,
                   ftol: float = 1e-5, gtol: float = 1e-8, maxls: int = 1000,
                   num_elbo_draws: int = 10, jitter: float = 2.0, epsilon: float = 1e-12,
                   importance_sampling: Optional[str] = "psis", progressbar: bool = True,
                   concurrent: Optional[str] = None, max_init_retries: int = 10,
                   random_seed: Any = None, postprocessing_backend: str = "cpu",
                   inference_backend: str = "pymc", pathfinder_kwargs: Optional[dict] = None,
                   compile_kwargs: Optional[dict] = None, initvals: Optional[dict] = None,
                   add_pathfinder_groups: bool = True, display_summary: Any = "auto",
                   store_diagnostics: bool = False, pathfinder_group: str = "pathfinder",
                   paths_group: str = "pathfinder_paths",
                   diagnostics_group: str = "pathfinder_diagnostics",
                   config_group: str = "pathfinder_config", *, cores: Optional[int] = None,
                   backend: str = "default"):
    """Pathfinder (Zhang et al. 2022): ``num_paths`` L-BFGS paths from jittered starts, each
    giving ``num_draws_per_path`` draws from its best (highest-ELBO) normal approximation, pooled
    and resampled to ``num_draws`` by Pareto-smoothed importance weights.

    pymc-extras' arguments: ``maxcor`` is the L-BFGS history (default max(5, ceil(3 log N)) for N
    unconstrained parameters), ``ftol`` the relative decrease of the log density that stops a
    path, ``gtol`` the gradient norm that stops it, ``maxls`` the line search's evaluations,
    ``epsilon`` the curvature check a step must pass to join the history, ``jitter`` the half
    width of the uniform start. ``importance_sampling`` is "psis" or None. ``cores`` (Hypatia's)
    sets the threads the paths run on.

    Returns an InferenceData with the posterior (constrained values and deterministics),
    sample_stats ``lp`` and ``lp_approx`` (log q), observed and constant data, and the attributes
    ``pareto_k`` and ``elbo`` (per path).
    """
    from hypatia.sampling import _check_observed_fit, _seed, _to_inference_data

    context = modelcontext(model)
    model = context.root
    model.sync_data()
    if pathfinder_kwargs:
        raise TypeError(f"fit_pathfinder(pathfinder_kwargs=...): unknown settings "
                        f"{', '.join(sorted(pathfinder_kwargs))}")
    if compile_kwargs:
        raise TypeError("fit_pathfinder(compile_kwargs=...): Hypatia compiles with its own "
                        "backend; choose it with backend='jit', 'native' or 'interp'")
    if inference_backend != "pymc":
        raise ValueError(f"fit_pathfinder(inference_backend={inference_backend!r}): Hypatia runs its "
                         "own compiled Pathfinder; use 'pymc'")
    if postprocessing_backend != "cpu":
        raise ValueError(f"fit_pathfinder(postprocessing_backend={postprocessing_backend!r}): only "
                         "'cpu' is supported")
    if concurrent not in (None, "process"):
        raise ValueError(f"fit_pathfinder(concurrent={concurrent!r}): expected None or 'process' "
                         "(Hypatia runs the paths on threads either way)")
    if isinstance(importance_sampling, str):
        importance_sampling = importance_sampling.lower()
    if importance_sampling not in _IMPORTANCE_SAMPLING:
        raise ValueError(f"fit_pathfinder(importance_sampling={importance_sampling!r}): Hypatia "
                         "supports 'psis' and None")
    num_paths = _positive_int("num_paths", num_paths)
    num_draws = _positive_int("num_draws", num_draws)
    num_draws_per_path = _positive_int("num_draws_per_path", num_draws_per_path)
    num_elbo_draws = _positive_int("num_elbo_draws", num_elbo_draws)
    maxiter = _positive_int("maxiter", maxiter)
    maxls = _positive_int("maxls", maxls)
    _positive_int("max_init_retries", max_init_retries)
    ftol = _non_negative_float("ftol", ftol)
    gtol = _non_negative_float("gtol", gtol)
    epsilon = _non_negative_float("epsilon", epsilon)
    jitter = _non_negative_float("jitter", jitter)
    if not model.free_RVs:
        raise ValueError("fit_pathfinder(): the model has no free random variables")
    _check_observed_fit(model)
    dim = len(model._initial_flat())
    if maxcor is None:
        maxcor = max(5, int(math.ceil(3 * math.log(dim)))) if dim > 1 else 5
    maxcor = _positive_int("maxcor", maxcor)
    seed = _seed(random_seed)
    init = _start_points(model, initvals, jitter, num_paths, seed)
    raw = _core.pathfinder(model._cpp, num_paths, num_draws, num_draws_per_path, num_elbo_draws,
                           maxcor, maxiter, maxls, ftol / np.finfo(float).eps, gtol, epsilon,
                           jitter if jitter > 0 else 1.0, init, importance_sampling == "psis",
                           True, seed, 0 if cores is None else int(cores), backend)
    data = raw["data"]
    failed = [p["message"] for p in raw["paths"] if not p["succeeded"]]
    if failed:
        warnings.warn(f"fit_pathfinder: {len(failed)} of {num_paths} paths failed: "
                      + "; ".join(failed), UserWarning)
    if importance_sampling is None and not failed and num_paths > 1:
        _split_into_paths(data, num_paths, num_draws_per_path)
    k = float(raw["pareto_k"])
    if importance_sampling == "psis" and num_paths > 1 and k > 0.7:
        warnings.warn(f"fit_pathfinder: Pareto k = {k:.2f} > 0.7: importance resampling could not "
                      "correct the approximation, which may be poor", UserWarning)
    return _to_inference_data(data, model)


def _split_into_paths(data: dict, num_paths: int, per_path: int) -> None:
    """The pooled draws as one chain per path (pymc-extras' layout without resampling)."""
    for name, group in data["groups"].items():
        if name in ("observed_data", "constant_data"):
            continue
        for variable in group["variables"]:
            values = np.asarray(variable["values"])
            variable["values"] = values.reshape((num_paths, per_path) + values.shape[2:])
    data["chains"], data["draws"] = num_paths, per_path


def pathfinder_initial_points(model: Model, chains: int, seed: int, backend: str = "default") -> tuple:
    """NUTS's start for ``pm.sample(init="pathfinder")``: multi-path Pathfinder with the defaults,
    resampled without replacement; each chain starts at a different draw (unconstrained), and the
    draws' variances are the diagonal metric warm-up starts from (as nutpie and PyMC's ADVI
    initializations do with their approximations)."""
    dim = len(model._initial_flat())
    count = max(chains, 400)
    raw = _core.pathfinder(model._cpp, 4, count, 1000, 25, 6, 1000, 1000, 1e4, 1e-8, 1e-12,
                           2.0, [], True, False, seed, 0, backend)
    draws = np.asarray(raw["unconstrained_draws"])
    if draws.shape != (count, dim):
        raise RuntimeError(f"pm.sample(init='pathfinder'): expected {count} draws of {dim} values, "
                           f"got an array of shape {draws.shape}")
    starts = np.random.default_rng([seed, 0x9A7F]).choice(count, size=chains, replace=False)
    variances = draws.var(axis=0, ddof=1)
    metric = variances.tolist() if np.all(np.isfinite(variances)) and np.all(variances > 0) else []
    return [draws[i].tolist() for i in starts], metric
