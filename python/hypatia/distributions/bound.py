"""``pm.Truncated`` and ``pm.Censored`` around unregistered distributions."""

from __future__ import annotations

from hypatia import _core
from hypatia.distributions.distribution import Distribution, DistributionVariable, param


def _bound(value, name):
    return None if value is None else param(value, name)


def _base(family: str, dist) -> DistributionVariable:
    if not isinstance(dist, DistributionVariable):
        raise TypeError(f"{family}: dist must be an unregistered distribution such as pm.Normal.dist(0, 1)")
    return dist


class Truncated(Distribution):
    @classmethod
    def dist(cls, dist, lower=None, upper=None, max_n_steps: int = 10_000, **kwargs):
        base = _base("Truncated", dist)
        lower_node, upper_node = _bound(lower, "lower"), _bound(upper, "upper")
        builder = lambda: _core.Truncated(base.distribution, lower_node, upper_node)
        if kwargs.get("shape") is None and kwargs.get("size") is None:
            kwargs["shape"] = base.requested_shape
        return cls._make(builder, [], **kwargs)


class Censored(Distribution):
    @classmethod
    def dist(cls, dist, lower=None, upper=None, **kwargs):
        base = _base("Censored", dist)
        lower_node, upper_node = _bound(lower, "lower"), _bound(upper, "upper")
        builder = lambda: _core.Censored(base.distribution, lower_node, upper_node)
        if kwargs.get("shape") is None and kwargs.get("size") is None:
            kwargs["shape"] = base.requested_shape
        return cls._make(builder, [], **kwargs)
