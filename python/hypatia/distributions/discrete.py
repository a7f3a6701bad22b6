"""Discrete families under PyMC's names and parameterizations."""

from __future__ import annotations

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import Distribution, check_constant, one_of, param
from hypatia.tensor import variable as tv


def _node(value):
    return param(value)


class Bernoulli(Distribution):
    @classmethod
    def dist(cls, p=None, logit_p=None, **kwargs):
        which, value = one_of("Bernoulli", p=p, logit_p=logit_p)
        if which is None:
            raise TypeError("Bernoulli: give p (or logit_p)")
        if which == "logit_p":
            return cls._make(_core.BernoulliLogit, [value], ["logit_p"], **kwargs)
        return cls._make(_core.Bernoulli, [value], ["p"], **kwargs)


class Binomial(Distribution):
    @classmethod
    def dist(cls, n, p=None, logit_p=None, **kwargs):
        which, value = one_of("Binomial", p=p, logit_p=logit_p)
        if which is None:
            raise TypeError("Binomial: give p (or logit_p)")
        if which == "logit_p":
            return cls._make(_core.BinomialLogit, [n, value], ["n", "logit_p"], **kwargs)
        return cls._make(_core.Binomial, [n, value], ["n", "p"], **kwargs)


class BetaBinomial(Distribution):
    @classmethod
    def dist(cls, alpha, beta, n, **kwargs):
        builder = lambda a, b, count: _core.BetaBinomial(count, a, b)
        return cls._make(builder, [alpha, beta, n], ["alpha", "beta", "n"], **kwargs)


class Poisson(Distribution):
    @classmethod
    def dist(cls, mu, **kwargs):
        return cls._make(_core.Poisson, [mu], ["mu"], **kwargs)


def _negative_binomial_mu_alpha(family, mu, alpha, p, n):
    if mu is not None and alpha is not None and p is None and n is None:
        return "mu", (mu, alpha)
    if n is not None and p is not None and mu is None and alpha is None:
        return "np", (n, p)
    raise TypeError(f"{family}: give mu and alpha, or n and p")


class NegativeBinomial(Distribution):
    @classmethod
    def dist(cls, mu=None, alpha=None, p=None, n=None, **kwargs):
        kind, params = _negative_binomial_mu_alpha("NegativeBinomial", mu, alpha, p, n)
        if kind == "mu":
            return cls._make(_core.NegativeBinomial, list(params), ["mu", "alpha"], **kwargs)
        return cls._make(_core.NegativeBinomialNP, list(params), ["n", "p"], **kwargs)


class Geometric(Distribution):
    @classmethod
    def dist(cls, p, **kwargs):
        return cls._make(_core.Geometric, [p], ["p"], **kwargs)


class Categorical(Distribution):
    @classmethod
    def dist(cls, p=None, logit_p=None, **kwargs):
        which, value = one_of("Categorical", p=p, logit_p=logit_p)
        if which is None:
            raise TypeError("Categorical: give p (or logit_p)")
        if which == "logit_p":
            return cls._make(_core.CategoricalLogit, [value], ["logit_p"], **kwargs)
        return cls._make(_core.Categorical, [value], ["p"], **kwargs)


class DiscreteUniform(Distribution):
    @classmethod
    def dist(cls, lower, upper, **kwargs):
        return cls._make(_core.DiscreteUniform, [lower, upper], ["lower", "upper"], **kwargs)


class ZeroInflatedPoisson(Distribution):
    @classmethod
    def dist(cls, psi, mu, **kwargs):
        return cls._make(_core.ZeroInflatedPoisson, [psi, mu], ["psi", "mu"], **kwargs)


class ZeroInflatedBinomial(Distribution):
    @classmethod
    def dist(cls, psi, n, p, **kwargs):
        return cls._make(_core.ZeroInflatedBinomial, [psi, n, p], ["psi", "n", "p"], **kwargs)


