"""PyMC's ``pm.find_MAP``: the maximum a posteriori point by the engine's L-BFGS (LBFGSpp).

As in PyMC the optimization runs on the unconstrained values without the transforms'
log-Jacobians (``jacobian=False``), so the result is the mode of the posterior of the constrained
variables. ``jacobian=True`` (Hypatia's addition, as Stan's ``jacobian`` flag) finds the mode of
the density NUTS samples instead.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.model import modelcontext
from hypatia.tensor.variable import TensorVariable

__all__ = ["find_MAP"]

# Both are quasi-Newton methods on the unconstrained space, which is what the engine's L-BFGS is.
_LBFGS_METHODS = {"l-bfgs-b", "bfgs"}
# scipy.optimize.minimize's other methods: valid in PyMC, not offered by Hypatia.
_SCIPY_METHODS = {"nelder-mead", "powell", "cg", "newton-cg", "tnc", "cobyla", "cobyqa", "slsqp",
                  "trust-constr", "dogleg", "trust-ncg", "trust-exact", "trust-krylov"}
# scipy options with an engine counterpart (see _solver_settings).
_OPTIONS = {"maxiter", "gtol", "ftol", "maxfun", "disp"}


def _name(variable: Any) -> str:
    return variable if isinstance(variable, str) else getattr(variable, "name", repr(variable))


def _check_method(method: Any) -> None:
    if callable(method):
        raise NotImplementedError("find_MAP(method=<callable>): Hypatia optimizes with its own "
                                  "L-BFGS; use method='L-BFGS-B' (or 'BFGS')")
    if not isinstance(method, str):
        raise TypeError(f"find_MAP(method=...): expected a method name, got {type(method).__name__}")
    if method.lower() in _LBFGS_METHODS:
        return
    if method.lower() in _SCIPY_METHODS:
        raise NotImplementedError(f"find_MAP(method={method!r}): Hypatia optimizes with L-BFGS "
                                  "only; use method='L-BFGS-B' (or 'BFGS')")
    raise ValueError(f"find_MAP(method={method!r}): unknown method; Hypatia supports 'L-BFGS-B' "
                     "and 'BFGS' (both run L-BFGS)")


def _solver_settings(maxeval: int, kwargs: dict) -> dict:
    """The engine's stopping rules from PyMC's maxeval and scipy.optimize.minimize's arguments."""
    settings = {"max_evaluations": maxeval, "max_iterations": 0, "gradient_tolerance": 1e-8,
                "relative_tolerance": 1e-12}
    kwargs = dict(kwargs)
    tol = kwargs.pop("tol", None)
    if tol is not None:
        settings["gradient_tolerance"] = float(tol)
    options = kwargs.pop("options", None) or {}
    if not isinstance(options, dict):
        raise TypeError(f"find_MAP(options=...): expected a dict, got {type(options).__name__}")
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ValueError(f"find_MAP(options=...): unsupported option(s) {', '.join(unknown)}; "
                         f"Hypatia reads {', '.join(sorted(_OPTIONS))}")
    if "maxiter" in options:
        settings["max_iterations"] = int(options["maxiter"])
    if "maxfun" in options:
        settings["max_evaluations"] = int(options["maxfun"])
    if "gtol" in options:
        settings["gradient_tolerance"] = float(options["gtol"])
    if "ftol" in options:
        settings["relative_tolerance"] = float(options["ftol"])
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise TypeError(f"find_MAP() got unsupported keyword argument(s) {names}; Hypatia "
                        "accepts tol and options (maxiter, maxfun, gtol, ftol) for the optimizer")
    if settings["max_evaluations"] < 1:
        raise ValueError(f"find_MAP(maxeval={settings['max_evaluations']}): must be at least 1")
    return settings


def _start_point(model, start: Optional[dict], blocks: list,
                 where: str = "find_MAP(start=...)") -> np.ndarray:
    """The unconstrained starting vector: the model's initial point (initvals, else zero on the
    unconstrained scale) with `start`'s values in place. Keys may be free variables (constrained
    values) or value variables such as ``sigma_log__`` (unconstrained values); deterministics are
    skipped, so an earlier find_MAP result can be passed back."""
    x = model._initial_flat()
    if not start:
        return x
    if not isinstance(start, dict):
        raise TypeError(f"{where}: expected a dict of values by variable name, "
                        f"got {type(start).__name__}")
    by_name = {b["name"]: b for b in blocks}
    by_value_name = {b["value_name"]: b for b in blocks if b["value_name"] != b["name"]}
    deterministic = {d.name for d in model.deterministics}
    constrained, unconstrained = {}, {}
    for key, value in start.items():
        name = _name(key)
        if name in by_name:
            block, target = by_name[name], constrained
            shape = tuple(block["shape"])
        elif name in by_value_name:
            block, target = by_value_name[name], unconstrained
            shape = tuple(block["unconstrained_shape"])
        elif name in deterministic:
            continue
        else:
            known = ", ".join(b["name"] for b in blocks)
            raise KeyError(f"{where}: {name!r} is not a free variable of the model "
                           f"(free variables: {known})")
        array = np.asarray(value, dtype=float)
        try:
            target[block["name"]] = np.broadcast_to(array, shape)
        except ValueError:
            raise ValueError(f"{where}: {name} has shape {array.shape}; the variable "
                             f"has shape {shape}") from None
    if constrained:
        x = model._unconstrain_given(x, constrained)
        for name, value in constrained.items():
            block = by_name[name]
            if not np.all(np.isfinite(x[block["offset"]: block["offset"] + block["size"]])):
                shown = (repr(float(value)) if np.ndim(value) == 0
                         else np.array2string(np.asarray(value), threshold=8))
                raise ValueError(f"{where}: {name} = {shown} is outside the "
                                 f"variable's support (its {block['transform']} transform has no "
                                 "finite value there)")
    for name, value in unconstrained.items():
        block = by_name[name]
        x[block["offset"]: block["offset"] + block["size"]] = value.ravel()
    return x


