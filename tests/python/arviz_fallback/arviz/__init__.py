"""A stand-in for ArviZ when it is not installed (Debian has no package for it), used only by
tests/python/test_scripts.py: the scripts there are PyMC programs that call az.summary, az.loo,
az.compare and az.extract, and on such a machine those calls reach Hypatia's own implementations
(each tested against R's posterior and loo packages). Nothing else is provided, so a script that
needs more of ArviZ fails with an AttributeError naming it."""

from hypatia.inference_data import InferenceData, from_netcdf  # noqa: F401
from hypatia.model_comparison import ELPDData, compare, loo, waic  # noqa: F401
from hypatia.stats import ess, extract, hdi, mcse, rhat, summary  # noqa: F401

__version__ = "0+hypatia-fallback"
