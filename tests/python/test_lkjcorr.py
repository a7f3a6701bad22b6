"""pm.LKJCorr as in PyMC 5: the variable is the packed vector of the strictly upper entries of the
correlation matrix (numpy's triu_indices(n, k=1) order); return_matrix=True returns the matrix
built from it. References: the LKJ (2009) normalizing constant in its Beta-function form (not
the engine's), scipy's Beta for n = 2 and for the known marginals, numpy linear algebra and
finite differences."""

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import betaln

import hypatia as pm


def lkj_log_normalizer(n, eta):
    """log c_n(eta), LKJ (2009): c_n = prod_{k=1}^{n-1} [2^{(2 eta - 2 + n - k)} B(b_k, b_k)]^{n-k}
    with b_k = eta + (n - k - 1) / 2."""
    total = 0.0
    for k in range(1, n):
        b = eta + (n - k - 1) / 2
        total += (n - k) * ((2 * eta - 2 + n - k) * np.log(2.0) + betaln(b, b))
    return total


def lkj_logpdf(corr, eta):
    n = corr.shape[-1]
    return (eta - 1) * np.linalg.slogdet(corr)[1] - lkj_log_normalizer(n, eta)


def random_correlation(rng, n):
    a = rng.normal(size=(n, n + 2))
    cov = a @ a.T
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)


def pack(corr):
    n = corr.shape[-1]
    rows, cols = np.triu_indices(n, k=1)
    return corr[..., rows, cols]


def assemble(packed, n):
    rows, cols = np.triu_indices(n, k=1)
    corr = np.zeros(packed.shape[:-1] + (n, n))
    corr[..., rows, cols] = packed
    corr[..., cols, rows] = packed
    corr[..., np.arange(n), np.arange(n)] = 1.0
    return corr


def logp_of(dist, value):
    return np.asarray(pm.logp(dist, value).eval())


def test_reference_normalizer():
    # The volume of the 3 x 3 correlation matrices is pi^2 / 2 (eta = 1: uniform density).
    assert np.isclose(lkj_log_normalizer(3, 1.0), np.log(np.pi**2 / 2))
    r = np.linspace(-1, 1, 400001)
    assert np.isclose(np.log(np.trapz((1 - r**2) ** 1.5, r)), lkj_log_normalizer(2, 2.5), atol=1e-8)


def test_draw_shapes_follow_pymc():
    assert pm.draw(pm.LKJCorr.dist(n=3, eta=2.0), random_seed=1).shape == (3,)
    assert pm.draw(pm.LKJCorr.dist(n=4, eta=2.0), random_seed=1).shape == (6,)
    assert pm.draw(pm.LKJCorr.dist(n=3, eta=2.0, size=5), random_seed=1).shape == (5, 3)
    assert pm.draw(pm.LKJCorr.dist(n=4, eta=2.0, shape=(2, 6)), random_seed=1).shape == (2, 6)
    matrices = pm.draw(pm.LKJCorr.dist(n=3, eta=2.0, size=7, return_matrix=True), random_seed=1)
    assert matrices.shape == (7, 3, 3)
    assert pm.draw(pm.LKJCorr.dist(n=3, eta=2.0, return_matrix=True), random_seed=1).shape == (3, 3)
    packed = pm.draw(pm.LKJCorr.dist(n=5, eta=0.8, size=200), random_seed=2)
    assert np.all(np.abs(packed) < 1)
    assert np.all(np.linalg.eigvalsh(assemble(packed, 5)) > 0)


@pytest.mark.parametrize("n, eta", [(2, 0.7), (3, 1.0), (3, 2.5), (4, 4.0), (5, 1.3)])
def test_packed_logp_matches_closed_form(n, eta):
    rng = np.random.default_rng(10 * n + int(10 * eta))
    corrs = np.stack([random_correlation(rng, n) for _ in range(4)])
    expected = np.array([lkj_logpdf(c, eta) for c in corrs])
    np.testing.assert_allclose(logp_of(pm.LKJCorr.dist(n=n, eta=eta), pack(corrs)), expected,
                               rtol=1e-10, atol=1e-10)
    for c, e in zip(corrs, expected):
        np.testing.assert_allclose(logp_of(pm.LKJCorr.dist(n=n, eta=eta), pack(c)), e, rtol=1e-10)
    # return_matrix=True is the matrix-valued family: the same density at the matrix.
    np.testing.assert_allclose(logp_of(pm.LKJCorr.dist(n=n, eta=eta, return_matrix=True), corrs[0]),
                               expected[0], rtol=1e-10)