def _optimized_variables(model, vars, blocks: list) -> list:
    if vars is None:
        return []
    if isinstance(vars, (str, TensorVariable)):
        vars = [vars]
    by_value_name = {b["value_name"]: b["name"] for b in blocks}
    names, missing = [], []
    for variable in vars:
        name = _name(variable)
        name = by_value_name.get(name, name)
        (names if name in {b["name"] for b in blocks} else missing).append(name)
    if missing:
        known = ", ".join(b["name"] for b in blocks)
        raise ValueError(f"find_MAP(vars=...): not free variables of the model: "
                         f"{', '.join(missing)} (free variables: {known})")
    return names


def _raw_result(raw: dict):
    """scipy.optimize.minimize's result for the minimized negative log density."""
    fields = {"x": np.asarray(raw["x"]), "fun": -raw["logp"], "jac": -np.asarray(raw["gradient"]),
              "nit": raw["iterations"], "nfev": raw["evaluations"], "njev": raw["evaluations"],
              "success": raw["converged"], "status": 0 if raw["converged"] else 1,
              "message": raw["message"]}
    try:
        from scipy.optimize import OptimizeResult
    except ImportError:  # scipy is optional: the same fields as a plain dict
        return fields
    return OptimizeResult(fields)


def find_MAP(start=None, vars=None, method: str = "L-BFGS-B", return_raw: bool = False,
             include_transformed: bool = True, progressbar: bool = True, maxeval: int = 5000,
             model=None, *args, seed: Optional[int] = None, jacobian: bool = False, **kwargs):
    """The maximum a posteriori point of the model (PyMC's ``pm.find_MAP``).

    Returns a dict of numpy arrays: each free variable's value, its unconstrained value under the
    value variable's name (``sigma_log__``) when ``include_transformed``, and the deterministics.
    ``vars`` optimizes only those variables, the others held at ``start``. ``method`` may be
    'L-BFGS-B' or 'BFGS' (both run the engine's L-BFGS); ``tol`` and ``options`` (maxiter,
    maxfun, gtol, ftol) tune its stopping rules. ``seed`` is accepted for PyMC's signature: the
    start is not random. A run that does not converge warns with its last gradient norm.
    """
    if args:
        raise TypeError("find_MAP(): extra positional arguments (scipy's args) are not supported")
    _check_method(method)
    settings = _solver_settings(int(maxeval), kwargs)
    model = modelcontext(model)
    model.sync_data()
    blocks = model._blocks()
    if not blocks:
        raise ValueError("find_MAP: the model has no unobserved continuous variables")
    x0 = _start_point(model, start, blocks)
    names = _optimized_variables(model, vars, blocks)
    raw = _core.find_map(model._cpp, x0.tolist(), names, bool(jacobian),
                         settings["max_evaluations"], settings["max_iterations"],
                         settings["gradient_tolerance"], settings["relative_tolerance"], "default")
    if not raw["converged"]:
        warnings.warn(f"find_MAP: {raw['message']}", UserWarning, stacklevel=2)
    if progressbar:
        print(f"find_MAP: logp = {raw['logp']:,.5g}, ||grad|| = {raw['gradient_norm']:.5g}, "
              f"{raw['evaluations']} evaluations", file=sys.stderr)

    values, x = raw["values"], np.asarray(raw["x"])
    mx = {}
    # PyMC's order: value variables, then the transformed variables' constrained values, then
    # the deterministics.
    for block in blocks:
        if block["value_name"] == block["name"]:
            mx[block["name"]] = np.asarray(values[block["name"]])
        else:
            piece = x[block["offset"]: block["offset"] + block["size"]]
            mx[block["value_name"]] = piece.reshape(tuple(block["unconstrained_shape"])).copy()
    for block in blocks:
        if block["value_name"] != block["name"]:
            mx[block["name"]] = np.asarray(values[block["name"]])
    for deterministic in model.deterministics:
        mx[deterministic.name] = np.asarray(values[deterministic.name])
    if not include_transformed:
        mx = {name: value for name, value in mx.items() if not name.endswith("__")}
    return (mx, _raw_result(raw)) if return_raw else mx
