"""Variational inference as PyMC spells it: ``pm.fit``, ``pm.ADVI``, ``pm.FullRankADVI``, the
``MeanField`` / ``FullRank`` approximations and the optimizer factories (``pm.adam``,
``pm.adagrad_window``, ...).

The iterations run in the C++ engine (src/infer/advi.cpp) with the compiled log density
gradient. Python callbacks run between pieces of iterations: every iteration only for callables
without an ``every`` attribute (as PyMC calls them), else at multiples of ``every``.
"""

from __future__ import annotations

import logging
import math
import time
from functools import reduce
from typing import Any, Optional

import numpy as np

from hypatia import _core
from hypatia.model import Model, modelcontext

_log = logging.getLogger("hypatia")


class ADVIDivergedError(FloatingPointError, ValueError):
    """The loss (-ELBO) or its gradient turned NaN or infinite (PyMC raises FloatingPointError)."""


# ---- optimizers (pymc.variational.updates) ----

class _Optimizer:
    """An optimizer setting for the C++ engine, made by ``pm.adam(learning_rate=...)`` & co."""

    def __init__(self, name: str, **settings):
        self.name = name
        self.settings = settings

    def __call__(self, loss_or_grads=None, params=None, **kwargs):
        if loss_or_grads is not None or params is not None:
            raise NotImplementedError(f"pm.{self.name}(loss_or_grads, params): Hypatia's optimizers run "
                                      "inside its engine and build no symbolic updates")
        return _Optimizer(self.name, **{**self.settings, **kwargs})

    def as_dict(self) -> dict:
        return {"name": self.name, **self.settings}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"pm.{self.name}({args})"


def _factory(name: str, defaults: dict):
    def make(loss_or_grads=None, params=None, **settings):
        unknown = set(settings) - set(defaults)
        if unknown:
            raise TypeError(f"pm.{name}(): unexpected arguments {', '.join(sorted(unknown))} "
                            f"(it takes {', '.join(defaults)})")
        for key, value in settings.items():
            if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
                raise TypeError(f"pm.{name}({key}=...): expected a number, got {value!r}")
        return _Optimizer(name, **{**defaults, **settings})(loss_or_grads, params)

    make.__name__ = name
    make.__doc__ = f"PyMC's {name} optimizer for pm.fit(obj_optimizer=...); defaults {defaults}."
    return make


sgd = _factory("sgd", {"learning_rate": 1e-3})
momentum = _factory("momentum", {"learning_rate": 1e-3, "momentum": 0.9})
nesterov_momentum = _factory("nesterov_momentum", {"learning_rate": 1e-3, "momentum": 0.9})
adagrad = _factory("adagrad", {"learning_rate": 1.0, "epsilon": 1e-6})
adagrad_window = _factory("adagrad_window", {"learning_rate": 1e-3, "epsilon": 0.1, "n_win": 10})
rmsprop = _factory("rmsprop", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6})
adadelta = _factory("adadelta", {"learning_rate": 1.0, "rho": 0.95, "epsilon": 1e-6})
adam = _factory("adam", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})
adamax = _factory("adamax", {"learning_rate": 2e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})

_OPTIMIZERS = {f.__name__: f for f in (sgd, momentum, nesterov_momentum, adagrad, adagrad_window,
                                       rmsprop, adadelta, adam, adamax)}


def _optimizer_setting(optimizer: Any) -> dict:
    if optimizer is None:
        return adagrad_window().as_dict()
    if isinstance(optimizer, _Optimizer):
        return optimizer.as_dict()
    for factory in _OPTIMIZERS.values():
        if optimizer is factory:  # pm.adam without a call: its defaults
            return factory().as_dict()
    raise TypeError(f"obj_optimizer: expected one of pm.{', pm.'.join(_OPTIMIZERS)} (called or not), "
                    f"got {optimizer!r}")


# ---- values of the approximation (what PyMC exposes as shared variables and tensors) ----

