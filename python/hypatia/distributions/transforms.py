"""``pm.distributions.transforms``: the transforms a variable can be sampled through."""

from __future__ import annotations

from typing import Any, Optional

from hypatia import _core
from hypatia.distributions.distribution import param


class Transform:
    name = ""

    def build(self) -> _core.Transform:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"transforms.{self.name}"


class _Simple(Transform):
    def __init__(self, name: str, builder):
        self.name = name
        self._builder = builder

    def build(self) -> _core.Transform:
        return self._builder()


class Interval(Transform):
    """Values in (lower, upper); either bound may be None."""

    name = "interval"

    def __init__(self, lower: Any = None, upper: Any = None, *, bounds_fn=None):
        if bounds_fn is not None:
            raise NotImplementedError("transforms.Interval(bounds_fn=...) is not supported by Hypatia yet")
        self.lower, self.upper = lower, upper

    def build(self) -> _core.Transform:
        lower = None if self.lower is None else param(self.lower, "lower")
        upper = None if self.upper is None else param(self.upper, "upper")
        return _core.interval_transform(lower, upper)


class ZeroSumTransform(Transform):
    name = "zerosum"

    def __init__(self, zerosum_axes=(-1,)):
        self.n_axes = len(zerosum_axes) if hasattr(zerosum_axes, "__len__") else int(zerosum_axes)

    def build(self) -> _core.Transform:
        return _core.zero_sum_transform(self.n_axes)


log = _Simple("log", _core.log_transform)
logodds = Interval(0.0, 1.0)
logodds.name = "logodds"
simplex = _Simple("simplex", _core.simplex_transform)
ordered = _Simple("ordered", _core.ordered_transform)
positive_ordered = _Simple("positive_ordered", _core.positive_ordered_transform)
univariate_ordered = ordered
multivariate_ordered = ordered
sum_to_1 = simplex
CholeskyCorr = _Simple("cholesky_corr", _core.corr_cholesky_transform)


def __getattr__(name: str):
    raise AttributeError(f"pm.distributions.transforms has no transform {name!r} in Hypatia")
