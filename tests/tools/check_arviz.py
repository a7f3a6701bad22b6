"""Checks an eight-schools InferenceData written by `hypatia sample eight_schools --log-likelihood`
as ArviZ users read it.

Usage: check_arviz.py schema FILE.nc   (xarray and scipy only)
       check_arviz.py arviz FILE.nc    (ArviZ itself; exits 77, a skip, when it is not installed)

schema: the groups are exactly ArviZ's names, sample_stats.diverging reads back as bool, the
divergence locations sit in sample_stats (nutpie's divergence_end), and log_likelihood holds the
observed variable with its dims, equal to scipy's normal log density at every draw.
arviz: az.from_netcdf reads the file without warnings, az.loo and az.compare give a finite elpd
whose p_loo agrees with the lppd computed here with numpy, and az.summary covers the posterior.
Prints "OK" at the end; exits 1 listing every mismatch.
"""

import sys
import warnings

failures = []


def expect(condition, message):
    if not condition:
        failures.append(message)


# ArviZ's InferenceData schema (arviz.data.inference_data.SUPPORTED_GROUPS_ALL).
ARVIZ_GROUPS = {"posterior", "posterior_predictive", "predictions", "log_likelihood",
                "sample_stats", "prior", "prior_predictive", "sample_stats_prior",
                "observed_data", "constant_data", "predictions_constant_data"}
ARVIZ_GROUPS |= {"warmup_" + name for name in ("posterior", "posterior_predictive",
                                               "predictions", "sample_stats",
                                               "log_likelihood")}


def check_schema(path):
    import netCDF4
    import numpy as np
    import scipy.stats
    import xarray

    with netCDF4.Dataset(path) as root:
        groups = set(root.groups)
    expect(groups <= ARVIZ_GROUPS, f"groups outside ArviZ's schema: {sorted(groups - ARVIZ_GROUPS)}")
    expect(groups == {"posterior", "log_likelihood", "sample_stats", "observed_data",
                      "constant_data"}, f"groups {sorted(groups)}")

    with xarray.open_dataset(path, group="sample_stats") as stats:
        for name in ("tree_depth", "n_steps"):
            expect(stats[name].dtype == np.int64, f"{name} has dtype {stats[name].dtype}")
        diverging = stats["diverging"]
        expect(diverging.dtype == bool, f"diverging has dtype {diverging.dtype}, expected bool")
        expect(diverging.dims == ("chain", "draw"), f"diverging dims {diverging.dims}")
        expect("dtype" not in diverging.attrs, "the dtype attribute was not decoded away")
        if "divergence_end" not in stats:
            failures.append(f"sample_stats has no 'divergence_end': {sorted(stats.data_vars)}")
            return
        end = stats["divergence_end"]
        expect(end.dims == ("chain", "draw", "unconstrained_parameter"),
               f"divergence_end dims {end.dims}")
        labels = [str(label) for label in stats["unconstrained_parameter"].values]
        expect(labels[:2] == ["mu", "tau (log)"] and len(labels) == 10,
               f"unconstrained_parameter labels {labels}")
        located = np.isfinite(end.values).all(axis=-1)
        missing = np.isnan(end.values).all(axis=-1)
        flags = diverging.values.astype(bool)
        expect(np.array_equal(located, flags) and np.array_equal(missing, ~flags),
               "divergence_end is not finite exactly at the divergent draws")

    if "log_likelihood" not in groups:
        return
    with xarray.open_dataset(path, group="log_likelihood") as log_likelihood, \
            xarray.open_dataset(path, group="observed_data") as observed, \
            xarray.open_dataset(path, group="constant_data") as constant, \
            xarray.open_dataset(path, group="posterior") as posterior:
        expect(set(log_likelihood.data_vars) == set(observed.data_vars) == {"y_obs"},
               f"log_likelihood variables {sorted(log_likelihood.data_vars)}, observed "
               f"{sorted(observed.data_vars)}")
        y = log_likelihood["y_obs"]
        expect(y.dims == ("chain", "draw", "school"), f"log_likelihood y_obs dims {y.dims}")
        expect(y.shape == (posterior.sizes["chain"], posterior.sizes["draw"], 8),
               f"log_likelihood y_obs shape {y.shape}")
        expect(y.dtype == np.float64, f"log_likelihood y_obs dtype {y.dtype}")
        expect(list(y["school"].values) == list(observed["school"].values),
               "log_likelihood school labels differ from observed_data's")
        reference = scipy.stats.norm.logpdf(observed["y_obs"].values,
                                            posterior["theta"].values,
                                            constant["sigma"].values)
        expect(np.allclose(y.values, reference, rtol=1e-12, atol=0),
               f"log_likelihood differs from scipy by {np.max(np.abs(y.values - reference))}")


def check_arviz(path):
    try:
        import arviz as az
    except ImportError as error:
        print(f"SKIP: ArviZ is not importable ({error})")
        sys.exit(77)
    import numpy as np

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        idata = az.from_netcdf(path)
    messages = [str(warning.message) for warning in caught]
    expect(not messages, f"az.from_netcdf warned: {messages}")
    expect(set(idata.groups()) == {"posterior", "log_likelihood", "sample_stats",
                                   "observed_data", "constant_data"}, f"groups {idata.groups()}")

    if "log_likelihood" not in idata.groups():
        return
    loo = az.loo(idata, pointwise=True)
    expect(np.isfinite(loo["elpd_loo"]), f"elpd_loo {loo['elpd_loo']}")
    expect(loo["n_data_points"] == 8, f"n_data_points {loo['n_data_points']}")
    # ArviZ defines p_loo = lppd - elpd_loo, with lppd from the pointwise values over all draws.
    values = idata.log_likelihood["y_obs"].values.reshape(-1, 8)
    peak = values.max(axis=0)
    lppd = np.sum(peak + np.log(np.mean(np.exp(values - peak), axis=0)))
    expect(abs((lppd - loo["elpd_loo"]) - loo["p_loo"]) < 1e-8,
           f"p_loo {loo['p_loo']} but lppd - elpd_loo = {lppd - loo['elpd_loo']}")

    comparison = az.compare({"first": idata, "second": idata})
    expect(np.all(np.isfinite(comparison["elpd_loo"])), f"az.compare:\n{comparison}")

    summary = az.summary(idata)
    expect(len(summary) == 2 + 8 + 8, f"summary rows {list(summary.index)}")
    expect(np.all(np.isfinite(summary["mean"])), f"summary:\n{summary}")
    print(f"elpd_loo {loo['elpd_loo']:.3f} (se {loo['se']:.3f}), p_loo {loo['p_loo']:.3f}")


def main():
    mode, path = sys.argv[1], sys.argv[2]
    {"schema": check_schema, "arviz": check_arviz}[mode](path)
    if failures:
        print("\n".join("FAIL: " + failure for failure in failures))
        sys.exit(1)
    print("OK")


main()
