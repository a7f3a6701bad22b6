"""``pymc.pytensorf`` helpers that model code imports."""

from __future__ import annotations

from typing import Any

import numpy as np

from hypatia.tensor.variable import TensorVariable


def floatX(value: Any):
    """`value` as float64 (Hypatia's floatX): a numpy array, or a cast tensor."""
    if isinstance(value, TensorVariable):
        from hypatia.tensor import basic

        return basic.cast(value, "float64")
    return np.asarray(value, dtype=np.float64)


def intX(value: Any):
    if isinstance(value, TensorVariable):
        from hypatia.tensor import basic

        return basic.cast(value, "int64")
    return np.asarray(value, dtype=np.int64)


def smartfloatX(value: Any):
    """Floats become floatX; integers stay integers."""
    if isinstance(value, TensorVariable):
        return value
    array = np.asarray(value)
    return floatX(array) if array.dtype.kind == "f" else array


def constant_fold(xs, raise_not_constant: bool = True):
    from hypatia.tensor.variable import evaluate

    return tuple(evaluate(list(xs)))


def collect_default_updates(outputs=None, inputs=None, must_be_shared: bool = True, **kwargs) -> dict:
    """PyMC's map from random generators to their updates. Hypatia threads the random state
    through draws itself (a scan's steps included), so there is nothing to collect."""
    return {}
