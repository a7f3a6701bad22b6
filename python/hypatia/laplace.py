"""pymc-extras' ``fit_laplace``: a Gaussian at the mode of the log density (the Laplace, or
quadratic, approximation), drawn from and mapped to the model's variables.

The engine does the work (``laplace_approximation`` in C++): L-BFGS finds the mode of the log
density over the flat unconstrained vector, the Hessian there comes from compiled Hessian-vector
products (reverse over reverse, one per coordinate), and draws from N(mode, (-H)^-1) go through the
compiled constrain function to the constrained values and deterministics, as sampler draws do.

As in pymc-extras (whose objective is PyMC's ``model.logp()``, Jacobians included) the Gaussian
lives on the unconstrained space and both the mode and the Hessian are those of the density of the
unconstrained values. ``jacobian=False`` (Hypatia's addition, as in its ``find_MAP``) uses the log
density without the transforms' Jacobians for both instead.
"""

from __future__ import annotations

import itertools
import sys
import warnings
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.model import modelcontext
from hypatia.sampling import _seed
from hypatia.tuning import _solver_settings, _start_point

__all__ = ["fit_laplace"]

# Both run the engine's L-BFGS on the unconstrained space.
_LBFGS_METHODS = {"bfgs", "l-bfgs-b"}
# scipy.optimize.minimize's other methods and pymc-extras' basinhopping: valid there, not here.
_OTHER_METHODS = {"nelder-mead", "powell", "cg", "newton-cg", "tnc", "cobyla", "cobyqa", "slsqp",
                  "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov",
                  "basinhopping"}
_BAD_COV = ("error", "warn", "ignore")


def _check_method(method: Any) -> None:
    if not isinstance(method, str):
        raise TypeError(f"fit_laplace(optimize_method=...): expected a method name, got "
                        f"{type(method).__name__}")
    if method.lower() in _LBFGS_METHODS:
        return
    if method.lower() in _OTHER_METHODS:
        raise NotImplementedError(f"fit_laplace(optimize_method={method!r}): Hypatia finds the "
                                  "mode with L-BFGS only; use 'BFGS' or 'L-BFGS-B'")
    raise ValueError(f"fit_laplace(optimize_method={method!r}): unknown method; Hypatia supports "
                     "'BFGS' and 'L-BFGS-B' (both run L-BFGS)")


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"fit_laplace({name}=...): expected an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"fit_laplace({name}={value}): must be at least 1")
    return int(value)


def _check_unsupported(use_grad, use_hessp, use_hess, jitter_rvs, gradient_backend,
                       fit_in_unconstrained_space) -> None:
    if use_grad is not None and not use_grad:
        raise NotImplementedError("fit_laplace(use_grad=False): Hypatia's L-BFGS always uses the "
                                  "compiled gradient")
    for name, value in (("use_hessp", use_hessp), ("use_hess", use_hess)):
        if value:
            raise NotImplementedError(f"fit_laplace({name}=True): the optimizer is L-BFGS, which "
                                      "uses gradients only; the Hessian at the mode comes from "
                                      "compiled Hessian-vector products either way")
    if jitter_rvs:
        raise NotImplementedError("fit_laplace(jitter_rvs=...): jittered starting points are not "
                                  "supported; give initvals instead")
    if gradient_backend != "pytensor":
        raise NotImplementedError(f"fit_laplace(gradient_backend={gradient_backend!r}): Hypatia "
                                  "differentiates its own graphs; leave gradient_backend at "
                                  "'pytensor'")
    if fit_in_unconstrained_space is not None and not fit_in_unconstrained_space:
        raise NotImplementedError("fit_laplace(fit_in_unconstrained_space=False): Hypatia fits the "
                                  "Gaussian on the unconstrained space only (as pymc-extras now "
                                  "does), so draws respect each variable's support")


def _backend(compile_kwargs: Optional[dict]) -> str:
    if compile_kwargs is None:
        return "default"
    if not isinstance(compile_kwargs, dict):
        raise TypeError(f"fit_laplace(compile_kwargs=...): expected a dict, got "
                        f"{type(compile_kwargs).__name__}")
    unknown = sorted(set(compile_kwargs) - {"backend"})
    if unknown:
        raise ValueError(f"fit_laplace(compile_kwargs=...): unsupported key(s) "
                         f"{', '.join(unknown)}; Hypatia reads 'backend' ('default', 'jit', "
                         "'native' or 'interp')")
    backend = compile_kwargs.get("backend", "default")
    if backend not in ("default", "native", "jit", "interp"):
        raise ValueError(f"fit_laplace(compile_kwargs={{'backend': {backend!r}}}): expected "
                         "'default', 'jit', 'native' or 'interp'")
    return backend


