"""The base of every ``pm.<Family>``: PyMC's calling convention over the C++ families.

``pm.Normal("x", mu, sigma, dims="school")`` registers a variable in the model of the current
``with`` block; ``pm.Normal.dist(mu, sigma)`` returns an unregistered DistributionVariable that
can be drawn from, evaluated with ``pm.logp`` or passed to Mixture, Truncated, Censored, ... .
Each family class only spells PyMC's parameters and picks the C++ builder.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from hypatia import _core
from hypatia.tensor.variable import TensorVariable, as_tensor_variable

UNSET = object()

_MODEL_KEYWORDS = ("observed", "dims", "initval", "transform", "default_transform", "total_size",
                   "rng", "testval", "model")


def param(value: Any, name: str = "") -> _core.Node:
    """A parameter as a C++ node (numbers and arrays become constants; a node built by an
    alternative parameterization, such as sigma from tau, is used as it is)."""
    if isinstance(value, _core.Node):
        return value
    if isinstance(value, DistributionVariable):
        from hypatia.distributions.generative import traced_node

        node = traced_node(value)  # a random parameter inside a CustomDist's dist function
        if node is not None:
            return node
        raise TypeError(
            f"parameter {name!r} is an unregistered distribution ({value.family}.dist()); "
            "register it in the model (pm.{0}(name, ...)) to use it as a parameter".format(value.family)
        )
    try:
        return as_tensor_variable(value).node
    except TypeError as error:
        raise TypeError(f"parameter {name!r}: {error}") from None


def check_constant(family: str, name: str, value: Any, valid, requirement: str) -> None:
    """A constant parameter of an alternative parameterization (tau, lam, scale, mu/sigma, ...)
    outside its domain is a ValueError naming it: the check after conversion would name the
    converted parameter (sigma for tau) and show a converted, possibly NaN, value."""
    if value is None or isinstance(value, (TensorVariable, _core.Node, DistributionVariable)):
        return
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return
    bad = ~np.asarray(valid(array), dtype=bool)
    if np.any(bad):
        shown = array if array.ndim == 0 else array[bad].ravel()[:3]
        raise ValueError(f"{family}: parameter {name} must be {requirement}; got {shown}")


def one_of(family: str, **alternatives: Any) -> tuple[str, Any]:
    """The one alternative parameterization that was given, e.g. sigma or tau."""
    given = [(k, v) for k, v in alternatives.items() if v is not None]
    if len(given) > 1:
        names = " and ".join(k for k, _ in given)
        raise ValueError(f"{family}: give only one of {', '.join(alternatives)} (got {names})")
    return given[0] if given else (None, None)


def shape_tuple(value) -> Optional[tuple]:
    if value is None:
        return None
    if isinstance(value, TensorVariable):
        value = value.eval()
    if np.ndim(value) == 0:
        return (int(value),)
    return tuple(int(v) if v is not None else -1 for v in value)


class DistributionVariable:
    """An unregistered distribution (what ``Family.dist(...)`` returns)."""

    def __init__(self, family: str, distribution: _core.Distribution, shape: Optional[tuple] = None,
                 size: Optional[tuple] = None, rebuild=None, params: Sequence = ()):
        self.family = family
        self.distribution = distribution
        self.size = size
        self.requested_shape = shape
        # rebuild(*params) makes the same family with other parameter nodes (for imputation).
        self.rebuild = rebuild
        self.params = list(params)

    @property
    def event_rank(self) -> int:
        return self.distribution.event_rank

    def resolved_shape(self) -> Optional[list]:
        if self.requested_shape is not None:
            return list(self.requested_shape)
        if self.size is not None:
            event = list(self.distribution.default_shape)[len(self.distribution.default_shape) - self.event_rank:]
            return list(self.size) + (event if self.event_rank else [])
        return None

    @property
    def ndim(self) -> int:
        shape = self.resolved_shape()
        return len(shape) if shape is not None else len(self.distribution.default_shape)

    def rebuilt(self, substitute) -> _core.Distribution:
        """The C++ distribution with each parameter node passed through `substitute`."""
        if self.rebuild is None:
            return self.distribution
        return self.rebuild(*[substitute(p) for p in self.params])

    def substituted(self, substitute) -> "DistributionVariable":
        """The same family over parameters passed through `substitute` (a rebuilt model)."""
        params = [substitute(p) for p in self.params]
        copy = DistributionVariable(self.family, self.rebuilt(substitute), self.requested_shape,
                                    self.size, rebuild=self.rebuild, params=params)
        return copy

    def draw_shape(self) -> list:
        shape = self.resolved_shape()
        return shape if shape is not None else list(self.distribution.default_shape)

    def eval(self, random_seed: Optional[int] = None):
        from hypatia.sampling import draw

        return draw(self, random_seed=random_seed)

    def __repr__(self) -> str:
        return f"{self.family}.dist(shape={tuple(self.draw_shape())})"

    __array_ufunc__ = None  # numpy defers to the reflected operators below

    # Inside a CustomDist's dist function an unregistered distribution is a tensor (PyMC's .dist()
    # returns one): its methods and operators act on the traced variable's node.
    def _traced_tensor(self) -> TensorVariable:
        return as_tensor_variable(self)

    def __getattr__(self, name: str):
        from hypatia.distributions.generative import active

        if name.startswith("_") or active() is None or not hasattr(TensorVariable, name):
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        return getattr(self._traced_tensor(), name)

    def __neg__(self):
        return -self._traced_tensor()

    def __add__(self, other):
        return self._traced_tensor() + other

    def __radd__(self, other):
        return other + self._traced_tensor()

    def __sub__(self, other):
        return self._traced_tensor() - other

    def __rsub__(self, other):
        return other - self._traced_tensor()

    def __mul__(self, other):
        return self._traced_tensor() * other

    def __rmul__(self, other):
        return other * self._traced_tensor()

    def __truediv__(self, other):
        return self._traced_tensor() / other

    def __rtruediv__(self, other):
        return other / self._traced_tensor()

    def __pow__(self, other):
        return self._traced_tensor() ** other

    def __getitem__(self, index):
        return self._traced_tensor()[index]

    def __hypatia_tensor__(self):
        from hypatia.distributions.generative import traced_node

        node = traced_node(self)  # inside a CustomDist's dist function: a traced random variable
        if node is not None:
            return TensorVariable(node)
        raise TypeError(
            f"{self.family}.dist(...) is an unregistered distribution, not a tensor: give it a name "
            f"(pm.{self.family}('x', ...)) inside a model to use its value"
        )


class Distribution:
    """Base class of PyMC-named families. Subclasses define ``dist`` (PyMC's signature) and call
    ``cls._make(builder, params, ...)``."""

    # True for families whose dist() must know the value's shape (a series' number of steps).
    shape_from_observed = False

    def __new__(cls, name: str, *args: Any, **kwargs: Any):
        from hypatia.model import Model
        from hypatia.distributions.register import register_rv

        if not isinstance(name, str):
            raise TypeError(
                f"pm.{cls.__name__}: the first argument must be the variable's name (a string), "
                f"got {type(name).__name__}; use pm.{cls.__name__}.dist(...) for an unnamed one"
            )
        model_kwargs = {k: kwargs.pop(k) for k in _MODEL_KEYWORDS if k in kwargs}
        model = model_kwargs.pop("model", None) or Model.get_context()
        dims = model_kwargs.get("dims")
        observed = model_kwargs.get("observed")
        if "shape" not in kwargs and "size" not in kwargs:
            if cls.shape_from_observed and observed is not None:
                # PyMC takes an unsized variable's shape from its observed values; families whose
                # builder needs the length (time series) get it here.
                kwargs["shape"] = _observed_shape(observed)
            elif dims is not None:
                kwargs["shape"] = _shape_from_dims(model, dims, observed)
        try:
            dist = cls.dist(*args, **kwargs)
        except (TypeError, ValueError) as error:
            # The same error, now naming the variable the user was creating.
            raise _named(error, name) from error
        return register_rv(model, name, dist, **model_kwargs)

    @classmethod
    def _make(cls, builder, params: Sequence, names: Sequence[str] = (), shape=None, size=None,
              family: Optional[str] = None, **unexpected) -> DistributionVariable:
        family = family or cls.__name__
        if unexpected:
            raise TypeError(f"{family}: unexpected keyword arguments {', '.join(map(repr, unexpected))}")
        if shape is not None and size is not None:
            raise ValueError(f"{family}: give shape or size, not both")
        nodes = [param(p, n) for p, n in zip(params, list(names) + [""] * len(params))]
        distribution = builder(*nodes)
        return DistributionVariable(family, distribution, shape_tuple(shape), shape_tuple(size),
                                    rebuild=builder, params=nodes)


def _observed_shape(observed) -> tuple:
    if isinstance(observed, TensorVariable):
        return tuple(int(d) for d in observed.node.shape)
    if hasattr(observed, "to_numpy"):
        observed = observed.to_numpy()
    return tuple(np.shape(observed))


def _named(error: Exception, name: str) -> Exception:
    message = str(error)
    if message.startswith(f"{name}:"):
        return error
    try:
        return type(error)(f"{name}: {message}")
    except TypeError:  # an exception type with another constructor
        return error


def _shape_from_dims(model, dims, observed) -> Optional[tuple]:
    dims = (dims,) if isinstance(dims, str) else tuple(dims)
    if observed is not None:
        return None  # the observed values give the shape
    if any(d is ... or d not in model.coords for d in dims):
        missing = [d for d in dims if d is not ... and d not in model.coords]
        if missing:
            raise KeyError(f"dims {missing} have no coordinates in the model (coords: {list(model.coords)})")
        return None
    return tuple(len(model.coords[d]) for d in dims)
