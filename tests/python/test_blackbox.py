"""Black-box ops: ``as_op`` and user ``Op`` classes with ``perform`` (and ``grad``), as PyMC's
"black box likelihood" example writes them, run inside compiled models."""

import logging
import traceback

import numpy as np
import pytest

import hypatia as pm
import hypatia.tensor as pt
from hypatia import pytensor
from hypatia.pytensor.compile.ops import as_op
from hypatia.pytensor.graph import Apply, Op

# A straight line with Gaussian noise of known sigma; m and c unknown (PyMC's example).
RNG = np.random.default_rng(716743)
SIGMA = 1.0
X = np.linspace(0.0, 9.0, 20)
M_TRUE, C_TRUE = 0.4, 3.0
DATA = M_TRUE * X + C_TRUE + SIGMA * RNG.normal(size=X.size)


def my_loglike(m, c, sigma, x, data):
    model = m * x + c
    return -0.5 * ((data - model) / sigma) ** 2 - np.log(np.sqrt(2 * np.pi)) - np.log(sigma)


def finite_differences_gradients(m, c, sigma, x, data):
    # The example's gradient is analytic per observation: d/dm and d/dc of each term.
    residual = (data - (m * x + c)) / sigma ** 2
    return residual * x, residual


class LogLike(Op):
    def make_node(self, m, c, sigma, x, data) -> Apply:
        m, c, sigma, x, data = (pt.as_tensor(v) for v in (m, c, sigma, x, data))
        return Apply(self, [m, c, sigma, x, data], [data.type()])

    def perform(self, node, inputs, outputs):
        m, c, sigma, x, data = inputs
        outputs[0][0] = np.asarray(my_loglike(m, c, sigma, x, data))


class LogLikeGrad(Op):
    def make_node(self, m, c, sigma, x, data) -> Apply:
        m, c, sigma, x, data = (pt.as_tensor(v) for v in (m, c, sigma, x, data))
        return Apply(self, [m, c, sigma, x, data], [data.type(), data.type()])

    def perform(self, node, inputs, outputs):
        grad_m, grad_c = finite_differences_gradients(*inputs)
        outputs[0][0] = grad_m
        outputs[1][0] = grad_c


loglikegrad_op = LogLikeGrad()


class LogLikeWithGrad(Op):
    def make_node(self, m, c, sigma, x, data) -> Apply:
        m, c, sigma, x, data = (pt.as_tensor(v) for v in (m, c, sigma, x, data))
        return Apply(self, [m, c, sigma, x, data], [data.type()])

    def perform(self, node, inputs, outputs):
        m, c, sigma, x, data = inputs
        outputs[0][0] = np.asarray(my_loglike(m, c, sigma, x, data))

    def grad(self, inputs, g):
        m, c, sigma, x, data = inputs
        grad_wrt_m, grad_wrt_c = loglikegrad_op(m, c, sigma, x, data)
        [out_grad] = g
        return [
            pt.sum(out_grad * grad_wrt_m),
            pt.sum(out_grad * grad_wrt_c),
            pytensor.gradient.grad_not_implemented(self, 2, sigma),
            pytensor.gradient.grad_not_implemented(self, 3, x),
            pytensor.gradient.grad_not_implemented(self, 4, data),
        ]


def line_model(likelihood):
    with pm.Model() as model:
        m = pm.Uniform("m", lower=-10.0, upper=10.0)
        c = pm.Uniform("c", lower=-10.0, upper=10.0)
        likelihood(m, c)
    return model


def builtin_likelihood(m, c):
    pm.Normal("y", mu=m * X + c, sigma=SIGMA, observed=DATA)


def custom_dist_likelihood(op):
    def build(m, c):
        pm.CustomDist("y", m, c, SIGMA, X, observed=DATA,
                      logp=lambda value, m, c, sigma, x: op(m, c, sigma, x, value))

    return build


def mcse_and_mean(idata, name):
    from hypatia import stats

    draws = idata.posterior[name].values
    summary = stats.summary(idata, var_names=[name])
    return float(draws.mean()), float(summary["mcse_mean"].iloc[0])


def expect_same_posterior(idata, reference):
    for name in ("m", "c"):
        mean, mcse = mcse_and_mean(idata, name)
        ref_mean, ref_mcse = mcse_and_mean(reference, name)
        assert abs(mean - ref_mean) < 4 * np.hypot(mcse, ref_mcse), (name, mean, ref_mean, mcse, ref_mcse)
        ref_sd = float(reference.posterior[name].values.std())
        sd = float(idata.posterior[name].values.std())
        assert abs(sd - ref_sd) < 0.15 * ref_sd, (name, sd, ref_sd)


