"""``pm.gp.cov``: covariance functions under PyMC's names and arguments.

Each class holds its hyperparameters (numbers, arrays or model variables) and its active input
dimensions; evaluating it (``cov(X)``, ``cov(X, Xs)``, ``cov(X, diag=True)``) builds the matrix
with the C++ builders of ``include/hypatia/gp/covariance.hpp``, so the matrix and its gradients
are graph ops compiled with the model. Sums and products of covariances, with each other, with
numbers and with variables (``eta**2 * cov``), build sums and products of the matrices.
"""

from __future__ import annotations

import numbers
import warnings
from functools import reduce
from operator import add, mul
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.gp.util import matrix, node, wrap
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable

__all__ = [
    "Constant", "WhiteNoise", "ExpQuad", "RatQuad", "Exponential", "Matern52", "Matern32",
    "Matern12", "Linear", "Polynomial", "Cosine", "Periodic", "Covariance", "BaseCovariance",
    "Stationary", "Add", "Prod", "Exponentiated", "ScaledCov", "Coregion",
]


class BaseCovariance:
    """A kernel: ``k(X)``, ``k(X, Xs)`` or ``k(X, diag=True)``."""

    # `variable * cov` and `variable + cov` reach __rmul__ / __radd__ here (TensorVariable's
    # operators return NotImplemented for such objects), and numpy leaves them to us too.
    _tensor_operators_defer = True
    __array_ufunc__ = None

    def __call__(self, X, Xs=None, diag: bool = False) -> TensorVariable:
        return self.diag(X) if diag else self.full(X, Xs)

    def diag(self, X) -> TensorVariable:
        raise NotImplementedError

    def full(self, X, Xs=None) -> TensorVariable:
        raise NotImplementedError

    def __add__(self, other) -> "Add":
        if isinstance(other, numbers.Real):
            other = Constant(c=other)
        return Add([self, other])

    def __mul__(self, other) -> "Prod":
        return Prod([self, other])

    __radd__ = __add__
    __rmul__ = __mul__

    def __pow__(self, other) -> "Exponentiated":
        power = node(other)
        if any(d != 1 for d in power.shape):
            raise ValueError("A covariance function can only be exponentiated by a scalar value, "
                             f"got shape {tuple(power.shape)}")
        if not isinstance(self, Covariance):
            raise TypeError("Can only exponentiate covariance functions which inherit from `Covariance`")
        return Exponentiated(self, _core.reshape(power, []))


class Covariance(BaseCovariance):
    """A kernel of ``input_dim`` input columns, reading the columns ``active_dims`` (all by
    default)."""

    def __init__(self, input_dim: int, active_dims=None):
        if isinstance(input_dim, bool) or not isinstance(input_dim, (numbers.Integral, np.integer)) \
                or input_dim < 1:
            raise ValueError(f"{type(self).__name__}: input_dim must be a positive integer, got {input_dim!r}")
        self.input_dim = int(input_dim)
        if active_dims is None:
            self.active_dims = np.arange(self.input_dim)
        else:
            dims = np.atleast_1d(np.asarray(active_dims))
            if dims.ndim != 1 or dims.size == 0 or dims.dtype.kind not in "iu":
                raise ValueError(f"{type(self).__name__}: active_dims must be a non-empty list of "
                                 f"column indices, got {active_dims!r}")
            if dims.min() < 0 or dims.max() >= self.input_dim:
                raise ValueError(f"{type(self).__name__}: active_dims {dims.tolist()} out of range "
                                 f"for input_dim={self.input_dim} (valid: 0..{self.input_dim - 1})")
            self.active_dims = dims.astype(int)

    @property
    def n_dims(self) -> int:
        return len(self.active_dims)

    def _columns(self, X, what: str) -> _core.Node:
        x = matrix(X, what, type(self).__name__)
        columns = x.shape[1]
        if columns is not None:
            if columns < self.input_dim:
                raise ValueError(f"{type(self).__name__}: {what} has shape {tuple(x.shape)}, fewer "
                                 f"columns than input_dim={self.input_dim}")
            if columns > self.input_dim:
                warnings.warn(f"Only {self.input_dim} column(s) out of {columns} are being used to "
                              "compute the covariance function. If this is not intended, increase "
                              "'input_dim' parameter to the number of columns to use. Ignore otherwise.",
                              UserWarning, stacklevel=4)
        if columns == self.n_dims and np.array_equal(self.active_dims, np.arange(columns)):
            return x
        return _core.gather(x, _core.constant(self.active_dims.astype(np.int64)), 1)

    def _slice(self, X, Xs=None):
        return self._columns(X, "X"), None if Xs is None else self._columns(Xs, "Xs")


