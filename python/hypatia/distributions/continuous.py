"""Continuous univariate families under PyMC's names and parameterizations."""

from __future__ import annotations

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import Distribution, check_constant, one_of, param
from hypatia.tensor import variable as tv


def _node(value):
    return param(value)


def _sigma(family: str, sigma, tau, default=None):
    """sigma from sigma or tau = 1 / sigma^2."""
    which, value = one_of(family, sigma=sigma, tau=tau)
    if which is None:
        if default is None:
            raise TypeError(f"{family}: give sigma (or tau)")
        return default
    if which == "tau":
        check_constant(family, "tau", value, lambda v: v > 0, "> 0")
        return _core.pow(_node(value), _core.float_scalar(-0.5))
    return value


def _positive(v):
    return v > 0


def _lam_to_sigma(family: str, sigma, lam, default=None):
    which, value = one_of(family, sigma=sigma, lam=lam)
    if which is None:
        return default
    if which == "lam":
        check_constant(family, "lam", value, _positive, "> 0")
        return _core.pow(_node(value), _core.float_scalar(-0.5))
    return value


def _check_mean_sd(family: str, mu, sigma) -> None:
    check_constant(family, "mu", mu, _positive, "> 0")
    check_constant(family, "sigma", sigma, _positive, "> 0")


def _moments_to_gamma(mu, sigma):
    _check_mean_sd("Gamma", mu, sigma)
    mu, sigma = _node(mu), _node(sigma)
    variance = _core.square(sigma)
    return _core.div(_core.square(mu), variance), _core.div(mu, variance)


class Normal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=None, tau=None, **kwargs):
        sigma = _sigma("Normal", sigma, tau, default=1.0)
        return cls._make(_core.Normal, [mu, sigma], ["mu", "sigma"], **kwargs)


class HalfNormal(Distribution):
    @classmethod
    def dist(cls, sigma=None, tau=None, **kwargs):
        sigma = _sigma("HalfNormal", sigma, tau, default=1.0)
        return cls._make(_core.HalfNormal, [sigma], ["sigma"], **kwargs)


class TruncatedNormal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=None, tau=None, lower=None, upper=None, **kwargs):
        sigma = _sigma("TruncatedNormal", sigma, tau, default=1.0)
        lower_node = None if lower is None else param(lower, "lower")
        upper_node = None if upper is None else param(upper, "upper")
        builder = lambda m, s: _core.TruncatedNormal(m, s, lower_node, upper_node)
        return cls._make(builder, [mu, sigma], ["mu", "sigma"], **kwargs)


class StudentT(Distribution):
    @classmethod
    def dist(cls, nu, mu=0.0, sigma=None, lam=None, **kwargs):
        sigma = _lam_to_sigma("StudentT", sigma, lam, default=1.0)
        return cls._make(_core.StudentT, [nu, mu, sigma], ["nu", "mu", "sigma"], **kwargs)


class HalfStudentT(Distribution):
    @classmethod
    def dist(cls, nu=1.0, sigma=None, lam=None, **kwargs):
        sigma = _lam_to_sigma("HalfStudentT", sigma, lam, default=1.0)
        return cls._make(_core.HalfStudentT, [nu, sigma], ["nu", "sigma"], **kwargs)


class Cauchy(Distribution):
    @classmethod
    def dist(cls, alpha, beta, **kwargs):
        return cls._make(_core.Cauchy, [alpha, beta], ["alpha", "beta"], **kwargs)


class HalfCauchy(Distribution):
    @classmethod
    def dist(cls, beta, **kwargs):
        return cls._make(_core.HalfCauchy, [beta], ["beta"], **kwargs)


class Exponential(Distribution):
    @classmethod
    def dist(cls, lam=None, *, scale=None, **kwargs):
        which, value = one_of("Exponential", lam=lam, scale=scale)
        if which is None:
            raise TypeError("Exponential: give lam (or scale)")
        if which == "scale":
            check_constant("Exponential", "scale", value, _positive, "> 0")
        rate = _core.reciprocal(_node(value)) if which == "scale" else value
        return cls._make(_core.Exponential, [rate], ["lam"], **kwargs)


class Gamma(Distribution):
    @classmethod
    def dist(cls, alpha=None, beta=None, mu=None, sigma=None, **kwargs):
        if alpha is not None and beta is not None and mu is None and sigma is None:
            return cls._make(_core.Gamma, [alpha, beta], ["alpha", "beta"], **kwargs)
        if mu is not None and sigma is not None and alpha is None and beta is None:
            return cls._make(_core.Gamma, list(_moments_to_gamma(mu, sigma)), ["alpha", "beta"], **kwargs)
        raise TypeError("Gamma: give alpha and beta, or mu and sigma")