class _Value:
    """A current value of the approximation, read when asked: ``.eval()`` and ``.get_value()``
    return it as numpy (PyMC's shared variables and nodes answer both)."""

    def __init__(self, name: str, read):
        self.name = name
        self._read = read

    def eval(self, *args, **kwargs) -> np.ndarray:
        return np.array(self._read())

    get_value = eval

    def __array__(self, dtype=None, copy=None):
        value = self.eval()
        return value if dtype is None else value.astype(dtype)

    @property
    def shape(self):
        return self.eval().shape

    @property
    def ndim(self) -> int:
        return self.eval().ndim

    def __repr__(self) -> str:
        return f"{self.name}"


# ---- approximations ----

class _Approximation:
    """A Gaussian on the model's unconstrained space, fitted by the C++ engine."""

    family = ""
    has_logq = True

    def __init__(self, model: Optional[Model] = None, random_seed: Any = None, start=None,
                 start_sigma=None, **kwargs):
        from hypatia.sampling import _seed

        if kwargs:
            raise TypeError(f"{type(self).__name__}(): unexpected keyword arguments "
                            f"{', '.join(sorted(kwargs))}")
        self.model = modelcontext(model).root
        self.model.sync_data()
        if not self.model.free_RVs:
            raise ValueError(f"{type(self).__name__}: the model has no free random variables to fit")
        self._seed = _seed(random_seed)
        self._start = _start_point(self.model, start)
        self._start_sigma = _start_sigma(self.model, start_sigma, self._default_sigma)
        data_names = [v["name"] for v in self.model._cpp.variables() if v["role"] == "data"]
        from hypatia.minibatch import populations

        self._minibatches = populations(data_names)
        self._fit = self._new_fit(adagrad_window().as_dict(), 1, 0.0)
        self._hist = np.zeros(0)

    def _new_fit(self, optimizer: dict, obj_n_mc: int, total_grad_norm_constraint: float):
        return _core.AdviFit(self.model._cpp, self.family, optimizer, int(obj_n_mc), self._seed,
                             list(self._start), list(self._start_sigma),
                             float(total_grad_norm_constraint), self._minibatches, "default")

    # ---- PyMC's attributes ----
    @property
    def hist(self) -> np.ndarray:
        """The loss (-ELBO estimate) of every iteration of every fit so far."""
        return np.concatenate([self._hist, self._fit.hist])

    @property
    def ndim(self) -> int:
        return int(self._fit.dim)

    ddim = ndim

    @property
    def mean(self) -> _Value:
        return _Value("mu", lambda: self._fit.mean)

    @property
    def std(self) -> _Value:
        return _Value("std", lambda: self._fit.std)

    @property
    def cov(self) -> _Value:
        return _Value("cov", lambda: self._fit.cov)

    @property
    def params(self) -> list:
        return [_Value(name, (lambda k=k: self._split_params()[k])) for k, name in enumerate(self._param_names)]

    @property
    def params_dict(self) -> dict:
        return {p.name: p for p in self.params}

    def _split_params(self) -> list:
        flat = self._fit.params
        return [flat[: self.ndim], flat[self.ndim:]]

    @property
    def mean_data(self):
        """Mean and std of each free variable on the unconstrained scale, by value variable."""
        return self._by_value_var(self._fit.mean)

    @property
    def std_data(self):
        return self._by_value_var(self._fit.std)

    def _by_value_var(self, flat: np.ndarray) -> dict:
        return {b["value_name"]: flat[b["offset"]: b["offset"] + b["size"]].reshape(b["unconstrained_shape"])
                for b in self.model._blocks()}

    def sample(self, draws: int = 500, *, model: Optional[Model] = None, random_seed: Any = None,
               return_inferencedata: bool = True, include_transformed: bool = False, **kwargs):
        """``draws`` draws of the approximation as an InferenceData (one chain): free variables
        and deterministics, with observed and constant data, as PyMC's ``approx.sample``;
        ``include_transformed=True`` (passed to to_inference_data in PyMC) adds the unconstrained
        values under their value variables' names."""
        from hypatia.sampling import MultiTrace, _seed, _to_inference_data

        if kwargs:
            raise TypeError(f"approx.sample(): unexpected keyword arguments {', '.join(sorted(kwargs))}")
        if model is not None and modelcontext(model).root is not self.model:
            raise ValueError("approx.sample(model=...): the approximation was fitted to another model")
        if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
            raise ValueError(f"approx.sample(draws={draws!r}): need a positive number of draws")
        seed = _seed(random_seed)
        raw = self._fit.sample(int(draws), seed)
        if include_transformed:
            x = self._fit.sample_unconstrained(int(draws), seed)
            names = {v["name"] for v in raw["groups"]["posterior"]["variables"]}
            for block in self.model._blocks():
                if block["transform"] is None or block["value_name"] in names:
                    continue
                values = x[:, block["offset"]: block["offset"] + block["size"]]
                raw["groups"]["posterior"]["variables"].append(
                    {"name": block["value_name"], "dims": [],
                     "values": values.reshape(1, int(draws), *block["unconstrained_shape"])})
        raw["attributes"]["inference_library"] = "hypatia"
        raw["attributes"]["advi_family"] = self.family
        idata = _to_inference_data(raw, self.model)
        return idata if return_inferencedata else MultiTrace(idata)

    def _sample_unconstrained(self, draws: int, seed: int) -> np.ndarray:
        return self._fit.sample_unconstrained(int(draws), int(seed))

    def __str__(self) -> str:
        return f"{type(self).__name__}[{self.ndim}]"

    __repr__ = __str__


