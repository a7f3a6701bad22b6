"""``pm.gp.mean``: mean functions under PyMC's names (Zero, Constant, Linear), with sums and
products of them."""

from __future__ import annotations

from functools import reduce
from operator import add, mul

from hypatia import _core
from hypatia.gp.util import matrix, node, rows, wrap
from hypatia.tensor.variable import TensorVariable

__all__ = ["Zero", "Constant", "Linear"]


class Mean:
    """A mean function: ``m(X)`` is the mean at each row of X, shape (n,)."""

    def __call__(self, X) -> TensorVariable:
        raise NotImplementedError

    def __add__(self, other) -> "Mean":
        return _Combined(add, self, other)

    def __mul__(self, other) -> "Mean":
        return _Combined(mul, self, other)


class _Combined(Mean):
    def __init__(self, op, first: Mean, second: Mean):
        self.op, self.means = op, [first, second]

    def __call__(self, X) -> TensorVariable:
        return reduce(self.op, [m(X) for m in self.means])


class Zero(Mean):
    """m(x) = 0."""

    def __call__(self, X) -> TensorVariable:
        return wrap(rows(matrix(X, "X", "Zero")))


class Constant(Mean):
    """m(x) = c."""

    def __init__(self, c=0):
        self.c = c

    def __call__(self, X) -> TensorVariable:
        return wrap(_core.add(rows(matrix(X, "X", "Constant")), node(self.c)))


class Linear(Mean):
    """m(x) = x . coeffs + intercept."""

    def __init__(self, coeffs, intercept=0):
        self.b = intercept
        self.A = coeffs

    def __call__(self, X) -> TensorVariable:
        x = matrix(X, "X", "Linear")
        coeffs = node(self.A)
        if coeffs.ndim not in (1, 2) or (x.shape[1] is not None and coeffs.shape[0] not in (None, x.shape[1])):
            raise ValueError(f"Linear: coeffs has shape {tuple(coeffs.shape)}, X has shape "
                             f"{tuple(x.shape)}; coeffs needs one row per column of X")
        value = _core.add(_core.matmul(x, coeffs), node(self.b))
        if value.ndim == 2 and value.shape[1] == 1:
            value = _core.squeeze(value, [1])
        return wrap(value)
