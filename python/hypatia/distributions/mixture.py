"""Mixtures of univariate components: ``pm.Mixture`` and ``pm.NormalMixture``."""

from __future__ import annotations

from hypatia import _core
from hypatia.distributions.continuous import Normal, _sigma
from hypatia.distributions.distribution import Distribution, DistributionVariable


def _split_last_axis(component: DistributionVariable) -> list:
    """One component per entry of the last axis of a single batched component (PyMC's
    ``pm.Mixture(w, pm.Normal.dist(mu, sigma))`` with mu of shape (..., K))."""
    if component.rebuild is None:
        raise TypeError(f"Mixture: cannot split {component.family} into its components; "
                        "pass a list of component distributions")
    shape = list(component.distribution.default_shape)
    if not shape:
        raise ValueError("Mixture: a single component distribution must have the components "
                         "along its last axis (shape (..., K))")
    leading = [(None, None, None)] * (len(shape) - 1)
    return [component.rebuild(*[_core.slice(_core.broadcast_to(p, shape), leading + [k])
                                for p in component.params])
            for k in range(shape[-1])]


def _components(comp_dists) -> list:
    if isinstance(comp_dists, DistributionVariable):
        return _split_last_axis(comp_dists)
    if not all(isinstance(c, DistributionVariable) for c in comp_dists):
        raise TypeError("Mixture: comp_dists must be unregistered distributions (pm.Normal.dist(...))")
    return [c.distribution for c in comp_dists]


class Mixture(Distribution):
    @classmethod
    def dist(cls, w, comp_dists, **kwargs):
        components = _components(comp_dists)
        builder = lambda weights: _core.Mixture(weights, components)
        return cls._make(builder, [w], ["w"], **kwargs)


class NormalMixture(Distribution):
    @classmethod
    def dist(cls, w, mu, sigma=None, tau=None, comp_shape=(), **kwargs):
        sigma = _sigma("NormalMixture", sigma, tau, default=1.0)
        components = _split_last_axis(Normal.dist(mu, sigma))
        builder = lambda weights: _core.Mixture(weights, components)
        return cls._make(builder, [w], ["w"], **kwargs)
