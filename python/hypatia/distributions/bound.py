"""``pm.Truncated`` and ``pm.Censored`` around unregistered distributions."""

from __future__ import annotations

from hypatia import _core
from hypatia.distributions.distribution import Distribution, DistributionVariable, param


def _bounded(cls, engine_builder, dist, lower, upper, kwargs) -> DistributionVariable:
    """`dist` restricted to [lower, upper] by `engine_builder` (Truncated or Censored); the shape
    defaults to the base distribution's."""
    if not isinstance(dist, DistributionVariable):
        raise TypeError(f"{cls.__name__}: dist must be an unregistered distribution such as "
                        "pm.Normal.dist(0, 1)")
    lower_node = None if lower is None else param(lower, "lower")
    upper_node = None if upper is None else param(upper, "upper")
    if kwargs.get("shape") is None and kwargs.get("size") is None:
        kwargs["shape"] = dist.requested_shape
    return cls._make(lambda: engine_builder(dist.distribution, lower_node, upper_node), [], **kwargs)


class Truncated(Distribution):
    @classmethod
    def dist(cls, dist, lower=None, upper=None, max_n_steps: int = 10_000, **kwargs):
        return _bounded(cls, _core.Truncated, dist, lower, upper, kwargs)


class Censored(Distribution):
    @classmethod
    def dist(cls, dist, lower=None, upper=None, **kwargs):
        return _bounded(cls, _core.Censored, dist, lower, upper, kwargs)
