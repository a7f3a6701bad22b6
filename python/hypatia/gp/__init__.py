"""``pm.gp``: Gaussian processes under PyMC's names (covariance and mean functions, Latent,
Marginal, MarginalApprox, TP, HSGP, HSGPPeriodic). Covariance matrices are built by the C++ engine's
``gp`` builders, so GP models compile to one native function like any other model."""

from hypatia.gp import cov, mean, util
from hypatia.gp.gp import TP, Latent, Marginal, MarginalApprox
from hypatia.gp.hsgp_approx import HSGP, HSGPPeriodic

__all__ = ["cov", "mean", "util", "Latent", "Marginal", "MarginalApprox", "TP", "HSGP", "HSGPPeriodic"]
