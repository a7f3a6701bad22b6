"""``pm.math``: PyMC's math namespace (PyMC's names over hypatia.tensor's functions)."""

from __future__ import annotations

from functools import reduce

import numpy as np

from hypatia.tensor import basic as _basic
from hypatia.tensor.basic import (  # noqa: F401
    abs, all, and_, any, arange, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
    argmax, argmin, argsort, as_tensor, betainc, broadcast_arrays, broadcast_to, ceil, clip,
    concatenate, constant, cos, cosh, cumprod, cumsum, diag, diff, digamma, dot, eq, erf, erfc,
    erfcinv, erfinv, exp, expand_dims, expm1, eye, flatten, floor, full, full_like, gamma, gammainc,
    gammaincc, gammaln, ge, gt, i0, i1, le, linspace, log, log1p, log1pexp, log2, log10,
    log_softmax, logaddexp, logsumexp, lt, matmul, max, maximum, mean, min, minimum, moveaxis, neq,
    ones, ones_like, or_, polygamma, prod, repeat, reshape, round, sgn, sigmoid, sin, sinh,
    softmax, softplus, sort, sqr, sqrt, squeeze, stack, std, sum, swapaxes, switch, tan, tanh,
    tile, trace, transpose, tril, triu, unique, var, where, zeros, zeros_like,
)
from hypatia.tensor.basic import lgamma, sign, square  # noqa: F401  (older PyMC spellings)
from hypatia.tensor.linalg import (  # noqa: F401
    block_diag, cho_solve, cholesky, det, matrix_inverse, norm, slogdet, solve, solve_triangular,
)
from hypatia.tensor.linalg import block_diag as block_diagonal  # noqa: F401
from hypatia.tensor.linalg import kron as _kron2
from hypatia.tensor.subtensor import set_subtensor, take  # noqa: F401

invlogit = sigmoid


def logit(p):
    return _basic.logit(p)


def log1mexp(x, *, negative_input=None):
    """log(1 - exp(x)) for x <= 0 (PyMC 5's convention; negative_input is accepted and ignored
    when True, as PyMC now deprecates it)."""
    if negative_input is False:
        raise ValueError("log1mexp with negative_input=False is not supported; negate the input")
    return _basic.log1mexp(x)


def logdiffexp(a, b):
    """log(exp(a) - exp(b)); a when b is -inf."""
    return _basic.switch(_basic.isneginf(b), a, _basic.logdiffexp(a, b))


def logdet(x):
    """log |det x| (PyMC's LogDet)."""
    return slogdet(x)[1]


def probit(p):
    """The standard normal quantile: -sqrt(2) * erfcinv(2 p)."""
    return _basic.mul(-(2.0 ** 0.5), erfcinv(_basic.mul(2.0, p)))


def invprobit(x):
    """The standard normal CDF: 0.5 * erfc(-x / sqrt(2))."""
    return _basic.mul(0.5, erfc(_basic.true_div(_basic.neg(x), 2.0 ** 0.5)))


def logbern(log_p, rng=None):
    """A Bernoulli draw with log probability `log_p` (numpy, as PyMC's step methods use it)."""
    if np.isnan(log_p):
        raise FloatingPointError("log_p can't be nan.")
    return np.log((rng or np.random).uniform()) < log_p


def kronecker(*Ks):
    return reduce(_kron2, Ks)


kron = kronecker


def flat_outer(a, b):
    return _basic.flatten(_basic.outer(a, b))


def kron_diag(*diags):
    """The diagonal of the Kronecker product of diagonal matrices given by their diagonals."""
    return reduce(flat_outer, diags)


def _as_matrix(m):
    m = _basic.as_tensor(m)
    return (_basic.expand_dims(m, 1), True) if m.ndim == 1 else (m, False)


def _kron_apply(krons, m, op):
    # Forms the Kronecker product explicitly: simple and exact, O(N^2) memory.
    m, was_vector = _as_matrix(m)
    result = op(kronecker(*krons), m)
    return _basic.squeeze(result, 1) if was_vector else result


def kron_dot(krons, m):
    return _kron_apply(krons, m, _basic.dot)


def kron_solve_lower(krons, m):
    return _kron_apply(krons, m, lambda k, b: solve_triangular(k, b, lower=True))


def kron_solve_upper(krons, m):
    return _kron_apply(krons, m, lambda k, b: solve_triangular(k, b, lower=False))


def cartesian(*arrays):
    """Every combination of the arrays' rows (numpy; earlier arrays vary slowest), as PyMC's."""
    columns = [np.asarray(a)[:, None] if np.ndim(a) == 1 else np.asarray(a) for a in arrays]
    grids = np.meshgrid(*[np.arange(len(c)) for c in columns], indexing="ij")
    picks = [g.ravel() for g in grids]
    return np.concatenate([c[p] for c, p in zip(columns, picks)], axis=-1)


def flatten_list(tensors):
    return _basic.concatenate([_basic.flatten(t) for t in tensors])


def expand_packed_triangular(n, packed, lower=True, diagonal_only=False):
    """The n x n triangular matrix whose triangle, read row by row, is `packed`."""
    packed = _basic.as_tensor(packed)
    if packed.ndim != 1:
        raise ValueError("Packed triangular is not one dimensional.")
    if not isinstance(n, int):
        raise TypeError("n must be an integer")
    rows, cols = np.tril_indices(n) if lower else np.triu_indices(n)
    if diagonal_only:
        return packed[np.flatnonzero(rows == cols)]
    out = zeros((n, n), dtype=packed.dtype)
    return set_subtensor(out[rows, cols], packed)


def batched_diag(c):
    """A (b, n) stack of diagonals gives (b, n, n) matrices; (b, n, n) matrices give (b, n)."""
    from hypatia import _core

    c = _basic.as_tensor(c)
    if c.ndim not in (2, 3):
        raise ValueError("Input should be 2 or 3 dimensional")
    return _basic.wrap((_core.diag if c.ndim == 2 else _core.diagonal)(c.node))


def eigh(a, UPLO="L"):
    raise NotImplementedError("eigh has no Hypatia kernel yet")
