"""pm.gp: covariance functions against numpy implementations written here (values and gradients
with respect to their hyperparameters against finite differences), Marginal's log likelihood
against scipy.stats.multivariate_normal, conditionals against the closed form, MarginalApprox
against the exact likelihood, and HSGP's covariance converging to the exact kernel as m grows."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import cdist

import hypatia as pm
from hypatia import _core
from hypatia.tensor.variable import TensorVariable

RNG = np.random.default_rng(42)
X = RNG.uniform(-2, 2, size=(7, 3))
XS = RNG.uniform(-2, 2, size=(5, 3))


# ---- numpy references: k(X, Xs) pair by pair from the textbook formulas ----

def _r(X, Xs, ls):
    return cdist(X / ls, Xs / ls)


REFERENCES = {
    "ExpQuad": lambda X, Xs, ls: np.exp(-0.5 * _r(X, Xs, ls) ** 2),
    "Matern52": lambda X, Xs, ls: (1 + np.sqrt(5) * _r(X, Xs, ls) + 5 / 3 * _r(X, Xs, ls) ** 2)
    * np.exp(-np.sqrt(5) * _r(X, Xs, ls)),
    "Matern32": lambda X, Xs, ls: (1 + np.sqrt(3) * _r(X, Xs, ls)) * np.exp(-np.sqrt(3) * _r(X, Xs, ls)),
    "Matern12": lambda X, Xs, ls: np.exp(-_r(X, Xs, ls)),
    "Exponential": lambda X, Xs, ls: np.exp(-0.5 * _r(X, Xs, ls)),
    "Cosine": lambda X, Xs, ls: np.cos(2 * np.pi * _r(X, Xs, ls)),
}


def _rat_quad(X, Xs, ls, alpha):
    return (1 + _r(X, Xs, ls) ** 2 / (2 * alpha)) ** -alpha


def _periodic(X, Xs, ls, period):
    d = X[:, None, :] - Xs[None, :, :]
    return np.exp(-0.5 * np.sum((np.sin(np.pi * d / period) / ls) ** 2, axis=2))


def _ev(t):
    return t.eval() if isinstance(t, TensorVariable) else np.asarray(t)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("ls", [0.8, [0.6, 1.3]])
def test_stationary_kernels_match_numpy(name, ls):
    active = [0, 2]
    cov = getattr(pm.gp.cov, name)(3, ls=ls, active_dims=active)
    ls_arr = np.broadcast_to(np.asarray(ls, float), (2,))
    expected = REFERENCES[name](X[:, active], XS[:, active], ls_arr)
    np.testing.assert_allclose(_ev(cov(X, XS)), expected, rtol=1e-9, atol=1e-12)
    # K(X, X): the 1e-12 offset in PyMC's sqrt(r^2 + 1e-12) moves the diagonal by ~1e-6 at most.
    np.testing.assert_allclose(_ev(cov(X)), REFERENCES[name](X[:, active], X[:, active], ls_arr),
                               atol=1e-5)
    np.testing.assert_allclose(_ev(cov(X, diag=True)), np.ones(len(X)))


def test_ls_inv_is_the_reciprocal_length_scale():
    a = pm.gp.cov.Matern32(3, ls=[0.5, 2.0, 1.0])
    b = pm.gp.cov.Matern32(3, ls_inv=[2.0, 0.5, 1.0])
    np.testing.assert_allclose(_ev(a(X, XS)), _ev(b(X, XS)), rtol=1e-12)
    with pytest.raises(ValueError, match="Only one of 'ls' or 'ls_inv'"):
        pm.gp.cov.ExpQuad(1, ls=1.0, ls_inv=1.0)


def test_ratquad_periodic_linear_polynomial_match_numpy():
    np.testing.assert_allclose(_ev(pm.gp.cov.RatQuad(3, alpha=1.5, ls=0.9)(X, XS)),
                               _rat_quad(X, XS, 0.9, 1.5), rtol=1e-10)
    np.testing.assert_allclose(_ev(pm.gp.cov.Periodic(3, period=1.7, ls=[0.5, 1, 2])(X, XS)),
                               _periodic(X, XS, np.array([0.5, 1, 2]), 1.7), rtol=1e-10)
    c = np.array([0.1, -0.2, 0.3])
    np.testing.assert_allclose(_ev(pm.gp.cov.Linear(3, c=c)(X, XS)), (X - c) @ (XS - c).T, rtol=1e-12)
    np.testing.assert_allclose(_ev(pm.gp.cov.Linear(3, c=c)(X, diag=True)),
                               np.sum((X - c) ** 2, 1), rtol=1e-12)
    poly = pm.gp.cov.Polynomial(3, c=0.5, d=3, offset=0.2)
    np.testing.assert_allclose(_ev(poly(X, XS)), ((X - 0.5) @ (XS - 0.5).T + 0.2) ** 3, rtol=1e-10)
    np.testing.assert_allclose(_ev(poly(X, diag=True)), (np.sum((X - 0.5) ** 2, 1) + 0.2) ** 3,
                               rtol=1e-10)


def test_white_noise_constant_and_combinations():
    np.testing.assert_allclose(_ev(pm.gp.cov.WhiteNoise(0.3)(X)), 0.09 * np.eye(7))
    np.testing.assert_allclose(_ev(pm.gp.cov.WhiteNoise(0.3)(X, XS)), np.zeros((7, 5)))
    np.testing.assert_allclose(_ev(pm.gp.cov.Constant(2.5)(X, XS)), np.full((7, 5), 2.5))
    eq = pm.gp.cov.ExpQuad(3, ls=1.2)
    m52 = pm.gp.cov.Matern52(3, ls=0.7, active_dims=[1])
    combined = 2.0 ** 2 * eq + m52 * pm.gp.cov.Linear(3, c=0.0) + 0.5
    expected = (4 * REFERENCES["ExpQuad"](X, XS, 1.2)
                + REFERENCES["Matern52"](X[:, [1]], XS[:, [1]], 0.7) * (X @ XS.T) + 0.5)
    np.testing.assert_allclose(_ev(combined(X, XS)), expected, rtol=1e-10)
    np.testing.assert_allclose(_ev(combined(X, diag=True)), 4 + np.sum(X ** 2, 1) + 0.5, rtol=1e-5)
    # Scaling by a model variable, and exponentiating a kernel.
    with pm.Model():
        eta = pm.HalfNormal("eta", 1.0)
        scaled = eta ** 2 * eq
        assert isinstance(scaled(X, XS), TensorVariable)
    np.testing.assert_allclose(_ev((eq ** 2)(X, XS)), REFERENCES["ExpQuad"](X, XS, 1.2) ** 2, rtol=1e-10)
    # A numpy matrix factor.
    M = RNG.uniform(size=(7, 7))
    np.testing.assert_allclose(_ev((eq * M)(X)), REFERENCES["ExpQuad"](X, X, 1.2) * M, atol=1e-8)


# ---- gradients with respect to hyperparameters, against finite differences of numpy ----

def _gradient(build, values: list[float]) -> np.ndarray:
    """d sum(W * K) / d hyperparameters, with the hyperparameters as graph placeholders."""
    holders = [_core.placeholder(f"h{i}", "float64", []) for i in range(len(values))]
    K = build(*[TensorVariable(h) for h in holders])
    W = np.linspace(-1, 1, K.node.shape[0] * K.node.shape[1]).reshape(K.node.shape)
    cost = _core.sum(_core.mul(K.node, _core.constant(W)))
    grads = _core.grad(cost, holders)
    out = _core.evaluate(list(grads), holders, [np.asarray(v) for v in values])
    return np.array([float(g) for g in out]), W


def _finite_difference(reference, values, W, step=1e-6):
    grads = []
    for i in range(len(values)):
        up = list(values); up[i] += step
        down = list(values); down[i] -= step
        grads.append((np.sum(W * reference(*up)) - np.sum(W * reference(*down))) / (2 * step))
    return np.array(grads)


GRADIENT_CASES = {
    "ExpQuad": (lambda ls: pm.gp.cov.ExpQuad(3, ls=ls), lambda ls: REFERENCES["ExpQuad"](X, XS, ls), [0.9]),
    "Matern52": (lambda ls: pm.gp.cov.Matern52(3, ls=ls), lambda ls: REFERENCES["Matern52"](X, XS, ls), [1.3]),
    "Matern32": (lambda ls: pm.gp.cov.Matern32(3, ls=ls), lambda ls: REFERENCES["Matern32"](X, XS, ls), [0.7]),
    "Matern12": (lambda ls: pm.gp.cov.Matern12(3, ls_inv=1 / ls), lambda ls: REFERENCES["Matern12"](X, XS, ls), [0.8]),
    "Exponential": (lambda ls: pm.gp.cov.Exponential(3, ls=ls), lambda ls: REFERENCES["Exponential"](X, XS, ls), [1.1]),
    "Cosine": (lambda ls: pm.gp.cov.Cosine(3, ls=ls), lambda ls: REFERENCES["Cosine"](X, XS, ls), [5.0]),
    "RatQuad": (lambda ls, a: pm.gp.cov.RatQuad(3, alpha=a, ls=ls), lambda ls, a: _rat_quad(X, XS, ls, a), [0.9, 2.2]),
    "Periodic": (lambda ls, p: pm.gp.cov.Periodic(3, period=p, ls=ls), lambda ls, p: _periodic(X, XS, ls, p), [0.9, 1.7]),
    "Polynomial": (lambda c, o: pm.gp.cov.Polynomial(3, c=c, d=2, offset=o),
                   lambda c, o: ((X - c) @ (XS - c).T + o) ** 2, [0.3, 0.4]),
    "ScaledSum": (lambda eta, ls: eta ** 2 * pm.gp.cov.Matern52(3, ls=ls) + pm.gp.cov.Constant(eta),
                  lambda eta, ls: eta ** 2 * REFERENCES["Matern52"](X, XS, ls) + eta, [1.4, 0.8]),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_hyperparameter_gradients_match_finite_differences(name):
    make, reference, values = GRADIENT_CASES[name]
    symbolic, W = _gradient(lambda *h: make(*h)(X, XS), values)
    np.testing.assert_allclose(symbolic, _finite_difference(reference, values, W), rtol=1e-6, atol=1e-7)


# ---- mean functions ----

def test_mean_functions():
    np.testing.assert_allclose(_ev(pm.gp.mean.Zero()(X)), np.zeros(7))
    np.testing.assert_allclose(_ev(pm.gp.mean.Constant(1.5)(X)), np.full(7, 1.5))
    coeffs = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_ev(pm.gp.mean.Linear(coeffs=coeffs, intercept=0.3)(X)), X @ coeffs + 0.3)
    np.testing.assert_allclose(_ev((pm.gp.mean.Constant(2.0) + pm.gp.mean.Linear(coeffs))(X)), X @ coeffs + 2)


# ---- bad input ----

def test_bad_input_is_a_value_error_naming_the_argument():
    with pytest.raises(ValueError, match=r"active_dims \[0, 3\] out of range for input_dim=3"):
        pm.gp.cov.ExpQuad(3, ls=1.0, active_dims=[0, 3])
    with pytest.raises(ValueError, match=r"X has shape \(7, 3\), fewer columns than input_dim=4"):
        pm.gp.cov.ExpQuad(4, ls=1.0)(X)
    with pytest.raises(ValueError, match=r"X must be a 2-d array.*shape \(7,\).*X\[:, None\]"):
        pm.gp.cov.ExpQuad(1, ls=1.0)(X[:, 0])
    with pytest.raises(ValueError, match=r"ls has shape \(2,\); expected a scalar or 3 value"):
        pm.gp.cov.Matern52(3, ls=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"Xs has shape \(5, 2\)"):
        pm.gp.cov.ExpQuad(3, ls=1.0)(X, XS[:, :2])
    with pytest.raises(ValueError, match="input_dim must be a positive integer"):
        pm.gp.cov.ExpQuad(0, ls=1.0)
    with pytest.raises(ValueError, match=r"y has shape \(6,\), expected \(7,\)"):
        with pm.Model():
            pm.gp.Marginal(cov_func=pm.gp.cov.ExpQuad(3, ls=1.0)).marginal_likelihood(
                "y", X=X, y=np.zeros(6), sigma=0.1)
    with pytest.raises(ValueError, match="call marginal_likelihood first"):
        with pm.Model():
            pm.gp.Marginal(cov_func=pm.gp.cov.ExpQuad(3, ls=1.0)).conditional("f", XS)


# ---- Marginal ----

X1 = np.sort(RNG.uniform(0, 5, size=12))[:, None]
Y1 = np.sin(X1[:, 0]) + RNG.normal(0, 0.2, size=12)
XNEW = np.linspace(-1, 6, 9)[:, None]


def _m52(X, Xs, ls):
    return REFERENCES["Matern52"](X, Xs, ls)


def _marginal_model():
    with pm.Model() as model:
        ell = pm.Gamma("ell", alpha=2, beta=1)
        eta = pm.HalfNormal("eta", sigma=2)
        sigma = pm.HalfNormal("sigma", sigma=1)
        gp = pm.gp.Marginal(mean_func=pm.gp.mean.Constant(0.4),
                            cov_func=eta ** 2 * pm.gp.cov.Matern52(1, ls=ell))
        y = gp.marginal_likelihood("y", X=X1, y=Y1, sigma=sigma)
    return model, gp, y


def _exact_logp(ell, eta, sigma, jitter=1e-6):
    K = eta ** 2 * _m52(X1, X1, ell) + (sigma ** 2 + jitter) * np.eye(len(X1))
    return stats.multivariate_normal(np.full(len(X1), 0.4), K).logpdf(Y1)


def test_marginal_likelihood_matches_scipy_and_its_gradient_finite_differences():
    model, gp, y = _marginal_model()
    logp = model.compile_logp(vars=[y], jacobian=False)
    point = {"ell_log__": np.log(1.3), "eta_log__": np.log(0.9), "sigma_log__": np.log(0.25)}
    assert logp(point) == pytest.approx(_exact_logp(1.3, 0.9, 0.25), rel=1e-10)
    # The whole model's gradient (priors + Jacobians + likelihood) on the unconstrained scale
    # against finite differences of scipy's density plus the priors written out here.
    def total(u):
        ell, eta, sigma = np.exp(u)
        return (_exact_logp(ell, eta, sigma) + stats.gamma(2, scale=1).logpdf(ell)
                + stats.halfnorm(scale=2).logpdf(eta) + stats.halfnorm(scale=1).logpdf(sigma) + u.sum())
    u = np.log([1.3, 0.9, 0.25])
    assert model.compile_logp()(point) == pytest.approx(total(u), rel=1e-10)
    grad = model.compile_dlogp()(point)
    names = [b["value_name"] for b in model._blocks()]
    order = [names.index(n) for n in ("ell_log__", "eta_log__", "sigma_log__")]
    fd = np.array([(total(u + e) - total(u - e)) / 2e-6 for e in np.eye(3) * 1e-6])
    np.testing.assert_allclose(grad[order], fd, rtol=1e-5, atol=1e-6)


def _closed_form(ell, eta, sigma, Xnew, jitter=1e-6):
    K = eta ** 2 * _m52(X1, X1, ell) + jitter * np.eye(len(X1)) + sigma ** 2 * np.eye(len(X1))
    Ks = eta ** 2 * _m52(X1, Xnew, ell)
    Kss = eta ** 2 * _m52(Xnew, Xnew, ell)
    mu = 0.4 + Ks.T @ np.linalg.solve(K, Y1 - 0.4)
    cov = Kss - Ks.T @ np.linalg.solve(K, Ks)
    return mu, cov


def test_marginal_predict_and_conditional_match_the_closed_form():
    model, gp, _ = _marginal_model()
    point = {"ell": 1.3, "eta": 0.9, "sigma": 0.25}
    mu_exact, cov_exact = _closed_form(1.3, 0.9, 0.25, XNEW)
    with model:
        mu, cov = gp.predict(XNEW, point=point)
        mu_d, var_d = gp.predict(XNEW, point=point, diag=True, pred_noise=True)
        mu_n, cov_n = gp.predict(XNEW, point=point, pred_noise=True)
    np.testing.assert_allclose(mu, mu_exact, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(cov, cov_exact + 1e-6 * np.eye(len(XNEW)), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(mu_d, mu_exact, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(var_d, np.diag(cov_exact) + 0.25 ** 2, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(cov_n, cov_exact + 0.25 ** 2 * np.eye(len(XNEW)), rtol=1e-7, atol=1e-10)
    # gp.conditional: an MvNormal with that mean and covariance; its log density at a value
    # against scipy's.
    with model:
        f_new = gp.conditional("f_new", XNEW)
    value = mu_exact + 0.1
    logp = model.compile_logp(vars=[f_new], jacobian=False)
    point_u = {"ell_log__": np.log(1.3), "eta_log__": np.log(0.9), "sigma_log__": np.log(0.25),
               "f_new": value}
    expected = stats.multivariate_normal(mu_exact, cov_exact + 1e-6 * np.eye(len(XNEW))).logpdf(value)
    assert logp(point_u) == pytest.approx(expected, rel=1e-6)


def test_marginal_given_and_additive_gps():
    """Conditioning one component of an additive GP on the total, as in PyMC's docs."""
    k1 = pm.gp.cov.ExpQuad(1, ls=0.7)
    k2 = 0.5 * pm.gp.cov.Linear(1, c=1.0)
    with pm.Model():
        gp1, gp2 = pm.gp.Marginal(cov_func=k1), pm.gp.Marginal(cov_func=k2)
        gp = gp1 + gp2
        gp.marginal_likelihood("y", X=X1, y=Y1, sigma=0.3)
        mu, var = gp1.predict(XNEW, diag=True, given={"X": X1, "y": Y1, "sigma": 0.3, "gp": gp})
    K = k1(X1).eval() + k2(X1).eval() + (0.09 + 1e-6) * np.eye(12)
    Ks = REFERENCES["ExpQuad"](X1, XNEW, 0.7)
    np.testing.assert_allclose(mu, Ks.T @ np.linalg.solve(K, Y1), rtol=1e-8)
    np.testing.assert_allclose(var, 1 - np.sum(Ks * np.linalg.solve(K, Ks), 0), rtol=1e-6, atol=1e-10)


