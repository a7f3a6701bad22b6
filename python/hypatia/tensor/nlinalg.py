"""PyTensor's ``pytensor.tensor.nlinalg`` names."""

from hypatia.tensor.linalg import (  # noqa: F401
    det, diag, extract_diag, inv, kron, matrix_dot, matrix_inverse, norm, slogdet, trace,
)
