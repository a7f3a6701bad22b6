"""``hypatia.tensor``: PyTensor's ``pytensor.tensor`` namespace over Hypatia's graph.

``import hypatia.tensor as pt`` replaces ``import pytensor.tensor as pt``: the functions keep
PyTensor's names, arguments and defaults, and build nodes of the C++ graph.
"""

from __future__ import annotations

import itertools as _itertools
from typing import Optional, Sequence

from numpy import e, inf, nan, newaxis, pi  # noqa: F401  (PyTensor re-exports these)

from hypatia import _core
from hypatia.tensor import extra_ops, linalg, nlinalg, slinalg, special  # noqa: F401
from hypatia.tensor import math  # noqa: F401
from hypatia.tensor.basic import *  # noqa: F401,F403
from hypatia.tensor.basic import abs, all, any, max, min, pow, round, sum  # noqa: F401
from hypatia.tensor.basic import dtype_name as _dtype_name
from hypatia.tensor.basic import floatX as _floatX
from hypatia.tensor.linalg import (  # noqa: F401
    cholesky, det, inv, kron, matrix_dot, matrix_inverse, slogdet, solve, solve_triangular,
)
from hypatia.tensor.subtensor import inc_subtensor, set_subtensor, take, take_along_axis  # noqa: F401
from hypatia.tensor.variable import TensorConstant, TensorType, TensorVariable  # noqa: F401

for _name in ("np", "builtins", "numbers", "annotations", "Any", "Optional", "Sequence"):
    globals().pop(_name, None)

Variable = TensorVariable


def grad(cost, wrt, **kwargs):
    from hypatia import pytensor

    return pytensor.grad(cost, wrt, **kwargs)


def jacobian(expression, wrt):
    from hypatia import pytensor

    return pytensor.jacobian(expression, wrt)


def hessian(cost, wrt):
    from hypatia import pytensor

    return pytensor.hessian(cost, wrt)
_unnamed = _itertools.count()


def tensor(dtype=None, *, name: Optional[str] = None, shape: Optional[Sequence] = None,
           **kwargs) -> TensorVariable:
    """A symbolic input (PyTensor's ``pt.tensor``); ``shape`` entries may be None (unknown)."""
    if isinstance(dtype, str) and dtype != "floatX" and name is None and _is_name(dtype):
        name, dtype = dtype, None  # pt.tensor("x", shape=...), PyTensor's older spelling
    if shape is None:
        shape = tuple(None if b is False else 1 for b in kwargs.get("broadcastable", ()))
    dtype = _floatX() if dtype is None else _dtype_name(dtype)
    dims = [-1 if extent is None else int(extent) for extent in shape]
    # Placeholders are hash-consed by (name, type): unnamed ones get a unique internal name so
    # that two pt.vector() are two inputs.
    node_name = name if name is not None else f"_input{next(_unnamed)}"
    return TensorVariable(_core.placeholder(node_name, dtype, dims), name)


def _is_name(text: str) -> bool:
    try:
        _dtype_name(text)
        return False
    except TypeError:
        return True


def _constructor(ndim: int, dtype: Optional[str], static: Optional[tuple] = None):
    def make(name: Optional[str] = None, dtype: Optional[str] = dtype, shape=None) -> TensorVariable:
        shape = static if shape is None and static is not None else shape
        shape = (None,) * ndim if shape is None else tuple(shape)
        if len(shape) != ndim:
            raise ValueError(f"shape {shape} does not have {ndim} dimensions")
        return tensor(dtype, name=name, shape=shape)

    return make


_RANKS = {"scalar": 0, "vector": 1, "matrix": 2, "tensor3": 3, "tensor4": 4, "tensor5": 5,
          "tensor6": 6, "tensor7": 7}
_PREFIXES = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64"}

for _kind, _rank in _RANKS.items():
    globals()[_kind] = _constructor(_rank, None)
    for _prefix, _dt in _PREFIXES.items():
        globals()[_prefix + _kind] = _constructor(_rank, _dt)
for _kind, _static in (("row", (1, None)), ("col", (None, 1))):
    globals()[_kind] = _constructor(2, None, _static)
    for _prefix, _dt in _PREFIXES.items():
        globals()[_prefix + _kind] = _constructor(2, _dt, _static)
del _kind, _rank, _prefix, _dt, _static