class MeanField(_Approximation):
    """Independent Gaussians: parameters mu and rho, sd = softplus(rho) (PyMC's MeanField)."""

    family = "mean_field"
    _param_names = ("mu", "rho")
    _default_sigma = math.log(2.0)  # softplus(rho = 0)

    @property
    def rho(self) -> _Value:
        return _Value("rho", lambda: self._split_params()[1])


class FullRank(_Approximation):
    """A correlated Gaussian: mu and the lower triangle L_tril of the Cholesky factor of its
    covariance, softplus on the diagonal (PyMC's FullRank)."""

    family = "full_rank"
    _param_names = ("mu", "L_tril")
    _default_sigma = math.log1p(math.e)  # softplus(1) on the diagonal of L_tril = I

    @property
    def L(self) -> _Value:
        def read():
            cov = self._fit.cov
            return np.linalg.cholesky(cov)

        return _Value("L", read)

    @property
    def L_tril(self) -> _Value:
        return _Value("L_tril", lambda: self._split_params()[1])


def _start_point(model: Model, start) -> np.ndarray:
    """The unconstrained starting mean: the model's initial point, with `start`'s constrained
    values (by variable name) replacing theirs."""
    x = model._initial_flat()
    if start is None:
        return x
    if not isinstance(start, dict):
        raise TypeError(f"start: expected a dict of values by variable name, got {type(start).__name__}")
    from hypatia.tensor.variable import TensorVariable

    values = {}
    blocks = {b["value_name"]: b for b in model._blocks()}
    for key, value in start.items():
        name = model._full_name(key.name if isinstance(key, TensorVariable) else key)
        if name in blocks:  # a value variable ("sigma_log__"): unconstrained already
            block = blocks[name]
            x = x.copy()
            x[block["offset"]: block["offset"] + block["size"]] = np.broadcast_to(
                np.asarray(value, dtype=float), block["unconstrained_shape"]).ravel()
            continue
        values[name] = value
    if values:
        try:
            x = model._unconstrain_given(x, values)
        except KeyError as error:
            raise KeyError(f"start: {error.args[0]}") from None
    if not np.all(np.isfinite(x)):
        raise ValueError("start: the starting values are not finite on the unconstrained scale "
                         "(outside a variable's support?)")
    return x


