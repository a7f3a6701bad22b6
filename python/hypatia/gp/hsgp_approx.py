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
from hypatia.gp.cov import BaseCovariance, Covariance, Periodic, Prod
from hypatia.gp.gp import Base
from hypatia.gp.mean import Zero
from hypatia.gp.util import matrix, node, wrap
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable

__all__ = ["HSGP", "HSGPPeriodic", "set_boundary", "calc_eigenvalues", "calc_eigenvectors",
           "calc_basis_periodic"]


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


def calc_basis_periodic(Xs, period, m: int):
    """(phi_cos, phi_sin), each (n, m): cos(j w0 x) and sin(j w0 x) for j = 0..m-1 at the first
    column of Xs, with w0 = 2 pi / period."""
    Xs = basic.as_tensor_variable(Xs)
    angle = (2.0 * np.pi / basic.as_tensor_variable(period)) * Xs[:, 0][:, None] \
        * np.arange(m, dtype=float)[None, :]
    return basic.cos(angle), basic.sin(angle)


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
            raise NotImplementedError("HSGP for the Periodic kernel is pm.gp.HSGPPeriodic(m, scale, "
                                      "cov_func=...)")
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


def _periodic_and_variance(cov_func):
    """The Periodic kernel inside cov_func and the constant factors multiplying it (None if
    none): cov_func may be a Periodic or a product of one with numbers or model variables."""
    if isinstance(cov_func, Periodic):
        return cov_func, None
    if isinstance(cov_func, Prod):
        kernels = [f for f in cov_func._factor_list if isinstance(f, BaseCovariance)]
        if len(kernels) == 1 and isinstance(kernels[0], Periodic):
            factors = [f for f in cov_func._factor_list if not isinstance(f, BaseCovariance)]
            variance = factors[0]
            for factor in factors[1:]:
                variance = variance * factor
            return kernels[0], basic.as_tensor_variable(variance)
    raise ValueError("`cov_func` must be an instance of a `Periodic` kernel (possibly times a "
                     f"variance); got {type(cov_func).__name__}. Use the `scale` parameter to "
                     "control the variance.")


class HSGPPeriodic(Base):
    """The periodic kernel's low-rank expansion (Riutort-Mayol et al. 2023, appendix B): a sum of
    m stochastic resonators f(x) = sum_j q_j (a_j cos(j w0 x) + b_j sin(j w0 x)), w0 = 2 pi /
    period, a_j and b_j standard normal, b_0 dropped (sin 0 = 0). q_j^2 are the variances of
    ``Periodic.power_spectral_density_approx`` times scale^2 (and any variance factor of
    cov_func). Inputs are one-dimensional and centred at the midpoint of the training inputs.

    Unlike PyMC (its issue 8167), ``prior_linearized`` returns the standard deviations q_j, so
    its documented ``phi_cos @ (psd * beta[:m]) + phi_sin[..., 1:] @ (psd[1:] * beta[m:])``
    has the kernel's covariance."""

    def __init__(self, m: int, scale=1.0, *, mean_func=Zero(), cov_func):
        arg_err_msg = ("`m` must be a positive integer as the `Periodic` kernel approximation is "
                       "only implemented for 1-dimensional case.")
        if not isinstance(m, (numbers.Integral, np.integer)) or isinstance(m, bool) or m <= 0:
            raise ValueError(f"{arg_err_msg} Got m={m!r}.")
        periodic, variance = _periodic_and_variance(cov_func)
        if periodic.n_dims > 1:
            raise ValueError("HSGP approximation for `Periodic` kernel only implemented for "
                             "1-dimensional case.")
        self._m = int(m)
        self.scale = scale
        self._periodic = periodic
        self._variance = variance
        self._X_center = None
        super().__init__(mean_func=mean_func, cov_func=cov_func)

    def _sqrt_coefficients(self) -> TensorVariable:
        variances = self._periodic.power_spectral_density_approx(np.arange(self._m))
        if self._variance is not None:
            variances = variances * self._variance
        return basic.sqrt(variances) * basic.as_tensor_variable(self.scale)

    def _basis(self, X):
        x = wrap(matrix(X, "X", "HSGPPeriodic"))
        if self._X_center is None:
            # Fixed at the training inputs, so new inputs (set_data, conditional) are shifted by
            # the same amount.
            center = (basic.max(x, axis=0) + basic.min(x, axis=0)) / 2.0
            value = basic.static_value(center)
            self._X_center = np.asarray(center.eval() if value is None else value, dtype=float)
        xs, _ = self._periodic._slice(x - self._X_center)
        return calc_basis_periodic(wrap(xs), self._periodic.period, self._m)

    def prior_linearized(self, X):
        """((phi_cos, phi_sin), psd): the cosine and sine bases at the rows of X, each (n, m),
        and the expansion's standard deviations q_j (m,)."""
        return self._basis(X), self._sqrt_coefficients()

    def _combine(self, phi_cos, phi_sin, psd):
        m = self._m
        return phi_cos @ (psd * self._beta[:m]) + phi_sin[:, 1:] @ (psd[1:] * self._beta[m:])

    def prior(self, name: str, X, dims: Optional[str] = None,
              hsgp_coeffs_dims: Optional[str] = None):
        """The approximation at the rows of X, a Deterministic of the 2m - 1 standard normal
        coefficients ``{name}_hsgp_coeffs_`` (m cosine, m - 1 sine)."""
        import hypatia as pm

        (phi_cos, phi_sin), psd = self.prior_linearized(X)
        self._beta = pm.Normal(f"{name}_hsgp_coeffs_", size=2 * self._m - 1, dims=hsgp_coeffs_dims)
        f = self.mean_func(X) + self._combine(phi_cos, phi_sin, psd)
        self.f = pm.Deterministic(name, f, dims=dims)
        return self.f

    def _build_conditional(self, Xnew) -> TensorVariable:
        if getattr(self, "_beta", None) is None:
            raise ValueError("Prior is not set, can't create a conditional.  Call `.prior(name, X)` first.")
        phi_cos, phi_sin = self._basis(Xnew)
        return self.mean_func(Xnew) + self._combine(phi_cos, phi_sin, self._sqrt_coefficients())

    def conditional(self, name: str, Xnew, dims: Optional[str] = None):
        """The approximation at new inputs: the same coefficients, the bases at Xnew."""
        import hypatia as pm

        return pm.Deterministic(name, self._build_conditional(Xnew), dims=dims)
