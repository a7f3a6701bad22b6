"""PyTensor's ``pytensor.tensor.math``: the elementwise, reduction and product functions."""

from hypatia.tensor.basic import *  # noqa: F401,F403
from hypatia.tensor.basic import abs, all, any, max, min, pow, round, sum  # noqa: F401
from hypatia.tensor.linalg import det, matrix_inverse  # noqa: F401

for _name in ("np", "builtins", "numbers", "annotations", "Any", "Optional", "Sequence"):
    globals().pop(_name, None)