def test_packing_order_is_numpys_triu_order():
    # From n = 4 on, another order of the same entries is another matrix (and density).
    rng = np.random.default_rng(3)
    corr = random_correlation(rng, 4)
    rows, cols = np.tril_indices(4, k=-1)
    other_order = corr[rows, cols]  # (1,0), (2,0), (2,1), (3,0), ...
    assert not np.allclose(other_order, pack(corr))
    dist = pm.LKJCorr.dist(n=4, eta=3.0)
    assert np.isclose(logp_of(dist, pack(corr)), lkj_logpdf(corr, 3.0), rtol=1e-10)
    assert not np.isclose(logp_of(dist, other_order), lkj_logpdf(corr, 3.0), rtol=1e-4)


@pytest.mark.parametrize("eta", [0.5, 1.0, 2.0, 6.0])
def test_two_by_two_is_a_shifted_beta(eta):
    r = np.array([-0.97, -0.4, 0.0, 0.3, 0.88])
    expected = st.beta(eta, eta).logpdf((r + 1) / 2) - np.log(2)
    np.testing.assert_allclose(logp_of(pm.LKJCorr.dist(n=2, eta=eta), r[:, None]), expected,
                               rtol=1e-10)


def test_logp_outside_the_support_is_minus_infinity():
    dist = pm.LKJCorr.dist(n=3, eta=2.0)
    assert logp_of(dist, np.array([0.9, 0.9, -0.9])) == -np.inf  # not positive definite
    assert logp_of(dist, np.array([1.2, 0.0, 0.0])) == -np.inf


def stan_corr_from_unconstrained(u, n):
    """Stan's cholesky_corr_constrain written as its loop, then C = L L^T."""
    z = np.tanh(u)
    L = np.zeros((n, n))
    L[0, 0] = 1.0
    k = 0
    for i in range(1, n):
        used = 0.0
        for j in range(i):
            L[i, j] = z[k] * np.sqrt(1 - used)
            used += L[i, j] ** 2
            k += 1
        L[i, i] = np.sqrt(1 - used)
    return L @ L.T


def test_compiled_model_logp_and_gradient():
    """The model's log density at unconstrained u is the LKJ density of the packed value plus
    log |det d packed / du|; here the Jacobian is taken by finite differences of an independent
    implementation of the coordinates, and the gradient against finite differences of logp."""
    n, eta = 3, 2.0
    with pm.Model() as model:
        pm.LKJCorr("corr", n=n, eta=eta)
    (value_name,) = model.initial_point().keys()
    assert value_name == "corr_interval__"
    logp, dlogp = model.compile_logp(), model.compile_dlogp()
    rng = np.random.default_rng(4)
    packed_of = lambda v: pack(stan_corr_from_unconstrained(v, n))
    for _ in range(3):
        u = rng.normal(size=3)
        step = 1e-6
        jac = np.column_stack([(packed_of(u + step * e) - packed_of(u - step * e)) / (2 * step)
                               for e in np.eye(3)])
        expected = lkj_logpdf(stan_corr_from_unconstrained(u, n), eta) + np.log(abs(np.linalg.det(jac)))
        assert np.isclose(logp({value_name: u}), expected, rtol=1e-7, atol=1e-7)
        numeric = np.array([(logp({value_name: u + 1e-6 * e}) - logp({value_name: u - 1e-6 * e})) / 2e-6
                            for e in np.eye(3)])
        np.testing.assert_allclose(dlogp({value_name: u}), numeric, rtol=1e-5, atol=1e-6)


