"""Adding a distribution to a model: free variables, observed variables, and observed values with
missing entries (which become free variables, imputed as PyMC does)."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import UNSET, DistributionVariable
from hypatia.distributions import transforms as transform_module
from hypatia.model import Model, _dims_list
from hypatia.tensor.variable import TensorVariable


def register_rv(model: Model, name: str, dist: DistributionVariable, *, observed: Any = None,
                dims=None, initval: Any = None, transform: Any = UNSET,
                default_transform: Any = UNSET, total_size: Any = None, rng: Any = None,
                testval: Any = None) -> TensorVariable:
    from hypatia.distributions.generative import active

    if active() is not None:
        raise ValueError(f"{name}: model variables cannot be created in a CustomDist's dist function "
                         f"(trace {active().name}); use the .dist API there")
    name = model._check_new_name(name)  # with the model's prefix, "child::x"
    if total_size is not None and observed is None:
        raise NotImplementedError(
            f"{name}: total_size= on a free variable (local variational parameters) is not "
            "supported by Hypatia; it scales observed variables")
    dims = _dims_list(dims)
    model._distributions[name] = dist
    if observed is not None:
        variable = _register_observed(model, name, dist, observed, dims)
        if total_size is not None:
            _scale_likelihood(model, name, dist, variable, total_size)
        return variable
    cpp_transform, untransformed = _resolve_transform(name, transform, default_transform)
    node = model._cpp_rv(name, dist, dist.resolved_shape(), dims, cpp_transform, untransformed)
    variable = model._add(name, TensorVariable(node), model.free_RVs)
    _after_register(model, name, dist)
    initval = testval if initval is None else initval
    if initval is not None and not (isinstance(initval, str)):
        model.rvs_to_initial_values[name] = np.asarray(initval, dtype=float)
    return variable


def _total_size_factor(name: str, total_size: Any, shape: tuple) -> float:
    """PyMC's scaling of a minibatch's log likelihood up to the full data set: total_size is the
    full length of the first axis, or one entry per leading axis (None: not scaled, Ellipsis:
    then the trailing axes)."""
    if isinstance(total_size, (int, np.integer)):
        sizes = [int(total_size)]
        axes = [0]
    else:
        entries = list(total_size)
        if Ellipsis in entries:
            split = entries.index(Ellipsis)
            leading, trailing = entries[:split], entries[split + 1:]
            axes = list(range(len(leading))) + [len(shape) - len(trailing) + k for k in range(len(trailing))]
            entries = leading + trailing
        else:
            axes = list(range(len(entries)))
        sizes = entries
    factor = 1.0
    for axis, size in zip(axes, sizes):
        if size is None:
            continue
        if axis >= len(shape) or shape[axis] == 0:
            raise ValueError(f"{name}: total_size={total_size!r} does not fit the observed shape {shape}")
        factor *= int(size) / shape[axis]
    return factor


def _scale_likelihood(model: Model, name: str, dist: DistributionVariable, variable: TensorVariable,
                      total_size: Any) -> None:
    """The extra (factor - 1) x log likelihood that scales a minibatch to the full data set."""
    factor = _total_size_factor(name, total_size, tuple(variable.node.shape))
    model.rvs_to_total_sizes[name] = total_size
    if factor == 1.0:
        return
    term = _core.mul(_core.float_scalar(factor - 1.0),
                     _core.sum(dist.distribution.logp(variable.node), [], False))
    model._cpp_potential(f"{name}__total_size_scaling", term)


def _after_register(model: Model, name: str, dist: DistributionVariable) -> None:
    hook = getattr(dist, "after_register", None)
    if hook is not None:
        hook(model, name)


def _resolve_transform(name: str, transform: Any, default_transform: Any):
    """(C++ transform or None for the default, untransformed?)."""
    chosen = transform if transform is not UNSET else default_transform
    if chosen is UNSET:
        return None, False
    if chosen is None:
        return None, True
    if isinstance(chosen, transform_module.Transform):
        return chosen.build(), False
    raise TypeError(f"{name}: transform must be one of pm.distributions.transforms or None, got {chosen!r}")


def _observed_array(name: str, observed: Any):
    if hasattr(observed, "to_numpy"):
        observed = observed.to_numpy()
    if isinstance(observed, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(observed)
        return np.asarray(observed.filled(0)), mask
    array = np.asarray(observed)
    if array.dtype == object:
        raise TypeError(f"{name}: observed values of type {type(observed).__name__} are not numbers")
    if array.dtype.kind == "f":
        mask = np.isnan(array)
        return array, mask if mask.any() else None
    return array, None


def _register_observed(model: Model, name: str, dist: DistributionVariable, observed: Any,
                       dims: list) -> TensorVariable:
    if isinstance(observed, TensorVariable):
        node = model._cpp_observe(name, dist, observed.node, dims)
        variable = model._add(name, TensorVariable(node), model.observed_RVs)
        _after_register(model, name, dist)
        return variable
    array, mask = _observed_array(name, observed)
    if mask is not None and mask.any():
        return _register_imputed(model, name, dist, array, mask, dims)
    shape = dist.resolved_shape()
    if shape is not None and tuple(shape) != array.shape and -1 not in shape:
        try:
            array = np.broadcast_to(array, shape)
        except ValueError:
            raise ValueError(
                f"{name}: the observed values have shape {array.shape}, which does not fit the "
                f"requested shape {tuple(shape)}") from None
    node = model._cpp_observe(name, dist, array, dims)
    variable = model._add(name, TensorVariable(node), model.observed_RVs)
    _after_register(model, name, dist)
    return variable


def _register_imputed(model: Model, name: str, dist: DistributionVariable, array: np.ndarray,
                      mask: np.ndarray, dims: list) -> TensorVariable:
    """Missing entries become the free variable `<name>_unobserved`, the rest are observed as
    `<name>_observed`, and `<name>` is the deterministic full array (PyMC's names)."""
    if dist.event_rank != 0 or dist.rebuild is None:
        raise NotImplementedError(
            f"{name}: missing values are imputed only for univariate families; "
            f"{dist.family} has {dist.event_rank} event axes")
    shape = array.shape
    missing = np.flatnonzero(mask.ravel())
    present = np.flatnonzero(~mask.ravel())

    def part(indices) -> DistributionVariable:
        index_node = _core.constant(indices.astype(np.int64))
        params = [_core.gather(_core.flatten(_core.broadcast_to(p, list(shape))), index_node, 0)
                  for p in dist.params]
        return DistributionVariable(dist.family, dist.rebuild(*params), rebuild=dist.rebuild,
                                    params=params)

    free = model._cpp_rv(f"{name}_unobserved", part(missing), [len(missing)], [], None, False)
    model._add(f"{name}_unobserved", TensorVariable(free), model.free_RVs)
    observed_node = model._cpp_observe(f"{name}_observed", part(present),
                                       array.ravel()[present].astype(float), [])
    model._add(f"{name}_observed", TensorVariable(observed_node), model.observed_RVs)
    base = np.where(mask, 0.0, array).ravel().astype(float)
    full = _core.scatter_add(_core.constant(base), _core.constant(missing.astype(np.int64)), free, 0)
    full = _core.reshape(full, list(shape))
    node = model._cpp_deterministic(name, full, dims)
    return model._add(name, TensorVariable(node), model.deterministics)
