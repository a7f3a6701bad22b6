"""``pm.ode.DifferentialEquation``: an ODE solution as a graph op.

``func(y, t, p)`` is written in ``hypatia.tensor`` operations; it is called once to build the
right-hand side's graph, which is compiled with the model (no Python runs while sampling).

``method`` picks the solver, with scipy's ``solve_ivp`` names: ``"RK45"`` (the default; adaptive
Dormand–Prince) or ``"BDF"`` (SUNDIALS CVODES, for stiff systems), both with forward
sensitivities. PyMC's ``DifferentialEquation`` has no such argument (it always uses
``scipy.integrate.odeint``); ``method``, ``rtol``, ``atol`` and ``max_num_steps`` are Hypatia's.
``sensitivity`` (Hypatia's too) picks how gradients are computed: ``"forward"`` (the default)
solves the sensitivities dy/d(y0, theta) alongside the states, which suits few parameters;
``"adjoint"`` (with ``method="BDF"`` only) uses CVODES' adjoint method, a checkpointed forward
solve and one backward solve of n_states + n_theta equations, which suits many parameters and few
states. Both give the same gradient to within the solver tolerances.

A solver failure while sampling (too many steps, a step size that underflows, non-finite values)
makes the solution NaN, so the proposal is rejected.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from hypatia import _core
from hypatia.tensor.variable import TensorVariable, as_tensor_variable


_METHODS = {"RK45": "rk45", "BDF": "bdf"}
_SENSITIVITIES = ("forward", "adjoint")


class DifferentialEquation:
    def __init__(self, func: Callable, times: Sequence[float], *, n_states: int, n_theta: int,
                 t0: float = 0.0, rtol: float = 1e-6, atol: float = 1e-6,
                 max_num_steps: int = 1_000_000, method: str = "RK45",
                 sensitivity: str = "forward"):
        self.func = func
        if not isinstance(method, str) or method.upper() not in _METHODS:
            raise ValueError(f"DifferentialEquation: method must be one of {sorted(_METHODS)}, "
                             f"not {method!r}")
        self.method = method.upper()
        if sensitivity not in _SENSITIVITIES:
            raise ValueError(f"DifferentialEquation: sensitivity must be one of {_SENSITIVITIES}, "
                             f"not {sensitivity!r}")
        if sensitivity == "adjoint" and self.method != "BDF":
            raise ValueError("DifferentialEquation: sensitivity='adjoint' needs method='BDF' "
                             f"(CVODES' adjoint method), not {method!r}")
        self.sensitivity = sensitivity
        self.times = np.asarray(times, dtype=float)
        self.n_states, self.n_theta, self.t0 = int(n_states), int(n_theta), float(t0)
        self.options = (rtol, atol, int(max_num_steps))
        if self.times.ndim != 1 or np.any(np.diff(self.times) < 0) or (self.times.size and self.times[0] < self.t0):
            raise ValueError("DifferentialEquation: times must be a non-decreasing vector, none before t0")

    def _rhs(self, t, y, theta):
        states = [TensorVariable(_core.slice(y, [k])) for k in range(self.n_states)]
        params = [TensorVariable(_core.slice(theta, [k])) for k in range(self.n_theta)]
        result = self.func(states, TensorVariable(t), params)
        if isinstance(result, (list, tuple)):
            from hypatia.tensor import basic

            result = basic.stack([as_tensor_variable(r) for r in result])
        result = as_tensor_variable(result)
        if tuple(result.node.shape) != (self.n_states,):
            raise ValueError(f"DifferentialEquation: func returned shape {result.node.shape}, "
                             f"expected ({self.n_states},) (one derivative per state)")
        return _core.cast(result.node, "float64")

    def __call__(self, y0: Any, theta: Any = (), return_sens: bool = False) -> TensorVariable:
        if return_sens:
            raise NotImplementedError("DifferentialEquation(return_sens=True) is not supported by Hypatia")
        y0_node = _core.cast(_vector(y0, self.n_states, "y0"), "float64")
        theta_node = _core.cast(_vector(theta, self.n_theta, "theta"), "float64")
        solution = _core.ode_solve(self._rhs, y0_node, _core.float_scalar(self.t0),
                                   _core.constant(self.times), theta_node, *self.options,
                                   method=_METHODS[self.method], sensitivity=self.sensitivity)
        return TensorVariable(solution)


def _vector(values: Any, length: int, what: str):
    if isinstance(values, (list, tuple)) and any(isinstance(v, TensorVariable) for v in values):
        from hypatia.tensor import basic

        node = basic.stack([as_tensor_variable(v) for v in values]).node
    else:
        node = as_tensor_variable(values if not isinstance(values, (list, tuple)) or values else
                                  np.zeros(0)).node
    if tuple(node.shape) != (length,):
        raise ValueError(f"DifferentialEquation: {what} has shape {node.shape}, expected ({length},)")
    return node
