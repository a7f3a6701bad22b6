"""PyTensor's ``pytensor.tensor.special`` names."""

from hypatia.tensor.basic import (  # noqa: F401
    betaln, expit, gammaln, log_softmax, logit, sigmoid, softmax,
)
from hypatia.tensor.basic import gammaln as _gammaln
from hypatia.tensor.basic import exp as _exp


def factorial(n):
    """n! as exp(lgamma(n + 1)) (floating, like PyTensor's)."""
    from hypatia.tensor.basic import add

    return _exp(_gammaln(add(n, 1)))
