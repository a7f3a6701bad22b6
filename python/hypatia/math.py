"""``pm.math``: PyMC's math namespace (mostly hypatia.tensor's functions under PyMC's names)."""

from __future__ import annotations

from hypatia.tensor.basic import (  # noqa: F401
    abs, and_, arccos, arcsin, arctan, arctan2, broadcast_to, ceil, clip, concatenate, constant,
    cos, cosh, cumprod, cumsum, dot, eq, erf, erfc, erfcinv, erfcx, erfinv, exp, expm1, flatten,
    floor, full, full_like, ge, gt, invlogit, le, lgamma, log, log1mexp, log1p, log1pexp,
    log_softmax, logaddexp, logdiffexp, logit, logsumexp, lt, matmul, max, maximum, mean, min,
    minimum, neq, ones, ones_like, or_, outer, prod, round, sgn, sigmoid, sin, sinh, softmax,
    softplus, sqr, sqrt, square, stack, sum, switch, tan, tanh, where, zeros, zeros_like,
)
from hypatia.tensor.basic import gammaln, sign, var, std  # noqa: F401
from hypatia.tensor.linalg import det, logdet, matrix_inverse, kron, block_diag as block_diagonal  # noqa: F401
from hypatia.tensor.linalg import extract_diag, trace, matrix_dot  # noqa: F401

from hypatia.tensor import basic as _basic


def probit(p):
    """The standard normal quantile: -sqrt(2) * erfcinv(2 p)."""
    return _basic.mul(-(2.0 ** 0.5), erfcinv(_basic.mul(2.0, p)))


def invprobit(x):
    """The standard normal CDF: 0.5 * erfc(-x / sqrt(2))."""
    return _basic.mul(0.5, erfc(_basic.true_div(_basic.neg(x), 2.0 ** 0.5)))


def flat_outer(a, b):
    return outer(_basic.flatten(a), _basic.flatten(b))


def kron_dot(krons, m):
    """kron(*krons) @ m."""
    total = krons[0]
    for k in krons[1:]:
        total = kron(total, k)
    return _basic.dot(total, m)


def cartesian(*arrays):
    """Every combination of the (constant) arrays' elements, one per row."""
    import numpy as np

    values = [np.asarray(_basic.static_value(_basic.as_tensor(a))) for a in arrays]
    grid = np.meshgrid(*values, indexing="ij")
    return constant(np.stack([g.ravel() for g in grid], axis=1))


def expand_packed_triangular(n, packed, lower=True, diagonal_only=False):
    """The n x n triangular matrix whose triangle holds `packed` (row-major, PyMC's layout)."""
    import numpy as np

    from hypatia.tensor.subtensor import set_subtensor

    packed = _basic.as_tensor(packed)
    rows, cols = np.tril_indices(n) if lower else np.triu_indices(n)
    if diagonal_only:
        return packed[np.flatnonzero(rows == cols)]
    out = zeros((n, n), dtype=packed.dtype)
    return set_subtensor(out[rows, cols], packed)


def batched_diag(c):
    """diag over a batch: a (b, n) stack gives (b, n, n) and a (b, n, n) stack gives (b, n)."""
    from hypatia import _core

    c = _basic.as_tensor(c)
    core = _core.diag if c.ndim == 2 else _core.diagonal
    return _basic.wrap(core(c.node))
