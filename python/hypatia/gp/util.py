"""Helpers shared by the GP classes: converting inputs to graph nodes, PyMC's jitter."""

from __future__ import annotations

from typing import Any

import numpy as np

from hypatia import _core
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable

JITTER_DEFAULT = 1e-6


def node(value: Any) -> _core.Node:
    """`value` (a number, array, list of variables or TensorVariable) as a float64 node."""
    n = basic._t(value).node
    return n if n.dtype == "float64" else _core.cast(n, "float64")


def wrap(n: _core.Node) -> TensorVariable:
    return basic.wrap(n)


def matrix(value: Any, what: str, owner: str) -> _core.Node:
    """`value` as a float64 node of rank 2; a clear ValueError otherwise."""
    n = node(value)
    if n.ndim != 2:
        raise ValueError(f"{owner}: {what} must be a 2-d array (n, input_dim), got shape {tuple(n.shape)}"
                         + ("; use X[:, None] for one input dimension" if n.ndim == 1 else ""))
    return n


def rows(n: _core.Node) -> _core.Node:
    """An (n,) vector with one entry per row of the matrix node `n` (zeros)."""
    return _core.zeros_like(_core.slice(n, [(None, None, None), 0]))


def stabilize(K, jitter: float = JITTER_DEFAULT) -> TensorVariable:
    """K + jitter * I, as PyMC's ``pm.gp.util.stabilize``: keeps the Cholesky factor of a
    positive semi-definite matrix finite."""
    k = node(K)
    return wrap(_core.add(k, _core.diag(_core.full_like(_core.diagonal(k), float(jitter)))))