def test_sampled_marginals_match_the_lkj_marginal():
    """LKJCorr(n=3, eta=2) alone: each off-diagonal entry r has (r + 1) / 2 ~ Beta(b, b),
    b = eta - 1 + n / 2."""
    n, eta = 3, 2.0
    with pm.Model():
        pm.LKJCorr("corr", n=n, eta=eta)
        idata = pm.sample(1000, tune=1000, chains=4, random_seed=11, progressbar=False)
    corr = idata.posterior["corr"]
    assert corr.dims == ("chain", "draw", "corr_dim_0")
    assert corr.shape == (4, 1000, 3)
    b = eta - 1 + n / 2
    reference = st.beta(b, b)
    probabilities = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    values = corr.values.reshape(-1, 3)
    for k in range(3):
        y = (values[:, k] + 1) / 2
        np.testing.assert_allclose(np.quantile(y, probabilities), reference.ppf(probabilities),
                                   atol=0.03)
        # Thinned to roughly independent draws for a (tolerant) KS test.
        assert st.kstest(y[::10], reference.cdf).pvalue > 1e-3
    assert np.all(np.linalg.eigvalsh(assemble(values, n)) > 0)


def test_return_matrix_returns_the_matrix_and_stores_the_packed_vector():
    with pm.Model(coords={"pair": ["ab", "ac", "bc"]}) as model:
        matrix = pm.LKJCorr("corr", n=3, eta=2.0, return_matrix=True, dims="pair")
        pm.Deterministic("corr_mat", matrix)
        idata = pm.sample(100, tune=100, chains=1, random_seed=5, progressbar=False)
        prior = pm.sample_prior_predictive(50, random_seed=6)
        draws = pm.draw(matrix, draws=20, random_seed=7)
    post = idata.posterior
    assert post["corr"].dims == ("chain", "draw", "pair")
    assert post["corr_mat"].shape == (1, 100, 3, 3)
    np.testing.assert_allclose(post["corr_mat"].values, assemble(post["corr"].values, 3), atol=1e-12)
    assert prior.prior["corr"].shape == (1, 50, 3)
    assert draws.shape == (20, 3, 3)
    np.testing.assert_allclose(draws, np.swapaxes(draws, 1, 2))
    np.testing.assert_allclose(np.diagonal(draws, axis1=1, axis2=2), 1.0)
    assert "corr" in [v.name for v in model.free_RVs]


def test_logp_of_a_registered_packed_variable():
    with pm.Model():
        corr = pm.LKJCorr("corr", n=4, eta=1.5)
    rng = np.random.default_rng(8)
    c = random_correlation(rng, 4)
    assert np.isclose(float(pm.logp(corr, pack(c)).eval()), lkj_logpdf(c, 1.5), rtol=1e-10)


def test_argument_and_shape_errors_are_clear():
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        pm.LKJCorr.dist(n=2.5, eta=1.0)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        pm.LKJCorr.dist(n=1, eta=1.0)
    with pytest.raises(ValueError, match="eta"):
        pm.LKJCorr.dist(n=3, eta=-1.0)
    with pytest.raises(TypeError):
        pm.LKJCorr.dist(3, 2.0, True)  # return_matrix is keyword-only, as in PyMC
    with pytest.raises(Exception, match=r"LKJCorr.*3 entries"):
        logp_of(pm.LKJCorr.dist(n=3, eta=2.0), np.array([0.1, 0.2]))
    with pytest.raises(Exception, match=r"LKJCorr.*3 entries"):
        pm.draw(pm.LKJCorr.dist(n=3, eta=2.0, shape=(5, 4)))
    with pytest.raises(Exception, match=r"corr: LKJCorr .*\(3,\).*\(4,\)"):
        with pm.Model():
            pm.LKJCorr("corr", n=3, eta=2.0, shape=(4,))


def test_initval_is_a_packed_value():
    """A packed initval maps to the canonical partial correlations' atanh (C-vine coordinates)."""
    r01, r02, r12 = 0.1, 0.2, 0.3
    with pm.Model() as model:
        pm.LKJCorr("corr", 3, 2.0, initval=np.array([r01, r02, r12]))
    partial_12 = (r12 - r01 * r02) / np.sqrt((1 - r01**2) * (1 - r02**2))
    np.testing.assert_allclose(model.initial_point()["corr_interval__"],
                               np.arctanh([r01, r02, partial_12]), rtol=1e-12)
