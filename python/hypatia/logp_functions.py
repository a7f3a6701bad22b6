"""PyMC's log-density functions of a model with all their arguments: ``model.logp(vars, jacobian,
sum)``, ``compile_logp``, ``compile_dlogp`` and the ``varlogp``-style properties.

The engine builds every variable's elementwise terms (``Model::elementwise_log_density``) in two
forms:

* ``model.logp()`` returns graphs of the model's variables (the constrained values model code
  sees) and data. They combine with other graphs, and ``model.compile_fn`` evaluates them at a
  point of value variables. A transformed free variable's log-Jacobian is taken at its
  transform's unconstrain of the variable, which at a point is that point's value variable.
* ``compile_logp`` and ``compile_dlogp`` with other than their default arguments compile graphs
  of the flat unconstrained vector instead, whose gradient is the gradient over the value
  variables. (With the default arguments the model's compiled log density serves.)
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from hypatia import _core
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorVariable


# ---------------------------------------------------------------- which terms
def _as_list(vars: Any) -> list:
    return list(vars) if isinstance(vars, (list, tuple)) else [vars]


def _variable_name(model, item: Any, argument: str) -> str:
    """The model variable `item` stands for: the variable, its name or its value variable's name."""
    if isinstance(item, str):
        by_value_name = {b["value_name"]: b["name"] for b in model._blocks()}
        name = by_value_name.get(item, item)
        if name not in model.named_vars:
            known = ", ".join(v.name for v in model.basic_RVs + model.potentials) or "none"
            raise ValueError(f"{argument}: the model has no variable {item!r} "
                             f"(its random variables and potentials: {known})")
        return name
    if isinstance(item, TensorVariable):
        if item.name is not None and model.named_vars.get(item.name) is item:
            return item.name
        raise ValueError(f"{argument}: {item!r} is not a variable of this model")
    raise TypeError(f"{argument}: expected model variables or their names, got {type(item).__name__}")


def _term_names(model, vars: Any, argument: str) -> list:
    """The names of the variables whose terms model.logp(vars=...) returns, in PyMC's order."""
    if vars is None:
        return [v.name for v in model.free_RVs + model.observed_RVs + model.potentials]
    names = []
    for item in _as_list(vars):
        name = _variable_name(model, item, argument)
        if model.named_vars[name] not in model.basic_RVs + model.potentials:
            raise ValueError(f"{argument}: {name!r} is a deterministic or data variable of the "
                             "model, which has no log density term; give random variables or "
                             "potentials")
        names.append(name)
    return names


def _likelihood_scale(model, name: str) -> float:
    """The factor that scales an observed minibatch to the full data set (total_size=)."""
    if name not in model.rvs_to_total_sizes:
        return 1.0
    from hypatia.distributions.register import _total_size_factor

    shape = next(v["shape"] for v in model._cpp.variables() if v["name"] == name)
    return _total_size_factor(name, model.rvs_to_total_sizes[name], tuple(shape))


def _factor(model, name: str, term: dict, jacobian: bool) -> TensorVariable:
    """One variable's elementwise log density as PyMC's model.logp(sum=False) gives it."""
    factor = TensorVariable(term["logp"])
    if jacobian and term["log_jacobian"] is not None:
        factor = factor + TensorVariable(term["log_jacobian"])
    scale = _likelihood_scale(model, name)
    return factor if scale == 1.0 else factor * scale


def _factors(model, terms: list, names: list, jacobian: bool) -> list:
    by_name = {term["name"]: term for term in terms}
    return [_factor(model, name, by_name[name], jacobian) for name in names]


def _total(factors: list) -> TensorVariable:
    total = basic.as_tensor_variable(np.float64(0.0))
    for factor in factors:
        total = total + basic.sum(factor)
    return total


# ---------------------------------------------------------------- graphs of model variables
def logp(model, vars: Any = None, jacobian: bool = True, sum: bool = True):
    """PyMC's ``model.logp``: the joint log density of the chosen variables (default: all random
    variables and potentials) as a graph of the model's variables, or with ``sum=False`` a list
    of each variable's elementwise log density."""
    model.sync_data()
    names = _term_names(model, vars, "model.logp(vars=...)")
    factors = _factors(model, model._cpp.elementwise_log_density(), names, jacobian)
    if not sum:
        return factors
    total = _total(factors)
    total.name = "__logp" if jacobian else "__logp_nojac"
    return total