class InverseGamma(Distribution):
    @classmethod
    def dist(cls, alpha=None, beta=None, mu=None, sigma=None, **kwargs):
        if alpha is not None and beta is not None and mu is None and sigma is None:
            return cls._make(_core.InverseGamma, [alpha, beta], ["alpha", "beta"], **kwargs)
        if mu is not None and sigma is not None and alpha is None and beta is None:
            # mean beta/(alpha-1), variance mean^2/(alpha-2)
            _check_mean_sd("InverseGamma", mu, sigma)
            m, s = _node(mu), _node(sigma)
            alpha_node = _core.add(_core.div(_core.square(m), _core.square(s)), _core.float_scalar(2.0))
            beta_node = _core.mul(m, _core.sub(alpha_node, _core.float_scalar(1.0)))
            return cls._make(_core.InverseGamma, [alpha_node, beta_node], ["alpha", "beta"], **kwargs)
        raise TypeError("InverseGamma: give alpha and beta, or mu and sigma")


class Beta(Distribution):
    @classmethod
    def dist(cls, alpha=None, beta=None, mu=None, sigma=None, nu=None, **kwargs):
        if alpha is not None and beta is not None:
            return cls._make(_core.Beta, [alpha, beta], ["alpha", "beta"], **kwargs)
        if mu is not None:
            check_constant("Beta", "mu", mu, lambda v: (v > 0) & (v < 1), "in (0, 1)")
        if mu is not None and sigma is not None:
            check_constant("Beta", "sigma", sigma, _positive, "> 0")
            if not isinstance(mu, (tv.TensorVariable, _core.Node)):  # a Beta's variance is < mu (1 - mu)
                check_constant("Beta", "sigma", sigma, lambda v: v**2 < np.multiply(mu, np.subtract(1, mu)),
                               "< sqrt(mu (1 - mu))")
            m, s = _node(mu), _node(sigma)
            kappa = _core.sub(_core.div(_core.mul(m, _core.sub(_core.float_scalar(1.0), m)),
                                        _core.square(s)), _core.float_scalar(1.0))
        elif mu is not None and nu is not None:
            check_constant("Beta", "nu", nu, _positive, "> 0")
            m, kappa = _node(mu), _node(nu)
        else:
            raise TypeError("Beta: give alpha and beta, mu and sigma, or mu and nu")
        alpha_node = _core.mul(m, kappa)
        beta_node = _core.mul(_core.sub(_core.float_scalar(1.0), m), kappa)
        return cls._make(_core.Beta, [alpha_node, beta_node], ["alpha", "beta"], **kwargs)


class Uniform(Distribution):
    @classmethod
    def dist(cls, lower=0.0, upper=1.0, **kwargs):
        return cls._make(_core.Uniform, [lower, upper], ["lower", "upper"], **kwargs)


class LogNormal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=None, tau=None, **kwargs):
        sigma = _sigma("LogNormal", sigma, tau, default=1.0)
        return cls._make(_core.LogNormal, [mu, sigma], ["mu", "sigma"], **kwargs)


Lognormal = LogNormal


class Laplace(Distribution):
    @classmethod
    def dist(cls, mu, b, **kwargs):
        return cls._make(_core.Laplace, [mu, b], ["mu", "b"], **kwargs)


class Logistic(Distribution):
    @classmethod
    def dist(cls, mu=0.0, s=1.0, **kwargs):
        return cls._make(_core.Logistic, [mu, s], ["mu", "s"], **kwargs)


class Weibull(Distribution):
    @classmethod
    def dist(cls, alpha, beta, **kwargs):
        return cls._make(_core.Weibull, [alpha, beta], ["alpha", "beta"], **kwargs)


class ChiSquared(Distribution):
    @classmethod
    def dist(cls, nu, **kwargs):
        return cls._make(_core.ChiSquared, [nu], ["nu"], **kwargs)


class Pareto(Distribution):
    @classmethod
    def dist(cls, alpha, m, **kwargs):
        return cls._make(_core.Pareto, [alpha, m], ["alpha", "m"], **kwargs)


class VonMises(Distribution):
    @classmethod
    def dist(cls, mu=0.0, kappa=1.0, **kwargs):
        return cls._make(_core.VonMises, [mu, kappa], ["mu", "kappa"], **kwargs)


class SkewNormal(Distribution):
    @classmethod
    def dist(cls, alpha=1.0, mu=0.0, sigma=None, tau=None, **kwargs):  # PyMC's order: alpha first
        sigma = _sigma("SkewNormal", sigma, tau, default=1.0)
        return cls._make(_core.SkewNormal, [mu, sigma, alpha], ["mu", "sigma", "alpha"], **kwargs)


class Gumbel(Distribution):
    @classmethod
    def dist(cls, mu, beta, **kwargs):
        return cls._make(_core.Gumbel, [mu, beta], ["mu", "beta"], **kwargs)


class Wald(Distribution):
    @classmethod
    def dist(cls, mu=None, lam=None, phi=None, alpha=0.0, **kwargs):
        if not (np.ndim(alpha) == 0 and not isinstance(alpha, tv.TensorVariable) and float(alpha) == 0.0):
            raise NotImplementedError("Wald(alpha=...): a shifted Wald is not supported by Hypatia yet")
        if mu is not None and lam is not None:
            return cls._make(_core.Wald, [mu, lam], ["mu", "lam"], **kwargs)
        if mu is not None and phi is not None:
            check_constant("Wald", "phi", phi, _positive, "> 0")
            return cls._make(_core.Wald, [mu, _core.mul(_node(mu), _node(phi))], ["mu", "lam"], **kwargs)
        raise TypeError("Wald: give mu and lam, or mu and phi")


