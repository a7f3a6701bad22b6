"""``pm.CustomDist(dist=...)``: log densities Hypatia derives from generative graphs, against scipy
(base distributions through shape ops, invertible transforms with their Jacobians, censoring by
clip, scans over time steps as sums of conditional densities), draws from the same graphs against
the distributions' moments, a posterior against the built-in equivalent, and the errors for
graphs the derivation cannot invert."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sp
import scipy.stats as st
from scipy.special import logsumexp

import hypatia as pm
import hypatia.tensor as pt
from hypatia import _core, pytensor
from hypatia.pytensorf import collect_default_updates


def logp_of(dist, value) -> np.ndarray:
    return np.asarray(pm.logp(dist, np.asarray(value, dtype=float)).eval(), dtype=float)


def _mcse(draws: np.ndarray) -> float:
    draws = np.asarray(draws, dtype=float)
    return float(draws.std(ddof=1) / np.sqrt(_core.ess_mean(draws)))


# ---------------------------------------------------------------- single base distributions
def test_base_distribution_returned_directly():
    def normal(mu, sigma, size):
        return pm.Normal.dist(mu, sigma, size=size)

    values = np.array([-1.3, 0.2, 2.5])
    dist = pm.CustomDist.dist(0.5, 2.0, dist=normal, size=(3,))
    np.testing.assert_allclose(logp_of(dist, values), st.norm(0.5, 2.0).logpdf(values), rtol=1e-12)


def test_base_distribution_through_shape_ops():
    mu = np.arange(6.0).reshape(2, 3)

    def reshaped(mu, size):
        return pm.Normal.dist(pt.flatten(mu), 1.5).reshape((3, 2)).T

    values = np.array([[0.1, 2.2, 3.9], [1.4, 5.0, 4.1]])  # (2, 3): transpose of the (3, 2) draw
    dist = pm.CustomDist.dist(mu, dist=reshaped)
    expected = st.norm(mu.ravel().reshape(3, 2).T, 1.5).logpdf(values)
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-12)


# ---------------------------------------------------------------- invertible transforms
def test_exp_of_normal_is_lognormal():
    def lognormal(mu, sigma, size):
        return pm.math.exp(pm.Normal.dist(mu, sigma, size=size))

    values = np.array([0.05, 0.7, 1.0, 4.2, 30.0])
    dist = pm.CustomDist.dist(0.3, 0.8, dist=lognormal, size=(5,))
    expected = st.lognorm(s=0.8, scale=np.exp(0.3)).logpdf(values)
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-10)
    assert np.all(np.isneginf(logp_of(dist, np.array([-1.0, 0.0, -0.5, -2.0, -3.0]))))


def test_affine_map_of_student_t():
    def scaled_t(loc, scale, size):
        return loc + scale * pm.StudentT.dist(nu=4.0, size=size)

    values = np.array([-3.0, 0.4, 1.1, 8.0])
    dist = pm.CustomDist.dist(1.0, 2.5, dist=scaled_t, size=(4,))
    np.testing.assert_allclose(logp_of(dist, values), st.t(4.0, 1.0, 2.5).logpdf(values), rtol=1e-10)


def test_negated_exponential_and_division():
    def negative_exponential(lam, size):
        return -pm.Exponential.dist(lam, size=size) / 2.0

    values = np.array([-0.1, -1.5, -4.0])
    dist = pm.CustomDist.dist(1.3, dist=negative_exponential, size=(3,))
    # y = -x / 2, x = -2 y, |dx/dy| = 2
    expected = st.expon(scale=1 / 1.3).logpdf(-2 * values) + np.log(2.0)
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-10)
    assert np.isneginf(logp_of(dist, np.array([0.5, -1.0, -1.0]))[0])


def test_sigmoid_and_chain_of_maps():
    def logit_normal_shifted(mu, size):
        return 2.0 + pm.math.sigmoid(pm.Normal.dist(mu, 0.7, size=size))

    values = np.array([2.1, 2.5, 2.93])
    dist = pm.CustomDist.dist(0.2, dist=logit_normal_shifted, size=(3,))
    p = values - 2.0
    expected = st.norm(0.2, 0.7).logpdf(sp.logit(p)) - np.log(p) - np.log1p(-p)
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-10)


def test_shifted_discrete_variable_has_no_jacobian():
    def shifted_poisson(mu, size):
        return pm.Poisson.dist(mu, size=size) + 2

    values = np.array([2, 4, 9])
    dist = pm.CustomDist.dist(3.0, dist=shifted_poisson, size=(3,))
    np.testing.assert_allclose(logp_of(dist, values), st.poisson(3.0).logpmf(values - 2), rtol=1e-12)
    assert np.isneginf(logp_of(dist, np.array([1, 2, 2]))[0])


# ---------------------------------------------------------------- mixtures
def test_mixture_by_indexing_a_stack_and_a_batch():
    weights = np.array([0.3, 0.7])

    def stacked(w, size):
        return pt.stack([pm.Normal.dist(-1.0, 1.0), pm.Normal.dist(2.0, 0.5)])[pm.Categorical.dist(p=w)]

    dist = pm.CustomDist.dist(weights, dist=stacked)
    for v in (-1.0, 0.3, 2.2):
        expected = logsumexp(np.log(weights) + st.norm([-1.0, 2.0], [1.0, 0.5]).logpdf(v))
        assert float(logp_of(dist, v)) == pytest.approx(expected, rel=1e-12)

    mus, w3 = np.array([-2.0, 0.0, 3.0]), np.array([0.2, 0.5, 0.3])
    batch = pm.CustomDist.dist(
        mus, dist=lambda mus, size: pm.Normal.dist(mus, 1.0)[pm.Categorical.dist(p=w3)])
    expected = logsumexp(np.log(w3) + st.norm(mus, 1.0).logpdf(0.5))
    assert float(logp_of(batch, 0.5)) == pytest.approx(expected, rel=1e-12)


def test_mixtures_by_switch_including_a_zero_inflated_count():
    def two_normals(p, size):
        return pt.switch(pm.Bernoulli.dist(p, size=size), pm.Normal.dist(0.0, 1.0, size=size),
                         pm.Normal.dist(5.0, 2.0, size=size))

    values = np.array([0.1, 4.0, 7.0])
    dist = pm.CustomDist.dist(0.25, dist=two_normals, size=(3,))
    expected = np.logaddexp(np.log(0.25) + st.norm(0, 1).logpdf(values),
                            np.log(0.75) + st.norm(5, 2).logpdf(values))
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-12)

    def zero_inflated(p, mu, size):
        return pt.switch(pm.Bernoulli.dist(p, size=size), 0, pm.Poisson.dist(mu, size=size))

    counts = np.array([0, 1, 4])
    zip_dist = pm.CustomDist.dist(0.3, 2.0, dist=zero_inflated, size=(3,))
    expected = np.log(0.7 * st.poisson(2.0).pmf(counts) + 0.3 * (counts == 0))
    np.testing.assert_allclose(logp_of(zip_dist, counts), expected, rtol=1e-12)
    draws = pm.draw(zip_dist, draws=3000, random_seed=8)
    zero_share = 0.3 + 0.7 * np.exp(-2.0)
    assert abs(np.mean(draws == 0) - zero_share) < 4 * np.sqrt(zero_share * (1 - zero_share) / 9000)


def test_maps_of_a_multivariate_normal_keep_its_event_axis():
    cov = np.array([[1.0, 0.3], [0.3, 0.5]])
    mvn = st.multivariate_normal(np.zeros(2), cov)

    affine = pm.CustomDist.dist(
        np.zeros(2), dist=lambda mu, size: 1.0 + 2.0 * pm.MvNormal.dist(mu, cov=cov, size=(3,)))
    values = np.arange(6.0).reshape(3, 2)
    np.testing.assert_allclose(logp_of(affine, values), mvn.logpdf((values - 1) / 2) - 2 * np.log(2),
                               rtol=1e-12)

    positive = pm.CustomDist.dist(
        np.zeros(2), dist=lambda mu, size: pm.math.exp(pm.MvNormal.dist(mu, cov=cov)))
    value = np.array([0.5, 2.0])
    assert float(logp_of(positive, value)) == pytest.approx(
        mvn.logpdf(np.log(value)) - np.log(value).sum(), rel=1e-12)
    assert np.isneginf(logp_of(positive, np.array([-0.5, 2.0])))


# ---------------------------------------------------------------- censoring by clip
def test_clip_of_normal_is_censored():
    def censored(mu, sigma, size):
        return pm.math.clip(pm.Normal.dist(mu, sigma, size=size), -1.0, 1.5)

    values = np.array([-1.0, -0.3, 0.9, 1.5])
    dist = pm.CustomDist.dist(0.4, 1.2, dist=censored, size=(4,))
    norm = st.norm(0.4, 1.2)
    expected = [norm.logcdf(-1.0), norm.logpdf(-0.3), norm.logpdf(0.9), norm.logsf(1.5)]
    np.testing.assert_allclose(logp_of(dist, values), expected, rtol=1e-10)
    assert np.all(np.isneginf(logp_of(dist, np.array([-1.2, 0.0, 0.0, 1.6]))[[0, 3]]))


# ---------------------------------------------------------------- scans over time steps
T = 12


def ar1_dist(init, rho, sigma, size):
    def step(x_tm1, rho, sigma):
        x = pm.Normal.dist(mu=rho * x_tm1, sigma=sigma)
        return x, collect_default_updates([x])

    xs, _ = pytensor.scan(fn=step, outputs_info=[init], non_sequences=[rho, sigma], n_steps=T,
                          strict=True)
    return xs


def ar1_reference(values, init, rho, sigma) -> float:
    previous = np.concatenate([[init], values[:-1]])
    return float(st.norm(rho * previous, sigma).logpdf(values).sum())


def test_ar1_scan_is_a_sum_of_conditional_normals():
    rng = np.random.default_rng(3)
    values = rng.normal(size=T)
    dist = pm.CustomDist.dist(0.5, 0.7, 1.3, dist=ar1_dist)
    assert float(np.sum(logp_of(dist, values))) == pytest.approx(ar1_reference(values, 0.5, 0.7, 1.3),
                                                                 rel=1e-12)


def test_random_walk_by_innovations_and_by_cumsum():
    rng = np.random.default_rng(4)
    values = np.cumsum(rng.normal(size=T))

    def walk(sigma, size):
        def step(x_tm1, sigma):
            return x_tm1 + pm.Normal.dist(0.0, sigma)

        xs, _ = pytensor.scan(step, outputs_info=[pt.as_tensor_variable(0.0)], non_sequences=[sigma],
                              n_steps=T)
        return xs

    def cumulative(sigma, size):
        return pt.cumsum(pm.Normal.dist(0.0, sigma, size=(T,)))

    expected = st.norm(0, 0.9).logpdf(np.diff(np.concatenate([[0.0], values]))).sum()
    for dist_fn in (walk, cumulative):
        dist = pm.CustomDist.dist(0.9, dist=dist_fn)
        assert float(np.sum(logp_of(dist, values))) == pytest.approx(expected, rel=1e-12)


def test_ar2_with_taps_and_a_sequence():
    rng = np.random.default_rng(5)
    values = rng.normal(size=T)
    trend = np.linspace(0.0, 1.0, T)
    init = np.array([0.3, -0.2])

    def ar2(init, trend, size):
        def step(trend_t, x_tm2, x_tm1):
            return pm.Normal.dist(trend_t + 0.5 * x_tm1 - 0.3 * x_tm2, 0.8)

        xs, _ = pytensor.scan(step, sequences=[trend],
                              outputs_info=[{"initial": init, "taps": [-2, -1]}])
        return xs

    dist = pm.CustomDist.dist(init, trend, dist=ar2)
    full = np.concatenate([init, values])
    mean = trend + 0.5 * full[1:-1] - 0.3 * full[:-2]
    expected = st.norm(mean, 0.8).logpdf(values).sum()
    assert float(np.sum(logp_of(dist, values))) == pytest.approx(expected, rel=1e-12)


def test_random_initial_value_concatenated_with_the_scan():
    def ar_with_init(rho, size):
        init = pm.Normal.dist(0.0, 2.0)
        xs, _ = pytensor.scan(lambda x_tm1, rho: pm.Normal.dist(rho * x_tm1, 1.0), outputs_info=[init],
                              non_sequences=[rho], n_steps=T - 1)
        return pt.concatenate([pt.expand_dims(init, 0), xs])

    rng = np.random.default_rng(6)
    values = rng.normal(size=T)
    dist = pm.CustomDist.dist(0.6, dist=ar_with_init)
    expected = st.norm(0, 2.0).logpdf(values[0]) + ar1_reference(values[1:], values[0], 0.6, 1.0)
    assert float(np.sum(logp_of(dist, values))) == pytest.approx(expected, rel=1e-12)


def test_given_logp_wins_and_the_graph_still_draws():
    def lognormal(mu, sigma, size):
        return pm.math.exp(pm.Normal.dist(mu, sigma, size=size))

    def half_logp(value, mu, sigma):  # deliberately not the graph's density
        return 0.5 * pm.logp(pm.LogNormal.dist(mu, sigma), value)

    dist = pm.CustomDist.dist(0.0, 1.0, dist=lognormal, logp=half_logp, size=(2,))
    values = np.array([0.5, 2.0])
    np.testing.assert_allclose(logp_of(dist, values), 0.5 * st.lognorm(s=1.0).logpdf(values), rtol=1e-12)
    assert np.all(pm.draw(dist, random_seed=1) > 0)


def test_observing_a_parameter_rebuilds_the_derived_density():
    """PyMC's AR pattern: the initial values are a model variable passed to the CustomDist; after
    pm.observe the derived density reads the observed values."""
    lags = 2
    rng = np.random.default_rng(9)
    init_values, innovations = rng.normal(size=lags), rng.normal(size=T)

    def ar2(init, rho, size):
        def step(x_tm2, x_tm1, rho):
            return rho[0] * x_tm1 + rho[1] * x_tm2 + pm.Normal.dist(0.0, 0.8)

        xs, _ = pytensor.scan(step, outputs_info=[{"initial": init, "taps": range(-lags, 0)}],
                              non_sequences=[rho], n_steps=T, strict=True)
        return xs

    with pm.Model() as model:
        rho = pm.Normal("rho", 0.0, 0.5, shape=(2,))
        init = pm.Normal("init", 0.0, 1.0, shape=(lags,))
        pm.CustomDist("x", init, rho, dist=ar2)
    observed = pm.observe(model, {"init": init_values, "x": innovations})
    point = {"rho": np.array([0.4, -0.2])}
    full = np.concatenate([init_values, innovations])
    means = 0.4 * full[1:-1] - 0.2 * full[:-2]
    expected = (st.norm(0, 0.5).logpdf(point["rho"]).sum() + st.norm(0, 1).logpdf(init_values).sum()
                + st.norm(means, 0.8).logpdf(innovations).sum())
    assert observed.compile_logp()(point) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- draws from the graph
def test_prior_predictive_draws_match_the_moments():
    n = 4000
    with pm.Model():
        pm.CustomDist("ln", 0.3, 0.5, dist=lambda mu, s, size: pm.math.exp(pm.Normal.dist(mu, s, size=size)))
        pm.CustomDist("ar", 0.0, 0.8, 1.0, dist=ar1_dist)
        prior = pm.sample_prior_predictive(draws=n, random_seed=11).prior
    ln = prior["ln"].values.ravel()
    mean, var = np.exp(0.3 + 0.125), (np.exp(0.25) - 1) * np.exp(0.6 + 0.25)
    assert abs(ln.mean() - mean) < 4 * np.sqrt(var / n)
    assert np.all(ln > 0)
    ar = prior["ar"].values.reshape(n, T)
    # AR(1) from 0: Var x_t = sum_{k<t} rho^(2k) sigma^2; consecutive steps correlate.
    variances = np.cumsum(0.8 ** (2 * np.arange(T)))
    sample_var = ar.var(axis=0)
    # The sample variance of n normal draws has relative sd sqrt(2/n).
    assert np.all(np.abs(sample_var / variances - 1) < 4 * np.sqrt(2 / n))
    assert abs(np.corrcoef(ar[:, -1], ar[:, -2])[0, 1] - 0.8 * np.sqrt(variances[-2] / variances[-1])) < 0.05


# ---------------------------------------------------------------- sampling
def test_posterior_matches_the_built_in_lognormal():
    rng = np.random.default_rng(12)
    data = rng.lognormal(0.7, 0.5, size=30)

    def lognormal(mu, sigma, size):
        return pm.math.exp(pm.Normal.dist(mu, sigma, size=size))

    posteriors = []
    for custom in (True, False):
        with pm.Model():
            mu = pm.Normal("mu", 0.0, 2.0)
            sigma = pm.HalfNormal("sigma", 1.0)
            if custom:
                pm.CustomDist("y", mu, sigma, dist=lognormal, observed=data)
                pm.CustomDist("z", mu, 0.5, dist=lognormal)  # free, sampled on the log scale
            else:
                pm.LogNormal("y", mu, sigma, observed=data)
                pm.LogNormal("z", mu, 0.5)
            idata = pm.sample(800, tune=600, chains=2, random_seed=5, progressbar=False)
        posteriors.append(idata.posterior)
    for name in ("mu", "sigma", "z"):
        a = posteriors[0][name].values.ravel()
        b = posteriors[1][name].values.ravel()
        error = np.hypot(_mcse(posteriors[0][name].values), _mcse(posteriors[1][name].values))
        assert abs(a.mean() - b.mean()) < 4 * error, f"{name}: {a.mean():.4f} vs {b.mean():.4f}"
    assert np.all(posteriors[0]["z"].values > 0)


def test_ar1_posterior_matches_the_explicit_likelihood_and_predicts():
    rng = np.random.default_rng(13)
    series, previous = np.empty(T), 0.5
    for t in range(T):
        previous = 0.6 * previous + rng.normal(0, 0.5)
        series[t] = previous
    posteriors = []
    for custom in (True, False):
        with pm.Model():
            rho = pm.Uniform("rho", -1.0, 1.0)
            sigma = pm.HalfNormal("sigma", 1.0)
            if custom:
                pm.CustomDist("y", 0.5, rho, sigma, dist=ar1_dist, observed=series)
            else:
                pm.Normal("y", rho * np.concatenate([[0.5], series[:-1]]), sigma, observed=series)
            idata = pm.sample(800, tune=600, chains=2, random_seed=7, progressbar=False)
            if custom:
                predicted = pm.sample_posterior_predictive(idata, random_seed=3).posterior_predictive["y"]
        posteriors.append(idata.posterior)
    for name in ("rho", "sigma"):
        a, b = posteriors[0][name].values, posteriors[1][name].values
        error = np.hypot(_mcse(a), _mcse(b))
        assert abs(a.mean() - b.mean()) < 4 * error, f"{name}: {a.mean():.4f} vs {b.mean():.4f}"
    # The first predicted step is rho * 0.5 plus noise of sd sigma, draw by draw.
    rho, sigma = posteriors[0]["rho"].values.ravel(), posteriors[0]["sigma"].values.ravel()
    first = predicted.values[..., 0].ravel()
    z = (first - rho * 0.5) / sigma
    assert predicted.shape == (2, 800, T)
    assert abs(z.mean()) < 4 / np.sqrt(z.size) and abs(z.std() - 1) < 4 / np.sqrt(2 * z.size)


# ---------------------------------------------------------------- what cannot be derived
def test_graphs_that_cannot_be_inverted_are_errors():
    def two_variables(size):
        return pm.Normal.dist(0.0, 1.0) + pm.Normal.dist(0.0, 1.0)

    with pytest.raises(NotImplementedError, match=r"CustomDist sum_of_two.*add combines 2 random"):
        with pm.Model():
            pm.CustomDist("sum_of_two", dist=two_variables)

    with pytest.raises(NotImplementedError, match=r"CustomDist wave.*sin"):
        with pm.Model():
            pm.CustomDist("wave", dist=lambda size: pm.math.sin(pm.Normal.dist(0.0, 1.0)))

    def hierarchical(size):
        return pm.Normal.dist(mu=pm.Normal.dist(0.0, 1.0), sigma=1.0)

    with pytest.raises(NotImplementedError, match=r"CustomDist h.*Normal.*no value"):
        pm.CustomDist.dist(dist=hierarchical, class_name="h")

    with pytest.raises(NotImplementedError, match=r"CustomDist part.*slice"):
        pm.CustomDist.dist(dist=lambda size: pm.Normal.dist(0.0, 1.0, size=3)[0], class_name="part")

    def two_outputs(size):
        outputs, _ = pytensor.scan(lambda a, b: (pm.Normal.dist(a, 1.0), pm.Normal.dist(b, 1.0)),
                                   outputs_info=[pt.as_tensor_variable(0.0)] * 2, n_steps=3)
        return outputs[0]

    with pytest.raises(NotImplementedError, match="CustomDist pair: a scan.*one output"):
        pm.CustomDist.dist(dist=two_outputs, class_name="pair")

    with pytest.raises(ValueError, match="cannot be created in a CustomDist's dist function"):
        with pm.Model():
            pm.CustomDist("inner", dist=lambda size: pm.Normal("x", 0.0, 1.0))

    with pytest.raises(ValueError, match="no random variable"):
        pm.CustomDist.dist(1.0, dist=lambda x, size: x * 2.0)
