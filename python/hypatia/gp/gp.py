"""``pm.gp.Latent``, ``pm.gp.Marginal``, ``pm.gp.MarginalApprox`` and ``pm.gp.TP``: Gaussian
processes as model variables, with PyMC's methods, arguments and jitter.

Everything here composes graph ops (the covariance builders, cholesky, solve_triangular, the
Cholesky-based MvNormal log density), so a GP model compiles to one native function with no
Python in the sampling loop.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.gp.cov import BaseCovariance, Constant, WhiteNoise
from hypatia.gp.mean import Zero
from hypatia.gp.util import JITTER_DEFAULT, matrix, node, stabilize, wrap
from hypatia.tensor.variable import TensorVariable

__all__ = ["Latent", "Marginal", "MarginalApprox", "TP"]


def _solve_lower(L, b) -> TensorVariable:
    return wrap(_core.solve_triangular(node(L), node(b), True))


def _solve_upper(U, b) -> TensorVariable:
    return wrap(_core.solve_triangular(node(U), node(b), False))


def _cholesky(K) -> TensorVariable:
    return wrap(_core.cholesky(node(K)))


def _t(x) -> TensorVariable:
    return wrap(_core.matrix_transpose(node(x)))


def _n_rows(X, owner: str) -> int:
    x = matrix(X, "X", owner)
    if x.shape[0] is None:
        raise ValueError(f"{owner}: the number of rows of X must be known when the model is built")
    return x.shape[0]


def _check_rows(owner: str, what: str, value, X) -> None:
    """`value` (y, f) has one entry per row of X."""
    x, v = matrix(X, "X", owner), node(value)
    if v.ndim != 1 or (v.shape[0] is not None and x.shape[0] is not None and v.shape[0] != x.shape[0]):
        raise ValueError(f"{owner}: {what} has shape {tuple(v.shape)}, expected ({x.shape[0]},) "
                         f"(one value per row of X, which has shape {tuple(x.shape)})")


def _mvnormal(name: str, mu, cov, **kwargs):
    import hypatia as pm

    kwargs.pop("method", None)  # PyMC's draw method (svd/eigh); Hypatia draws with a Cholesky factor
    return pm.MvNormal(name, mu=mu, cov=cov, **kwargs)


class Base:
    def __init__(self, *, mean_func=Zero(), cov_func=Constant(0.0)):
        self.mean_func = mean_func
        self.cov_func = cov_func

    def __add__(self, other):
        same_attrs = set(self.__dict__.keys()) == set(other.__dict__.keys())
        if not isinstance(self, type(other)) or not same_attrs:
            raise TypeError("Cannot add different GP types")
        return self.__class__(mean_func=self.mean_func + other.mean_func,
                              cov_func=self.cov_func + other.cov_func)

    def prior(self, name, X, *args, **kwargs):
        raise NotImplementedError

    def marginal_likelihood(self, name, X, *args, **kwargs):
        raise NotImplementedError

    def conditional(self, name, Xnew, *args, **kwargs):
        raise NotImplementedError

    def _require(self, *attributes: str, method: str) -> None:
        missing = [a for a in attributes if getattr(self, a, None) is None]
        if missing:
            raise ValueError(f"{type(self).__name__}: {', '.join(missing)} not set; call {method} "
                             "first, or pass them in `given`")


class Latent(Base):
    """A GP whose function values are latent model variables (no additive noise)."""

    def __init__(self, *, mean_func=Zero(), cov_func=Constant(0.0)):
        super().__init__(mean_func=mean_func, cov_func=cov_func)
        self.X = self.f = None

    def _build_prior(self, name, X, n_outputs=1, reparameterize=True, jitter=JITTER_DEFAULT, **kwargs):
        import hypatia as pm

        mu = self.mean_func(X)
        cov = stabilize(self.cov_func(X), jitter)
        if reparameterize:
            n = _n_rows(X, "Latent.prior")
            if "dims" in kwargs:
                v = pm.Normal(name + "_rotated_", mu=0.0, sigma=1.0, **kwargs)
            else:
                size = (n_outputs, n) if n_outputs > 1 else n
                v = pm.Normal(name + "_rotated_", mu=0.0, sigma=1.0, size=size, **kwargs)
            L = _cholesky(cov)
            return pm.Deterministic(name, mu + _t(L @ _t(v)) if n_outputs > 1 else mu + L @ v,
                                    dims=kwargs.get("dims"))
        if n_outputs > 1:
            from hypatia.tensor import basic

            mu = basic.stack([mu] * n_outputs, axis=0)
        return _mvnormal(name, mu, cov, **kwargs)

    def prior(self, name, X, n_outputs=1, reparameterize=True, jitter=JITTER_DEFAULT, **kwargs):
        """f ~ MvNormal(mean_func(X), cov_func(X) + jitter I); with ``reparameterize`` (the
        default) f = mu + L v with v standard normal (the non-centred form NUTS samples best)."""
        f = self._build_prior(name, X, n_outputs, reparameterize, jitter, **kwargs)
        self.X, self.f, self.n_outputs = X, f, n_outputs
        return f

    def _get_given_vals(self, given):
        given = given or {}
        gp = given.get("gp")
        cov_total = gp.cov_func if gp is not None else self.cov_func
        mean_total = gp.mean_func if gp is not None else self.mean_func
        if all(k in given for k in ("X", "f")):
            X, f = given["X"], given["f"]
        else:
            self._require("X", "f", method="prior")
            X, f = self.X, self.f
        return X, f, cov_total, mean_total

    def _build_conditional(self, Xnew, X, f, cov_total, mean_total, jitter):
        Kxx = cov_total(X)
        Kxs = self.cov_func(X, Xnew)
        L = _cholesky(stabilize(Kxx, jitter))
        A = _solve_lower(L, Kxs)
        v = _solve_lower(L, _t(f - mean_total(X)) if node(f).ndim == 2 else f - mean_total(X))
        mu = self.mean_func(Xnew) + (_t(_t(A) @ v) if node(f).ndim == 2 else _t(A) @ v)
        cov = self.cov_func(Xnew) - _t(A) @ A
        return mu, cov

    def conditional(self, name, Xnew, given=None, jitter=JITTER_DEFAULT, **kwargs):
        """f* | f ~ MvNormal(K*x Kxx^-1 (f - m(X)) + m(X*), K** - K*x Kxx^-1 Kx*)."""
        X, f, cov_total, mean_total = self._get_given_vals(given)
        mu, cov = self._build_conditional(Xnew, X, f, cov_total, mean_total, jitter)
        # PyMC draws this singular-looking covariance with an SVD; Hypatia's MvNormal uses a
        # Cholesky factor, so the jitter goes on its diagonal too.
        return _mvnormal(name, mu, stabilize(cov, jitter), **kwargs)


class TP(Latent):
    """Student's t process (``nu`` degrees of freedom); not additive."""

    def __init__(self, *, mean_func=Zero(), scale_func=Constant(0.0), cov_func=None, nu=None):
        if nu is None:
            raise ValueError("Student's T process requires a degrees of freedom parameter, 'nu'")
        if cov_func is not None:
            warnings.warn("Use the scale_func argument to specify the scale function."
                          "cov_func will be removed in future versions.", FutureWarning)
            scale_func = cov_func
        self.nu = nu
        super().__init__(mean_func=mean_func, cov_func=scale_func)

    def __add__(self, other):
        raise TypeError("Student's T processes aren't additive")

    def _build_prior(self, name, X, reparameterize=True, jitter=JITTER_DEFAULT, **kwargs):
        import hypatia as pm

        mu = self.mean_func(X)
        cov = stabilize(self.cov_func(X), jitter)
        if reparameterize:
            v = pm.StudentT(name + "_rotated_", mu=0.0, sigma=1.0, nu=self.nu,
                            size=_n_rows(X, "TP.prior"), **kwargs)
            return pm.Deterministic(name, mu + _cholesky(cov) @ v, dims=kwargs.get("dims"))
        return pm.MvStudentT(name, nu=self.nu, mu=mu, scale=cov, **kwargs)

    def prior(self, name, X, reparameterize=True, jitter=JITTER_DEFAULT, **kwargs):
        f = self._build_prior(name, X, reparameterize, jitter, **kwargs)
        self.X, self.f = X, f
        return f

    def conditional(self, name, Xnew, jitter=JITTER_DEFAULT, **kwargs):
        import hypatia as pm

        self._require("X", "f", method="prior")
        X, f = self.X, self.f
        Kxx, Kxs, Kss = self.cov_func(X), self.cov_func(X, Xnew), self.cov_func(Xnew)
        L = _cholesky(stabilize(Kxx, jitter))
        A = _solve_lower(L, Kxs)
        cov = Kss - _t(A) @ A
        v = _solve_lower(L, f - self.mean_func(X))
        mu = self.mean_func(Xnew) + _t(A) @ v
        beta = (v * v).sum()
        nu2 = self.nu + _n_rows(X, "TP.conditional")
        scale = (self.nu + beta - 2) / (nu2 - 2) * cov
        return pm.MvStudentT(name, nu=nu2, mu=mu, scale=stabilize(scale, jitter), **kwargs)