class Combination(Covariance):
    def __init__(self, factor_list):
        kernels = [f for f in factor_list if isinstance(f, Covariance)]
        input_dims = {f.input_dim for f in kernels}
        if len(input_dims) != 1:
            raise ValueError("All covariances must have the same `input_dim`, got "
                             f"{sorted(input_dims) or 'none'}")
        active = sorted(set().union(*[set(f.active_dims.tolist()) for f in kernels]))
        super().__init__(input_dim=input_dims.pop(), active_dims=active)
        self._factor_list: list = []
        for factor in factor_list:
            if isinstance(factor, type(self)):
                self._factor_list.extend(factor._factor_list)
            else:
                self._factor_list.append(factor)

    def _merge_factors_cov(self, X, Xs=None, diag: bool = False) -> list:
        values = []
        for factor in self._factor_list:
            if isinstance(factor, BaseCovariance):
                values.append(factor(X, Xs, diag))
                continue
            value = wrap(node(factor))
            if diag and value.ndim == 2:
                value = wrap(_core.diagonal(value.node))
            values.append(value)
        return values

    def _merge_factors_psd(self, omega) -> list:
        values = []
        for factor in self._factor_list:
            if isinstance(factor, Covariance):
                if set(self.active_dims.tolist()) != set(factor.active_dims.tolist()):
                    raise ValueError("For power spectral density calculations `active_dims` must be "
                                     "the same for all covariances in the sum.")
                if not hasattr(factor, "power_spectral_density"):
                    raise ValueError("Power spectral densities, `.power_spectral_density(omega)`, can "
                                     f"only be calculated for `Stationary` covariance functions. "
                                     f"{factor} is non-stationary.")
                values.append(factor.power_spectral_density(omega))
            elif isinstance(factor, BaseCovariance):
                raise ValueError(f"{type(factor).__name__} has no power spectral density")
            else:
                values.append(factor)
        return values


class Add(Combination):
    def __call__(self, X, Xs=None, diag: bool = False) -> TensorVariable:
        return reduce(add, self._merge_factors_cov(X, Xs, diag))

    def power_spectral_density(self, omega) -> TensorVariable:
        return reduce(add, self._merge_factors_psd(omega))


class Prod(Combination):
    def __call__(self, X, Xs=None, diag: bool = False) -> TensorVariable:
        return reduce(mul, self._merge_factors_cov(X, Xs, diag))

    def power_spectral_density(self, omega) -> TensorVariable:
        if sum(isinstance(f, Covariance) for f in self._factor_list) >= 2:
            raise NotImplementedError("The power spectral density of products of covariance "
                                      "functions is not implemented.")
        return reduce(mul, self._merge_factors_psd(omega))


class Exponentiated(Covariance):
    def __init__(self, kernel: Covariance, power):
        self.kernel = kernel
        self.power = power
        super().__init__(input_dim=kernel.input_dim, active_dims=kernel.active_dims)

    def __call__(self, X, Xs=None, diag: bool = False) -> TensorVariable:
        return self.kernel(X, Xs, diag=diag) ** wrap(self.power)


class Constant(BaseCovariance):
    """k(x, x') = c."""

    def __init__(self, c):
        self.c = c

    def diag(self, X) -> TensorVariable:
        return wrap(_core.gp_constant_diag(matrix(X, "X", "Constant"), node(self.c)))

    def full(self, X, Xs=None) -> TensorVariable:
        xs = None if Xs is None else matrix(Xs, "Xs", "Constant")
        return wrap(_core.gp_constant(matrix(X, "X", "Constant"), xs, node(self.c)))


class WhiteNoise(BaseCovariance):
    """k(x, x') = sigma^2 when x and x' are the same evaluation, else 0."""

    def __init__(self, sigma):
        self.sigma = sigma

    def diag(self, X) -> TensorVariable:
        return wrap(_core.gp_white_noise_diag(matrix(X, "X", "WhiteNoise"), node(self.sigma)))

    def full(self, X, Xs=None) -> TensorVariable:
        xs = None if Xs is None else matrix(Xs, "Xs", "WhiteNoise")
        return wrap(_core.gp_white_noise(matrix(X, "X", "WhiteNoise"), xs, node(self.sigma)))


def _per_dim(value, n_dims: int, what: str, owner: str) -> _core.Node:
    """A scalar or per-dimension hyperparameter as a node; a length that fits neither is a
    ValueError naming it."""
    n = node(value)
    if n.ndim > 1 or (n.ndim == 1 and n.shape[0] not in (None, 1, n_dims)):
        raise ValueError(f"{owner}: {what} has shape {tuple(n.shape)}; expected a scalar or "
                         f"{n_dims} value(s), one per active dimension")
    return n