def _settings(optimizer_kwargs: Optional[dict]) -> dict:
    if optimizer_kwargs is None:
        optimizer_kwargs = {}
    if not isinstance(optimizer_kwargs, dict):
        raise TypeError(f"fit_laplace(optimizer_kwargs=...): expected a dict, got "
                        f"{type(optimizer_kwargs).__name__}")
    kwargs = dict(optimizer_kwargs)
    maxeval = kwargs.pop("maxeval", 5000)
    try:
        return _solver_settings(int(maxeval), kwargs)
    except (TypeError, ValueError) as error:
        message = str(error).replace("find_MAP", "optimizer")
        raise type(error)(f"fit_laplace(optimizer_kwargs=...): {message}") from None


def _element_labels(shape: tuple, dims: Optional[tuple], coords: dict) -> list:
    """Labels of each element of a variable, C order: the model's coordinate labels where the
    variable's dims name one of the right length, else the index."""
    axes = []
    for axis, size in enumerate(shape):
        dim = dims[axis] if dims and axis < len(dims) else None
        labels = coords.get(dim) if dim is not None else None
        axes.append(list(labels) if labels is not None and len(labels) == size
                    else list(range(size)))
    return list(itertools.product(*axes))


def _unpacked_names(blocks: list, model) -> list:
    """One row name per unconstrained coordinate, as pymc-extras names them: the value variable's
    name, with its element's labels in brackets for non-scalars (``beta[Intercept]``,
    ``sigma_log__``, ``theta[0,1]``)."""
    dims_of = model.named_vars_to_dims
    coords = model.coords
    names = []
    for block in blocks:
        shape = tuple(block["unconstrained_shape"])
        if not shape:
            names.append(block["value_name"])
            continue
        same_shape = shape == tuple(block["shape"])
        dims = dims_of.get(block["name"]) if same_shape else None
        for label in _element_labels(shape, dims, coords):
            names.append(f"{block['value_name']}[{','.join(map(str, label))}]")
    return names


def _unconstrained_posterior(draws: np.ndarray, blocks: list, model):
    """Each value variable's draws on the unconstrained scale (chain, draw, *shape)."""
    import xarray as xr

    chains, n_draws, _ = draws.shape
    dims_of = model.named_vars_to_dims
    coords = model.coords
    variables, dataset_coords = {}, {"chain": np.arange(chains), "draw": np.arange(n_draws)}
    for block in blocks:
        shape = tuple(block["unconstrained_shape"])
        name = block["value_name"]
        given = dims_of.get(block["name"]) if shape == tuple(block["shape"]) else None
        dims = []
        for axis, size in enumerate(shape):
            dim = given[axis] if given and axis < len(given) else None
            if dim is None or coords.get(dim) is None or len(coords[dim]) != size:
                dim = f"{name}_dim_{axis}"
                dataset_coords[dim] = np.arange(size)
            else:
                dataset_coords[dim] = np.asarray(list(coords[dim]))
            dims.append(dim)
        piece = draws[..., block["offset"]: block["offset"] + block["size"]]
        variables[name] = (["chain", "draw", *dims], piece.reshape((chains, n_draws, *shape)))
    return xr.Dataset(variables, coords=dataset_coords)


def _fit_dataset(raw: dict, rows: list):
    import xarray as xr

    return xr.Dataset({
        "mean_vector": xr.DataArray(np.asarray(raw["mean"]), dims=["rows"],
                                    coords={"rows": rows}),
        "covariance_matrix": xr.DataArray(np.asarray(raw["covariance"]),
                                          dims=["rows", "columns"],
                                          coords={"rows": rows, "columns": rows}),
    })


def _optimizer_dataset(raw: dict, rows: list, method: str):
    """The mode search as pymc-extras' optimizer_result group (scipy's OptimizeResult fields for
    the minimized negative log density)."""
    import xarray as xr

    return xr.Dataset({
        "x": xr.DataArray(np.asarray(raw["mean"]), dims=["variables"],
                          coords={"variables": rows}),
        "fun": xr.DataArray(-raw["logp"]),
        "success": xr.DataArray(bool(raw["converged"])),
        "message": xr.DataArray(str(raw["message"])),
        "jac": xr.DataArray(-np.asarray(raw["gradient"]), dims=["variables"],
                            coords={"variables": rows}),
        "nit": xr.DataArray(int(raw["iterations"])),
        "nfev": xr.DataArray(int(raw["evaluations"])),
        "njev": xr.DataArray(int(raw["evaluations"])),
        "status": xr.DataArray(0 if raw["converged"] else 1),
        "method": xr.DataArray(np.array(method)),
    })