class Marginal(Base):
    """A GP plus Gaussian noise, with the function values integrated out: y ~ MvNormal(m(X),
    K(X, X) + noise)."""

    def __init__(self, *, mean_func=Zero(), cov_func=Constant(0.0)):
        super().__init__(mean_func=mean_func, cov_func=cov_func)
        self.X = self.y = self.sigma = None

    def _build_marginal_likelihood(self, X, noise_func, jitter):
        mu = self.mean_func(X)
        cov = self.cov_func(X) + noise_func(X)
        return mu, stabilize(cov, jitter)

    def marginal_likelihood(self, name, X, y, sigma=None, jitter=JITTER_DEFAULT, is_observed=True,
                            noise=None, **kwargs):
        """The observed y ~ MvNormal(mean_func(X), cov_func(X) + sigma^2 I + jitter I); ``sigma``
        may also be a covariance function (correlated noise). ``noise`` is PyMC 4's name for
        ``sigma``."""
        import hypatia as pm

        if noise is not None:
            if sigma is not None:
                raise ValueError("Marginal.marginal_likelihood: give sigma or noise, not both")
            warnings.warn("The 'noise' parameter has been been changed to 'sigma' "
                          "in order to standardize the GP API and will be "
                          "deprecated in future releases.", FutureWarning)
            sigma = noise
        if sigma is None:
            raise TypeError("Marginal.marginal_likelihood: missing the noise standard deviation 'sigma'")
        _check_rows("Marginal.marginal_likelihood", "y", y, X)
        noise_func = sigma if isinstance(sigma, BaseCovariance) else WhiteNoise(sigma)
        mu, cov = self._build_marginal_likelihood(X, noise_func, jitter)
        self.X, self.y, self.sigma = X, y, noise_func
        if is_observed:
            return _mvnormal(name, mu, cov, observed=y, **kwargs)
        warnings.warn("The 'is_observed' argument has been deprecated.  If the GP is "
                      "unobserved use gp.Latent instead.", FutureWarning)
        return _mvnormal(name, mu, cov, **kwargs)

    def _get_given_vals(self, given):
        given = given or {}
        gp = given.get("gp")
        cov_total = gp.cov_func if gp is not None else self.cov_func
        mean_total = gp.mean_func if gp is not None else self.mean_func
        if all(k in given for k in ("X", "y", "sigma")):
            X, y, sigma = given["X"], given["y"], given["sigma"]
            noise_func = sigma if isinstance(sigma, BaseCovariance) else WhiteNoise(sigma)
        else:
            self._require("X", "y", "sigma", method="marginal_likelihood")
            X, y, noise_func = self.X, self.y, self.sigma
        return X, y, noise_func, cov_total, mean_total

    def _build_conditional(self, Xnew, pred_noise, diag, X, y, noise_func, cov_total, mean_total,
                           jitter):
        Kxx = cov_total(X)
        Kxs = self.cov_func(X, Xnew)
        Knx = noise_func(X)
        rxx = y - mean_total(X)
        L = _cholesky(stabilize(Kxx, jitter) + Knx)
        A = _solve_lower(L, Kxs)
        v = _solve_lower(L, rxx)
        mu = self.mean_func(Xnew) + _t(A) @ v
        if diag:
            var = self.cov_func(Xnew, diag=True) - (A * A).sum(axis=0)
            if pred_noise:
                var = var + noise_func(Xnew, diag=True)
            return mu, var
        cov = self.cov_func(Xnew) - _t(A) @ A
        if pred_noise:
            return mu, cov + noise_func(Xnew)
        return mu, stabilize(cov, jitter)

    def conditional(self, name, Xnew, pred_noise=False, given=None, jitter=JITTER_DEFAULT, **kwargs):
        """f* | y (or y* | y with ``pred_noise``) as an MvNormal variable at the rows of Xnew."""
        givens = self._get_given_vals(given)
        mu, cov = self._build_conditional(Xnew, pred_noise, False, *givens, jitter)
        return _mvnormal(name, mu, cov, **kwargs)

    def _predict_at(self, Xnew, diag=False, pred_noise=False, given=None, jitter=JITTER_DEFAULT):
        givens = self._get_given_vals(given)
        return self._build_conditional(Xnew, pred_noise, diag, *givens, jitter)

    def predict(self, Xnew, point=None, diag=False, pred_noise=False, given=None,
                jitter=JITTER_DEFAULT, model=None):
        """The conditional mean and covariance (variance with ``diag``) as numpy arrays, with the
        model's variables at ``point`` (e.g. ``pm.find_MAP()``'s result or one draw)."""
        mu, cov = self._predict_at(Xnew, diag, pred_noise, given or {}, jitter)
        return _replace_with_values([mu, cov], point, model)