class ZeroInflatedNegativeBinomial(Distribution):
    @classmethod
    def dist(cls, psi, mu=None, alpha=None, p=None, n=None, **kwargs):
        kind, params = _negative_binomial_mu_alpha("ZeroInflatedNegativeBinomial", mu, alpha, p, n)
        if kind == "np":
            # mean n (1 - p) / p, dispersion n
            check_constant("ZeroInflatedNegativeBinomial", "n", params[0], lambda v: v > 0, "> 0")
            check_constant("ZeroInflatedNegativeBinomial", "p", params[1], lambda v: (v > 0) & (v <= 1), "in (0, 1]")
            count, prob = _node(params[0]), _node(params[1])
            mean = _core.div(_core.mul(count, _core.sub(_core.float_scalar(1.0), prob)), prob)
            params = (mean, count)
        return cls._make(_core.ZeroInflatedNegativeBinomial, [psi, *params], ["psi", "mu", "alpha"], **kwargs)


def _category_probabilities(cdf):
    """P(y = k) from the CDF at each cutpoint (last axis): first, differences, remainder."""
    from hypatia.tensor import basic as pt

    return pt.concatenate([cdf[..., :1], cdf[..., 1:] - cdf[..., :-1], 1 - cdf[..., -1:]], axis=-1)


def _ordered(cls, builder, eta, cutpoints, names, extra, compute_p, kwargs, cdf_of):
    dist = cls._make(builder, [eta, cutpoints, *extra], names, **kwargs)
    if compute_p:
        from hypatia.tensor import basic as pt

        # PyMC stores the category probabilities as the Deterministic "<name>_probs".
        def add_probabilities(model, name):
            from hypatia.model import Deterministic

            latent = pt.as_tensor_variable(eta)[..., None]
            Deterministic(f"{name}_probs", _category_probabilities(cdf_of(pt.as_tensor_variable(cutpoints) - latent)),
                          model=model)

        dist.after_register = add_probabilities
    return dist


class OrderedLogistic(Distribution):
    @classmethod
    def dist(cls, eta, cutpoints, compute_p=True, **kwargs):
        from hypatia.tensor import basic as pt

        return _ordered(cls, _core.OrderedLogistic, eta, cutpoints, ["eta", "cutpoints"], [],
                        compute_p, kwargs, pt.sigmoid)


class OrderedProbit(Distribution):
    @classmethod
    def dist(cls, eta, cutpoints, sigma=1.0, compute_p=True, **kwargs):
        from hypatia.tensor import basic as pt

        def normal_cdf(z):
            return 0.5 * pt.erfc(-z / (np.sqrt(2.0) * pt.as_tensor_variable(sigma)))

        return _ordered(cls, _core.OrderedProbit, eta, cutpoints, ["eta", "cutpoints", "sigma"],
                        [sigma], compute_p, kwargs, normal_cdf)


class HyperGeometric(Distribution):
    @classmethod
    def dist(cls, N, k, n, **kwargs):
        return cls._make(_core.HyperGeometric, [N, k, n], ["N", "k", "n"], **kwargs)


class DiscreteWeibull(Distribution):
    @classmethod
    def dist(cls, q, beta, **kwargs):
        return cls._make(_core.DiscreteWeibull, [q, beta], ["q", "beta"], **kwargs)


class HurdlePoisson(Distribution):
    @classmethod
    def dist(cls, psi, mu, **kwargs):
        return cls._make(_core.HurdlePoisson, [psi, mu], ["psi", "mu"], **kwargs)


class HurdleNegativeBinomial(Distribution):
    @classmethod
    def dist(cls, psi, mu=None, alpha=None, p=None, n=None, **kwargs):
        kind, params = _negative_binomial_mu_alpha("HurdleNegativeBinomial", mu, alpha, p, n)
        if kind == "np":
            count, prob = _node(params[0]), _node(params[1])
            params = (_core.div(_core.mul(count, _core.sub(_core.float_scalar(1.0), prob)), prob), count)
        return cls._make(_core.HurdleNegativeBinomial, [psi, *params], ["psi", "mu", "alpha"], **kwargs)


class DiracDelta(Distribution):
    @classmethod
    def dist(cls, c, **kwargs):
        return cls._make(_core.DiracDelta, [c], ["c"], **kwargs)
