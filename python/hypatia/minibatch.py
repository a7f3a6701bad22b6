"""``pm.Minibatch``: random rows of data sets, redrawn by ADVI before every iteration.

A minibatch is ``data[indices]`` where ``indices`` is an int64 data container of ``batch_size``
row numbers. The container is a placeholder in the graph until a model uses the minibatch (then
it becomes one of the model's data); ``pm.fit`` tells the C++ engine which containers are
minibatch indices, and the engine draws new rows (uniformly, with replacement, as PyMC's
``pt.random.integers``) into the compiled function before each iteration, with no Python call.
Outside a fit (``pm.sample``, ``approx.sample``), the rows are the last ones drawn, or the first
``batch_size`` rows before any fit.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable

import numpy as np

from hypatia import _core
from hypatia.tensor.variable import TensorVariable, as_tensor_variable

# Data containers of minibatch indices are named with this prefix (and hidden from constant_data).
INDEX_PREFIX = "__minibatch_indices_"

_counter = itertools.count()
# Index container name -> (rows of the full data sets, the initial indices).
_populations: dict = {}


def Minibatch(variable: Any, *variables: Any, batch_size: int = 128):
    """Random ``batch_size`` rows of one or more data sets of equal length, sharing the same rows.

    Returns one tensor for one data set, else a tuple in the order given. Observed variables of
    minibatches scale their log likelihood to the full data with ``total_size=``.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise TypeError(f"pm.Minibatch: batch_size must be a positive integer, got {batch_size!r}")
    nodes = [_node_of(v, position) for position, v in enumerate((variable, *variables))]
    lengths = set()
    for position, node in enumerate(nodes):
        if node.ndim == 0:
            raise ValueError(f"pm.Minibatch: argument {position} is a scalar; minibatches take "
                             "rows of arrays (axis 0)")
        lengths.add(int(node.shape[0]))
    if len(lengths) != 1:
        shapes = ", ".join(str(tuple(n.shape)) for n in nodes)
        raise ValueError(f"pm.Minibatch: the data sets must have equally many rows; got shapes {shapes}")
    population = lengths.pop()
    if population < 1:
        raise ValueError("pm.Minibatch: the data sets are empty")
    name = f"{INDEX_PREFIX}{next(_counter)}"
    initial = (np.arange(int(batch_size)) % population).astype(np.int64)
    _populations[name] = (population, initial)
    indices = _core.placeholder("data:" + name, "int64", [int(batch_size)])
    batches = tuple(TensorVariable(_core.gather(node, indices, 0)) for node in nodes)
    return batches[0] if len(batches) == 1 else batches


def _node_of(value: Any, position: int):
    if isinstance(value, TensorVariable):
        return value.node
    if hasattr(value, "to_numpy"):
        value = value.to_numpy()
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"pm.Minibatch: argument {position} of type {type(value).__name__} is not "
                        "an array of numbers")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"pm.Minibatch: argument {position} holds NaN or infinite values")
    return as_tensor_variable(array).node


def index_containers(nodes: Iterable) -> list:
    """(name, initial indices) of the minibatch index containers the graphs of `nodes` read."""
    nodes = [n for n in nodes if n is not None]
    if not nodes:
        return []
    found = []
    for node in _core.free_inputs(nodes):
        name = node.name or ""
        if name.startswith("data:" + INDEX_PREFIX):
            key = name[len("data:"):]
            if key in _populations:
                found.append((key, _populations[key][1]))
    return found


def populations(names: Iterable[str]) -> list:
    """(container name, rows of the full data) for the minibatch containers among `names`."""
    return [(name, _populations[name][0]) for name in names if name in _populations]


def random_rows(nodes: Iterable) -> list:
    """(placeholder, random row indices) for the minibatch index placeholders among `nodes`."""
    found = []
    for node in nodes:
        name = node.name or ""
        key = name[len("data:"):]
        if name.startswith("data:" + INDEX_PREFIX) and key in _populations:
            population, initial = _populations[key]
            found.append((node, np.random.default_rng().integers(0, population, size=len(initial))))
    return found
