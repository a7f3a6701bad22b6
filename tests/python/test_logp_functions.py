"""PyMC's log-density functions with all their arguments: model.logp(vars, jacobian, sum),
compile_logp, compile_dlogp, model.dlogp and the varlogp-style properties. References: scipy.stats
densities, the log-Jacobians in closed form (log sigma for the log transform, log p(1-p) for
log-odds) or from central-difference Jacobians of the constrain map, and finite differences for
gradients."""

import numpy as np
import pytest
import scipy.stats as st
from scipy.special import expit, logit

import hypatia as pm

COUNTS = np.array([2, 0, 5, 3])
ALPHA = np.array([1.5, 2.0, 3.0])


def build_model():
    """Normal, HalfNormal (log), Beta (log-odds), Dirichlet (simplex), an observed Poisson and a
    vector potential."""
    with pm.Model() as model:
        mu = pm.Normal("mu", 1.0, 2.0)
        sigma = pm.HalfNormal("sigma", 1.5, shape=2)
        p = pm.Beta("p", 2.0, 3.0)
        w = pm.Dirichlet("w", a=ALPHA)
        pm.Poisson("counts", mu=sigma[0] * 3.0 + p + w[0], observed=COUNTS)
        pm.Potential("pen", -0.5 * (sigma - mu) ** 2)
    return model


def stick_breaking_inverse(w):
    """Stan's stick-breaking coordinates of a simplex (Hypatia's simplex transform)."""
    k = len(w)
    stick = 1.0 - np.concatenate([[0.0], np.cumsum(w[:-1])])
    z = w[:-1] / stick[:-1]
    return logit(z) + np.log(k - 1 - np.arange(k - 1))


POINTS = [
    {"mu": 0.3, "sigma": np.array([0.7, 1.9]), "p": 0.35, "w": np.array([0.2, 0.5, 0.3])},
    {"mu": -1.2, "sigma": np.array([2.5, 0.2]), "p": 0.8, "w": np.array([0.6, 0.1, 0.3])},
]


def unconstrained(values):
    return {"mu": values["mu"], "sigma_log__": np.log(values["sigma"]),
            "p_logodds__": logit(values["p"]), "w_simplex__": stick_breaking_inverse(values["w"])}


def densities(values):
    """Each variable's elementwise log density without Jacobians, by scipy."""
    mu, sigma, p, w = values["mu"], values["sigma"], values["p"], values["w"]
    return {
        "mu": st.norm(1.0, 2.0).logpdf(mu),
        "sigma": st.halfnorm(scale=1.5).logpdf(sigma),
        "p": st.beta(2.0, 3.0).logpdf(p),
        "w": st.dirichlet(ALPHA).logpdf(w),
        "counts": st.poisson(sigma[0] * 3.0 + p + w[0]).logpmf(COUNTS),
        "pen": -0.5 * (sigma - mu) ** 2,
    }


def simplex_log_jacobian(model, point):
    """log |det| of d w[:-1] / d w_simplex__ by central differences through the model's own
    constrain map (Dirichlet's density is in the first K-1 entries)."""
    constrain = model.compile_fn(model["w"])
    u0 = np.asarray(point["w_simplex__"], dtype=float)
    step = 1e-6
    jacobian = np.empty((2, 2))
    for j in range(2):
        du = np.zeros(2)
        du[j] = step
        high = constrain({**point, "w_simplex__": u0 + du})
        low = constrain({**point, "w_simplex__": u0 - du})
        jacobian[:, j] = (high - low)[:2] / (2 * step)
    return np.log(abs(np.linalg.det(jacobian)))


def log_jacobians(model, values, point):
    return {"sigma": np.log(values["sigma"]), "p": np.log(values["p"] * (1 - values["p"])),
            "w": simplex_log_jacobian(model, point)}


ORDER = ["mu", "sigma", "p", "w", "counts", "pen"]


@pytest.fixture(scope="module")
def model():
    return build_model()


