"""PyMC's step methods (``pm.NUTS``, ``pm.Metropolis``, ``pm.BinaryGibbsMetropolis``, ...) as
descriptions of the engine's compound steps: each object names its variables and settings, and
``pm.sample(step=...)`` hands them to the C++ sampler, which runs every step of every iteration
without calling back into Python.

Variables no step names get PyMC's defaults: NUTS for the continuous ones,
BinaryGibbsMetropolis for Bernoulli-like ones, CategoricalGibbsMetropolis for Categorical ones
and Metropolis for other discrete ones.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from hypatia.model import Model, modelcontext

__all__ = [
    "NUTS", "HamiltonianMC", "Metropolis", "BinaryGibbsMetropolis", "CategoricalGibbsMetropolis",
    "Slice", "DEMetropolis", "DEMetropolisZ", "CompoundStep", "NormalProposal", "UniformProposal",
    "CauchyProposal", "LaplaceProposal", "PoissonProposal", "MultivariateNormalProposal",
]


def _as_list(vars: Any) -> list:
    if vars is None:
        return []
    return list(vars) if isinstance(vars, (list, tuple, set)) else [vars]


class BlockedStep:
    """What every step method carries to the engine."""

    method: str = ""
    _IGNORED: tuple = ("rng", "mode", "dtype", "blocked")

    def __init__(self, vars: Any = None, model: Optional[Model] = None, tune: bool = True,
                 **kwargs):
        context = modelcontext(model)
        self.model = context.root
        self.vars = [context._full_name(getattr(v, "name", v)) for v in _as_list(vars)]
        self.tune = bool(tune)
        self.settings: dict = {}
        self.proposal = ""
        self.proposal_scale: list = []
        unknown = set(kwargs) - set(self._IGNORED)
        if unknown:
            raise TypeError(f"pm.{type(self).__name__}(): unexpected keyword arguments "
                            f"{', '.join(sorted(unknown))}")

    def _spec(self) -> dict:
        return {"method": self.method, "variables": list(self.vars), "settings": dict(self.settings),
                "proposal": self.proposal, "proposal_scale": [float(s) for s in self.proposal_scale],
                "tune": self.tune}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.vars) or 'all remaining variables'})"


class NUTS(BlockedStep):
    """The No-U-Turn sampler on the step's (continuous) variables; with no ``vars``, on every
    continuous variable no other step names."""

    method = "NUTS"
    _IGNORED = BlockedStep._IGNORED + ("step_scale", "early_max_treedepth", "adapt_step_size",
                                       "gamma", "k", "t0", "Emax", "max_energy_error",
                                       "integrator", "is_cov")

    def __init__(self, vars=None, *, target_accept: float = 0.8, max_treedepth: int = 10,
                 model: Optional[Model] = None, scaling=None, potential=None, **kwargs):
        super().__init__(vars, model, **kwargs)
        if scaling is not None or potential is not None:
            raise NotImplementedError("pm.NUTS(scaling=..., potential=...): Hypatia adapts its own "
                                      "mass matrix; a given scaling or potential is not supported")
        self.target_accept = float(target_accept)
        self.max_treedepth = int(max_treedepth)
        self.settings = {"target_accept": self.target_accept, "max_treedepth": self.max_treedepth}


class HamiltonianMC(BlockedStep):
    """Hamiltonian Monte Carlo with a fixed path length (PyMC's HamiltonianMC)."""

    method = "HamiltonianMC"
    _IGNORED = BlockedStep._IGNORED + ("is_cov", "step_rand")

    def __init__(self, vars=None, path_length: float = 2.0, max_steps: int = 1024, *,
                 target_accept: float = 0.65, step_scale: float = 0.25, gamma: float = 0.05,
                 k: float = 0.75, t0: int = 10, Emax: float = 1000, adapt_step_size: bool = True,
                 model: Optional[Model] = None, scaling=None, potential=None, **kwargs):
        super().__init__(vars, model, **kwargs)
        if scaling is not None or potential is not None:
            raise NotImplementedError("pm.HamiltonianMC(scaling=..., potential=...): Hypatia adapts "
                                      "its own mass matrix; a given scaling or potential is not "
                                      "supported")
        self.settings = {"path_length": float(path_length), "max_steps": float(max_steps),
                         "target_accept": float(target_accept), "step_scale": float(step_scale),
                         "gamma": float(gamma), "k": float(k), "t0": float(t0), "Emax": float(Emax),
                         "adapt_step_size": float(bool(adapt_step_size))}


class Proposal:
    """A Metropolis proposal family with its scale S (PyMC's ``proposal_dist(S)``)."""

    name = ""

    def __init__(self, s: Any):
        self.s = np.asarray(s, dtype=float)


class NormalProposal(Proposal):
    name = "normal"


class UniformProposal(Proposal):
    name = "uniform"


class CauchyProposal(Proposal):
    name = "cauchy"


class LaplaceProposal(Proposal):
    name = "laplace"


class PoissonProposal(Proposal):
    name = "poisson"


class MultivariateNormalProposal(Proposal):
    name = "multivariate_normal"


def _proposal_settings(step_name: str, S: Any, proposal_dist: Any) -> tuple:
    if proposal_dist is None:
        proposal = ""
    elif isinstance(proposal_dist, type) and issubclass(proposal_dist, Proposal):
        proposal = proposal_dist.name
    else:
        raise TypeError(f"pm.{step_name}(proposal_dist=...): expected one of Hypatia's proposal "
                        f"classes (pm.NormalProposal, ...), got {proposal_dist!r}")
    if proposal == "multivariate_normal":
        raise NotImplementedError(f"pm.{step_name}(proposal_dist=MultivariateNormalProposal): "
                                  "Hypatia's Metropolis proposes each coordinate independently; "
                                  "give S as a vector of scales instead")
    scale = [] if S is None else np.ravel(np.asarray(S, dtype=float)).tolist()
    if S is not None and np.ndim(S) > 1:
        raise NotImplementedError(f"pm.{step_name}(S=<matrix>): a covariance proposal is not "
                                  "supported; give S as a vector of per-coordinate scales")
    return proposal, scale


class Metropolis(BlockedStep):
    """Random-walk Metropolis (PyMC's Metropolis). Discrete variables get integer moves; when a
    variable's elements are conditionally independent each is accepted on its own."""

    method = "Metropolis"

    def __init__(self, vars=None, S=None, proposal_dist=None, scaling: float = 1.0,
                 tune: bool = True, tune_interval: int = 100, model: Optional[Model] = None,
                 **kwargs):
        super().__init__(vars, model, tune, **kwargs)
        self.proposal, self.proposal_scale = _proposal_settings("Metropolis", S, proposal_dist)
        self.settings = {"scaling": float(np.mean(scaling)), "tune_interval": float(tune_interval)}


def _check_order(step_name: str, order: Any) -> None:
    if not (isinstance(order, str) and order == "random"):
        raise NotImplementedError(f"pm.{step_name}(order={order!r}): Hypatia sweeps the elements "
                                  "in a random order only (order='random')")


class BinaryGibbsMetropolis(BlockedStep):
    """Metropolized flips of 0/1 variables, element by element (PyMC's BinaryGibbsMetropolis)."""

    method = "BinaryGibbsMetropolis"

    def __init__(self, vars, order: Any = "random", transit_p: float = 0.8,
                 model: Optional[Model] = None, **kwargs):
        super().__init__(vars, model, **kwargs)
        _check_order("BinaryGibbsMetropolis", order)
        self.settings = {"transit_p": float(transit_p)}


class CategoricalGibbsMetropolis(BlockedStep):
    """Metropolized Gibbs updates of finite discrete variables (PyMC's
    CategoricalGibbsMetropolis); ``proposal`` is "uniform" or "proportional"."""

    method = "CategoricalGibbsMetropolis"

    def __init__(self, vars, proposal: str = "uniform", order: Any = "random",
                 model: Optional[Model] = None, **kwargs):
        super().__init__(vars, model, **kwargs)
        _check_order("CategoricalGibbsMetropolis", order)
        if proposal not in ("uniform", "proportional"):
            raise ValueError(f"pm.CategoricalGibbsMetropolis(proposal={proposal!r}): expected "
                             "'uniform' or 'proportional'")
        self.proposal = proposal


class Slice(BlockedStep):
    """Univariate slice sampling, coordinate by coordinate (PyMC's Slice)."""

    method = "Slice"

    def __init__(self, vars=None, w: float = 1.0, tune: bool = True,
                 model: Optional[Model] = None, iter_limit: float = np.inf, **kwargs):
        super().__init__(vars, model, tune, **kwargs)
        self.settings = {"w": float(w)}
        if np.isfinite(iter_limit):
            self.settings["iter_limit"] = float(iter_limit)


_DE_TUNE = {None: "", "scaling": "scaling", "lambda": "lambda"}


class DEMetropolis(BlockedStep):
    """Differential-evolution Metropolis over the population of chains (PyMC's DEMetropolis)."""

    method = "DEMetropolis"

    def __init__(self, vars=None, S=None, proposal_dist=None, lamb: Optional[float] = None,
                 scaling: float = 0.001, tune: Optional[str] = "scaling", tune_interval: int = 100,
                 model: Optional[Model] = None, **kwargs):
        super().__init__(vars, model, **kwargs)
        self._set(S, proposal_dist, lamb, scaling, tune, tune_interval)

    def _set(self, S, proposal_dist, lamb, scaling, tune, tune_interval) -> None:
        name = type(self).__name__
        if tune not in _DE_TUNE:
            raise ValueError(f"pm.{name}(tune={tune!r}): expected None, 'scaling' or 'lambda'")
        self.tune = tune is not None
        self.tune_mode = _DE_TUNE[tune]
        proposal, self.proposal_scale = _proposal_settings(name, S, proposal_dist)
        # The tuned quantity travels as the proposal name; the noise family is uniform as PyMC's.
        self.proposal = self.tune_mode
        if proposal not in ("", "uniform", "normal"):
            raise NotImplementedError(f"pm.{name}(proposal_dist=...): Hypatia's {name} draws its "
                                      "noise from a uniform (or normal) proposal only")
        self.settings = {"scaling": float(np.mean(scaling)), "tune_interval": float(tune_interval)}
        if lamb is not None:
            self.settings["lamb"] = float(lamb)


class DEMetropolisZ(DEMetropolis):
    """Differential-evolution Metropolis from each chain's own past (PyMC's DEMetropolisZ)."""

    method = "DEMetropolisZ"

    def __init__(self, vars=None, S=None, proposal_dist=None, lamb: Optional[float] = None,
                 scaling: float = 0.001, tune: Optional[str] = "scaling", tune_interval: int = 100,
                 tune_drop_fraction: float = 0.9, model: Optional[Model] = None, **kwargs):
        BlockedStep.__init__(self, vars, model, **kwargs)
        self._set(S, proposal_dist, lamb, scaling, tune, tune_interval)
        self.settings["tune_drop_fraction"] = float(tune_drop_fraction)


class CompoundStep:
    """A list of steps run in order each iteration (PyMC's CompoundStep)."""

    def __init__(self, methods):
        self.methods = list(methods)


def step_specs(step: Any) -> list:
    """pm.sample's ``step`` (one step, a list of them, or a CompoundStep) as engine specs."""
    if step is None:
        return []
    if isinstance(step, CompoundStep):
        step = step.methods
    steps = list(step) if isinstance(step, (list, tuple)) else [step]
    specs = []
    for item in steps:
        if isinstance(item, CompoundStep):
            specs.extend(step_specs(item))
        elif isinstance(item, BlockedStep):
            specs.append(item._spec())
        else:
            raise TypeError(f"pm.sample(step=...): expected step methods such as pm.NUTS() or "
                            f"pm.Metropolis(), got {type(item).__name__}")
    return specs