def _start_sigma(model: Model, start_sigma, default: float) -> np.ndarray:
    """Starting sds on the unconstrained scale by variable or value-variable name (PyMC's
    start_sigma), `default` for the variables not named; empty when none is given."""
    if start_sigma is None:
        return np.zeros(0)
    if not isinstance(start_sigma, dict):
        raise TypeError(f"start_sigma: expected a dict of sds by variable name, got {type(start_sigma).__name__}")
    blocks = model._blocks()
    sigma = np.full(sum(b["size"] for b in blocks), default)
    for key, value in start_sigma.items():
        name = getattr(key, "name", key)
        block = next((b for b in blocks if name in (b["name"], b["value_name"])
                      or model._full_name(name) in (b["name"], b["value_name"])), None)
        if block is None:
            known = ", ".join(b["value_name"] for b in blocks)
            raise KeyError(f"start_sigma: {name!r} is not a free variable of the model ({known})")
        try:
            values = np.broadcast_to(np.abs(np.asarray(value, dtype=float)),
                                     block["unconstrained_shape"]).ravel()
        except ValueError:
            raise ValueError(f"start_sigma[{name!r}]: shape {np.shape(value)} does not fit the "
                             f"variable's unconstrained shape {tuple(block['unconstrained_shape'])}") from None
        if not np.all((values > 0) & np.isfinite(values)):
            raise ValueError(f"start_sigma[{name!r}]: sds must be positive and finite")
        sigma[block["offset"]: block["offset"] + block["size"]] = values
    return sigma


# ---- inference ----