class ExGaussian(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=None, nu=None, **kwargs):
        if sigma is None or nu is None:
            raise TypeError("ExGaussian: give sigma and nu")
        return cls._make(_core.ExGaussian, [mu, sigma, nu], ["mu", "sigma", "nu"], **kwargs)


class Kumaraswamy(Distribution):
    @classmethod
    def dist(cls, a, b, **kwargs):
        return cls._make(_core.Kumaraswamy, [a, b], ["a", "b"], **kwargs)


class Flat(Distribution):
    @classmethod
    def dist(cls, **kwargs):
        return cls._make(_core.Flat, [], **kwargs)


class HalfFlat(Distribution):
    @classmethod
    def dist(cls, **kwargs):
        return cls._make(_core.HalfFlat, [], **kwargs)


class AsymmetricLaplace(Distribution):
    @classmethod
    def dist(cls, kappa=None, mu=None, b=None, q=None, **kwargs):
        if q is not None:
            if kappa is not None:
                raise ValueError("AsymmetricLaplace: give kappa or q, not both")
            # PyMC: kappa = sqrt(q / (1 - q))
            q_node = _node(q)
            kappa = _core.sqrt(_core.div(q_node, _core.sub(_core.float_scalar(1.0), q_node)))
        if kappa is None or mu is None or b is None:
            raise TypeError("AsymmetricLaplace: give b, kappa (or q) and mu")
        return cls._make(_core.AsymmetricLaplace, [kappa, mu, b], ["kappa", "mu", "b"], **kwargs)


class Triangular(Distribution):
    @classmethod
    def dist(cls, lower=0.0, c=0.5, upper=1.0, **kwargs):
        return cls._make(_core.Triangular, [lower, c, upper], ["lower", "c", "upper"], **kwargs)


class Rice(Distribution):
    @classmethod
    def dist(cls, nu=None, sigma=None, b=None, **kwargs):
        if sigma is None:
            raise TypeError("Rice: give sigma")
        which, value = one_of("Rice", nu=nu, b=b)
        if which is None:
            raise TypeError("Rice: give nu (or b)")
        if which == "b":
            value = _core.mul(_node(value), _node(sigma))  # PyMC: nu = b * sigma
        return cls._make(_core.Rice, [value, sigma], ["nu", "sigma"], **kwargs)


class Moyal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=1.0, **kwargs):
        return cls._make(_core.Moyal, [mu, sigma], ["mu", "sigma"], **kwargs)


class PolyaGamma(Distribution):
    """PG(h, z) on x > 0: h > 0 the shape, z the tilting parameter (PyMC's names and defaults)."""

    @classmethod
    def dist(cls, h=1.0, z=0.0, **kwargs):
        return cls._make(_core.PolyaGamma, [h, z], ["h", "z"], **kwargs)


class Interpolated(Distribution):
    """The density linear between (x_points[i], pdf_points[i]), zero outside, normalized to
    integrate to 1. Both must be constant 1-d arrays (numbers, not random variables)."""

    @classmethod
    def dist(cls, x_points, pdf_points, **kwargs):
        return cls._make(_core.Interpolated, [x_points, pdf_points], ["x_points", "pdf_points"],
                         **kwargs)


class LogitNormal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, sigma=None, tau=None, **kwargs):
        sigma = _sigma("LogitNormal", sigma, tau, default=1.0)
        return cls._make(_core.LogitNormal, [mu, sigma], ["mu", "sigma"], **kwargs)


class HurdleGamma(Distribution):
    @classmethod
    def dist(cls, psi, alpha=None, beta=None, mu=None, sigma=None, **kwargs):
        if mu is not None and sigma is not None:
            alpha, beta = _moments_to_gamma(mu, sigma)
        if alpha is None or beta is None:
            raise TypeError("HurdleGamma: give alpha and beta, or mu and sigma")
        return cls._make(_core.HurdleGamma, [psi, alpha, beta], ["psi", "alpha", "beta"], **kwargs)


class HurdleLogNormal(Distribution):
    @classmethod
    def dist(cls, psi, mu=0.0, sigma=None, tau=None, **kwargs):
        sigma = _sigma("HurdleLogNormal", sigma, tau, default=1.0)
        return cls._make(_core.HurdleLogNormal, [psi, mu, sigma], ["psi", "mu", "sigma"], **kwargs)


class SkewStudentT(Distribution):
    @classmethod
    def dist(cls, a, b, *, mu=0.0, sigma=None, lam=None, **kwargs):
        sigma = _lam_to_sigma("SkewStudentT", sigma, lam, default=1.0)
        return cls._make(_core.SkewStudentT, [a, b, mu, sigma], ["a", "b", "mu", "sigma"], **kwargs)
