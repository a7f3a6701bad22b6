"""Named and nested models (``pm.Model(name=...)`` inside another model's ``with`` block) and
``pm.Model(check_bounds=False)``, with PyMC 5's rules: prefixed names ("child::x"), lookups
through the child, shared coordinates, one joint model sampled under the prefixed names."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import hypatia as pm

Y = np.array([28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0])
SIGMA = np.array([15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0])
SAMPLE = dict(draws=200, tune=200, chains=2, cores=1, random_seed=17, progressbar=False,
              compute_convergence_checks=False)


def _flat_eight_schools():
    with pm.Model(coords={"school": np.arange(8)}) as model:
        mu = pm.Normal("mu", 0, 5)
        tau = pm.HalfCauchy("tau", 5)
        theta = pm.Normal("theta", mu, tau, dims="school")
        pm.Normal("obs", theta, SIGMA, observed=Y, dims="school")
    return model


def _named_eight_schools():
    with pm.Model(coords={"school": np.arange(8)}) as model:
        mu = pm.Normal("mu", 0, 5)
        with pm.Model("schools") as schools:
            tau = pm.HalfCauchy("tau", 5)
            theta = pm.Normal("theta", mu, tau, dims="school")
            pm.Normal("obs", theta, SIGMA, observed=Y, dims="school")
    return model, schools


def _eight_schools_logp(mu, log_tau, theta):
    """The joint log density on the unconstrained scale (log tau, with its Jacobian), by scipy."""
    tau = np.exp(log_tau)
    return (scipy.stats.norm.logpdf(mu, 0, 5) + scipy.stats.halfcauchy.logpdf(tau, scale=5)
            + log_tau + scipy.stats.norm.logpdf(theta, mu, tau).sum()
            + scipy.stats.norm.logpdf(Y, theta, SIGMA).sum())


def test_child_variables_have_prefixed_names_and_belong_to_the_root():
    model, schools = _named_eight_schools()
    assert schools.parent is model and schools.root is model
    assert model.isroot and not schools.isroot
    assert schools.prefix == "schools"
    assert list(model.named_vars) == ["mu", "schools::tau", "schools::theta", "schools::obs"]
    assert list(schools.named_vars) == ["schools::tau", "schools::theta", "schools::obs"]
    assert [v.name for v in model.free_RVs] == ["mu", "schools::tau", "schools::theta"]
    assert [v.name for v in schools.free_RVs] == ["schools::tau", "schools::theta"]
    assert [v.name for v in schools.observed_RVs] == ["schools::obs"]
    assert model.value_vars == ["mu", "schools::tau_log__", "schools::theta"]
    assert schools.value_vars == ["schools::tau_log__", "schools::theta"]
    # model[name] as PyMC resolves it: exact name, else with the model's prefix.
    assert schools["tau"] is model["schools::tau"] is schools["schools::tau"]
    assert schools.tau is schools["tau"] and model.mu is model["mu"]
    assert "tau" in schools and "schools::tau" in model and "tau" not in model
    with pytest.raises(KeyError, match="'tau'"):
        model["tau"]
    with pytest.raises(KeyError):
        schools["mu"]  # the parent's variable is not the child's
    assert schools.named_vars_to_dims == {"schools::theta": ("school",), "schools::obs": ("school",)}


def test_named_child_gives_the_flat_models_logp_and_identical_draws():
    flat = _flat_eight_schools()
    named, _ = _named_eight_schools()
    rng = np.random.default_rng(3)
    mu, log_tau, theta = 1.3, 0.4, rng.normal(size=8)
    expected = _eight_schools_logp(mu, log_tau, theta)
    flat_logp = flat.compile_logp()({"mu": mu, "tau_log__": log_tau, "theta": theta})
    named_logp = named.compile_logp()({"mu": mu, "schools::tau_log__": log_tau,
                                       "schools::theta": theta})
    np.testing.assert_allclose(flat_logp, expected, rtol=1e-10)
    np.testing.assert_allclose(named_logp, expected, rtol=1e-10)

    with flat:
        flat_idata = pm.sample(**SAMPLE)
    with named:
        named_idata = pm.sample(**SAMPLE)
    assert sorted(named_idata.posterior.data_vars) == ["mu", "schools::tau", "schools::theta"]
    for name in ("mu", "tau", "theta"):
        prefixed = name if name == "mu" else f"schools::{name}"
        np.testing.assert_array_equal(named_idata.posterior[prefixed].values,
                                      flat_idata.posterior[name].values)
    assert named_idata.posterior["schools::theta"].dims == ("chain", "draw", "school")


def test_sampling_inside_the_child_samples_the_root_and_resolves_short_names():
    model, schools = _named_eight_schools()
    with model:
        whole = pm.sample(**SAMPLE)
    with schools:
        inside = pm.sample(**SAMPLE, var_names=["tau", "mu"])
        predictive = pm.sample_posterior_predictive(whole, var_names=["obs"], random_seed=2,
                                                    progressbar=False)
    assert sorted(inside.posterior.data_vars) == ["mu", "schools::tau"]
    np.testing.assert_array_equal(inside.posterior["schools::tau"].values,
                                  whole.posterior["schools::tau"].values)
    assert list(predictive.posterior_predictive.data_vars) == ["schools::obs"]
    draws = predictive.posterior_predictive["schools::obs"].values
    assert draws.shape == (2, 200, 8)
    # Each predictive draw is theta plus N(0, sigma) noise: standardized residuals are N(0, 1).
    z = (draws - whole.posterior["schools::theta"].values) / SIGMA
    assert abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.05


def test_nested_and_named_root_prefixes():
    with pm.Model("a") as a:
        x = pm.Normal("x")
        with pm.Model("b") as b:
            y = pm.Normal("y", x)
            with pm.Model("c") as c:
                z = pm.Normal("z", y)
        with pm.Model("d", model=a) as d:
            w = pm.Normal("w", x)
        with pm.Model("e", model=None) as e:
            v = pm.Normal("v")
    u = pm.Normal("u", x, model=b)  # model= outside the with block
    assert u.name == "a::b::u" and b.u is u
    assert (x.name, y.name, z.name, w.name, v.name) == ("a::x", "a::b::y", "a::b::c::z", "a::d::w", "e::v")
    assert (b.prefix, c.prefix, d.prefix, e.prefix) == ("a::b", "a::b::c", "a::d", "e")
    assert c.root is a and c.parent is b and e.isroot and e.root is e
    assert list(a.named_vars) == ["a::x", "a::b::y", "a::b::c::z", "a::d::w", "a::b::u"]
    assert list(b.named_vars) == ["a::b::y", "a::b::c::z", "a::b::u"]
    assert list(e.named_vars) == ["e::v"]
    assert b.name_for("y") == "a::b::y" and b.name_for("a::b::y") == "a::b::y"
    assert b.name_of("a::b::y") == "y" and b.name_of("other") == "other"
    assert b["c::z"] is z and c["z"] is z and a["a::b::c::z"] is z
    with pytest.raises(KeyError, match="should not end with"):
        pm.Model("bad:")
    with pytest.raises(TypeError, match="model="):
        pm.Model("f", model="a")
    # The tree is one joint model: x -> y -> z, so the log density is the chain's.
    point = {"a::x": 0.3, "a::b::y": -0.2, "a::b::c::z": 1.1, "a::d::w": 0.7, "a::b::u": 0.1}
    expected = (scipy.stats.norm.logpdf(0.3) + scipy.stats.norm.logpdf(-0.2, 0.3)
                + scipy.stats.norm.logpdf(1.1, -0.2) + scipy.stats.norm.logpdf(0.7, 0.3)
                + scipy.stats.norm.logpdf(0.1, 0.3))
    np.testing.assert_allclose(a.compile_logp()(point), expected, rtol=1e-12)
    np.testing.assert_allclose(e.compile_logp()({"e::v": 0.5}), scipy.stats.norm.logpdf(0.5))


def test_class_based_named_model():
    class Regression(pm.Model):
        def __init__(self, x, y, name=""):
            super().__init__(name)
            slope = pm.Normal("slope", 0, 10)
            pm.Normal("y", slope * x, 1.0, observed=y)

    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.1, 3.9, 6.2])
    with pm.Model() as model:
        first = Regression(x, y, name="first")
        second = Regression(x, 2 * y, name="second")
    assert first.parent is model and pm.Model.get_context(error_if_none=False) is None
    assert list(model.named_vars) == ["first::slope", "first::y", "second::slope", "second::y"]
    alone = Regression(x, y)
    assert alone.isroot and list(alone.named_vars) == ["slope", "y"]
    expected = (scipy.stats.norm.logpdf(1.5, 0, 10) + scipy.stats.norm.logpdf(y, 1.5 * x).sum()
                + scipy.stats.norm.logpdf(2.5, 0, 10) + scipy.stats.norm.logpdf(2 * y, 2.5 * x).sum())
    np.testing.assert_allclose(model.compile_logp()({"first::slope": 1.5, "second::slope": 2.5}),
                               expected, rtol=1e-12)


def test_unnamed_model_inside_a_context_is_a_child_without_prefix():
    with pm.Model() as outer:
        pm.Normal("x")
        with pm.Model() as inner:
            pm.Normal("y")
    assert inner.parent is outer and inner.prefix == ""
    assert list(outer.named_vars) == ["x", "y"] and list(inner.named_vars) == ["y"]


def test_duplicate_names_across_children_and_within_one():
    with pm.Model() as model:
        with pm.Model("a"):
            pm.Normal("x", 1.0)
        with pm.Model("b") as b:
            pm.Normal("x", -1.0)
            with pytest.raises(ValueError, match="'b::x' already exists"):
                pm.Normal("x")
            with pytest.raises(ValueError, match="'b::x' already exists"):
                pm.Deterministic("b::x", model["a::x"] * 2)
    with model:
        with pytest.raises(ValueError, match="'a::x' already exists"):
            pm.Normal("a::x")
        with pytest.raises(ValueError, match="'a::x' already exists"):
            with pm.Model("a"):
                pm.Data("x", [1.0])
    assert list(model.named_vars) == ["a::x", "b::x"]
    np.testing.assert_allclose(model.compile_logp()({"a::x": 0.5, "b::x": 0.5}),
                               scipy.stats.norm.logpdf(0.5, 1) + scipy.stats.norm.logpdf(0.5, -1))


def test_coords_are_shared_with_the_root():
    with pm.Model(coords={"group": ["g1", "g2", "g3"]}) as model:
        with pm.Model("child", coords={"item": [10, 20]}) as child:
            alpha = pm.Normal("alpha", dims="group")
            beta = pm.Normal("beta", dims=("group", "item"))
    assert model.coords is child.coords
    assert model.coords == {"group": ("g1", "g2", "g3"), "item": (10, 20)}
    assert tuple(alpha.node.shape) == (3,) and tuple(beta.node.shape) == (3, 2)
    with model:
        prior = pm.sample_prior_predictive(draws=50, random_seed=1)
    assert prior.prior["child::beta"].dims == ("chain", "draw", "group", "item")
    assert list(prior.prior["child::beta"].coords["item"].values) == [10, 20]


def test_deterministic_potential_and_data_in_a_child():
    x_values = np.array([0.0, 1.0, 2.0, 3.0])
    with pm.Model() as model:
        with pm.Model("reg") as reg:
            x = pm.Data("x", x_values)
            slope = pm.Normal("slope", 0, 1, initval=0.5)
            mean = pm.Deterministic("mean", slope * x)
            pm.Potential("pull", -0.5 * (slope - 2.0) ** 2)
    assert [d.name for d in reg.data_vars] == ["reg::x"]
    assert mean.name == "reg::mean" and reg.potentials[0].name == "reg::pull"
    assert [d.name for d in model.deterministics] == ["reg::mean"]
    assert model.rvs_to_initial_values.keys() == {"reg::slope"}
    np.testing.assert_allclose(model.initial_point()["reg::slope"], 0.5)
    # The potential is part of the joint log density.
    expected = scipy.stats.norm.logpdf(0.7) - 0.5 * (0.7 - 2.0) ** 2
    np.testing.assert_allclose(model.compile_logp()({"reg::slope": 0.7}), expected, rtol=1e-12)
    np.testing.assert_allclose(model.compile_fn(mean)({"reg::slope": 0.7}), 0.7 * x_values)

    # set_data: the short name inside the child, the full name from the root, model.set_data.
    with reg:
        pm.set_data({"x": [5.0, 6.0]})
    np.testing.assert_allclose(model.compile_fn(mean)({"reg::slope": 2.0}), [10.0, 12.0])
    with model:
        pm.set_data({"reg::x": [1.0, 2.0, 3.0]})
    np.testing.assert_allclose(model.compile_fn(mean)({"reg::slope": 2.0}), [2.0, 4.0, 6.0])
    reg.set_data("x", [7.0])
    np.testing.assert_allclose(model.compile_fn(mean)({"reg::slope": 2.0}), [14.0])
    with model:
        with pytest.raises(KeyError, match="'x' is not a data container"):
            pm.set_data({"x": [1.0]})  # the root has no unprefixed "x"


def test_set_data_in_child_changes_posterior_predictive():
    with pm.Model() as model:
        with pm.Model("reg") as reg:
            x = pm.Data("x", np.array([0.0, 1.0, 2.0, 3.0]))
            slope = pm.Normal("slope", 0, 10)
            pm.Normal("y", slope * x, 0.1, observed=2.0 * np.array([0.0, 1.0, 2.0, 3.0]), shape=x.shape)
        idata = pm.sample(**SAMPLE)
    with reg:
        pm.set_data({"x": [10.0, 20.0]})
        predictive = pm.sample_posterior_predictive(idata, var_names=["y"], random_seed=3,
                                                    progressbar=False)
    draws = predictive.posterior_predictive["reg::y"].values
    assert draws.shape == (2, 200, 2)
    slope = idata.posterior["reg::slope"].values
    np.testing.assert_allclose(draws.mean(axis=(0, 1)), [10 * slope.mean(), 20 * slope.mean()], atol=0.05)


def test_observe_with_a_child_model():
    with pm.Model() as model:
        mu = pm.Normal("mu")
        with pm.Model("c") as child:
            pm.Normal("x", mu, 1)
    observed = pm.observe(child, {"x": 2.0})
    assert [v.name for v in observed.free_RVs] == ["mu"]
    assert [v.name for v in observed.observed_RVs] == ["c::x"]
    expected = scipy.stats.norm.logpdf(0.4) + scipy.stats.norm.logpdf(2.0, 0.4)
    np.testing.assert_allclose(observed.compile_logp()({"mu": 0.4}), expected, rtol=1e-12)


def _bounded_model(check_bounds: bool):
    with pm.Model(check_bounds=check_bounds) as model:
        sigma = pm.HalfNormal("sigma", 2)
        pm.Normal("y", 0, sigma, observed=[0.5, -1.2, 2.0])
    return model


def test_check_bounds_false_samples_the_same_draws():
    checked, unchecked = _bounded_model(True), _bounded_model(False)
    assert checked.check_bounds is True and unchecked.check_bounds is False
    with checked:
        a = pm.sample(**SAMPLE)
    with unchecked:
        b = pm.sample(**SAMPLE)
    np.testing.assert_array_equal(a.posterior["sigma"].values, b.posterior["sigma"].values)
    point = {"sigma_log__": 0.3}
    expected = (scipy.stats.halfnorm.logpdf(np.exp(0.3), scale=2) + 0.3
                + scipy.stats.norm.logpdf([0.5, -1.2, 2.0], 0, np.exp(0.3)).sum())
    np.testing.assert_allclose(unchecked.compile_logp()(point), expected, rtol=1e-12)


def test_check_bounds_false_keeps_the_parameter_checks():
    # Hypatia keeps the checks with check_bounds=False: an invalid parameter still gives -inf.
    with pm.Model(check_bounds=False) as model:
        scale = pm.Normal("scale", 0, 1)
        pm.Normal("y", 0, scale, observed=[0.5])
    logp = model.compile_logp()
    assert logp({"scale": -1.0}) == -np.inf
    np.testing.assert_allclose(logp({"scale": 1.5}),
                               scipy.stats.norm.logpdf(1.5) + scipy.stats.norm.logpdf(0.5, 0, 1.5))
