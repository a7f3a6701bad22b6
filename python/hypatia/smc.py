"""``pm.smc``: the SMC kernels by PyMC's names (``pm.sample_smc(kernel=pm.smc.MH)``)."""

from hypatia.sampling import sample_smc


class IMH:
    """Independent Metropolis-Hastings mutations (PyMC's default)."""


class MH:
    """Random-walk Metropolis mutations."""


kernels = type("kernels", (), {"IMH": IMH, "MH": MH})
