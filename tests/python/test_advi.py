"""pm.fit (mean-field and full-rank ADVI), pm.Minibatch with total_size, callbacks,
approx.sample and init="advi+adapt_diag", against conjugate and closed-form posteriors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import hypatia as pm


def _normal_model(y, m0=0.0, s0=10.0, sigma=1.0):
    model = pm.Model()
    with model:
        mu = pm.Normal("mu", m0, s0)
        pm.Normal("y", mu, sigma, observed=y)
        pm.Deterministic("mu_plus_one", mu + 1.0)
    precision = 1 / s0**2 + len(y) / sigma**2
    return model, (m0 / s0**2 + y.sum() / sigma**2) / precision, precision**-0.5


def _averaged_fit(inference, n, tail, **kwargs):
    """Fits, then averages mean and sd over `tail` more iterations (removing SGD jitter)."""
    inference.fit(n, progressbar=False, **kwargs)
    means, sds = [], []
    tracker = pm.callbacks.Tracker(mean=inference.approx.mean.eval, std=inference.approx.std.eval)
    inference.fit(tail, callbacks=[tracker], progressbar=False, **kwargs)
    means, sds = np.array(tracker["mean"]), np.array(tracker["std"])
    assert len(means) == tail
    return means.mean(axis=0), sds.mean(axis=0)


def test_mean_field_recovers_the_conjugate_normal_posterior():
    y = np.random.default_rng(1).normal(2.0, 1.0, size=40)
    model, mean, sd = _normal_model(y)
    with model:
        approx = pm.fit(15000, random_seed=1, obj_optimizer=pm.adam(learning_rate=0.01),
                        progressbar=False)
        assert isinstance(approx, pm.MeanField)
        inference = pm.ADVI(random_seed=2)
        fitted_mean, fitted_sd = _averaged_fit(inference, 8000, 2000,
                                               obj_optimizer=pm.adam(learning_rate=0.01))
    # The last iterate jitters around the optimum (stochastic gradients); the average does not.
    np.testing.assert_allclose(approx.mean.eval(), [mean], atol=0.5 * sd)
    np.testing.assert_allclose(approx.std.eval(), [sd], rtol=0.3)
    np.testing.assert_allclose(fitted_mean, [mean], atol=0.1 * sd)
    np.testing.assert_allclose(fitted_sd, [sd], rtol=0.05)
    # hist holds the loss of every iteration, falling from the start to the optimum.
    assert approx.hist.shape == (15000,)
    assert np.all(np.isfinite(approx.hist))
    assert approx.hist[:100].mean() > approx.hist[-1000:].mean() + 10
    assert len(inference.hist) == 10000
    # hist is PyMC's -ELBO estimate, log q(x) - log p(x, y); with q the exact (Gaussian) posterior
    # it is -log p(y), the log evidence of the conjugate model, at every draw.
    evidence = scipy.stats.multivariate_normal(np.zeros(len(y)), np.eye(len(y)) + 100.0).logpdf(y)
    np.testing.assert_allclose(inference.hist[-500:].mean(), -evidence, atol=0.05)
    assert inference.hist[-500:].std() < 0.5  # only the parameters' jitter


def test_default_optimizer_is_adagrad_window_and_params_follow_pymc():
    y = np.random.default_rng(2).normal(-1.0, 1.0, size=30)
    model, mean, sd = _normal_model(y)
    with model:
        inference = pm.ADVI(random_seed=3)
        approx = inference.approx
        # PyMC's start: mu at the initial point, rho = 0 so sd = softplus(0) = log 2.
        np.testing.assert_allclose(approx.mean.eval(), [0.0])
        np.testing.assert_allclose(approx.std.eval(), [np.log(2)])
        assert [p.name for p in approx.params] == ["mu", "rho"]
        inference.fit(30000, progressbar=False)  # adagrad_window(learning_rate=1e-3)
    np.testing.assert_allclose(approx.mean.eval(), [mean], atol=0.1 * sd)
    np.testing.assert_allclose(approx.std.eval(), [sd], rtol=0.2)
    np.testing.assert_allclose(np.log1p(np.exp(approx.rho.eval())), approx.std.eval())


def test_full_rank_recovers_a_correlated_mvnormal():
    mean = np.array([1.0, -1.0, 0.5])
    cov = np.array([[1.0, 0.8, -0.3], [0.8, 2.0, 0.5], [-0.3, 0.5, 0.7]])
    with pm.Model():
        pm.MvNormal("z", mu=mean, cov=cov)
        inference = pm.FullRankADVI(random_seed=4)
        inference.fit(12000, obj_optimizer=pm.adam(learning_rate=0.005), obj_n_mc=4,
                      progressbar=False)
        approx = inference.approx
        assert isinstance(approx, pm.FullRank)
        covs = []
        tracker = pm.callbacks.Tracker(cov=approx.cov.eval, mean=approx.mean.eval)
        inference.fit(3000, obj_optimizer=pm.adam(learning_rate=0.005), obj_n_mc=4,
                      callbacks=[tracker], progressbar=False)
    np.testing.assert_allclose(np.mean(tracker["mean"], axis=0), mean, atol=0.05)
    np.testing.assert_allclose(np.mean(tracker["cov"], axis=0), cov, atol=0.07)
    # L_tril packs the Cholesky factor's lower triangle with the diagonal through softplus.
    l_tril = approx.L_tril.eval()
    assert l_tril.shape == (6,)
    factor = np.zeros((3, 3))
    factor[np.tril_indices(3)] = l_tril
    factor[np.diag_indices(3)] = np.log1p(np.exp(np.diag(factor)))
    np.testing.assert_allclose(factor @ factor.T, approx.cov.eval(), atol=1e-12)


def test_mean_field_on_a_correlated_mvnormal_is_under_dispersed():
    cov = np.array([[1.0, 0.9], [0.9, 1.0]])
    with pm.Model():
        pm.MvNormal("z", mu=np.zeros(2), cov=cov)
        inference = pm.ADVI(random_seed=5)
        _, sds = _averaged_fit(inference, 8000, 2000, obj_optimizer=pm.adam(learning_rate=0.01),
                               obj_n_mc=2)
    np.testing.assert_allclose(sds, 1 / np.sqrt(np.diag(np.linalg.inv(cov))), rtol=0.05)


def test_minibatch_with_total_size_approximates_the_full_data_posterior():
    rng = np.random.default_rng(6)
    n = 2000
    x = rng.normal(size=n)
    y = 1.0 + 2.0 * x + rng.normal(0.0, 0.5, size=n)
    x_batch, y_batch = pm.Minibatch(x, y, batch_size=100)
    assert x_batch.eval().shape == (100,)
    rows = x_batch.eval()
    assert np.isin(rows, x).all() and not np.array_equal(rows, x_batch.eval())
    with pm.Model() as model:
        a = pm.Normal("a", 0, 10)
        b = pm.Normal("b", 0, 10)
        pm.Normal("y", a + b * x_batch, 0.5, observed=y_batch, total_size=n)
        inference = pm.ADVI(random_seed=7)
        mean, sd = _averaged_fit(inference, 10000, 5000, obj_optimizer=pm.adam(learning_rate=0.005))
    # The full-data posterior (flat-ish priors, known noise): the least-squares fit.
    design = np.column_stack([np.ones(n), x])
    posterior_cov = np.linalg.inv(design.T @ design / 0.25 + np.eye(2) / 100)
    posterior_mean = posterior_cov @ (design.T @ y / 0.25)
    posterior_sd = np.sqrt(np.diag(posterior_cov))
    assert np.all(np.abs(mean - posterior_mean) < 3 * posterior_sd), (mean, posterior_mean)
    # Without total_size the likelihood would count 100 rows: sds sqrt(20) times wider.
    np.testing.assert_allclose(sd, posterior_sd, rtol=0.3)
    # The minibatch's row indices are model data, hidden from approx.sample's constant_data.
    idata = inference.approx.sample(10, random_seed=1)
    assert "constant_data" not in idata.groups() or not any(
        name.startswith("__minibatch") for name in idata.constant_data.data_vars)
    with model:
        sampled = pm.sample(20, tune=20, chains=1, random_seed=2, progressbar=False,
                            compute_convergence_checks=False)
    assert "constant_data" not in sampled.groups() or not any(
        name.startswith("__minibatch") for name in sampled.constant_data.data_vars)


def test_minibatch_of_one_array_and_bad_input():
    data = np.arange(20.0).reshape(10, 2)
    batch = pm.Minibatch(data, batch_size=4)
    rows = batch.eval()
    assert rows.shape == (4, 2)
    np.testing.assert_array_equal(rows[:, 1], rows[:, 0] + 1)  # whole rows
    with pytest.raises(ValueError, match="equally many rows"):
        pm.Minibatch(np.zeros(10), np.zeros(9), batch_size=3)
    with pytest.raises(TypeError, match="batch_size"):
        pm.Minibatch(np.zeros(10), batch_size=0)


def test_check_parameters_convergence_stops_early():
    y = np.random.default_rng(8).normal(0.5, 1.0, size=20)
    model, mean, sd = _normal_model(y)
    with model:
        callback = pm.callbacks.CheckParametersConvergence(every=100, tolerance=1e-2, diff="absolute")
        approx = pm.fit(50000, random_seed=9, callbacks=[callback], progressbar=False,
                        obj_optimizer=pm.adagrad_window(learning_rate=0.01))
    stopped = len(approx.hist)
    assert stopped < 50000 and stopped % 100 == 0
    np.testing.assert_allclose(approx.mean.eval(), [mean], atol=0.3 * sd)


def test_callbacks_see_the_iteration_and_can_stop():
    y = np.random.default_rng(10).normal(size=10)
    model, _, _ = _normal_model(y)
    seen = []

    def stop_at_250(approx, losses, i):
        seen.append((i, len(losses)))
        if i == 250:
            raise StopIteration("enough")

    with model:
        approx = pm.fit(1000, random_seed=1, callbacks=[stop_at_250], progressbar=False)
    assert len(approx.hist) == 250
    assert seen[0] == (1, 1) and seen[-1] == (250, 250) and len(seen) == 250


def test_callbacks_with_every_are_called_only_where_they_act():
    y = np.random.default_rng(10).normal(size=10)
    model, _, _ = _normal_model(y)

    class Every50:
        every = 50

        def __init__(self):
            self.calls = []

        def __call__(self, approx, losses, i):
            self.calls.append(i)
            assert len(losses) == i

    counter = Every50()
    with model:
        pm.fit(500, random_seed=1, callbacks=[counter], progressbar=False)
    assert counter.calls == [1, *range(50, 501, 50)]


def test_approx_sample_gives_inference_data_in_the_constrained_space():
    y = np.random.default_rng(11).normal(size=15)
    with pm.Model(coords={"group": ["a", "b", "c"]}):
        sigma = pm.HalfNormal("sigma", 2.0)
        theta = pm.Normal("theta", 0.0, 1.0, dims="group")
        pm.Normal("y", theta.sum() * 0.0 + 0.0, sigma, observed=y)
        pm.Deterministic("double_theta", 2 * theta, dims="group")
        approx = pm.fit(3000, random_seed=12, progressbar=False, obj_optimizer=pm.adam(learning_rate=0.01))
    idata = approx.sample(400, random_seed=13, include_transformed=True)
    posterior = idata.posterior
    assert dict(posterior["theta"].sizes) == {"chain": 1, "draw": 400, "group": 3}
    assert list(posterior["theta"].coords["group"].values) == ["a", "b", "c"]
    assert (posterior["sigma"].values > 0).all()
    np.testing.assert_allclose(posterior["double_theta"].values, 2 * posterior["theta"].values)
    # include_transformed: the unconstrained value next to the variable (not by default).
    assert "sigma_log__" not in approx.sample(3, random_seed=1).posterior
    np.testing.assert_allclose(np.exp(posterior["sigma_log__"].values), posterior["sigma"].values)
    # The draws follow the approximation: log sigma ~ N(mean, sd) on the unconstrained scale.
    log_sigma = np.log(posterior["sigma"].values.ravel())
    index = [b["value_name"] for b in approx.model._blocks()].index("sigma_log__")
    mean, sd = approx.mean.eval()[index], approx.std.eval()[index]
    assert abs(log_sigma.mean() - mean) < 4 * sd / np.sqrt(400)
    assert "y" in idata.observed_data
    same = approx.sample(400, random_seed=13, include_transformed=True)
    np.testing.assert_array_equal(same.posterior["sigma"].values, posterior["sigma"].values)
    trace = approx.sample(5, random_seed=1, return_inferencedata=False)
    assert trace["theta"].shape == (5, 3)


def test_same_seed_same_fit_and_fits_continue():
    y = np.random.default_rng(14).normal(size=10)
    model, _, _ = _normal_model(y)
    with model:
        first = pm.fit(500, random_seed=3, progressbar=False)
        second = pm.fit(500, random_seed=3, progressbar=False)
        np.testing.assert_array_equal(first.hist, second.hist)
        np.testing.assert_array_equal(first.mean.eval(), second.mean.eval())
        inference = pm.ADVI(random_seed=3)
        inference.fit(200, progressbar=False)
        inference.fit(300, progressbar=False)
        inference.refine(100, progressbar=False)
    assert len(inference.hist) == 600
    np.testing.assert_array_equal(inference.hist[:200], first.hist[:200])


def test_start_and_start_sigma():
    y = np.random.default_rng(15).normal(size=10)
    with pm.Model():
        mu = pm.Normal("mu", 0, 10)
        sigma = pm.HalfNormal("sigma", 1.0)
        pm.Normal("y", mu, sigma, observed=y)
        approx = pm.fit(0, start={"mu": 3.0, "sigma": 2.0}, start_sigma={"mu": 0.25}, progressbar=False)
        np.testing.assert_allclose(approx.mean.eval(), [3.0, np.log(2.0)])
        np.testing.assert_allclose(approx.std.eval(), [0.25, np.log(2.0)])
        with pytest.raises(KeyError, match="nope"):
            pm.fit(0, start_sigma={"nope": 1.0})


@pytest.mark.parametrize("init", ["advi+adapt_diag", "advi_map"])
def test_init_advi_adapt_diag_samples_the_posterior(init):
    y = np.random.default_rng(16).normal(2.0, 1.0, size=30)
    model, mean, sd = _normal_model(y, sigma=1.0)
    with model:
        idata = pm.sample(1000, tune=500, chains=2, init=init, random_seed=17,
                          progressbar=False, compute_convergence_checks=False)
    draws = idata.posterior["mu"].values.ravel()
    summary = pm.summary(idata, var_names=["mu"])
    mcse = float(np.asarray(summary["mcse_mean"])[0])
    assert abs(draws.mean() - mean) < 4 * mcse
    assert abs(draws.std() - sd) < 0.1 * sd


def test_bad_methods_and_arguments():
    y = np.random.default_rng(18).normal(size=5)
    model, _, _ = _normal_model(y)
    with model:
        for method in ("svgd", "asvgd"):
            with pytest.raises(NotImplementedError, match=method):
                pm.fit(10, method=method)
        # pymc-extras' spelling routes to fit_pathfinder (checked against exact posteriors in
        # test_pathfinder.py): the same seed gives the same draws.
        routed = pm.fit(method="pathfinder", random_seed=3, num_draws=50)
        direct = pm.fit_pathfinder(random_seed=3, num_draws=50)
        for name in direct.posterior.data_vars:
            np.testing.assert_array_equal(routed.posterior[name].values, direct.posterior[name].values)
        with pytest.raises(NotImplementedError, match="SVGD"):
            pm.SVGD(n_particles=10)
        with pytest.raises(KeyError, match="unknown method"):
            pm.fit(10, method="nuts")
        with pytest.raises(TypeError, match="obj_optimizer"):
            pm.fit(10, obj_optimizer="adam")
        with pytest.raises(TypeError, match="unexpected"):
            pm.adam(learning_rat=0.1)
        with pytest.raises(ValueError, match="obj_n_mc"):
            pm.fit(10, obj_n_mc=0)
        with pytest.raises(ValueError, match="n="):
            pm.fit(-1)


def test_diverging_fit_stops_with_a_message_not_nan_draws():
    with pm.Model():
        x = pm.Normal("x", 0.0, 1.0)
        # exp(exp(...)) overflows to inf a few steps out: a NaN/inf ELBO.
        pm.Potential("explodes", pm.math.exp(pm.math.exp(10 * x * x)))
        inference = pm.ADVI(random_seed=1)
        with pytest.raises(FloatingPointError, match="not finite.*iteration"):
            inference.fit(1000, progressbar=False, obj_optimizer=pm.sgd(learning_rate=1.0))
    assert np.all(np.isfinite(inference.approx.mean.eval()))
    assert np.all(np.isfinite(inference.approx.std.eval()))