class _Inference:
    """PyMC's Inference: ``.fit(n, ...)`` runs (and continues) the optimization of ``.approx``."""

    _approximation: type = _Approximation

    def __init__(self, model: Optional[Model] = None, random_seed: Any = None, start=None,
                 start_sigma=None, **kwargs):
        self.approx = self._approximation(model=model, random_seed=random_seed, start=start,
                                          start_sigma=start_sigma, **kwargs)
        self.hist = self.approx.hist

    @property
    def model(self) -> Model:
        return self.approx.model

    def fit(self, n: int = 10000, score=None, callbacks=None, progressbar: bool = True,
            progressbar_theme=None, *, obj_n_mc: Optional[int] = None, obj_optimizer=None,
            total_grad_norm_constraint=None, tf_n_mc=None, test_optimizer=None,
            more_obj_params=None, more_tf_params=None, more_updates=None,
            more_replacements=None, fn_kwargs=None, compile_kwargs=None, **kwargs):
        """Runs n more iterations (PyMC's arguments); returns the approximation."""
        if kwargs:
            raise TypeError(f"fit(): unexpected keyword arguments {', '.join(sorted(kwargs))}")
        for name, value in (("more_obj_params", more_obj_params), ("more_tf_params", more_tf_params),
                            ("more_updates", more_updates), ("more_replacements", more_replacements)):
            if value:
                raise NotImplementedError(f"fit({name}=...): Hypatia optimizes the approximation's own "
                                          "parameters only")
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"fit(n={n!r}): the number of iterations must be a non-negative integer")
        obj_n_mc = 1 if obj_n_mc is None else obj_n_mc
        if isinstance(obj_n_mc, bool) or not isinstance(obj_n_mc, (int, np.integer)) or obj_n_mc < 1:
            raise ValueError(f"fit(obj_n_mc={obj_n_mc!r}): need a positive integer")
        norm = 0.0 if total_grad_norm_constraint is None else float(total_grad_norm_constraint)
        if not norm >= 0:
            raise ValueError(f"fit(total_grad_norm_constraint={total_grad_norm_constraint!r}): need a "
                             "non-negative number")
        callbacks = list(callbacks or [])
        for callback in callbacks:
            if not callable(callback):
                raise TypeError(f"fit(callbacks=...): {callback!r} is not callable")
        approx = self.approx
        # Each fit call starts a new optimizer state, as PyMC builds a new step function; the
        # parameters and the random streams continue.
        previous = approx._fit
        approx._hist = np.concatenate([approx._hist, previous.hist])
        fresh = approx._new_fit(_optimizer_setting(obj_optimizer), obj_n_mc, norm)
        fresh.params = previous.params
        fresh.continue_from(previous.iterations)
        approx._fit = fresh
        self._last_settings = {"obj_n_mc": obj_n_mc, "obj_optimizer": obj_optimizer,
                               "total_grad_norm_constraint": total_grad_norm_constraint}
        self._run(int(n), callbacks, bool(progressbar))
        self.hist = approx.hist
        return approx

    def refine(self, n: int, progressbar: bool = True):
        """Runs n more iterations with the settings of the last fit (PyMC's ``refine``)."""
        return self.fit(n, progressbar=progressbar, **getattr(self, "_last_settings", {}))

    # Iterations run in C++ between two returns to Python when no callback asks for fewer.
    _PIECE = 1000

    def _run(self, n: int, callbacks: list, progressbar: bool) -> None:
        fit = self.approx._fit
        every = [getattr(c, "every", None) for c in callbacks]
        if any(isinstance(e, bool) or not isinstance(e, (int, np.integer)) or e < 1 for e in every):
            step = 1  # a plain callable is called after every iteration, as PyMC calls it
        else:
            step = reduce(math.gcd, [int(e) for e in every], 0) or self._PIECE

        def next_stop(done: int) -> int:
            # Callbacks first run after iteration 1 (where PyMC's convergence checks remember the
            # parameters), then at multiples of the step: i is counted within this fit call.
            if done == 0 and callbacks:
                return 1
            return min(n, (done // step + 1) * step)

        start_time = time.perf_counter()
        done = 0
        message = None
        try:
            while done < n:
                wanted = next_stop(done) - done
                ran = int(fit.run(wanted))
                done += ran
                if ran < wanted:
                    raise KeyboardInterrupt
                for callback in callbacks:
                    callback(self.approx, fit.hist, done)
        except StopIteration as stop:
            message = str(stop) or f"Convergence achieved at {done}"
        except KeyboardInterrupt:
            message = f"Interrupted at {done:,} [{100 * done // max(n, 1):.0f}%]"
        except _core.HypatiaError as error:
            if "is not finite" in str(error):
                raise ADVIDivergedError(f"{error}. NaN occurred in optimization; the approximation keeps "
                                        "its parameters from before that iteration") from None
            raise
        if message is not None:
            _log.info(message)
        hist = fit.hist
        if progressbar and len(hist):
            window = hist[-max(1, len(hist) // 10):]
            seconds = time.perf_counter() - start_time
            _log.info(f"Finished [{100 * done // max(n, 1):.0f}%]: Average Loss = {np.mean(window):,.5g} "
                      f"({seconds:.1f} s)")


class ADVI(_Inference):
    """Mean-field ADVI (PyMC's ``pm.ADVI``)."""

    _approximation = MeanField


class FullRankADVI(_Inference):
    """Full-rank ADVI (PyMC's ``pm.FullRankADVI``)."""

    _approximation = FullRank


def _not_supported(name: str, what: str):
    def refuse(*args, **kwargs):
        raise NotImplementedError(f"pm.{name}: {what} is not supported by Hypatia; use pm.ADVI or "
                                  "pm.FullRankADVI (pm.fit(method='advi' | 'fullrank_advi'))")

    refuse.__name__ = name
    return refuse


SVGD = _not_supported("SVGD", "Stein variational gradient descent")
ASVGD = _not_supported("ASVGD", "amortized Stein variational gradient descent")
Empirical = _not_supported("Empirical", "the Empirical (particle) approximation")
KLqp = _not_supported("KLqp", "a general KL(q||p) inference over a given approximation")
ImplicitGradient = _not_supported("ImplicitGradient", "implicit-gradient inference")


def sample_approx(approx: _Approximation, draws: int = 100, include_transformed: bool = True):
    """PyMC's ``pm.sample_approx``: ``approx.sample(draws, include_transformed=...)``."""
    return approx.sample(draws=draws, include_transformed=include_transformed)


_METHODS = {"advi": ADVI, "fullrank_advi": FullRankADVI}
_UNSUPPORTED = {
    "svgd": "Stein variational gradient descent (pm.SVGD)",
    "asvgd": "amortized SVGD (pm.ASVGD)",
}


def fit(n: int = 10000, method: Any = "advi", model: Optional[Model] = None, random_seed: Any = None,
        start=None, start_sigma=None, inf_kwargs: Optional[dict] = None, **kwargs):
    """PyMC's ``pm.fit``: fits an approximation by ``method`` ("advi" or "fullrank_advi", or an
    Inference object) in n iterations and returns it. kwargs go to ``Inference.fit``
    (obj_optimizer, callbacks, obj_n_mc, total_grad_norm_constraint, progressbar, ...)."""
    inf_kwargs = dict(inf_kwargs or {})
    if start is not None:
        inf_kwargs["start"] = start
    if start_sigma is not None:
        inf_kwargs["start_sigma"] = start_sigma
    if isinstance(method, _Inference):
        if inf_kwargs or random_seed is not None:
            raise ValueError("pm.fit: start, start_sigma, random_seed and inf_kwargs configure a new "
                             "inference; they cannot apply to the Inference object given as method")
        return method.fit(n, **kwargs)
    if isinstance(method, str):
        key = method.lower()
        if key in ("pathfinder", "laplace"):
            # pymc-extras' fit(method=...): the same functions as hypatia.fit_pathfinder and
            # hypatia.fit_laplace, which return InferenceData; n does not apply.
            if inf_kwargs:
                raise TypeError(f"pm.fit(method={method!r}): start, start_sigma and inf_kwargs are "
                                "for ADVI; pass initvals= instead")
            if key == "pathfinder":
                from hypatia.pathfinder import fit_pathfinder
                return fit_pathfinder(model=model, random_seed=random_seed, **kwargs)
            from hypatia.laplace import fit_laplace
            return fit_laplace(model=model, random_seed=random_seed, **kwargs)
        if key in _UNSUPPORTED:
            raise NotImplementedError(f"pm.fit(method={method!r}): {_UNSUPPORTED[key]} is not supported "
                                      "by Hypatia; use method='advi' or 'fullrank_advi'")
        if key not in _METHODS:
            raise KeyError(f"pm.fit(method={method!r}): unknown method (Hypatia has "
                           f"{', '.join(repr(m) for m in _METHODS)})")
        inference = _METHODS[key](model=model, random_seed=random_seed, **inf_kwargs)
        return inference.fit(n, **kwargs)
    raise TypeError(f"pm.fit(method=...): expected a method name or an Inference, got {method!r}")


def advi_init(model: Model, init: str, chains: int, n_init: int, seed: int, progressbar: bool,
              initvals=None):
    """PyMC's init="advi+adapt_diag" / "advi" / "advi_map" for pm.sample: mean-field ADVI (from
    the MAP for advi_map) for up to n_init iterations, stopped by PyMC's two convergence checks;
    returns one unconstrained starting point per chain drawn from the approximation, and its
    variances as the initial diagonal inverse metric."""
    from hypatia.callbacks import CheckParametersConvergence

    _log.info(f"Initializing NUTS using {init}...")
    start = None
    if initvals:
        start = initvals if isinstance(initvals, dict) else initvals[0]
    if init == "advi_map":
        from hypatia.tuning import find_MAP

        point = find_MAP(start=start, model=model, progressbar=False, seed=seed)
        start = {rv.name: point[rv.name] for rv in model.free_RVs}
    callbacks = [CheckParametersConvergence(tolerance=1e-2, diff="absolute"),
                 CheckParametersConvergence(tolerance=1e-2, diff="relative")]
    approx = fit(n=int(n_init), method="advi", model=model, random_seed=seed, start=start,
                 callbacks=callbacks, progressbar=progressbar, obj_optimizer=adagrad_window)
    points = approx._sample_unconstrained(chains, seed)
    variances = np.asarray(approx.std.eval()) ** 2
    return [p.tolist() for p in points], variances.tolist()