@pytest.fixture(scope="module")
def reference():
    return pm.sample(1000, tune=1000, chains=2, random_seed=1, progressbar=False,
                     model=line_model(builtin_likelihood))


def test_op_values_match_numpy_on_both_backends():
    m, c = pt.dscalar("m"), pt.dscalar("c")
    out = LogLike()(m, c, SIGMA, X, DATA)
    assert out.ndim == 1 and out.dtype == "float64"
    for mode in (None, "native"):
        fn = pytensor.function([m, c], pt.sum(out) * 2.0, mode=mode)
        np.testing.assert_allclose(fn(0.3, 2.5), 2.0 * my_loglike(0.3, 2.5, SIGMA, X, DATA).sum(), rtol=1e-12)


def test_op_gradient_matches_finite_differences():
    m, c = pt.dscalar("m"), pt.dscalar("c")
    cost = pt.sum(pt.sin(LogLikeWithGrad()(m * m, c, SIGMA, X, DATA) / 50.0))
    grads = pytensor.grad(cost, [m, c])
    fn = pytensor.function([m, c], [cost, *grads], mode="native")
    point, h = np.array([0.7, 2.2]), 1e-6
    _, dm, dc = fn(*point)
    for k, symbolic in enumerate((dm, dc)):
        step = np.zeros(2)
        step[k] = h
        numeric = (fn(*(point + step))[0] - fn(*(point - step))[0]) / (2 * h)
        np.testing.assert_allclose(symbolic, numeric, rtol=1e-6)


def test_as_op_values_and_gradient_is_an_error_naming_it():
    @as_op(itypes=[pt.dvector], otypes=[pt.dscalar])
    def sum_of_squares(v):
        return np.sum(v ** 2)

    v = pt.dvector("v", shape=(3,))
    y = sum_of_squares(v) + pt.sum(v)
    fn = pytensor.function([v], y, mode="native")
    assert fn(np.array([1.0, 2.0, 3.0])) == pytest.approx(14.0 + 6.0)
    with pytest.raises(ValueError, match="sum_of_squares.*no gradient"):
        pytensor.grad(y, v)


def test_as_op_unknown_output_shape_needs_infer_shape():
    @as_op(itypes=[pt.dvector], otypes=[pt.dvector])
    def doubled(v):
        return 2 * v

    v = pt.dvector("v", shape=(4,))
    with pytest.raises(ValueError, match="doubled.*infer_shape"):
        doubled(v)

    @as_op(itypes=[pt.dvector], otypes=[pt.dvector], infer_shape=lambda fgraph, node, shapes: [shapes[0]])
    def doubled_with_shape(v):
        return 2 * v

    fn = pytensor.function([v], doubled_with_shape(v), mode="native")
    np.testing.assert_allclose(fn(np.arange(4.0)), 2 * np.arange(4.0))


def test_wrong_output_shape_names_the_op():
    class Bad(Op):
        def make_node(self, x):
            x = pt.as_tensor(x)
            return Apply(self, [x], [pt.dvector(shape=(2,))])

        def perform(self, node, inputs, outputs):
            outputs[0][0] = np.zeros(3)

    x = pt.dscalar("x")
    fn = pytensor.function([x], Bad()(x))
    with pytest.raises(ValueError, match=r"Bad.*shape \(3,\).*\(2,\)"):
        fn(1.0)


class CallbackFailure(Exception):
    pass


class Exploding(Op):
    def make_node(self, m):
        m = pt.as_tensor(m)
        return Apply(self, [m], [pt.dscalar()])

    def perform(self, node, inputs, outputs):
        (m,) = inputs
        if m > 0.5:
            raise CallbackFailure(f"cannot evaluate at m={float(m)}")
        outputs[0][0] = np.asarray(-0.5 * m ** 2)


@pytest.mark.parametrize("mode", [None, "native"])
def test_exception_in_callback_is_raised_with_its_traceback_by_function(mode):
    m = pt.dscalar("m")
    fn = pytensor.function([m], Exploding()(m) * 2.0, mode=mode)
    assert fn(0.1) == pytest.approx(-0.01)
    with pytest.raises(CallbackFailure, match="m=0.9") as raised:
        fn(0.9)
    frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert "perform" in frames
    assert fn(0.2) == pytest.approx(-0.04)  # the failure does not stick