# ---------------------------------------------------------------- compiled functions of a point
class _FlatFunction:
    """Graphs of the model's flat unconstrained vector and its data, compiled when first called
    and again after the model was rebuilt (pm.set_data with new shapes); data values are read at
    each call, so pm.set_data of same-shaped values needs no recompiling."""

    def __init__(self, model, build_outputs: Callable[[dict], list], backend: str = "interp"):
        self._model = model
        self._build_outputs = build_outputs
        self._backend = backend
        self._compiled_for = None
        self._function = None
        self._data_names: list = []

    def __call__(self, point: dict) -> list:
        model = self._model
        model.sync_data()
        if self._compiled_for is not model._cpp:
            graph = model._cpp.log_density()
            self._function = _core.Function([graph["x"], *graph["data_inputs"]],
                                            self._build_outputs(graph), self._backend)
            self._data_names = [v["name"] for v in model._cpp.variables() if v["role"] == "data"]
            self._compiled_for = model._cpp
        x = model._flat_point(point)
        data = [model._cpp.data_value(name) for name in self._data_names]
        return self._function([x, *data])


def compile_logp(model, vars: Any = None, jacobian: bool = True, sum: bool = True):
    """PyMC's ``model.compile_logp``: a function of a point (value-variable names) returning the
    log density of the chosen variables (a float), or with ``sum=False`` a list of arrays."""
    names = _term_names(model, vars, "compile_logp(vars=...)")

    def outputs(graph: dict) -> list:
        terms = model._cpp.elementwise_log_density(graph["x"])
        factors = _factors(model, terms, names, jacobian)
        return [_total(factors).node] if sum else [factor.node for factor in factors]

    function = _FlatFunction(model, outputs)

    def log_density(point: dict):
        values = function(point)
        return float(values[0]) if sum else [np.asarray(value) for value in values]

    return log_density


def _gradient_indices(model, vars: Any) -> Optional[np.ndarray]:
    """Positions in the flat vector of the chosen free variables' value variables, in the order
    given; None for all of them."""
    if vars is None:
        return None
    blocks = {b["name"]: b for b in model._blocks()}
    indices = []
    for item in _as_list(vars):
        name = _variable_name(model, item, "compile_dlogp(vars=...)")
        if name not in blocks:
            free = ", ".join(blocks) or "none"
            raise ValueError(f"compile_dlogp(vars=...): {name!r} is not a free random variable; the "
                             f"gradient is taken over the free variables' values (free: {free})")
        block = blocks[name]
        indices.append(np.arange(block["offset"], block["offset"] + block["size"]))
    return np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)


def _flat_cost(model, graph: dict, jacobian: bool):
    """The joint log density as a graph of the flat vector: every term of the engine's model,
    hidden ones (total_size scaling) included."""
    if jacobian:
        return graph["logp"]
    terms = model._cpp.elementwise_log_density(graph["x"])
    return _total([TensorVariable(term["logp"]) for term in terms]).node


def dlogp(model, vars: Any = None, jacobian: bool = True) -> TensorVariable:
    """PyMC's ``model.dlogp``: the gradient of the joint log density over the chosen free
    variables' value variables, concatenated, as a graph of the model's variables (the gradient
    over the flat vector, at the flat vector the variables' unconstrain gives)."""
    model.sync_data()
    indices = _gradient_indices(model, vars)
    graph = model._cpp.log_density()
    gradient = _core.grad(_flat_cost(model, graph, jacobian), [graph["x"]])[0]
    if indices is not None:
        gradient = _core.gather(gradient, _core.constant(indices.astype(np.int64)), 0)
    return TensorVariable(
        _core.substitute([gradient], [(graph["x"], model._cpp.unconstrained_vector())])[0])


def compile_dlogp(model, vars: Any = None, jacobian: bool = True):
    """PyMC's ``model.compile_dlogp``: a function of a point returning the gradient of the joint
    log density over the chosen free variables' value variables (default: all), concatenated in
    the order given."""
    indices = _gradient_indices(model, vars)
    if jacobian:
        def full_gradient(point: dict) -> np.ndarray:
            return np.asarray(model.compiled().logp_grad(model._flat_point(point))[1])
    else:
        function = _FlatFunction(
            model, lambda graph: list(_core.grad(_flat_cost(model, graph, False), [graph["x"]])))

        def full_gradient(point: dict) -> np.ndarray:
            return np.asarray(function(point)[0], dtype=float)

    def gradient(point: dict) -> np.ndarray:
        values = full_gradient(point)
        return values if indices is None else values[indices]

    return gradient
