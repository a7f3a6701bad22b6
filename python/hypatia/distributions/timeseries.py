"""Time-series families: the value is the whole series along the last axis (PyMC's layout)."""

from __future__ import annotations

import warnings
from typing import Optional

from hypatia import _core
from hypatia.distributions.continuous import Normal, _sigma
from hypatia.distributions.distribution import Distribution, DistributionVariable, shape_tuple


def _steps(family: str, steps, shape, size, order: int = 1) -> int:
    if steps is not None:
        return int(steps)
    shape = shape_tuple(shape) or shape_tuple(size)
    if shape:
        return int(shape[-1]) - order
    raise ValueError(f"{family}: give steps, shape or dims (the series length is unknown)")


def _init(family: str, init_dist) -> DistributionVariable:
    if init_dist is None:
        warnings.warn(f"{family}: init_dist not given; using Normal.dist(0, 100) as PyMC does",
                      UserWarning, stacklevel=4)
        return Normal.dist(0.0, 100.0)
    if not isinstance(init_dist, DistributionVariable):
        raise TypeError(f"{family}: init_dist must be an unregistered distribution (pm.Normal.dist(...))")
    return init_dist


class GaussianRandomWalk(Distribution):
    shape_from_observed = True

    @classmethod
    def dist(cls, mu=0.0, sigma=1.0, *, init_dist=None, steps=None, **kwargs):
        n_steps = _steps("GaussianRandomWalk", steps, kwargs.get("shape"), kwargs.get("size"))
        init = _init("GaussianRandomWalk", init_dist).distribution
        builder = lambda m, s: _core.GaussianRandomWalk(m, s, init, n_steps)
        return cls._make(builder, [mu, sigma], ["mu", "sigma"], **kwargs)


class AR(Distribution):
    shape_from_observed = True

    @classmethod
    def dist(cls, rho, sigma=None, tau=None, *, constant=False, init_dist=None, ar_order=None,
             steps=None, **kwargs):
        from hypatia.tensor.variable import as_tensor_variable

        sigma = _sigma("AR", sigma, tau, default=1.0)
        rho_node = as_tensor_variable(rho).node
        if rho_node.ndim == 0:  # a scalar rho is one coefficient (PyMC takes atleast_1d)
            rho_node = _core.expand_dims(rho_node, [-1])
        # ar_order counts lags only; inferred from rho, the constant's entry is not a lag.
        order = int(ar_order) if ar_order is not None else int(rho_node.shape[-1]) - (1 if constant else 0)
        n_steps = _steps("AR", steps, kwargs.get("shape"), kwargs.get("size"), order)
        init = _init("AR", init_dist).distribution
        builder = lambda r, s: _core.AR(r, s, init, n_steps, bool(constant))
        return cls._make(builder, [rho_node, sigma], ["rho", "sigma"], **kwargs)


class GARCH11(Distribution):
    shape_from_observed = True

    @classmethod
    def dist(cls, omega, alpha_1, beta_1, initial_vol, *, steps=None, **kwargs):
        n_steps = _steps("GARCH11", steps, kwargs.get("shape"), kwargs.get("size"))
        builder = lambda o, a, b, v: _core.GARCH11(o, a, b, v, n_steps)
        return cls._make(builder, [omega, alpha_1, beta_1, initial_vol],
                         ["omega", "alpha_1", "beta_1", "initial_vol"], **kwargs)


def _multivariate_walk(family: str, mu, matrices: dict, builders: dict, lower: bool, init_dist,
                       steps, kwargs):
    """What the multivariate walks share: the one scale matrix given (an upper Cholesky factor
    transposed), the length, the initial distribution, the builder for that spelling, and mu as
    a vector. Returns (builder, mu node, matrix node, its spelling, steps, init)."""
    from hypatia.distributions.distribution import one_of
    from hypatia.tensor.variable import as_tensor_variable

    which, matrix = one_of(family, **matrices)
    if which is None:
        raise TypeError(f"{family}: give {', '.join(matrices)}")
    matrix = as_tensor_variable(matrix).node
    if which == "chol" and not lower:
        matrix = _core.matrix_transpose(matrix)
    n_steps = _steps(family, steps, _time_shape(kwargs), None)
    init = _init(family, init_dist).distribution
    mu_node = as_tensor_variable(mu).node
    if mu_node.ndim == 0:
        mu_node = _core.broadcast_to(mu_node, [matrix.shape[-1]])
    return builders[which], mu_node, matrix, which, n_steps, init


def _time_shape(kwargs):
    """The time axis (second to last) of a multivariate series' shape, as a 1-tuple."""
    shape = shape_tuple(kwargs.get("shape")) or shape_tuple(kwargs.get("size"))
    return (shape[-2],) if shape and len(shape) >= 2 else None


class MvGaussianRandomWalk(Distribution):
    @classmethod
    def dist(cls, mu=0.0, *, cov=None, tau=None, chol=None, lower=True, init_dist=None, steps=None,
             **kwargs):
        builders = {"cov": _core.MvGaussianRandomWalk, "chol": _core.MvGaussianRandomWalkCholesky,
                    "tau": _core.MvGaussianRandomWalkPrecision}
        builder, mu_node, matrix, which, n_steps, init = _multivariate_walk(
            "MvGaussianRandomWalk", mu, {"cov": cov, "tau": tau, "chol": chol}, builders, lower,
            init_dist, steps, kwargs)
        return cls._make(lambda m, s: builder(m, s, init, n_steps), [mu_node, matrix], ["mu", which],
                         **kwargs)


class MvStudentTRandomWalk(Distribution):
    @classmethod
    def dist(cls, nu, mu=0.0, *, scale=None, tau=None, chol=None, lower=True, init_dist=None,
             steps=None, **kwargs):
        builders = {"scale": _core.MvStudentTRandomWalk, "chol": _core.MvStudentTRandomWalkCholesky,
                    "tau": _core.MvStudentTRandomWalkPrecision}
        builder, mu_node, matrix, which, n_steps, init = _multivariate_walk(
            "MvStudentTRandomWalk", mu, {"scale": scale, "tau": tau, "chol": chol}, builders, lower,
            init_dist, steps, kwargs)
        return cls._make(lambda n, m, s: builder(n, m, s, init, n_steps), [nu, mu_node, matrix],
                         ["nu", "mu", which], **kwargs)
