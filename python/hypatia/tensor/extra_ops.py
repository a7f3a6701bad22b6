"""PyTensor's ``pytensor.tensor.extra_ops`` names."""

from hypatia.tensor.basic import (  # noqa: F401
    broadcast_arrays, broadcast_to, cumprod, cumsum, diff, repeat, squeeze,
)
