"""``pm.gp.HSGP``: the Hilbert-space approximation of a stationary GP (Solin and Särkkä 2020;
Riutort-Mayol et al. 2023). f(x) ~ sum_j sqrt(S(sqrt(lambda_j))) phi_j(x) beta_j with the
Laplacian's eigenfunctions phi_j on [-L, L] (per active dimension) and the kernel's power spectral
density S (a C++ builder per kernel family). m basis functions per dimension; the cost is linear in
the number of points."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Optional

import numpy as np

from hypatia import _core
from hypatia.gp.cov import Covariance, Periodic
from hypatia.gp.gp import Base
from hypatia.gp.mean import Zero
from hypatia.gp.util import matrix, node, wrap
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable

__all__ = ["HSGP", "set_boundary", "calc_eigenvalues", "calc_eigenvectors"]


def set_boundary(Xs, c) -> TensorVariable:
    """L = c * max|Xs| per column, for inputs Xs centred at zero."""
    return c * basic.max(basic.abs(basic.as_tensor_variable(Xs)), axis=0)


def _basis_indices(m: Sequence[int]) -> np.ndarray:
    """(prod(m), D) integer indices of the basis functions, in PyMC's (meshgrid) order."""
    grids = np.meshgrid(*[np.arange(1, 1 + m_d) for m_d in m])
    return np.vstack([g.flatten() for g in grids]).T


def calc_eigenvalues(L, m: Sequence[int]) -> TensorVariable:
    """The Laplacian's eigenvalues (pi j / (2 L))^2, one row per basis function."""
    return (np.pi * _basis_indices(m).astype(float) / (2.0 * basic.as_tensor_variable(L))) ** 2


def calc_eigenvectors(Xs, L, eigvals, m: Sequence[int]) -> TensorVariable:
    """The eigenfunctions at the rows of Xs: prod_d sin(sqrt(lambda_d) (x_d + L_d)) / sqrt(L_d)."""
    Xs = basic.as_tensor_variable(Xs)
    L = basic.as_tensor_variable(L)
    phi = None
    for d in range(len(m)):
        x_d = Xs[:, d][:, None]                      # (n, 1)
        frequency = basic.sqrt(eigvals[:, d])[None, :]  # (1, m*)
        factor = basic.sin(frequency * (x_d + L[d])) / basic.sqrt(L[d])
        phi = factor if phi is None else phi * factor
    return phi


