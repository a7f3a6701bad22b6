"""``pm.CustomDist`` and ``pm.DensityDist``: a ``logp`` written in ``hypatia.tensor`` ops, or a
generative ``dist`` function whose log density Hypatia derives (distributions/generative.py).

The user's functions are called once, here, on placeholders and the parameters; the graphs they
return become a C++ distribution, compiled with the rest of the model (no Python runs while
sampling).
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Optional

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import Distribution, DistributionVariable, param, shape_tuple
from hypatia.tensor.variable import TensorVariable, as_tensor_variable

_placeholder_ids = itertools.count()


def _support(dtype: str, support: Optional[str]) -> str:
    if support is not None:
        return support
    return "integers" if dtype.startswith("int") else "real"


def _batch_shape(params: list) -> list:
    shapes = [tuple(p.shape) for p in params]
    try:
        return list(np.broadcast_shapes(*shapes)) if shapes else []
    except ValueError:
        raise ValueError(f"CustomDist: the parameters' shapes {shapes} do not broadcast") from None


class CustomDist:
    """``pm.CustomDist(name, *dist_params, dist=None, logp=None, random=None, ndim_supp=0,
    dtype="floatX")``: with ``dist``, the value is ``dist(*dist_params, size)``, a graph of
    ``pm.X.dist(...)`` variables (and scans over them) whose log density is derived."""

    def __new__(cls, name: str, *dist_params: Any, dist: Optional[Callable] = None,
                random: Optional[Callable] = None, logp: Optional[Callable] = None,
                logcdf: Optional[Callable] = None, support_point: Optional[Callable] = None,
                moment: Optional[Callable] = None, ndim_supp: int = 0, ndims_params=None,
                signature: Optional[str] = None, dtype: str = "floatX", class_name: str = "CustomDist",
                **kwargs):
        from hypatia.distributions.register import register_rv
        from hypatia.model import Model

        if not isinstance(name, str):
            raise TypeError(f"pm.{class_name}: the first argument must be the variable's name")
        model_kwargs = {k: kwargs.pop(k) for k in ("observed", "dims", "initval", "transform",
                                                   "default_transform", "total_size", "model")
                        if k in kwargs}
        model = model_kwargs.pop("model", None) or Model.get_context()
        shape = kwargs.pop("shape", None)
        size = kwargs.pop("size", None)
        support = kwargs.pop("support", None)
        if kwargs:
            raise TypeError(f"pm.{class_name}: unexpected keyword arguments {', '.join(sorted(kwargs))}")
        if dist is None and logp is None:
            raise TypeError(f"pm.{class_name}({name!r}): give a logp function or a dist function")
        observed = model_kwargs.get("observed")
        if dist is not None:
            requested = _requested_size(shape, size, observed, model, model_kwargs.get("dims"), ndim_supp)
            distribution = _from_generative(name, dist, dist_params, requested, logp, ndim_supp, support)
            return register_rv(model, name, distribution, **model_kwargs)
        value_shape = _value_shape(name, dist_params, shape, size, observed, model, model_kwargs.get("dims"))
        distribution = _build(name, dist_params, logp, ndim_supp, dtype, value_shape, support, class_name)
        return register_rv(model, name, distribution, **model_kwargs)

    @classmethod
    def dist(cls, *dist_params, logp=None, dist=None, ndim_supp: int = 0, dtype: str = "floatX",
             shape=None, size=None, class_name: str = "CustomDist", support=None,
             **kwargs) -> DistributionVariable:
        if dist is not None:
            requested = _requested_size(shape, size, None, None, None, ndim_supp)
            return _from_generative(class_name, dist, dist_params, requested, logp, ndim_supp, support)
        if logp is None:
            raise TypeError(f"{class_name}.dist: give a logp function or a dist function")
        value_shape = _value_shape(class_name, dist_params, shape, size, None, None, None)
        return _build(class_name, dist_params, logp, ndim_supp, dtype, value_shape, support, class_name)


def _value_shape(name, dist_params, shape, size, observed, model, dims) -> list:
    if shape is not None:
        return list(shape_tuple(shape))
    if size is not None:
        return list(shape_tuple(size))
    if observed is not None:
        observed = observed.node.shape if isinstance(observed, TensorVariable) else np.shape(observed)
        return list(observed)
    if dims is not None and model is not None:
        dims = (dims,) if isinstance(dims, str) else dims
        return [len(model.coords[d]) for d in dims]
    return _batch_shape([as_tensor_variable(p).node for p in dist_params])


def _requested_size(shape, size, observed, model, dims, ndim_supp: int) -> Optional[tuple]:
    """The size the dist function is called with: PyMC's batch shape (the requested shape without
    its ndim_supp support axes), or None when nothing asks for one."""
    if shape is None and size is not None:
        return tuple(shape_tuple(size))
    full = None
    if shape is not None:
        full = tuple(shape_tuple(shape))
    elif observed is not None:
        full = tuple(observed.node.shape if isinstance(observed, TensorVariable) else np.shape(observed))
    elif dims is not None and model is not None:
        dims = (dims,) if isinstance(dims, str) else dims
        if all(d in model.coords for d in dims):
            full = tuple(len(model.coords[d]) for d in dims)
    if full is None:
        return None
    return full[:len(full) - int(ndim_supp)] if ndim_supp else full


class CustomDistVariable(DistributionVariable):
    """An unregistered CustomDist. Its graphs are built from the user's functions over the
    parameters, so a rebuilt model (pm.observe, pm.do, new data) calls them again over the new
    parameter nodes."""

    def __init__(self, family: str, make, params: list, shape: tuple):
        super().__init__(family, make(params), shape, params=params)
        self._make = make  # parameter nodes -> the C++ distribution

    def rebuilt(self, substitute) -> _core.Distribution:
        return self._make([substitute(p) for p in self.params])

    def substituted(self, substitute) -> "CustomDistVariable":
        return CustomDistVariable(self.family, self._make, [substitute(p) for p in self.params],
                                  self.requested_shape)


def _from_generative(name, dist, dist_params, size, logp, ndim_supp, support) -> DistributionVariable:
    """A CustomDist from the graph `dist(*params, size)` returns: its log density derived from
    that graph (unless `logp` is given) and its draws from the graph itself."""
    params = [as_tensor_variable(p).node for p in dist_params]
    shapes = []

    def make(nodes):
        distribution, shape = _generative_distribution(name, dist, nodes, size, logp, ndim_supp, support)
        shapes.append(shape)
        return distribution

    variable = CustomDistVariable("CustomDist", make, params, None)
    variable.requested_shape = shapes[0]
    return variable


def _generative_distribution(name, dist, param_nodes, size, logp, ndim_supp, support):
    from hypatia.distributions import generative

    params = [TensorVariable(p) for p in param_nodes]
    value, derived_logp, event_rank, derived_support, state, draw, next_state = generative.derive(
        name, dist, params, size, int(ndim_supp), derive_logp=logp is None)
    if logp is not None:
        derived_logp = as_tensor_variable(logp(TensorVariable(value), *params)).node
        event_rank = int(ndim_supp)
    kind = _support(value.dtype, support if support is not None else (derived_support or None))
    distribution = _core.CustomDist(name, value, derived_logp, int(event_rank), kind, state, draw,
                                    next_state)
    return distribution, tuple(value.shape)


def _build(name, dist_params, logp, ndim_supp, dtype, shape, support, class_name) -> DistributionVariable:
    numpy_dtype = "float64" if dtype == "floatX" else str(np.dtype(dtype))
    node_dtype = "int64" if numpy_dtype.startswith("int") else "float64"

    def make(nodes):
        value = TensorVariable(_core.placeholder(f"{class_name}:{name}:{next(_placeholder_ids)}",
                                                 node_dtype, [int(s) for s in shape]))
        result = as_tensor_variable(logp(value, *[TensorVariable(p) for p in nodes]))
        return _core.CustomDist(name, value.node, result.node, int(ndim_supp),
                                _support(node_dtype, support))

    return CustomDistVariable(class_name, make, [as_tensor_variable(p).node for p in dist_params],
                              tuple(shape))


def DensityDist(name: str, *dist_params: Any, **kwargs):
    """PyMC's older name for CustomDist."""
    return CustomDist(name, *dist_params, class_name="DensityDist", **kwargs)