@pytest.mark.parametrize("values", POINTS)
def test_compile_logp_with_and_without_jacobian(model, values):
    point = unconstrained(values)
    expected = densities(values)
    no_jacobian = sum(np.sum(v) for v in expected.values())
    assert model.compile_logp(jacobian=False)(point) == pytest.approx(no_jacobian, rel=1e-10)
    jacobians = log_jacobians(model, values, point)
    with_jacobian = model.compile_logp()(point)
    assert with_jacobian == pytest.approx(no_jacobian + sum(np.sum(v) for v in jacobians.values()),
                                          rel=1e-7)
    # The same through the new path (vars given) as through the model's compiled density.
    assert model.compile_logp(vars=model.basic_RVs + model.potentials)(point) == pytest.approx(
        with_jacobian, rel=1e-12)
    # The log transform's Jacobian alone: log sigma, elementwise.
    difference = (model.compile_logp(vars="sigma")(point)
                  - model.compile_logp(vars="sigma", jacobian=False)(point))
    assert difference == pytest.approx(np.sum(np.log(values["sigma"])), rel=1e-12)


@pytest.mark.parametrize("jacobian", [True, False])
def test_sum_false_gives_each_variables_elementwise_terms(model, jacobian):
    values = POINTS[0]
    point = unconstrained(values)
    expected = densities(values)
    if jacobian:
        for name, term in log_jacobians(model, values, point).items():
            expected[name] = expected[name] + term
    terms = model.compile_logp(jacobian=jacobian, sum=False)(point)
    assert isinstance(terms, list) and len(terms) == len(ORDER)
    shapes = {"mu": (), "sigma": (2,), "p": (), "w": (), "counts": (4,), "pen": (2,)}
    for name, term in zip(ORDER, terms):
        assert np.shape(term) == shapes[name], name
        np.testing.assert_allclose(term, expected[name], rtol=1e-7, err_msg=name)


def test_vars_pick_terms_in_the_order_given(model):
    values = POINTS[1]
    point = unconstrained(values)
    expected = densities(values)
    jacobians = log_jacobians(model, values, point)
    # A variable, a name, a value variable's name and a potential, in a chosen order.
    terms = model.compile_logp(vars=[model["counts"], "p_logodds__", "pen", model["sigma"]],
                               sum=False)(point)
    np.testing.assert_allclose(terms[0], expected["counts"], rtol=1e-12)
    np.testing.assert_allclose(terms[1], expected["p"] + jacobians["p"], rtol=1e-12)
    np.testing.assert_allclose(terms[2], expected["pen"], rtol=1e-12)
    np.testing.assert_allclose(terms[3], expected["sigma"] + jacobians["sigma"], rtol=1e-12)
    single = model.compile_logp(vars=model["mu"], jacobian=False)(point)
    assert single == pytest.approx(expected["mu"], rel=1e-12)
    assert model.compile_logp(vars=[])(point) == 0.0


@pytest.mark.parametrize("jacobian", [True, False])
@pytest.mark.parametrize("total", [True, False])
def test_model_logp_graph_through_compile_fn(model, jacobian, total):
    graph = model.logp(jacobian=jacobian, sum=total)
    fn = model.compile_fn(graph)
    reference = model.compile_logp(jacobian=jacobian, sum=total)
    for values in POINTS:
        point = unconstrained(values)
        if total:
            assert graph.name == ("__logp" if jacobian else "__logp_nojac")
            assert float(fn(point)) == pytest.approx(reference(point), rel=1e-9)
        else:
            for got, want in zip(fn(point), reference(point)):
                np.testing.assert_allclose(got, want, rtol=1e-9)


def test_model_logp_graphs_combine_with_other_graphs(model):
    values = POINTS[0]
    point = unconstrained(values)
    expected = densities(values)
    both = pm.math.exp(model.logp(vars="mu", jacobian=False)) * model["sigma"]
    np.testing.assert_allclose(model.compile_fn(both)(point),
                               np.exp(expected["mu"]) * values["sigma"], rtol=1e-12)
    prior_minus_likelihood = model.varlogp_nojac - model.observedlogp
    assert float(model.compile_fn(prior_minus_likelihood)(point)) == pytest.approx(
        sum(np.sum(expected[n]) for n in ["mu", "sigma", "p", "w"]) - np.sum(expected["counts"]),
        rel=1e-10)