class Stationary(Covariance):
    """A kernel of the scaled distance |x - x'| / ls. Give ``ls`` or ``ls_inv`` (= 1 / ls)."""

    _builder = None

    def __init__(self, input_dim: int, ls=None, ls_inv=None, active_dims=None):
        super().__init__(input_dim, active_dims)
        if (ls is None) == (ls_inv is None):
            raise ValueError("Only one of 'ls' or 'ls_inv' must be provided")
        if ls_inv is not None:
            ls = 1.0 / np.asarray(ls_inv) if isinstance(ls_inv, (list, tuple)) else 1.0 / ls_inv
        self.ls = wrap(_per_dim(ls, self.n_dims, "ls" if ls_inv is None else "ls_inv",
                                type(self).__name__))

    def diag(self, X) -> TensorVariable:
        x, _ = self._slice(X)
        return wrap(_core.gp_stationary_diag(x))

    def full(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        return wrap(self._kernel(x, xs))

    def _kernel(self, x, xs):
        return type(self)._builder(x, xs, self.ls.node)

    def square_dist(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        return wrap(_core.gp_scaled_square_distance(x, xs, self.ls.node))

    def euclidean_dist(self, X, Xs=None) -> TensorVariable:
        return wrap(_core.sqrt(_core.add(self.square_dist(X, Xs).node, _core.float_scalar(1e-12))))

    def power_spectral_density(self, omega) -> TensorVariable:
        raise NotImplementedError(f"No power spectral density method has been implemented for {self}.")


class ExpQuad(Stationary):
    """k(x, x') = exp(-|x - x'|^2 / (2 ls^2))."""

    _builder = staticmethod(_core.gp_exp_quad)

    def power_spectral_density(self, omega) -> TensorVariable:
        return wrap(_core.gp_exp_quad_psd(matrix(omega, "omega", "ExpQuad"), self.ls.node))


class Matern52(Stationary):
    """k(x, x') = (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r), r = |x - x'| / ls."""

    _builder = staticmethod(_core.gp_matern52)

    def power_spectral_density(self, omega) -> TensorVariable:
        return wrap(_core.gp_matern52_psd(matrix(omega, "omega", "Matern52"), self.ls.node))


class Matern32(Stationary):
    """k(x, x') = (1 + sqrt(3) r) exp(-sqrt(3) r), r = |x - x'| / ls."""

    _builder = staticmethod(_core.gp_matern32)

    def power_spectral_density(self, omega) -> TensorVariable:
        return wrap(_core.gp_matern32_psd(matrix(omega, "omega", "Matern32"), self.ls.node))


class Matern12(Stationary):
    """k(x, x') = exp(-r), r = |x - x'| / ls."""

    _builder = staticmethod(_core.gp_matern12)


class Exponential(Stationary):
    """k(x, x') = exp(-r / 2), r = |x - x'| / ls (PyMC's scaling, not Matern12's)."""

    _builder = staticmethod(_core.gp_exponential)


class Cosine(Stationary):
    """k(x, x') = cos(2 pi r), r = |x - x'| / ls."""

    _builder = staticmethod(_core.gp_cosine)


class RatQuad(Stationary):
    """k(x, x') = (1 + r^2 / (2 alpha))^-alpha, r = |x - x'| / ls."""

    def __init__(self, input_dim: int, alpha, ls=None, ls_inv=None, active_dims=None):
        super().__init__(input_dim, ls, ls_inv, active_dims)
        self.alpha = alpha

    def _kernel(self, x, xs):
        return _core.gp_rat_quad(x, xs, self.ls.node, node(self.alpha))


class Periodic(Stationary):
    """k(x, x') = exp(-sum_k sin^2(pi (x_k - x'_k) / period) / (2 ls_k^2)) (PyMC's scaling: 0.5 in
    the exponent where the kernel cookbook has 2)."""

    def __init__(self, input_dim: int, period, ls=None, ls_inv=None, active_dims=None):
        super().__init__(input_dim, ls, ls_inv, active_dims)
        self.period = period

    def _kernel(self, x, xs):
        return _core.gp_periodic(x, xs, self.ls.node,
                                 _per_dim(self.period, self.n_dims, "period", "Periodic"))

    def power_spectral_density_approx(self, J) -> TensorVariable:
        """The variances q_j^2 of the cosine-series (stochastic resonator) expansion
        k(tau) = sum_j q_j^2 cos(j w0 tau), w0 = 2 pi / period, at the integer orders J:
        q_j^2 = c_j exp(-a) I_j(a) with c_0 = 1, c_j = 2, from exp(a cos t) = I_0(a) + 2 sum_j
        I_j(a) cos(j t). This kernel is exp(-(1 - cos(w0 tau)) / (4 ls^2)), so a = 1 / (4 ls^2).
        (PyMC passes 1 / ls^2, the paper's scaling of the kernel with 2 in the exponent, which
        does not match its own Periodic; see its issue 8167.)"""
        orders = np.asarray(J)
        ls = self.ls[0] if self.ls.ndim == 1 else self.ls
        a = 0.25 / basic.sqr(ls)
        weights = np.where(orders > 0, 2.0, 1.0)
        return weights * basic.ive(orders.astype(np.int64), a)


class Linear(Covariance):
    """k(x, x') = (x - c) . (x' - c)."""

    def __init__(self, input_dim: int, c, active_dims=None):
        super().__init__(input_dim, active_dims)
        self.c = c

    def full(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        return wrap(_core.gp_linear(x, xs, _per_dim(self.c, self.n_dims, "c", type(self).__name__)))

    def diag(self, X) -> TensorVariable:
        x, _ = self._slice(X)
        return wrap(_core.gp_linear_diag(x, _per_dim(self.c, self.n_dims, "c", type(self).__name__)))


class Polynomial(Linear):
    """k(x, x') = ((x - c) . (x' - c) + offset)^d."""

    def __init__(self, input_dim: int, c, d, offset, active_dims=None):
        super().__init__(input_dim, c, active_dims)
        self.d = d
        self.offset = offset

    def full(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        return wrap(_core.gp_polynomial(x, xs, _per_dim(self.c, self.n_dims, "c", "Polynomial"),
                                        node(self.d), node(self.offset)))

    def diag(self, X) -> TensorVariable:
        x, _ = self._slice(X)
        return wrap(_core.gp_polynomial_diag(x, _per_dim(self.c, self.n_dims, "c", "Polynomial"),
                                             node(self.d), node(self.offset)))


class ScaledCov(Covariance):
    """k(x, x') = s(x) k_base(x, x') s(x'), with ``scaling_func(X, *args)`` written in
    ``hypatia.tensor`` operations returning one value per row of X."""

    def __init__(self, input_dim: int, cov_func: Covariance, scaling_func, args=None, active_dims=None):
        super().__init__(input_dim, active_dims)
        if not callable(scaling_func):
            raise TypeError("scaling_func must be callable")
        if not isinstance(cov_func, Covariance):
            raise TypeError("Must be or inherit from the Covariance class")
        self.cov_func = cov_func
        self.scaling_func = scaling_func
        self.args = () if args is None else (args if isinstance(args, (list, tuple)) else (args,))

    def _scaling(self, x) -> TensorVariable:
        return wrap(node(self.scaling_func(wrap(x), *self.args)))

    # As in PyMC, the base kernel and the scaling see the columns after this kernel's slicing.
    def diag(self, X) -> TensorVariable:
        x, _ = self._slice(X)
        return self.cov_func(wrap(x), diag=True) * self._scaling(x) ** 2

    def full(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        left = self._scaling(x)
        right = left if xs is None else self._scaling(xs)
        base = self.cov_func(wrap(x), None if xs is None else wrap(xs))
        return left[:, None] * base * right[None, :]


class Coregion(Covariance):
    """The coregionalisation kernel of multi-output GPs: B[x, x'] for the integer output index
    held in the active column, B = W W^T + diag(kappa) (or B given)."""

    def __init__(self, input_dim: int, W=None, kappa=None, B=None, active_dims=None):
        super().__init__(input_dim, active_dims)
        if len(self.active_dims) != 1:
            raise ValueError(f"Coregion requires exactly one active dimension, got active_dims "
                             f"{self.active_dims.tolist()}")
        if B is not None and (W is not None or kappa is not None):
            raise ValueError("Coregion: give B, or W and kappa, not both")
        if B is None:
            if W is None or kappa is None:
                raise ValueError("Coregion: give W and kappa (or B)")
            w = node(W)
            B = wrap(_core.add(_core.matmul(w, _core.matrix_transpose(w)), _core.diag(node(kappa))))
        self.B = wrap(node(B))
        if self.B.ndim != 2:
            raise ValueError(f"Coregion: B must be a matrix, got shape {tuple(self.B.node.shape)}")

    def _index(self, x) -> _core.Node:
        return _core.cast(_core.slice(x, [(None, None, None), 0]), "int64")

    def full(self, X, Xs=None) -> TensorVariable:
        x, xs = self._slice(X, Xs)
        rows = _core.gather(self.B.node, self._index(x), 0)
        return wrap(_core.gather(rows, self._index(x if xs is None else xs), 1))

    def diag(self, X) -> TensorVariable:
        x, _ = self._slice(X)
        return wrap(_core.gather(_core.diagonal(self.B.node), self._index(x), 0))