class HSGP(Base):
    """Hilbert-space approximate GP. Give ``m`` (basis functions per active dimension) and one of
    ``L`` (the half-widths of the approximation's domain, per active dimension) or ``c`` (L = c
    times the largest |x| after centring the inputs)."""

    def __init__(self, m: Sequence[int], L: Optional[Sequence[float]] = None,
                 c: Optional[numbers.Real] = None, drop_first: bool = False,
                 parametrization: Optional[str] = "noncentered", *, mean_func=Zero(),
                 cov_func: Covariance, parameterization: Optional[str] = None):
        arg_err_msg = ("`m` and `L`, if provided, must be sequences with one element per active "
                       "dimension of the kernel or covariance function.")
        if not isinstance(cov_func, Covariance):
            raise ValueError("HSGP: cov_func must be a covariance function with active dimensions "
                             f"(got {type(cov_func).__name__})")
        if not isinstance(m, Sequence) or len(m) != cov_func.n_dims:
            raise ValueError(f"{arg_err_msg} Got m={m!r} for {cov_func.n_dims} active dimension(s).")
        if any(not isinstance(m_d, (numbers.Integral, np.integer)) or m_d < 1 for m_d in m):
            raise ValueError(f"HSGP: m must hold positive integers, got {m!r}")
        if isinstance(cov_func, Periodic):
            raise NotImplementedError("HSGP for the Periodic kernel is pm.gp.HSGPPeriodic, which "
                                      "Hypatia does not have yet")
        if (L is None) == (c is None):
            raise ValueError("Provide one of `c` or `L`")
        if L is not None and (not isinstance(L, (Sequence, np.ndarray)) or len(L) != cov_func.n_dims):
            raise ValueError(f"{arg_err_msg} Got L={L!r} for {cov_func.n_dims} active dimension(s).")
        if L is None and c < 1.2:
            warnings.warn("For an adequate approximation `c >= 1.2` is recommended.")
        if parameterization is not None:
            parametrization = parameterization
        parametrization = str(parametrization).lower().replace("-", "").replace("_", "")
        if parametrization not in ("centered", "noncentered"):
            raise ValueError("`parametrization` must be either 'centered' or 'noncentered'.")
        if drop_first:
            warnings.warn("The drop_first argument will be deprecated in future versions.",
                          DeprecationWarning)
        self._parametrization = parametrization
        self._drop_first = bool(drop_first)
        self._m = tuple(int(m_d) for m_d in m)
        self._m_star = int(np.prod(self._m))
        self._L = None if L is None else basic.as_tensor_variable(np.asarray(L, dtype=float))
        self._c = c
        self._X_center = None
        super().__init__(mean_func=mean_func, cov_func=cov_func)

    def __add__(self, other):
        raise NotImplementedError("Additive HSGPs aren't supported.")

    @property
    def L(self) -> TensorVariable:
        if self._L is None:
            raise RuntimeError("Boundaries `L` required but still unset.")
        return self._L

    @L.setter
    def L(self, value):
        self._L = basic.as_tensor_variable(value)

    @property
    def m_star(self) -> int:
        return self._m_star

    n_basis_vectors = m_star

    def _centred(self, X) -> TensorVariable:
        x = wrap(matrix(X, "X", "HSGP"))
        if self._X_center is None:
            # Fixed at the training inputs, so new inputs (set_data, conditional) are shifted by
            # the same amount.
            center = (basic.max(x, axis=0) + basic.min(x, axis=0)) / 2.0
            value = basic.static_value(center)
            if value is None:
                value = center.eval()
            self._X_center = np.asarray(value, dtype=float)
        return x - self._X_center

    def prior_linearized(self, X):
        """(phi, sqrt_psd): the basis functions at the rows of X (n, m*) and the square roots of
        the power spectral density at their frequencies (m*,), so f = phi @ (beta * sqrt_psd)
        with beta standard normal."""
        xs, _ = self.cov_func._slice(self._centred(X))
        xs = wrap(xs)
        if self._L is None:
            self.L = set_boundary(xs, self._c)
        eigvals = calc_eigenvalues(self.L, self._m)
        phi = calc_eigenvectors(xs, self.L, eigvals, self._m)
        psd = self.cov_func.power_spectral_density(basic.sqrt(eigvals))
        i = int(self._drop_first)
        return phi[:, i:], basic.sqrt(psd[i:])

    def prior(self, name: str, X, hsgp_coeffs_dims: Optional[str] = None,
              gp_dims: Optional[str] = None, *args, **kwargs):
        """The approximate GP at the rows of X, a Deterministic of the coefficients
        ``{name}_hsgp_coeffs`` (standard normal when non-centred, N(0, sqrt_psd) when centred)."""
        import hypatia as pm

        dims = kwargs.pop("dims", None)
        gp_dims = gp_dims if gp_dims is not None else dims
        phi, sqrt_psd = self.prior_linearized(X)
        self._sqrt_psd = sqrt_psd
        size = self._m_star - int(self._drop_first)
        if self._parametrization == "noncentered":
            self._beta = pm.Normal(f"{name}_hsgp_coeffs", size=size, dims=hsgp_coeffs_dims)
            f = self.mean_func(X) + phi @ (self._beta * sqrt_psd)
        else:
            self._beta = pm.Normal(f"{name}_hsgp_coeffs", sigma=sqrt_psd, size=size,
                                   dims=hsgp_coeffs_dims)
            f = self.mean_func(X) + phi @ self._beta
        self.f = pm.Deterministic(name, f, dims=gp_dims)
        return self.f

    def _build_conditional(self, Xnew) -> TensorVariable:
        if getattr(self, "_beta", None) is None:
            raise ValueError("Prior is not set, can't create a conditional.  Call `.prior(name, X)` first.")
        xs, _ = self.cov_func._slice(self._centred(Xnew))
        eigvals = calc_eigenvalues(self.L, self._m)
        phi = calc_eigenvectors(wrap(xs), self.L, eigvals, self._m)[:, int(self._drop_first):]
        if self._parametrization == "noncentered":
            return self.mean_func(Xnew) + phi @ (self._beta * self._sqrt_psd)
        return self.mean_func(Xnew) + phi @ self._beta

    def conditional(self, name: str, Xnew, dims: Optional[str] = None, *args, **kwargs):
        """The approximate GP at new inputs: the same coefficients, the basis at Xnew."""
        import hypatia as pm

        return pm.Deterministic(name, self._build_conditional(Xnew), dims=dims)
