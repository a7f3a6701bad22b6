"""Distribution families under PyMC's names (``pm.Normal``, ``pm.Mixture``, ...)."""

from hypatia.distributions import transforms
from hypatia.distributions.bound import Censored, Truncated
from hypatia.distributions.custom import CustomDist, DensityDist
from hypatia.distributions.simulator import Simulator
from hypatia.distributions.continuous import (
    Beta, Cauchy, ChiSquared, ExGaussian, Exponential, Flat, Gamma, Gumbel, HalfCauchy, HalfFlat,
    HalfNormal, HalfStudentT, InverseGamma, Kumaraswamy, Laplace, Logistic, LogNormal, Lognormal,
    Normal, Pareto, SkewNormal, StudentT, TruncatedNormal, Uniform, VonMises, Wald, Weibull,
    AsymmetricLaplace, HurdleGamma, HurdleLogNormal, LogitNormal, Moyal, Rice, SkewStudentT,
    Triangular, Interpolated, PolyaGamma,
)
from hypatia.distributions.discrete import (
    Bernoulli, BetaBinomial, Binomial, Categorical, DiscreteUniform, Geometric, NegativeBinomial,
    OrderedLogistic, OrderedProbit, Poisson, ZeroInflatedBinomial, ZeroInflatedNegativeBinomial,
    ZeroInflatedPoisson, DiracDelta, DiscreteWeibull, HurdleNegativeBinomial, HurdlePoisson,
    HyperGeometric, OrderedMultinomial,
)
from hypatia.distributions.distribution import Distribution, DistributionVariable
from hypatia.distributions.mixture import Mixture, NormalMixture
from hypatia.distributions.multivariate import (
    Dirichlet, LKJCholeskyCov, LKJCorr, Multinomial, MvNormal, MvStudentT, ZeroSumNormal,
    expand_packed_triangular, CAR, ICAR, DirichletMultinomial, MatrixNormal, StickBreakingWeights,
    KroneckerNormal,
)
from hypatia.distributions.timeseries import (
    AR, GARCH11, GaussianRandomWalk, MvGaussianRandomWalk, MvStudentTRandomWalk,
)