def fit_laplace(optimize_method: str = "BFGS", *, model=None, use_grad: Optional[bool] = None,
                use_hessp: Optional[bool] = None, use_hess: Optional[bool] = None,
                initvals: Optional[dict] = None, random_seed=None, jitter_rvs=None,
                progressbar: bool = True, include_transformed: bool = True,
                freeze_model: bool = True, gradient_backend: str = "pytensor", chains: int = 2,
                draws: int = 500, optimizer_kwargs: Optional[dict] = None,
                compile_kwargs: Optional[dict] = None, on_bad_cov: str = "error",
                diag_jitter: Optional[float] = None,
                fit_in_unconstrained_space: Optional[bool] = None, jacobian: bool = True):
    """The Laplace approximation of the posterior (pymc-extras' ``fit_laplace``).

    Returns an InferenceData with ``posterior`` (chains x draws from the Gaussian, mapped to the
    free variables and deterministics), ``fit`` (``mean_vector`` over ``rows`` and
    ``covariance_matrix`` over ``rows`` x ``columns``: the Gaussian on the unconstrained scale,
    rows named after the value variables), ``unconstrained_posterior`` (the draws of each value
    variable, when ``include_transformed``), ``optimizer_result``, ``observed_data`` and
    ``constant_data``.

    optimize_method: 'BFGS' or 'L-BFGS-B' (both run the engine's L-BFGS).
    initvals: starting values by variable name (constrained values, or value variables such as
        ``sigma_log__``); the others start at the model's initial point.
    random_seed: the draws' seed (int, sequence, numpy Generator or None); the same seed gives the
        same draws.
    optimizer_kwargs: ``tol``, ``maxeval`` and ``options`` (maxiter, maxfun, gtol, ftol).
    compile_kwargs: ``{"backend": "default" | "jit" | "native" | "interp"}`` ("default": the JIT
        in builds with LLVM, else native).
    on_bad_cov: when the negative Hessian at the mode is not positive definite: 'error' (the
        default here; pymc-extras' older default was 'ignore') raises a ValueError naming the
        coordinates; 'warn' and 'ignore' use the nearest positive semi-definite covariance (zero
        variance along the bad directions), 'warn' saying so.
    diag_jitter: added to the covariance's diagonal (None: nothing).
    jacobian: Hypatia's addition: False finds the mode and the Hessian of the log density without
        the transforms' Jacobians (the mode is then find_MAP's).
    use_grad, use_hessp, use_hess, jitter_rvs, gradient_backend and freeze_model are accepted for
    pymc-extras' signature where their values mean what Hypatia does; others raise
    NotImplementedError. ``fit_in_unconstrained_space`` (an older pymc-extras argument) may only
    be True.
    """
    _check_method(optimize_method)
    _check_unsupported(use_grad, use_hessp, use_hess, jitter_rvs, gradient_backend,
                       fit_in_unconstrained_space)
    chains = _positive_int("chains", chains)
    draws = _positive_int("draws", draws)
    if on_bad_cov not in _BAD_COV:
        raise ValueError(f"fit_laplace(on_bad_cov={on_bad_cov!r}): expected one of "
                         f"{', '.join(map(repr, _BAD_COV))}")
    jitter = 0.0 if diag_jitter is None else float(diag_jitter)
    if not np.isfinite(jitter) or jitter < 0:
        raise ValueError(f"fit_laplace(diag_jitter={diag_jitter!r}): must be a finite number at "
                         "least 0, or None")
    settings = _settings(optimizer_kwargs)
    backend = _backend(compile_kwargs)
    seed = _seed(random_seed)

    model = modelcontext(model)
    model.sync_data()
    blocks = model._blocks()
    if not blocks:
        raise ValueError("fit_laplace: the model has no unobserved continuous variables")
    x0 = _start_point(model, initvals, blocks, where="fit_laplace(initvals=...)")
    raw = _core.laplace(model._cpp, x0.tolist(), bool(jacobian), chains, draws, seed, on_bad_cov,
                        jitter, settings["max_evaluations"], settings["max_iterations"],
                        settings["gradient_tolerance"], settings["relative_tolerance"], backend)
    for message in raw["warnings"]:
        warnings.warn(f"fit_laplace: {message}", UserWarning, stacklevel=2)
    if progressbar:
        print(f"fit_laplace: mode logp = {raw['logp']:,.5g}, ||grad|| = "
              f"{raw['gradient_norm']:.5g}, {raw['evaluations']} evaluations; "
              f"{chains} x {draws} draws", file=sys.stderr)

    from hypatia.inference_data import _arviz, InferenceData, _ordered, raw_to_datasets

    datasets = raw_to_datasets(raw["draws"], extra_coords=dict(model.coords) or None)
    rows = _unpacked_names(blocks, model)
    datasets["fit"] = _fit_dataset(raw, rows)
    if include_transformed:
        datasets["unconstrained_posterior"] = _unconstrained_posterior(
            np.asarray(raw["unconstrained_draws"]), blocks, model)
    datasets["optimizer_result"] = _optimizer_dataset(raw, rows, optimize_method)
    datasets = _ordered(datasets)
    arviz = _arviz()
    if arviz is None:
        return InferenceData(**datasets)
    with warnings.catch_warnings():
        # "fit" and "optimizer_result" are pymc-extras' groups, not ArviZ's schema.
        warnings.simplefilter("ignore", UserWarning)
        return arviz.InferenceData(**datasets)