# ---- Latent ----

def test_latent_prior_and_conditional():
    cov = pm.gp.cov.ExpQuad(1, ls=0.8)
    K = REFERENCES["ExpQuad"](X1, X1, 0.8) + 1e-6 * np.eye(12)
    with pm.Model() as model:
        gp = pm.gp.Latent(mean_func=pm.gp.mean.Constant(0.5), cov_func=cov)
        f = gp.prior("f", X=X1)
    # f = mu + chol(K) v, v ~ N(0, I).
    v = RNG.normal(size=12)
    f_value = model.compile_fn(f)({"f_rotated_": v})
    np.testing.assert_allclose(f_value, 0.5 + np.linalg.cholesky(K) @ v, rtol=1e-10)
    with pm.Model() as centred:
        gp_c = pm.gp.Latent(cov_func=cov)
        g = gp_c.prior("g", X=X1, reparameterize=False)
    assert centred.compile_logp(vars=[g])({"g": f_value}) == pytest.approx(
        stats.multivariate_normal(np.zeros(12), K).logpdf(f_value), rel=1e-9)
    # The conditional at new points given f values.
    mu, cov_new = gp._build_conditional(XNEW, X1, f_value, cov, gp.mean_func, 1e-6)
    Ks = REFERENCES["ExpQuad"](X1, XNEW, 0.8)
    np.testing.assert_allclose(_ev(mu), 0.5 + Ks.T @ np.linalg.solve(K, f_value - 0.5), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(_ev(cov_new), REFERENCES["ExpQuad"](XNEW, XNEW, 0.8) - Ks.T @ np.linalg.solve(K, Ks),
                               atol=1e-8)
    with model:
        f_star = gp.conditional("f_star", XNEW)
    assert f_star.name == "f_star"


# ---- MarginalApprox ----

@pytest.mark.parametrize("approx", ["VFE", "FITC", "DTC"])
def test_marginal_approx_with_all_points_inducing_is_exact(approx):
    """With Xu = X the low-rank approximations are exact (up to the jitter on Kuu)."""
    cov = 0.8 ** 2 * pm.gp.cov.ExpQuad(1, ls=1.1)
    with pm.Model() as model:
        gp = pm.gp.MarginalApprox(approx=approx, cov_func=cov)
        gp.marginal_likelihood("y", X=X1, Xu=X1, y=Y1, sigma=0.3)
    exact = stats.multivariate_normal(np.zeros(12), cov(X1).eval() + 0.09 * np.eye(12)).logpdf(Y1)
    value = model.potentials[0].eval()
    assert float(value) == pytest.approx(exact, abs=1e-3)


def test_marginal_approx_matches_the_formula_with_few_inducing_points():
    cov = pm.gp.cov.Matern32(1, ls=0.9)
    Xu = np.linspace(0, 5, 4)[:, None]
    with pm.Model() as model:
        gp = pm.gp.MarginalApprox(approx="FITC", cov_func=cov)
        gp.marginal_likelihood("y", X=X1, Xu=Xu, y=Y1, sigma=0.3)
        mu, var = gp.predict(XNEW, diag=True)
    Kuu = cov(Xu).eval() + 1e-6 * np.eye(4)
    Kuf = cov(Xu, X1).eval()
    Q = Kuf.T @ np.linalg.solve(Kuu, Kuf)
    Lam = np.diag(np.diag(cov(X1).eval() - Q)) + 0.09 * np.eye(12)
    exact = stats.multivariate_normal(np.zeros(12), Q + Lam).logpdf(Y1)
    assert float(model.potentials[0].eval()) == pytest.approx(exact, rel=1e-8)
    # The predictive mean of the FITC model: Ksu (Kuu + Kuf Lam^-1 Kfu)^-1 Kuf Lam^-1 y.
    Ksu = cov(XNEW, Xu).eval()
    Sigma = Kuu + Kuf @ np.linalg.solve(Lam, Kuf.T)
    np.testing.assert_allclose(mu, Ksu @ np.linalg.solve(Sigma, Kuf @ np.linalg.solve(Lam, Y1)), rtol=1e-6)
    assert var.shape == (9,) and np.all(var > 0)


# ---- HSGP ----

@pytest.mark.parametrize("kernel", ["ExpQuad", "Matern52", "Matern32"])
def test_hsgp_covariance_converges_to_the_exact_kernel(kernel):
    x = np.linspace(-3, 3, 40)[:, None]
    cov = 1.5 * getattr(pm.gp.cov, kernel)(1, ls=0.9)
    exact = 1.5 * REFERENCES[kernel](x, x, 0.9)
    errors = []
    for m in (5, 10, 20, 60):
        gp = pm.gp.HSGP(m=[m], c=2.5, cov_func=cov)
        phi, sqrt_psd = gp.prior_linearized(x)
        phi, sqrt_psd = phi.eval(), sqrt_psd.eval()
        approx = (phi * sqrt_psd ** 2) @ phi.T
        errors.append(np.max(np.abs(approx - exact)))
    assert all(b < a for a, b in zip(errors, errors[1:])), errors
    # ExpQuad converges exponentially in m; the Matern kernels' heavier spectral tails converge
    # polynomially (Riutort-Mayol et al. 2023, figure 4).
    assert errors[-1] < {"ExpQuad": 1e-3, "Matern52": 2e-2, "Matern32": 6e-2}[kernel], errors


def test_hsgp_two_dimensions_and_its_prior_and_conditional():
    x = RNG.uniform(-1, 1, size=(30, 2))
    cov = pm.gp.cov.ExpQuad(2, ls=[0.7, 1.2])
    gp = pm.gp.HSGP(m=[22, 20], L=[3.0, 4.5], cov_func=cov)
    phi, sqrt_psd = gp.prior_linearized(x)
    approx = (phi.eval() * sqrt_psd.eval() ** 2) @ phi.eval().T
    exact = np.exp(-0.5 * cdist(x / [0.7, 1.2], x / [0.7, 1.2]) ** 2)
    assert np.max(np.abs(approx - exact)) < 1e-3
    for parametrization in ("noncentered", "centered"):
        with pm.Model() as model:
            hsgp = pm.gp.HSGP(m=[10], c=2.0, parametrization=parametrization,
                              cov_func=pm.gp.cov.Matern52(1, ls=0.5))
            f = hsgp.prior("f", X=X1)
            f_new = hsgp.conditional("f_new", X1)
        coeffs = model["f_hsgp_coeffs"]
        assert tuple(coeffs.node.shape) == (10,)
        beta = RNG.normal(size=10)
        f_val, f_new_val = model.compile_fn([f, f_new])({"f_hsgp_coeffs": beta})
        # The conditional at the training inputs is the prior's value (same basis, same centre).
        np.testing.assert_allclose(f_val, f_new_val, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="one element per active dimension"):
        pm.gp.HSGP(m=[10, 10], c=2.0, cov_func=pm.gp.cov.ExpQuad(1, ls=1.0))
    with pytest.raises(ValueError, match="Provide one of `c` or `L`"):
        pm.gp.HSGP(m=[10], cov_func=pm.gp.cov.ExpQuad(1, ls=1.0))


def test_hsgp_drop_first():
    with pytest.warns(DeprecationWarning):
        gp = pm.gp.HSGP(m=[8], L=[4.0], drop_first=True, cov_func=pm.gp.cov.ExpQuad(1, ls=1.0))
    phi, sqrt_psd = gp.prior_linearized(X1)
    assert phi.eval().shape == (12, 7) and sqrt_psd.eval().shape == (7,)


def test_conditional_added_after_sampling_is_drawn_by_posterior_predictive():
    """As in PyMC's GP workflow: gp.conditional after sampling is a free variable missing from the
    trace, drawn given each posterior draw by sample_posterior_predictive (and only returned
    when named)."""
    model, gp, _ = _marginal_model()
    draws = 4000
    trace = [{"ell": 1.3, "eta": 0.9, "sigma": 0.25}] * draws
    with model:
        gp.conditional("f_pred", XNEW, pred_noise=True)
        named = pm.sample_posterior_predictive(trace, var_names=["f_pred"], random_seed=1,
                                               return_inferencedata=False)
        default = pm.sample_posterior_predictive(trace[:5], random_seed=1, return_inferencedata=False)
    assert set(default) == {"y"}
    f = named["f_pred"].reshape(draws, len(XNEW))
    mu_exact, cov_exact = _closed_form(1.3, 0.9, 0.25, XNEW)
    cov_exact = cov_exact + 0.25 ** 2 * np.eye(len(XNEW))
    sd = np.sqrt(np.diag(cov_exact))
    assert np.all(np.abs(f.mean(0) - mu_exact) < 4.5 * sd / np.sqrt(draws))
    np.testing.assert_allclose(np.cov(f.T), cov_exact, atol=6 * np.max(sd) ** 2 / np.sqrt(draws))


def test_latent_gp_poisson_regression_matches_posteriordb():
    """posteriordb's gp_pois_regr (Stan: f = chol(alpha^2 ExpQuad(x; rho) + 1e-10 I) f_tilde,
    k ~ poisson_log(f)) written with pm.gp.Latent."""
    from conftest import assert_matches_reference, posteriordb

    data, reference = posteriordb("gp_pois_regr-gp_pois_regr")
    x = np.asarray(data["x"], float)[:, None]
    with pm.Model():
        rho = pm.Gamma("rho", alpha=25, beta=4)
        alpha = pm.HalfNormal("alpha", sigma=2)
        gp = pm.gp.Latent(cov_func=alpha ** 2 * pm.gp.cov.ExpQuad(1, ls=rho))
        f = gp.prior("f", X=x, jitter=1e-10)
        pm.Poisson("k", mu=pm.math.exp(f), observed=np.asarray(data["k"]))
        idata = pm.sample(1500, tune=1000, chains=4, random_seed=5, target_accept=0.95,
                          progressbar=False)
    names = {"rho": ("rho", ()), "alpha": ("alpha", ())}
    names |= {f"f[{j + 1}]": ("f", (j,)) for j in range(len(x))}
    assert_matches_reference(idata, reference, names)


def test_scaled_cov_and_coregion_match_numpy():
    base = pm.gp.cov.ExpQuad(3, ls=0.9)
    scaled = pm.gp.cov.ScaledCov(3, base, lambda x, c: pm.math.exp(c * x[:, 0]), args=(0.4,))
    s, ss = np.exp(0.4 * X[:, 0]), np.exp(0.4 * XS[:, 0])
    np.testing.assert_allclose(_ev(scaled(X, XS)), s[:, None] * REFERENCES["ExpQuad"](X, XS, 0.9) * ss[None, :],
                               rtol=1e-10)
    np.testing.assert_allclose(_ev(scaled(X, diag=True)), s ** 2, rtol=1e-10)
    W, kappa = np.array([[1.0, 0.2], [0.3, -0.5], [0.7, 0.1]]), np.array([0.5, 1.0, 2.0])
    B = W @ W.T + np.diag(kappa)
    idx = np.array([0, 2, 1, 1, 0])[:, None].astype(float)
    idx_s = np.array([2, 0, 1])[:, None].astype(float)
    X2 = np.hstack([RNG.normal(size=(5, 1)), idx])
    X2s = np.hstack([RNG.normal(size=(3, 1)), idx_s])
    coreg = pm.gp.cov.Coregion(2, W=W, kappa=kappa, active_dims=[1])
    np.testing.assert_allclose(_ev(coreg(X2, X2s)), B[idx[:, 0].astype(int)][:, idx_s[:, 0].astype(int)])
    np.testing.assert_allclose(_ev(coreg(X2, diag=True)), np.diag(B)[idx[:, 0].astype(int)])
    # The multi-output kernel: a kernel over the inputs times the coregionalisation over outputs.
    product = pm.gp.cov.ExpQuad(2, ls=1.1, active_dims=[0]) * coreg
    expected = REFERENCES["ExpQuad"](X2[:, :1], X2s[:, :1], 1.1) * B[idx[:, 0].astype(int)][:, idx_s[:, 0].astype(int)]
    np.testing.assert_allclose(_ev(product(X2, X2s)), expected, rtol=1e-10)
    with pytest.raises(ValueError, match="exactly one active dimension"):
        pm.gp.cov.Coregion(2, W=W, kappa=kappa)