def test_varlogp_datalogp_and_the_others(model):
    values = POINTS[1]
    point = unconstrained(values)
    expected = densities(values)
    jacobians = log_jacobians(model, values, point)
    prior = sum(np.sum(expected[n]) for n in ["mu", "sigma", "p", "w"])
    value = lambda graph: float(model.compile_fn(graph)(point))
    assert value(model.varlogp_nojac) == pytest.approx(prior, rel=1e-10)
    assert value(model.varlogp) == pytest.approx(
        prior + sum(np.sum(v) for v in jacobians.values()), rel=1e-7)
    assert value(model.observedlogp) == pytest.approx(np.sum(expected["counts"]), rel=1e-12)
    assert value(model.potentiallogp) == pytest.approx(np.sum(expected["pen"]), rel=1e-12)
    assert value(model.datalogp) == pytest.approx(
        np.sum(expected["counts"]) + np.sum(expected["pen"]), rel=1e-12)


def test_a_model_without_potentials_has_zero_potentiallogp():
    with pm.Model() as model:
        pm.Normal("x", 0.0, 1.0)
    assert float(model.compile_fn(model.potentiallogp)({"x": 0.4})) == 0.0


def finite_difference_gradient(function, point, names, step=1e-6):
    gradient = []
    for name in names:
        base = np.atleast_1d(np.asarray(point[name], dtype=float))
        for i in range(base.size):
            shifted = []
            for sign in (1, -1):
                moved = base.copy()
                moved[i] += sign * step
                shifted.append(function({**point, name: moved.reshape(np.shape(point[name]))}))
            gradient.append((shifted[0] - shifted[1]) / (2 * step))
    return np.array(gradient)


VALUE_NAMES = ["mu", "sigma_log__", "p_logodds__", "w_simplex__"]


@pytest.mark.parametrize("jacobian", [True, False])
def test_compile_dlogp_matches_finite_differences(model, jacobian):
    logp = model.compile_logp(jacobian=jacobian)
    for values in POINTS:
        point = unconstrained(values)
        full = finite_difference_gradient(logp, point, VALUE_NAMES)
        np.testing.assert_allclose(model.compile_dlogp(jacobian=jacobian)(point), full,
                                   rtol=1e-6, atol=1e-6)
        # A subset in a chosen order: sigma's two entries, then mu.
        subset = model.compile_dlogp(vars=[model["sigma"], "mu"], jacobian=jacobian)(point)
        np.testing.assert_allclose(subset, np.concatenate([full[1:3], full[:1]]),
                                   rtol=1e-6, atol=1e-6)
        # The same gradients as graphs of the model's variables.
        graph = model.compile_fn(model.dlogp(vars=["w_simplex__", "p"], jacobian=jacobian))
        np.testing.assert_allclose(graph(point), np.concatenate([full[4:6], full[3:4]]),
                                   rtol=1e-6, atol=1e-6)


def test_jacobian_free_gradient_differs_by_the_log_jacobians_gradient(model):
    point = unconstrained(POINTS[0])
    with_jacobian = model.compile_dlogp(vars=["sigma", "p"])(point)
    without = model.compile_dlogp(vars=["sigma", "p"], jacobian=False)(point)
    # d/du of u (log) is 1; d/du of log(sigmoid(u) sigmoid(-u)) is 1 - 2 sigmoid(u).
    np.testing.assert_allclose(with_jacobian - without,
                               [1.0, 1.0, 1.0 - 2.0 * expit(point["p_logodds__"])], atol=1e-9)


def test_a_transform_over_the_last_axis_reduces_the_elementwise_terms():
    """PyMC sums a univariate family's log density over the axis an ordered transform couples,
    with or without the Jacobian: one term per ordered vector."""
    with pm.Model() as model:
        pm.Normal("o", 0.0, 2.0, shape=(2, 3), transform=pm.distributions.transforms.ordered)
    x = np.array([[-1.0, 0.5, 2.0], [0.1, 0.2, 3.0]])
    point = {"o_ordered__": np.concatenate([x[:, :1], np.log(np.diff(x, axis=1))], axis=1)}
    density = st.norm(0.0, 2.0).logpdf(x).sum(axis=1)
    [no_jacobian] = model.compile_logp(jacobian=False, sum=False)(point)
    [with_jacobian] = model.compile_logp(sum=False)(point)
    np.testing.assert_allclose(no_jacobian, density, rtol=1e-12)
    np.testing.assert_allclose(with_jacobian, density + np.log(np.diff(x, axis=1)).sum(axis=1),
                               rtol=1e-12)
    [graph] = model.logp(sum=False)
    np.testing.assert_allclose(model.compile_fn(graph)(point), with_jacobian, rtol=1e-10)


