"""PyTensor's ``pytensor.tensor.slinalg`` names."""

from hypatia.tensor.linalg import (  # noqa: F401
    block_diag, cho_solve, cholesky, kron, solve, solve_triangular,
)
