"""``pytensor.graph`` placeholders: black-box Python ops are not supported yet.

Hypatia compiles whole graphs to C++, so an ``Op`` whose ``perform`` is Python code needs a
callback node in the engine. That is a later issue ("black-box Python Ops (pytensor.graph.Op)");
until then defining one fails here, clearly, instead of deep inside sampling.
"""

from __future__ import annotations

_LATER = ("custom Python Ops (pytensor.graph.Op with perform/grad) are not supported yet: "
          "black-box ops are a later Hypatia issue; write the computation with hypatia.tensor "
          "functions instead")


class Op:
    """Subclassing works (so scripts import); making or calling an instance raises."""

    def make_node(self, *inputs):
        raise NotImplementedError(_LATER)

    def __call__(self, *inputs, **kwargs):
        raise NotImplementedError(_LATER)


class Apply:
    def __init__(self, op=None, inputs=None, outputs=None):
        raise NotImplementedError(_LATER)


def node_rewriter(*args, **kwargs):
    raise NotImplementedError("graph rewrites are Hypatia's own (C++); pytensor rewriters are not supported")
