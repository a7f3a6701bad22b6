"""``pm.Simulator``: likelihood-free inference (ABC) with a Python simulator.

The simulator ``fn(rng, *params, size)`` runs as a black-box op (pytensor.graph.Op, a user_op
called back from compiled code), and the variable's log density is PyMC's ABC pseudo-likelihood
``distance(epsilon, sum_stat(observed), sum_stat(simulated))``, with a fresh simulation at every
evaluation. It has no gradient, so it is sampled by ``pm.sample_smc`` (or gradient-free steps).
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from hypatia.pytensor.graph.op import Apply, Op
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable


def identity(x):
    """Identity function, used as a summary statistic."""
    return x


def gaussian(epsilon, obs_data, sim_data):
    """Gaussian kernel: -0.5 ((obs - sim) / epsilon)^2."""
    return -0.5 * ((obs_data - sim_data) / epsilon) ** 2


def laplace(epsilon, obs_data, sim_data):
    """Laplace kernel: -|obs - sim| / epsilon."""
    return -basic.abs((obs_data - sim_data) / epsilon)


class _SimulatorOp(Op):
    """fn(rng, *params, size=shape) as an op: a new draw at every evaluation."""

    def __init__(self, name: str, fn: Callable, shape: tuple, dtype: str):
        self.name, self.fn, self.shape, self.dtype = f"Simulator_{name}", fn, tuple(shape), dtype
        # PyMC also simulates with a fresh, unseeded generator (draws differ between runs).
        self.rng = np.random.default_rng()

    def make_node(self, *params) -> Apply:
        params = [basic.as_tensor(p) for p in params]
        return Apply(self, params, [_tensor(self.dtype, self.shape)])

    def perform(self, node, inputs, outputs):
        simulated = np.asarray(self.fn(self.rng, *inputs, size=self.shape), dtype=self.dtype)
        if simulated.shape != self.shape:
            simulated = np.broadcast_to(simulated, self.shape)
        outputs[0][0] = simulated


def _tensor(dtype: str, shape: tuple) -> TensorVariable:
    from hypatia.tensor import tensor

    return tensor(dtype, shape=shape)


class _NumpyFunctionOp(Op):
    """A numpy summary statistic or distance as an op, its output shape found from observed data."""

    def __init__(self, name: str, fn: Callable, output_shape: tuple):
        self.name, self.fn, self.output_shape = name, fn, tuple(output_shape)

    def make_node(self, *inputs) -> Apply:
        inputs = [basic.as_tensor(i) for i in inputs]
        return Apply(self, inputs, [_tensor("float64", self.output_shape)])

    def perform(self, node, inputs, outputs):
        outputs[0][0] = np.atleast_1d(np.asarray(self.fn(*inputs), dtype="float64")).reshape(self.output_shape)


def _symbolic_or_none(fn: Callable, *args) -> Optional[TensorVariable]:
    """fn applied to tensors, when it builds a graph (PyMC tries the same before wrapping)."""
    try:
        result = fn(*args)
    except Exception:  # numpy code fails on tensors: it is wrapped as an op instead
        return None
    return result if isinstance(result, TensorVariable) else None


def _summary_statistic(sum_stat: Any, observed: np.ndarray) -> Callable:
    if isinstance(sum_stat, Op):
        return sum_stat
    if isinstance(sum_stat, str):
        named = {"identity": identity, "sort": basic.sort, "mean": basic.mean, "median": basic.median}
        if sum_stat not in named:
            raise ValueError(f"pm.Simulator: sum_stat {sum_stat!r} is not implemented (expected one of "
                             f"{', '.join(named)} or a function)")
        return named[sum_stat]
    if not callable(sum_stat):
        raise TypeError(f"pm.Simulator: sum_stat must be a name or a function, got {sum_stat!r}")
    if _symbolic_or_none(sum_stat, basic.as_tensor(observed)) is not None:
        return sum_stat
    shape = np.atleast_1d(np.asarray(sum_stat(observed))).shape
    return _NumpyFunctionOp(getattr(sum_stat, "__name__", "sum_stat"), sum_stat, shape)


def _distance(distance: Any, epsilon, observed_stat: TensorVariable) -> Callable:
    if isinstance(distance, Op):
        return distance
    if isinstance(distance, str):
        if distance == "kullback_leibler":
            raise NotImplementedError("pm.Simulator: distance='kullback_leibler' is not supported yet")
        named = {"gaussian": gaussian, "laplace": laplace}
        if distance not in named:
            raise ValueError(f"pm.Simulator: the distance {distance!r} is not implemented (expected "
                             "'gaussian', 'laplace' or a function)")
        return named[distance]
    if not callable(distance):
        raise TypeError(f"pm.Simulator: distance must be a name or a function, got {distance!r}")
    if _symbolic_or_none(distance, epsilon, observed_stat, observed_stat) is not None:
        return distance
    from hypatia.tensor.basic import static_value

    example = static_value(observed_stat)
    shape = np.atleast_1d(np.asarray(distance(static_value(epsilon), example, example))).shape
    return _NumpyFunctionOp(getattr(distance, "__name__", "distance"), distance, shape)


class Simulator:
    """``pm.Simulator(name, fn, *params, distance="gaussian", sum_stat="identity", epsilon=1,
    observed=...)``: ``fn(rng, *params, size)`` simulates data like ``observed``."""

    def __new__(cls, name: str, fn: Callable, *unnamed_params, params=None, distance="gaussian",
                sum_stat="identity", epsilon=1, ndim_supp: int = 0, ndims_params=None,
                dtype: str = "floatX", observed=None, **kwargs):
        from hypatia.distributions.custom import CustomDist

        if not callable(fn):
            raise TypeError(f"pm.Simulator({name!r}): fn must be a function fn(rng, *params, size)")
        if params is None:
            params = unnamed_params
        elif unnamed_params:
            raise ValueError(f"pm.Simulator({name!r}): cannot pass both unnamed parameters and `params`")
        if observed is None:
            raise ValueError(f"pm.Simulator({name!r}): give the observed data (a simulator has no "
                             "density to sample from)")
        observed_values = np.asarray(observed.get_value() if hasattr(observed, "get_value") else
                                     getattr(observed, "values", observed), dtype="float64")
        numpy_dtype = "float64" if dtype == "floatX" else str(np.dtype(dtype))
        simulator = _SimulatorOp(name, fn, observed_values.shape,
                                 "float64" if numpy_dtype.startswith("float") else numpy_dtype)
        stat = _summary_statistic(sum_stat, observed_values)
        epsilon = basic.as_tensor(np.asarray(epsilon, dtype="float64"))
        observed_stat = stat(basic.as_tensor(observed_values))
        distance_fn = _distance(distance, epsilon, observed_stat)

        def logp(value, *parameters):
            simulated = basic.cast(simulator(*parameters), "float64")
            return basic.sum(distance_fn(epsilon, stat(value), stat(simulated)))

        # The distance is summed over the summary statistics (whose shape may differ from the
        # data's), so the whole observation is one event.
        return CustomDist(name, *params, logp=logp, observed=observed, class_name="Simulator",
                          ndim_supp=observed_values.ndim, **kwargs)
