"""Linear algebra under PyTensor's names (``pt.linalg``, ``pt.nlinalg``, ``pt.slinalg``).

Matrix functions act on the last two axes (leading axes are batch axes). Numerical failure is a
value, as in the C++ ops: a matrix that is not positive definite has a Cholesky factor of NaN.
"""

from __future__ import annotations

import numpy as np

from hypatia import _core
from hypatia.tensor import basic
from hypatia.tensor.basic import diag, dot, eye, matmul, outer, tensordot, trace  # noqa: F401
from hypatia.tensor.basic import diagonal as extract_diag  # noqa: F401
from hypatia.tensor.variable import TensorVariable


def cholesky(x, lower: bool = True, check_finite: bool = False, on_error: str = "nan") -> TensorVariable:
    factor = basic._apply(_core.cholesky, x)
    return factor if lower else basic.matrix_transpose(factor)


def _transposed(a, trans) -> tuple[TensorVariable, bool]:
    flip = trans in (1, 2, "T", "C")
    return (basic.matrix_transpose(a), True) if flip else (basic.as_tensor(a), False)


def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     check_finite: bool = True, b_ndim=None) -> TensorVariable:
    """x with a x = b for triangular a; PyTensor's default reads the upper triangle (lower=False)."""
    a, flipped = _transposed(a, trans)
    lower = lower != flipped  # transposing swaps which triangle holds the matrix
    if unit_diagonal:
        n = a.node.shape[-1]
        a = basic.add(basic.mul(a, basic.sub(1.0, np.eye(n))), np.eye(n))
    return basic.wrap(_core.solve_triangular(a.node, basic.as_tensor(b).node, lower))


def solve(a, b, assume_a: str = "gen", lower: bool = False, check_finite: bool = True,
          transposed: bool = False, b_ndim=None) -> TensorVariable:
    """x with a x = b (LU with partial pivoting whatever `assume_a` says)."""
    a = basic.matrix_transpose(a) if transposed else a
    return basic._apply(_core.solve, a, b)


def cho_solve(c_and_lower, b, check_finite: bool = True, b_ndim=None) -> TensorVariable:
    """x with (L L^T) x = b, given the Cholesky factor as (c, lower)."""
    c, lower = c_and_lower
    c = basic.as_tensor(c) if lower else basic.matrix_transpose(c)
    half = solve_triangular(c, b, lower=True)
    return solve_triangular(c, half, trans=1, lower=True)


def matrix_inverse(x) -> TensorVariable:
    return basic._apply(_core.inverse, x)


inv = matrix_inverse


def slogdet(x) -> tuple[TensorVariable, TensorVariable]:
    """(sign, log |det x|), as numpy.linalg.slogdet."""
    return basic._apply(_core.det_sign, x), basic._apply(_core.logdet, x)


def det(x) -> TensorVariable:
    sign, logabs = slogdet(x)
    return basic.mul(sign, basic.exp(logabs))


def logdet(x) -> TensorVariable:
    """log det x (NaN for a negative determinant; PyMC's pm.math.logdet)."""
    sign, logabs = slogdet(x)
    return basic.switch(basic.lt(sign, 0), np.nan, logabs)


def matrix_dot(*args) -> TensorVariable:
    result = basic.as_tensor(args[0])
    for arg in args[1:]:
        result = basic.dot(result, arg)
    return result


def kron(a, b) -> TensorVariable:
    """The Kronecker product of two matrices (shapes known when the graph is built)."""
    a, b = basic.as_tensor(a), basic.as_tensor(b)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"kron needs two matrices, got {a.ndim} and {b.ndim} dimensions")
    (m, n), (p, q) = a.node.shape, b.node.shape
    blocks = basic.mul(basic.dimshuffle(a, (0, "x", 1, "x")), basic.dimshuffle(b, ("x", 0, "x", 1)))
    return basic.reshape(blocks, (m * p, n * q))


def block_diag(*matrices) -> TensorVariable:
    """The block-diagonal matrix of `matrices` (shapes known when the graph is built)."""
    ms = [basic.as_tensor(m) for m in matrices]
    cols = sum(m.node.shape[1] for m in ms)
    rows, done = [], 0
    for m in ms:
        r, c = m.node.shape
        parts = [basic.zeros((r, done), m.dtype), m, basic.zeros((r, cols - done - c), m.dtype)]
        rows.append(basic.concatenate([p for p in parts if p.node.shape[1] != 0], axis=1))
        done += c
    return basic.concatenate(rows, axis=0)


def norm(x, ord=None, axis=None, keepdims: bool = False) -> TensorVariable:
    """The 2-norm (Frobenius for matrices) or 1-norm / inf-norm of vectors."""
    x = basic.as_tensor(x)
    if ord in (None, 2, "fro"):
        return basic.sqrt(basic.sum(basic.square(basic.abs(x)), axis, keepdims))
    if ord == 1:
        return basic.sum(basic.abs(x), axis, keepdims)
    if ord == np.inf:
        return basic.max(basic.abs(x), axis, keepdims)
    raise NotImplementedError(f"norm with ord={ord!r} is not supported")
