"""``pm.callbacks``: PyMC's callbacks for ``pm.fit(callbacks=[...])``, each called as
``callback(approx, losses, i)``. Hypatia calls a callback with an ``every`` attribute only at
iterations it acts on (multiples of ``every``, and i = 1), others after every iteration."""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

__all__ = ["Callback", "CheckParametersConvergence", "Tracker"]


class Callback:
    def __call__(self, approx, loss, i):
        raise NotImplementedError


def relative(current: np.ndarray, prev: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return (np.abs(current - prev) + eps) / (np.abs(prev) + eps)


def absolute(current: np.ndarray, prev: np.ndarray) -> np.ndarray:
    return np.abs(current - prev)


_DIFFS = {"relative": relative, "absolute": absolute}


class CheckParametersConvergence(Callback):
    """Stops the fit (StopIteration) when the parameters moved less than ``tolerance`` (in the
    ``ord`` norm of the ``diff`` change) over the last ``every`` iterations."""

    def __init__(self, every: int = 100, tolerance: float = 1e-3, diff: str = "relative",
                 ord: Any = np.inf):
        if diff not in _DIFFS:
            raise ValueError(f"CheckParametersConvergence(diff={diff!r}): expected 'relative' or 'absolute'")
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"CheckParametersConvergence(every={every!r}): need a positive integer")
        self._diff = _DIFFS[diff]
        self.ord = ord
        self.every = int(every)
        self.prev = None
        self.tolerance = float(tolerance)

    def __call__(self, approx, _, i) -> None:
        if self.prev is None:
            self.prev = self.flatten_shared(approx.params)
            return
        if i % self.every or i < self.every:
            return
        current = self.flatten_shared(approx.params)
        prev = self.prev
        delta = self._diff(current, prev)
        self.prev = current
        norm = np.linalg.norm(delta, self.ord)
        if norm < self.tolerance:
            raise StopIteration(f"Convergence achieved at {i}")

    @staticmethod
    def flatten_shared(shared_list) -> np.ndarray:
        return np.concatenate([np.asarray(sh.get_value()).flatten() for sh in shared_list])


class Tracker(Callback):
    """Records ``fn()`` of each keyword's callable after every iteration in ``hist[key]`` (a
    callable taking arguments gets ``(approx, losses, i)``)."""

    def __init__(self, **kwargs):
        self.whatchdict = kwargs
        self.hist = collections.defaultdict(list)

    def record(self, approx, hist, i) -> None:
        import inspect

        for key, fn in self.whatchdict.items():
            try:
                takes_arguments = bool(inspect.signature(fn).parameters)
            except (TypeError, ValueError):
                takes_arguments = False
            self.hist[key].append(fn(approx, hist, i) if takes_arguments else fn())

    __call__ = record

    def clear(self) -> None:
        self.hist = collections.defaultdict(list)

    def __getitem__(self, item):
        return self.hist[item]