def test_total_size_scales_the_observed_terms():
    y = np.array([0.3, -1.1, 0.8])
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        pm.Normal("y", mu, 1.0, observed=y, total_size=30)
    point = {"mu": 0.2}
    [terms] = model.compile_logp(vars="y", sum=False)(point)
    np.testing.assert_allclose(terms, 10.0 * st.norm(0.2, 1.0).logpdf(y), rtol=1e-12)
    assert model.compile_logp(vars=model.basic_RVs)(point) == pytest.approx(
        model.compile_logp()(point), rel=1e-12)


def test_compiled_functions_follow_set_data():
    with pm.Model() as model:
        x = pm.Data("x", np.array([1.0, 2.0]))
        mu = pm.Normal("mu", 0.0, 1.0)
        pm.Normal("y", mu * x, 1.0, observed=np.array([0.5, 1.5]))
    logp = model.compile_logp(vars="y", sum=False)
    point = {"mu": 0.4}
    np.testing.assert_allclose(logp(point)[0], st.norm([0.4, 0.8], 1.0).logpdf([0.5, 1.5]))
    pm.set_data({"x": np.array([3.0, -1.0])}, model=model)
    np.testing.assert_allclose(logp(point)[0], st.norm([1.2, -0.4], 1.0).logpdf([0.5, 1.5]))


def test_unknown_and_unsuitable_variables_are_named(model):
    point = unconstrained(POINTS[0])
    with pytest.raises(ValueError, match="'nope'"):
        model.logp(vars="nope")
    with pytest.raises(ValueError, match="'nope'"):
        model.compile_logp(vars=["mu", "nope"], sum=False)
    with pytest.raises(ValueError, match="'counts'.*free"):
        model.compile_dlogp(vars="counts")
    with pytest.raises(ValueError, match="'pen'.*free"):
        model.dlogp(vars=[model["pen"]])
    with pytest.raises(TypeError, match="float"):
        model.compile_logp(vars=[1.5])
    other = build_model()
    with pytest.raises(ValueError, match="not a variable of this model"):
        model.logp(vars=other["mu"])
    with pm.Model() as with_deterministic:
        a = pm.Normal("a", 0.0, 1.0)
        pm.Deterministic("twice", 2 * a)
    with pytest.raises(ValueError, match="'twice'.*deterministic"):
        with_deterministic.compile_logp(vars="twice")
    with pytest.raises(KeyError, match="w_simplex__"):
        model.compile_logp(vars="mu", jacobian=False)({k: v for k, v in point.items()
                                                       if k != "w_simplex__"})


def test_a_log_density_graph_can_be_a_deterministic():
    """model.logp() is a graph of the model's variables, so pm.Deterministic stores it per draw."""
    with pm.Model() as model:
        mu = pm.Normal("mu", 0.0, 1.0)
        s = pm.HalfNormal("s", 1.0)
        pm.Normal("y", mu, s, observed=np.array([0.1, -0.3, 0.5]))
        pm.Deterministic("prior_lp", model.logp(vars=[mu, s], jacobian=False))
        idata = pm.sample(draws=20, tune=50, chains=1, random_seed=1, progressbar=False,
                          compute_convergence_checks=False)
    mu_draws, s_draws, stored = (np.asarray(idata.posterior[k]).ravel()
                                 for k in ("mu", "s", "prior_lp"))
    np.testing.assert_allclose(
        stored, st.norm(0.0, 1.0).logpdf(mu_draws) + st.halfnorm(scale=1.0).logpdf(s_draws),
        rtol=1e-12)