@pytest.mark.parametrize("sampler", ["sample", "sample_smc"])
def test_exception_in_callback_is_raised_by_sample_from_chain_threads(sampler):
    with pm.Model() as model:
        m = pm.Normal("m", 0.0, 1.0)
        pm.Potential("explodes", Exploding()(m))
    with pytest.raises(CallbackFailure, match="cannot evaluate") as raised:
        if sampler == "sample":
            pm.sample(200, tune=200, chains=2, cores=2, random_seed=3, progressbar=False, model=model)
        else:
            pm.sample_smc(200, chains=2, cores=2, random_seed=3, progressbar=False, model=model)
    frames = [frame.name for frame in traceback.extract_tb(raised.value.__traceback__)]
    assert "perform" in frames


def test_without_gradient_sample_uses_slice_and_matches_builtin_normal(reference, caplog):
    model = line_model(custom_dist_likelihood(LogLike()))
    with caplog.at_level(logging.INFO, logger="hypatia"):
        idata = pm.sample(2000, tune=1000, chains=2, random_seed=2, progressbar=False, model=model)
    assert "Slice: [m, c]" in caplog.text.replace("[c, m]", "[m, c]")
    expect_same_posterior(idata, reference)


def test_with_gradient_sample_uses_nuts_and_matches_builtin_normal(reference, caplog):
    model = line_model(custom_dist_likelihood(LogLikeWithGrad()))
    with caplog.at_level(logging.INFO, logger="hypatia"):
        idata = pm.sample(1000, tune=1000, chains=2, random_seed=4, progressbar=False, model=model)
    assert "NUTS" in caplog.text and "Slice" not in caplog.text
    expect_same_posterior(idata, reference)


def test_nuts_on_a_gradientless_op_is_an_error_naming_it():
    model = line_model(custom_dist_likelihood(LogLike()))
    with model, pytest.raises(ValueError, match="NUTS.*'m'.*LogLike"):
        pm.sample(100, tune=100, chains=1, step=pm.NUTS([model["m"]]), progressbar=False)


def test_only_variables_behind_the_op_get_slice(caplog):
    with pm.Model() as model:
        m = pm.Normal("m", 0.0, 1.0)
        s = pm.Normal("s", 0.0, 1.0)
        pm.Potential("black_box", LogLike()(m, 0.0, SIGMA, X, DATA).sum())
    with caplog.at_level(logging.INFO, logger="hypatia"):
        idata = pm.sample(300, tune=300, chains=1, random_seed=5, progressbar=False, model=model)
    assert "NUTS: [s]" in caplog.text and "Slice: [m]" in caplog.text
    assert idata.posterior["s"].shape == (1, 300)


# ---------------------------------------------------------------- Simulator (ABC)
def normal_simulator(rng, mu, size):
    return rng.normal(mu, 1.0, size=size)


def test_simulator_with_sufficient_statistic_matches_the_analytic_abc_posterior():
    rng = np.random.default_rng(12)
    n, prior_sd, epsilon = 50, 5.0, 0.1
    data = rng.normal(1.5, 1.0, size=n)
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, prior_sd)
        pm.Simulator("y", normal_simulator, mu, sum_stat="mean", epsilon=epsilon, observed=data)
    idata = pm.sample_smc(1000, chains=2, cores=2, random_seed=1, progressbar=False, model=model)
    draws = idata.posterior["mu"].values.ravel()
    # The Gaussian kernel on the simulated mean (itself N(mu, 1/n)) makes the ABC likelihood of
    # the observed mean N(mu, 1/n + epsilon^2); with the conjugate prior the posterior is normal.
    likelihood_var = 1.0 / n + epsilon ** 2
    posterior_var = 1.0 / (1.0 / prior_sd ** 2 + 1.0 / likelihood_var)
    posterior_mean = posterior_var * data.mean() / likelihood_var
    assert abs(draws.mean() - posterior_mean) < 0.25 * np.sqrt(posterior_var)
    assert abs(draws.std() - np.sqrt(posterior_var)) < 0.15 * np.sqrt(posterior_var)


def test_simulator_arguments_are_checked():
    with pm.Model():
        mu = pm.Normal("mu", 0.0, 1.0)
        with pytest.raises(ValueError, match="distance 'euclid'"):
            pm.Simulator("y", normal_simulator, mu, distance="euclid", observed=np.zeros(3))
        with pytest.raises(ValueError, match="sum_stat 'mode'"):
            pm.Simulator("z", normal_simulator, mu, sum_stat="mode", observed=np.zeros(3))
        with pytest.raises(ValueError, match="observed"):
            pm.Simulator("w", normal_simulator, mu)
