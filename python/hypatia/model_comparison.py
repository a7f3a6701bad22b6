"""Predictive accuracy from the pointwise log likelihood: PSIS-LOO, WAIC and model comparison.

ArviZ's ``az.loo``, ``az.waic`` and ``az.compare`` with their arguments and results, for machines
without ArviZ (``pm.stats`` serves ArviZ's own when it is installed, as PyMC does). The algorithms
are Pareto-smoothed importance sampling (Vehtari, Simpson, Gelman, Yao, Gabry 2024) with the
generalized Pareto fit of Zhang and Stephens (2009), and stacking of predictive distributions
(Yao, Vehtari, Simpson, Gelman 2018); results are checked against R's loo package.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

SCALES = ("log", "negative_log", "deviance")
MIN_TAIL_DRAWS = 5


# ---------------------------------------------------------------- Pareto smoothing


def _logsumexp(values: np.ndarray, axis: int = 0) -> np.ndarray:
    top = np.max(values, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(values - top), axis=axis))


def _generalized_pareto_fit(exceedances: np.ndarray) -> tuple[float, float]:
    """(k, sigma) of a generalized Pareto fitted to sorted positive exceedances: the posterior
    mean over a grid of the Zhang-Stephens profile likelihood, then k shrunk towards 0.5 with
    the weak prior of Vehtari et al. (worth 10 observations)."""
    n = len(exceedances)
    grid_size = 30 + int(np.sqrt(n))
    quartile = exceedances[int(np.floor(n / 4 + 0.5)) - 1]
    theta = (1 - np.sqrt(grid_size / (np.arange(1, grid_size + 1) - 0.5))) / (3 * quartile)
    theta += 1 / exceedances[-1]
    k = np.mean(np.log1p(-theta[:, None] * exceedances), axis=1)
    profile = n * (np.log(-theta / k) - k - 1)
    weights = np.exp(profile - _logsumexp(profile))
    theta_hat = np.sum(theta * weights)
    k_hat = np.mean(np.log1p(-theta_hat * exceedances))
    sigma = -k_hat / theta_hat
    prior_weight = 10
    return (k_hat * n + prior_weight * 0.5) / (n + prior_weight), sigma


def _pareto_quantiles(probabilities: np.ndarray, k: float, sigma: float) -> np.ndarray:
    if abs(k) < 1e-12:
        return -sigma * np.log1p(-probabilities)
    return sigma * np.expm1(-k * np.log1p(-probabilities)) / k


def psis(log_ratios: np.ndarray, relative_efficiency: float = 1.0) -> tuple[np.ndarray, float]:
    """Pareto-smoothed log importance weights (unnormalized) of one quantity's draws, and the
    estimated shape k of the ratios' tail (inf when the tail is too short to fit)."""
    draws = len(log_ratios)
    tail_length = int(np.ceil(min(0.2 * draws, 3 * np.sqrt(draws / relative_efficiency))))
    shift = np.max(log_ratios)
    weights = log_ratios - shift
    k = np.inf
    if tail_length >= MIN_TAIL_DRAWS:
        order = np.argsort(weights, kind="stable")
        tail = order[draws - tail_length:]
        tail_values = weights[tail]
        if np.ptp(tail_values) > np.finfo(float).eps / 100:
            cutoff = weights[order[draws - tail_length - 1]]
            k, sigma = _generalized_pareto_fit(np.exp(tail_values) - np.exp(cutoff))
            if np.isfinite(k):
                probabilities = (np.arange(1, tail_length + 1) - 0.5) / tail_length
                weights[tail] = np.log(_pareto_quantiles(probabilities, k, sigma) + np.exp(cutoff))
    # Truncate at the largest raw ratio, then undo the shift.
    return np.minimum(weights, 0.0) + shift, float(k)


# ---------------------------------------------------------------- results


