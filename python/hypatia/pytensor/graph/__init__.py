"""``pytensor.graph``: user Ops (``Op`` with ``make_node``/``perform``, optionally ``grad`` or
``L_op``) and ``Apply``, as PyMC users write them around numpy, scipy or numba code.

An Op's ``perform`` runs as a black-box node of the C++ graph: compiled code calls back into
Python for it (holding the GIL only for the call) and runs everything else as generated code.
"""

from __future__ import annotations

from hypatia.pytensor.graph.op import Apply, Op, Variable  # noqa: F401
from hypatia.pytensor.graph import basic, op  # noqa: F401


def node_rewriter(*args, **kwargs):
    raise NotImplementedError("graph rewrites are Hypatia's own (C++); pytensor rewriters are not supported")