class MarginalApprox(Marginal):
    """Marginal GP with inducing points Xu: ``approx`` is "VFE" (default), "FITC" or "DTC"."""

    _available_approx = ("FITC", "VFE", "DTC")

    def __init__(self, approx="VFE", *, mean_func=Zero(), cov_func=Constant(0.0)):
        if approx not in self._available_approx:
            raise NotImplementedError(approx)
        self.approx = approx
        super().__init__(mean_func=mean_func, cov_func=cov_func)
        self.Xu = None

    def __add__(self, other):
        new_gp = super().__add__(other)
        if self.approx != other.approx:
            raise TypeError("Cannot add GPs with different approximations")
        new_gp.approx = self.approx
        return new_gp

    def _low_rank(self, X, Xu, sigma, cov_func, jitter, with_trace: bool):
        """The Woodbury pieces shared by the likelihood and the conditional: A = Luu^-1 Kuf, the
        diagonal Lambda and the Cholesky factor of I + A Lambda^-1 A^T."""
        sigma2 = wrap(node(sigma)) ** 2
        Kuu = cov_func(Xu)
        Kuf = cov_func(Xu, X)
        Luu = _cholesky(stabilize(Kuu, jitter))
        A = _solve_lower(Luu, Kuf)
        Qffd = (A * A).sum(axis=0)
        trace = 0.0
        if self.approx == "FITC":
            Lamd = wrap(_core.maximum(node(cov_func(X, diag=True) - Qffd), _core.float_scalar(0.0))) + sigma2
        else:
            Lamd = wrap(_core.ones_like(node(Qffd))) * sigma2
            if self.approx == "VFE" and with_trace:
                trace = (1.0 / (2.0 * sigma2)) * (cov_func(X, diag=True).sum() - Qffd.sum())
        A_l = A / Lamd
        m = matrix(Xu, "Xu", "MarginalApprox").shape[0]
        L_B = _cholesky(wrap(_core.eye(m, "float64")) + A_l @ _t(A))
        return Luu, A, Lamd, L_B, trace

    def _build_marginal_likelihood_loglik(self, y, X, Xu, sigma, jitter):
        Luu, A, Lamd, L_B, trace = self._low_rank(X, Xu, sigma, self.cov_func, jitter, True)
        r = y - self.mean_func(X)
        r_l = r / Lamd
        c = _solve_lower(L_B, A @ r_l)
        n = _n_rows(X, "MarginalApprox.marginal_likelihood")
        constant = 0.5 * n * np.log(2.0 * np.pi)
        logdet = 0.5 * wrap(_core.log(node(Lamd))).sum() + 0.5 * wrap(_core.cholesky_logdet(node(L_B)))
        quadratic = 0.5 * ((r * r_l).sum() - (c * c).sum())
        return -1.0 * (constant + logdet + quadratic + trace)

    def marginal_likelihood(self, name, X, Xu, y, sigma=None, jitter=JITTER_DEFAULT, noise=None,
                            **kwargs):
        """Adds the approximate marginal log likelihood of y as a Potential
        (``marginalapprox_loglik_<name>``), as PyMC does."""
        import hypatia as pm

        if noise is not None:
            sigma = noise
        if sigma is None:
            raise TypeError("MarginalApprox.marginal_likelihood: missing 'sigma'")
        _check_rows("MarginalApprox.marginal_likelihood", "y", y, X)
        xu = matrix(Xu, "Xu", "MarginalApprox")
        x = matrix(X, "X", "MarginalApprox")
        if xu.shape[1] != x.shape[1]:
            raise ValueError(f"MarginalApprox: Xu has shape {tuple(xu.shape)} and X shape "
                             f"{tuple(x.shape)}; they need the same number of columns")
        self.X, self.Xu, self.y, self.sigma = X, Xu, y, sigma
        loglik = self._build_marginal_likelihood_loglik(y, X, Xu, sigma, jitter)
        return pm.Potential(f"marginalapprox_loglik_{name}", loglik, **kwargs)

    def _get_given_vals(self, given):
        given = given or {}
        gp = given.get("gp")
        cov_total = gp.cov_func if gp is not None else self.cov_func
        mean_total = gp.mean_func if gp is not None else self.mean_func
        if all(k in given for k in ("X", "Xu", "y", "sigma")):
            X, Xu, y, sigma = given["X"], given["Xu"], given["y"], given["sigma"]
        else:
            self._require("X", "Xu", "y", "sigma", method="marginal_likelihood")
            X, Xu, y, sigma = self.X, self.Xu, self.y, self.sigma
        return X, Xu, y, sigma, cov_total, mean_total

    def _build_conditional(self, Xnew, pred_noise, diag, X, Xu, y, sigma, cov_total, mean_total,
                           jitter):
        Luu, A, Lamd, L_B, _ = self._low_rank(X, Xu, sigma, cov_total, jitter, False)
        r = y - mean_total(X)
        c = _solve_lower(L_B, A @ (r / Lamd))
        As = _solve_lower(Luu, self.cov_func(Xu, Xnew))
        mu = self.mean_func(Xnew) + _t(As) @ _solve_upper(_t(L_B), c)
        C = _solve_lower(L_B, As)
        sigma2 = wrap(node(sigma)) ** 2
        if diag:
            var = self.cov_func(Xnew, diag=True) - (As * As).sum(axis=0) + (C * C).sum(axis=0)
            return mu, (var + sigma2 if pred_noise else var)
        cov = self.cov_func(Xnew) - _t(As) @ As + _t(C) @ C
        if pred_noise:
            return mu, cov + wrap(_core.diag(_core.full_like(_core.diagonal(node(cov)), 1.0))) * sigma2
        return mu, stabilize(cov, jitter)


def _replace_with_values(outputs: list, point: Optional[dict], model) -> list:
    """Evaluates `outputs` with the model's free variables at `point`. The point may hold
    constrained values by variable name (as find_MAP and draws give) or value-variable names."""
    from hypatia.model import modelcontext
    from hypatia.tensor import variable as tensor_variable

    model = modelcontext(model)
    point = dict(point or {})
    replacements = {}
    for rv in model.free_RVs:
        if rv.name in point:
            replacements[rv] = np.asarray(point[rv.name], dtype=float)
    missing = [rv.name for rv in model.free_RVs if rv not in replacements
               and any(rv.node.same(i) for o in outputs for i in _core.free_inputs([node(o)]))]
    if missing:
        raise KeyError(f"predict: the point has no value for {', '.join(map(repr, missing))}")
    return tensor_variable.evaluate(list(outputs), replacements | model._data_values())
