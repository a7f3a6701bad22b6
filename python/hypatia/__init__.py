"""Hypatia: PyMC's modelling language on a compiled C++ engine.

Replace ``import pymc as pm`` with ``import hypatia as pm``; the model code stays the same. Heavy
libraries (xarray, pandas, ArviZ) are imported only when results are converted.
"""

from __future__ import annotations

__version__ = "0.1.0"

from hypatia import _core
from hypatia._core import HypatiaError, ShapeError
from hypatia.data import ConstantData, Data, MutableData, set_data
from hypatia.distributions import *  # noqa: F401,F403  (every family under PyMC's name)
from hypatia.distributions import distribution as _distribution_module
from hypatia.model import Deterministic, Model, Potential, modelcontext, observe
from hypatia.step_methods import (
    NUTS, BinaryGibbsMetropolis, CategoricalGibbsMetropolis, CauchyProposal, CompoundStep,
    DEMetropolis, DEMetropolisZ, HamiltonianMC, LaplaceProposal, Metropolis,
    MultivariateNormalProposal, NormalProposal, PoissonProposal, Slice, UniformProposal,
)
from hypatia.sampling import (
    compute_log_likelihood, draw, logcdf, logp, sample, sample_posterior_predictive,
    sample_prior_predictive, sample_smc,
)

from hypatia.distributions.custom import CustomDist, DensityDist
from hypatia.distributions.simulator import Simulator
from hypatia.distributions.multivariate import expand_packed_triangular
from hypatia.pytensorf import floatX, intX
from hypatia.tuning import find_MAP
from hypatia.laplace import fit_laplace
from hypatia.minibatch import Minibatch
from hypatia.variational import (
    ADVI, ASVGD, SVGD, Empirical, FullRank, FullRankADVI, ImplicitGradient, KLqp, MeanField,
    adadelta, adagrad, adagrad_window, adam, adamax, fit, momentum, nesterov_momentum, rmsprop,
    sample_approx, sgd,
)
from hypatia.pathfinder import fit_pathfinder
from hypatia.marginal import marginalize, recover_marginals

_LAZY = {
    "math": "hypatia.math",
    "tensor": "hypatia.tensor",
    "pytensor": "hypatia.pytensor",
    "stats": "hypatia.stats",
    "ode": "hypatia.ode",
    "gp": "hypatia.gp",
    "pytensorf": "hypatia.pytensorf",
    "smc": "hypatia.smc",
    "callbacks": "hypatia.callbacks",
    "variational": "hypatia.variational",
    "summary": ("hypatia.stats", "summary"),
    "model_to_graphviz": ("hypatia.model_graph", "model_to_graphviz"),
    "model_graph": "hypatia.model_graph",
    "InferenceData": ("hypatia.inference_data", "InferenceData"),
    "to_inference_data": ("hypatia.sampling", "to_inference_data"),
}


def __getattr__(name: str):
    import importlib

    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'hypatia' has no attribute {name!r} "
                             "(not part of Hypatia's PyMC-compatible API yet)")
    if isinstance(target, tuple):
        return getattr(importlib.import_module(target[0]), target[1])
    return importlib.import_module(target)
