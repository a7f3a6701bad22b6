"""Mixtures of univariate components: ``pm.Mixture`` and ``pm.NormalMixture``."""

from __future__ import annotations

from hypatia import _core
from hypatia.distributions.continuous import Normal, _sigma
from hypatia.distributions.distribution import Distribution, DistributionVariable
from hypatia.tensor import variable as tv


class Mixture(Distribution):
    @classmethod
    def dist(cls, w, comp_dists, **kwargs):
        components = comp_dists if isinstance(comp_dists, (list, tuple)) else [comp_dists]
        if not all(isinstance(c, DistributionVariable) for c in components):
            raise TypeError("Mixture: comp_dists must be unregistered distributions (pm.Normal.dist(...))")
        cpp = [c.distribution for c in components]
        builder = lambda weights: _core.Mixture(weights, cpp)
        return cls._make(builder, [w], ["w"], **kwargs)


class NormalMixture(Distribution):
    @classmethod
    def dist(cls, w, mu, sigma=None, tau=None, comp_shape=(), **kwargs):
        sigma = _sigma("NormalMixture", sigma, tau, default=1.0)
        # One Normal whose last axis runs over the components (PyMC's layout).
        components = [Normal.dist(mu, sigma).distribution]
        builder = lambda weights: _core.Mixture(weights, components)
        return cls._make(builder, [w], ["w"], **kwargs)
