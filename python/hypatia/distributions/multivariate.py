"""Multivariate families under PyMC's names and parameterizations."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.distributions.distribution import Distribution, DistributionVariable, one_of, param
from hypatia.tensor import variable as tv
from hypatia.tensor.variable import TensorVariable


def _node(value):
    return param(value)


def _upper_to_lower(chol, lower: bool):
    return chol if lower else _core.matrix_transpose(_node(chol))


def _vector_mean(mu, matrix):
    """A scalar mean repeated along the event axis (PyMC accepts mu=0)."""
    mu_node = _node(mu)
    if mu_node.ndim == 0:
        return _core.broadcast_to(mu_node, [matrix.shape[-1]])
    return mu_node


class MvNormal(Distribution):
    @classmethod
    def dist(cls, mu=0.0, cov=None, tau=None, chol=None, lower=True, **kwargs):
        which, value = one_of("MvNormal", cov=cov, tau=tau, chol=chol)
        if which is None:
            raise TypeError("MvNormal: give cov, tau or chol")
        matrix = _node(value)
        mu = _vector_mean(mu, matrix)
        if which == "cov":
            return cls._make(_core.MvNormal, [mu, matrix], ["mu", "cov"], **kwargs)
        if which == "tau":
            return cls._make(_core.MvNormalPrecision, [mu, matrix], ["mu", "tau"], **kwargs)
        return cls._make(_core.MvNormalCholesky, [mu, _upper_to_lower(matrix, lower)], ["mu", "chol"], **kwargs)


class MvStudentT(Distribution):
    @classmethod
    def dist(cls, nu, Sigma=None, mu=0.0, scale=None, tau=None, chol=None, lower=True, **kwargs):
        which, value = one_of("MvStudentT", Sigma=Sigma, scale=scale, tau=tau, chol=chol)
        if which is None:
            raise TypeError("MvStudentT: give scale (or Sigma, tau, chol)")
        matrix = _node(value)
        if which == "tau":
            matrix = _core.inverse(matrix)
        elif which == "chol":
            lower_factor = _upper_to_lower(matrix, lower)
            matrix = _core.matmul(lower_factor, _core.matrix_transpose(lower_factor))
        mu = _vector_mean(mu, matrix)
        return cls._make(_core.MvStudentT, [nu, mu, matrix], ["nu", "mu", "scale"], **kwargs)


class Dirichlet(Distribution):
    @classmethod
    def dist(cls, a, **kwargs):
        return cls._make(_core.Dirichlet, [a], ["a"], **kwargs)


class Multinomial(Distribution):
    @classmethod
    def dist(cls, n, p, **kwargs):
        return cls._make(_core.Multinomial, [n, p], ["n", "p"], **kwargs)


class LKJCorr(Distribution):
    """``pm.LKJCorr(name, n, eta, return_matrix=False)``, as in PyMC 5.

    The variable is the vector of the n(n-1)/2 strictly upper entries of the correlation matrix,
    row by row (numpy's ``triu_indices(n, k=1)`` order); that is what the trace holds under
    ``name``. With ``return_matrix=True`` the same variable is registered and the n x n matrix
    built from it is returned (PyMC stores no matrix; add a Deterministic for one). The engine
    family samples the packed entries on the same unconstrained space as the matrix family.
    ``LKJCorr.dist(..., return_matrix=True)`` is the engine's matrix-valued family: its draws and
    ``pm.logp`` are matrices.
    """

    def __new__(cls, name: str, *args: Any, return_matrix: bool = False, **kwargs: Any):
        packed = super().__new__(cls, name, *args, **kwargs)
        if not return_matrix:
            return packed
        n = kwargs["n"] if "n" in kwargs else args[0]
        return corr_matrix_from_packed(packed, _lkj_size(n))

    @classmethod
    def dist(cls, n, eta, *, return_matrix: bool = False, **kwargs):
        size = _lkj_size(n)
        builder = lambda e: _core.LKJCorr(size, e, packed=not return_matrix)
        return cls._make(builder, [eta], ["eta"], **kwargs)


def _lkj_size(n) -> int:
    """LKJCorr's n as a Python int: a whole number >= 2 (a constant, not a model variable)."""
    if isinstance(n, (TensorVariable, _core.Node)):
        raise TypeError("LKJCorr: n must be a constant integer (the matrix size), "
                        "not a tensor")
    try:
        value = float(np.asarray(n, dtype=float))
    except (TypeError, ValueError):
        raise TypeError(f"LKJCorr: n must be an integer >= 2, got {n!r}") from None
    if not np.isfinite(value) or value != int(value) or value < 2:
        raise ValueError(f"LKJCorr: n must be an integer >= 2, got {n!r}")
    return int(value)


def corr_matrix_from_packed(packed, n: int) -> TensorVariable:
    """The n x n correlation matrices (..., n, n) whose strictly upper entries, row by row, are
    the last axis of `packed` (PyMC's LKJCorr value); unit diagonal, symmetric."""
    packed_node = _node(packed)
    count = n * (n - 1) // 2
    if packed_node.ndim < 1 or int(packed_node.shape[-1]) != count:
        raise ValueError(f"LKJCorr: a packed correlation for n = {n} has {count} entries on its "
                         f"last axis, got shape {tuple(packed_node.shape)}")
    one = _core.full_like(_core.sum(packed_node, [-1], True), 1.0)
    padded = _core.concatenate([packed_node, one], -1)
    source = np.full((n, n), count, dtype=np.int64)  # the diagonal reads the appended 1
    rows, cols = np.triu_indices(n, k=1)
    source[rows, cols] = np.arange(count)
    source[cols, rows] = np.arange(count)
    return TensorVariable(_core.gather(padded, _core.constant(source), -1))


class LKJCholeskyCov:
    """``pm.LKJCholeskyCov(name, eta, n, sd_dist, compute_corr=True, store_in_trace=True)``.

    The variable sampled is the Cholesky factor of the covariance; with compute_corr it returns
    (chol, corr, stds) and stores corr and stds as Deterministics named <name>_corr and
    <name>_stds, as PyMC does.
    """

    def __new__(cls, name: str, eta, n, sd_dist, *, compute_corr: bool = True,
                store_in_trace: bool = True, model=None, **kwargs):
        from hypatia.distributions.register import register_rv
        from hypatia.model import Deterministic, modelcontext

        model = modelcontext(model)
        dist = cls.dist(eta, n, sd_dist, **kwargs)
        chol = register_rv(model, name, dist)
        if not compute_corr:
            return _pack_lower(chol, int(n))
        stds = TensorVariable(_core.sqrt(_core.sum(_core.square(chol.node), [-1], False)))
        corr = TensorVariable(_core.div(_core.matmul(chol.node, _core.matrix_transpose(chol.node)),
                                        _core.mul(_core.expand_dims(stds.node, [-1]),
                                                  _core.expand_dims(stds.node, [-2]))))
        if store_in_trace:
            corr = Deterministic(f"{chol.name}_corr", corr, model=model)
            stds = Deterministic(f"{chol.name}_stds", stds, model=model)
        return chol, corr, stds

    @classmethod
    def dist(cls, eta, n, sd_dist, **kwargs) -> DistributionVariable:
        if not isinstance(sd_dist, DistributionVariable):
            raise TypeError("LKJCholeskyCov: sd_dist must be an unregistered distribution, "
                            "e.g. pm.Exponential.dist(1.0)")
        builder = lambda e: _core.LKJCholeskyCov(int(n), e, sd_dist.distribution)
        return Distribution._make.__func__(cls, builder, [eta], ["eta"], family="LKJCholeskyCov", **kwargs)


def _pack_lower(chol: TensorVariable, n: int) -> TensorVariable:
    rows, cols = np.tril_indices(n)
    flat_index = (rows * n + cols).astype(np.int64)
    packed = _core.gather(_core.flatten(chol.node), _core.constant(flat_index), 0)
    return TensorVariable(packed)


def expand_packed_triangular(n: int, packed, lower: bool = True, diagonal_only: bool = False):
    """The n x n triangular matrix whose nonzero entries are `packed` (row-major, like PyMC)."""
    packed_node = _node(packed)
    rows, cols = np.tril_indices(n) if lower else np.triu_indices(n)
    if diagonal_only:
        positions = np.flatnonzero(rows == cols)
        return TensorVariable(_core.gather(packed_node, _core.constant(positions.astype(np.int64)), 0))
    flat_index = (rows * n + cols).astype(np.int64)
    zeros = _core.constant(np.zeros(n * n))
    flat = _core.scatter_add(zeros, _core.constant(flat_index), packed_node, 0)
    return TensorVariable(_core.reshape(flat, [n, n]))


class ZeroSumNormal(Distribution):
    @classmethod
    def dist(cls, sigma=1.0, n_zerosum_axes=None, zerosum_axes=None, support_shape=None, **kwargs):
        axes = n_zerosum_axes if n_zerosum_axes is not None else zerosum_axes
        if axes is None:
            axes = 1
        elif not isinstance(axes, int):
            axes = len(axes)
        builder = lambda s: _core.ZeroSumNormal(s, int(axes))
        return cls._make(builder, [sigma], ["sigma"], **kwargs)


class DirichletMultinomial(Distribution):
    @classmethod
    def dist(cls, n, a, **kwargs):
        return cls._make(_core.DirichletMultinomial, [n, a], ["n", "a"], **kwargs)


class StickBreakingWeights(Distribution):
    @classmethod
    def dist(cls, alpha, K, **kwargs):
        builder = lambda a: _core.StickBreakingWeights(a, int(K))
        return cls._make(builder, [alpha], ["alpha"], **kwargs)


class CAR(Distribution):
    @classmethod
    def dist(cls, mu, W, alpha, tau, sparse: bool = False, **kwargs):
        return cls._make(_core.CAR, [mu, W, alpha, tau], ["mu", "W", "alpha", "tau"], **kwargs)


class ICAR(Distribution):
    @classmethod
    def dist(cls, W, sigma=1.0, zero_sum_stdev=0.001, **kwargs):
        return cls._make(_core.ICAR, [W, sigma, zero_sum_stdev], ["W", "sigma", "zero_sum_stdev"], **kwargs)


class MatrixNormal(Distribution):
    @classmethod
    def dist(cls, mu, rowcov=None, rowchol=None, colcov=None, colchol=None, **kwargs):
        row_which, row = one_of("MatrixNormal", rowcov=rowcov, rowchol=rowchol)
        col_which, col = one_of("MatrixNormal", colcov=colcov, colchol=colchol)
        if row_which is None or col_which is None:
            raise TypeError("MatrixNormal: give rowcov (or rowchol) and colcov (or colchol)")
        if row_which == "rowcov" and col_which == "colcov":
            return cls._make(_core.MatrixNormal, [mu, row, col], ["mu", "rowcov", "colcov"], **kwargs)
        # Mixed or Cholesky spellings: factor whichever covariance was given.
        row = _core.cholesky(_node(row)) if row_which == "rowcov" else row
        col = _core.cholesky(_node(col)) if col_which == "colcov" else col
        return cls._make(_core.MatrixNormalCholesky, [mu, row, col], ["mu", "rowchol", "colchol"],
                         **kwargs)


class KroneckerNormal(Distribution):
    """MvNormal with covariance kron(covs[0], covs[1], ...) (+ sigma^2 I when sigma is given); the
    factors may be given as lower Cholesky factors (chols). PyMC's evds (eigendecompositions) are
    accepted and turned back into covariances."""

    @classmethod
    def dist(cls, mu, covs=None, chols=None, evds=None, sigma=None, **kwargs):
        which, factors = one_of("KroneckerNormal", covs=covs, chols=chols, evds=evds)
        if which is None:
            raise TypeError("KroneckerNormal: give covs, chols or evds")
        if which == "evds":
            factors = [(np.asarray(v) * np.asarray(w)) @ np.asarray(v).T for w, v in factors]
            which = "covs"
        factors = list(factors)
        count = len(factors)
        core = _core.KroneckerNormal if which == "covs" else _core.KroneckerNormalCholesky
        names = [f"{which}[{k}]" for k in range(count)]
        if sigma is None:
            def builder(mu_node, *factor_nodes):
                return core(mu_node, list(factor_nodes), None)

            return cls._make(builder, [mu, *factors], ["mu", *names], family="KroneckerNormal",
                             **kwargs)

        def builder_sigma(mu_node, sigma_node, *factor_nodes):
            return core(mu_node, list(factor_nodes), sigma_node)

        return cls._make(builder_sigma, [mu, sigma, *factors], ["mu", "sigma", *names],
                         family="KroneckerNormal", **kwargs)