class ELPDData(dict):
    """An estimate of expected log pointwise predictive density, read by key or attribute
    (``loo.elpd_loo``, ``loo["p_loo"]``) as ArviZ's ELPDData is."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def index(self) -> list:
        return list(self)

    def __repr__(self) -> str:
        kind = "loo" if "elpd_loo" in self else "waic"
        lines = [f"Computed from {self['n_samples']} posterior samples and "
                 f"{self['n_data_points']} observations log-likelihood matrix.", "",
                 f"{'':10}Estimate{'':7}SE",
                 f"elpd_{kind:<5}{self[f'elpd_{kind}']:9.2f}{self['se']:9.2f}",
                 f"p_{kind:<8}{self[f'p_{kind}']:9.2f}{'':9}-"]
        if self.get("warning"):
            lines += ["", "There has been a warning during the calculation. Please check the results."]
        if "pareto_k" in self:
            k = np.asarray(self["pareto_k"])
            good = self["good_k"]
            lines += ["", "Pareto k diagnostic values:",
                      f"  (-Inf, {good:.2f}]  (good)  {np.sum(k <= good):6d}",
                      f"  ({good:.2f}, 1]     (bad)   {np.sum((k > good) & (k <= 1)):6d}",
                      f"  (1, Inf)        (very bad) {np.sum(k > 1):3d}"]
        return "\n".join(lines)


def _scaled(values, scale: str):
    factor = {"log": 1.0, "negative_log": -1.0, "deviance": -2.0}[scale]
    return factor * values


def _check_scale(scale: Optional[str]) -> str:
    scale = "log" if scale is None else str(scale).lower()
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    return scale


# ---------------------------------------------------------------- the pointwise log likelihood


def _log_likelihood(data: Any, var_name: Optional[str]):
    """One observed variable's log likelihood: its (chain, draw, ...) DataArray and the values as
    a (samples, observations) matrix."""
    groups = data.groups() if hasattr(data, "groups") else []
    if "log_likelihood" not in groups:
        raise TypeError("the InferenceData has no log_likelihood group: sample with "
                        "idata_kwargs={'log_likelihood': True} or call pm.compute_log_likelihood")
    group = data.log_likelihood
    names = list(group.data_vars)
    if var_name is None:
        if len(names) != 1:
            raise TypeError(f"the log_likelihood group has {len(names)} variables ({names}); "
                            "choose one with var_name=")
        var_name = names[0]
    if var_name not in group:
        raise KeyError(f"var_name={var_name!r} is not in the log_likelihood group ({names})")
    values = group[var_name].transpose("chain", "draw", ...)
    chains, draws = values.shape[:2]
    return values, np.asarray(values.values, dtype=float).reshape(chains * draws, -1)


def _per_observation(values, pointwise: np.ndarray):
    """`pointwise` (one number per observation) shaped and labelled like one draw of `values`."""
    import xarray as xr

    first = values.isel(chain=0, draw=0, drop=True)
    return xr.DataArray(pointwise.reshape(first.shape), dims=first.dims, coords=first.coords)


def _relative_efficiency(data: Any, chains: int, draws: int) -> float:
    """ArviZ's reff: the mean over the posterior's scalars of ESS(mean) / draws (1 for one chain)."""
    if chains == 1:
        return 1.0
    from hypatia import _core

    posterior = data.posterior
    efficiencies = []
    for name in posterior.data_vars:
        values = np.asarray(posterior[name].values, dtype=float)
        flat = values.reshape(chains, draws, -1)
        efficiencies += [_core.ess_mean(np.ascontiguousarray(flat[:, :, j]))
                         for j in range(flat.shape[2]) if np.ptp(flat[:, :, j]) > 0]
    return float(np.mean(efficiencies)) / (chains * draws) if efficiencies else 1.0


def loo(data: Any, pointwise: Optional[bool] = None, var_name: Optional[str] = None,
        reff: Optional[float] = None, scale: Optional[str] = None) -> ELPDData:
    """Pareto-smoothed importance-sampling leave-one-out cross-validation (ArviZ's ``az.loo``).
    ``pareto_k`` above ``good_k`` (0.7 for large samples) flags observations whose estimate is
    unreliable, with a warning."""
    import warnings

    scale = _check_scale(scale)
    values, matrix = _log_likelihood(data, var_name)
    chains, draws = values.shape[:2]
    samples, observations = matrix.shape
    if reff is None:
        reff = _relative_efficiency(data, chains, draws) if hasattr(data, "posterior") else 1.0
    elpd_i, p_i, k = loo_pointwise(matrix, reff)
    good_k = min(1 - 1 / np.log10(samples), 0.7)
    warning = bool(np.any(k > good_k))
    if warning:
        warnings.warn(f"Estimated shape parameter of Pareto distribution is greater than "
                      f"{good_k:.2f} for one or more samples. You should consider using a more "
                      "robust model, this is because importance sampling is less likely to "
                      "work well if the marginal posterior and LOO posterior are very "
                      "different. This is more likely to happen with a non-robust model and "
                      "highly influential observations.", UserWarning, stacklevel=2)
    result = ELPDData(
        elpd_loo=float(_scaled(elpd_i.sum(), scale)),
        se=float(np.sqrt(observations * np.var(elpd_i)) * abs(_scaled(1.0, scale))),
        p_loo=float(p_i.sum()), n_samples=samples, n_data_points=observations,
        warning=warning, scale=scale, good_k=good_k)
    if pointwise:
        result["loo_i"] = _per_observation(values, _scaled(elpd_i, scale))
        result["pareto_k"] = _per_observation(values, k)
    return result


def loo_pointwise(log_likelihood: np.ndarray, relative_efficiency: float = 1.0):
    """(elpd_loo_i, p_loo_i, pareto_k_i) from a (samples, observations) log likelihood."""
    samples, observations = log_likelihood.shape
    elpd = np.empty(observations)
    k = np.empty(observations)
    for i in range(observations):
        log_weights, k[i] = psis(-log_likelihood[:, i], relative_efficiency)
        elpd[i] = _logsumexp(log_weights + log_likelihood[:, i]) - _logsumexp(log_weights)
    lppd = _logsumexp(log_likelihood, axis=0) - np.log(samples)
    return elpd, lppd - elpd, k


def waic(data: Any, pointwise: Optional[bool] = None, var_name: Optional[str] = None,
         scale: Optional[str] = None) -> ELPDData:
    """The widely applicable information criterion (ArviZ's ``az.waic``)."""
    import warnings

    scale = _check_scale(scale)
    values, matrix = _log_likelihood(data, var_name)
    samples, observations = matrix.shape
    elpd_i, p_i = waic_pointwise(matrix)
    warning = bool(np.any(p_i > 0.4))
    if warning:
        warnings.warn("For one or more samples the posterior variance of the log predictive "
                      "densities exceeds 0.4. This could be indication of WAIC starting to fail. "
                      "See http://arxiv.org/abs/1507.04544 for details", UserWarning, stacklevel=2)
    result = ELPDData(
        elpd_waic=float(_scaled(elpd_i.sum(), scale)),
        se=float(np.sqrt(observations * np.var(elpd_i)) * abs(_scaled(1.0, scale))),
        p_waic=float(p_i.sum()), n_samples=samples, n_data_points=observations,
        warning=warning, scale=scale)
    if pointwise:
        result["waic_i"] = _per_observation(values, _scaled(elpd_i, scale))
    return result


def waic_pointwise(log_likelihood: np.ndarray):
    """(elpd_waic_i, p_waic_i) from a (samples, observations) log likelihood."""
    samples = log_likelihood.shape[0]
    lppd = _logsumexp(log_likelihood, axis=0) - np.log(samples)
    penalty = np.var(log_likelihood, axis=0, ddof=1)
    return lppd - penalty, penalty


# ---------------------------------------------------------------- comparing models


def stacking_weights(elpd_pointwise: np.ndarray, iterations: int = 10000,
                     tolerance: float = 1e-12) -> np.ndarray:
    """Weights on the simplex maximizing sum_i log sum_k w_k exp(elpd_ik) (the stacking
    objective, concave), by the EM fixed point for mixture weights."""
    density = np.exp(elpd_pointwise - elpd_pointwise.max(axis=1, keepdims=True))
    weights = np.full(density.shape[1], 1.0 / density.shape[1])
    for _ in range(iterations):
        mixture = density @ weights
        updated = weights * np.mean(density / mixture[:, None], axis=0)
        if np.max(np.abs(updated - weights)) < tolerance:
            return updated / updated.sum()
        weights = updated
    return weights / weights.sum()


def compare(compare_dict: Mapping[str, Any], ic: Optional[str] = None, method: str = "stacking",
            b_samples: int = 1000, alpha: float = 1, seed: Any = None,
            scale: Optional[str] = None, var_name: Optional[str] = None):
    """Models ranked by expected log predictive density (ArviZ's ``az.compare``): a pandas
    DataFrame indexed by model name, best first, with columns rank, elpd_<ic>, p_<ic>,
    elpd_diff, weight, se, dse, warning, scale."""
    import pandas as pd

    ic = "loo" if ic is None else ic.lower()
    if ic not in ("loo", "waic"):
        raise ValueError(f"compare: ic must be 'loo' or 'waic', got {ic!r}")
    method = method.lower()
    if method not in ("stacking", "bb-pseudo-bma", "pseudo-bma"):
        raise ValueError(f"compare: method must be 'stacking', 'BB-pseudo-BMA' or 'pseudo-BMA', "
                         f"got {method!r}")
    if len(compare_dict) < 1:
        raise ValueError("compare: give at least one model")
    scale = _check_scale(scale)
    function = loo if ic == "loo" else waic
    results = {name: function(data, pointwise=True, var_name=var_name, scale="log")
               for name, data in compare_dict.items()}
    pointwise = {name: np.asarray(r[f"{ic}_i"].values, dtype=float).ravel()
                 for name, r in results.items()}
    sizes = {len(v) for v in pointwise.values()}
    if len(sizes) > 1:
        raise ValueError(f"compare: the models have different numbers of observations "
                         f"({ {n: len(v) for n, v in pointwise.items()} })")
    names = sorted(results, key=lambda n: -results[n][f"elpd_{ic}"])
    matrix = np.column_stack([pointwise[n] for n in names])
    weights = _model_weights(matrix, method, b_samples, alpha, seed)
    best = matrix[:, 0]
    rows = []
    for j, name in enumerate(names):
        difference = best - matrix[:, j]
        rows.append({
            "rank": j,
            f"elpd_{ic}": _scaled(results[name][f"elpd_{ic}"], scale),
            f"p_{ic}": results[name][f"p_{ic}"],
            "elpd_diff": abs(_scaled(float(difference.sum()), scale)),
            "weight": float(weights[j]),
            "se": results[name]["se"] * abs(_scaled(1.0, scale)),
            "dse": float(np.sqrt(len(difference) * np.var(difference))) * abs(_scaled(1.0, scale)),
            "warning": results[name]["warning"],
            "scale": scale,
        })
    return pd.DataFrame(rows, index=names)


def _model_weights(matrix: np.ndarray, method: str, b_samples: int, alpha: float,
                   seed: Any) -> np.ndarray:
    if method == "stacking":
        return stacking_weights(matrix)
    totals = matrix.sum(axis=0)
    if method == "pseudo-bma":
        relative = np.exp(totals - totals.max())
        return relative / relative.sum()
    # Bayesian-bootstrap pseudo-BMA: weights averaged over Dirichlet-reweighted totals.
    rng = np.random.default_rng(seed)
    observations = matrix.shape[0]
    bootstrap = rng.dirichlet(np.full(observations, alpha), size=b_samples)
    totals = observations * bootstrap @ matrix
    relative = np.exp(totals - totals.max(axis=1, keepdims=True))
    return np.mean(relative / relative.sum(axis=1, keepdims=True), axis=0)
