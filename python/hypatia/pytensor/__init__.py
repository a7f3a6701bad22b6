"""``from hypatia import pytensor``: the parts of PyTensor's top level PyMC scripts use.

``config``, ``shared``, ``scan``/``map``, ``function``, ``grad`` and ``tensor`` (hypatia.tensor).
"""

from __future__ import annotations

import itertools
import weakref
from collections import OrderedDict
from typing import Any, Callable, Optional, Sequence

import numpy as np


class _Config:
    """PyTensor's ``config``: only floatX changes what Hypatia builds; other flags are kept."""

    def __init__(self):
        self.floatX = "float64"
        self.mode = "FAST_RUN"
        self.compute_test_value = "off"

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "floatX" and value not in ("float64", "float32"):
            raise ValueError(f"config.floatX must be 'float64' or 'float32', got {value!r}")
        object.__setattr__(self, name, value)

    def change_flags(self, **flags):
        return _ChangedFlags(self, flags)


class _ChangedFlags:
    def __init__(self, config: _Config, flags: dict):
        self._config, self._flags, self._old = config, flags, {}

    def __enter__(self):
        for name, value in self._flags.items():
            self._old[name] = getattr(self._config, name, None)
            setattr(self._config, name, value)

    def __exit__(self, *exc):
        for name, value in self._old.items():
            setattr(self._config, name, value)


config = _Config()

# hypatia.tensor reads config lazily, so importing it after config exists is safe.
from hypatia import _core  # noqa: E402
from hypatia import tensor  # noqa: E402
from hypatia.pytensor import graph  # noqa: E402,F401
from hypatia.tensor import basic  # noqa: E402
from hypatia.tensor.variable import TensorConstant, TensorVariable  # noqa: E402

Variable = TensorVariable


# ---------------------------------------------------------------- shared variables
class SharedVariable(TensorConstant):
    """PyTensor's shared variable: a constant whose value can be replaced.

    ``set_value`` builds a new constant node: graphs built afterwards, functions compiled by
    ``pytensor.function`` (which feed the current value at each call) and every model (rebuilt
    over the new node, new shapes included) see the new value; other graphs built before it keep
    the old node. Constants are hash-consed, so a model constant equal in value and type to the
    old value is replaced too.
    """

    def __init__(self, value: Any, name: Optional[str] = None, borrow: bool = False):
        super().__init__(_core.constant(self._checked(value)), name)
        self._value = np.array(self.node.constant_value())
        _SHARED.add(self)

    @staticmethod
    def _checked(value: Any) -> np.ndarray:
        array = np.asarray(value)
        basic.dtype_name(array.dtype)  # TypeError for strings, objects, complex
        return array

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> np.ndarray:
        return self._value if borrow else self._value.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        array = self._checked(value)
        old_dtype = self.dtype
        array = array.astype(self._value.dtype) if np.can_cast(array.dtype, self._value.dtype, "same_kind") \
            else array
        node = _core.constant(array)
        if node.dtype != old_dtype:
            raise TypeError(f"set_value: {self.name or 'shared variable'} has dtype {old_dtype}, "
                            f"got a value of dtype {array.dtype}")
        old = self.node
        self.node = node
        self._value = np.array(array)
        # Models built over the old value now use the new one, as PyMC's shared data does.
        from hypatia.model import replace_node_in_models

        replace_node_in_models(old, node)

    @property
    def value(self) -> np.ndarray:
        return self.get_value()


_SHARED: "weakref.WeakSet[SharedVariable]" = weakref.WeakSet()


def shared(value: Any, name: Optional[str] = None, strict: bool = False, allow_downcast=None,
           borrow: bool = False, shape=None, **kwargs) -> SharedVariable:
    return SharedVariable(value, name, borrow)


# ---------------------------------------------------------------- gradients
def grad(cost, wrt, consider_constant=None, disconnected_inputs: str = "raise", **kwargs):
    """d cost / d wrt for a scalar `cost`; `wrt` a variable or a list of them (same form back)."""
    cost = basic.as_tensor(cost)
    if cost.ndim != 0:
        raise TypeError(f"grad: the cost must be a scalar, got {cost.ndim} dimensions")
    single = not isinstance(wrt, (list, tuple))
    wrts = [basic.as_tensor(w) for w in ([wrt] if single else wrt)]
    grads = [basic.wrap(g) for g in _core.grad(cost.node, [w.node for w in wrts])]
    return grads[0] if single else grads


def jacobian(expression, wrt):
    """The Jacobian of a vector expression, one gradient per element (sizes known at build time)."""
    expression = basic.as_tensor(expression)
    n = expression.node.shape[0]
    rows = [grad(expression[i], wrt) for i in range(n)]
    if isinstance(wrt, (list, tuple)):
        return [basic.stack([row[k] for row in rows]) for k in range(len(wrt))]
    return basic.stack(rows)


def hessian(cost, wrt):
    if isinstance(wrt, (list, tuple)):
        return [jacobian(grad(cost, w), w) for w in wrt]
    return jacobian(grad(cost, wrt), wrt)


# ---------------------------------------------------------------- scan
class _Taps:
    """One recurrent output: its initial window (taps[0] < 0) and the taps fn sees."""

    def __init__(self, info: Any):
        if isinstance(info, dict):
            self.initial = basic.as_tensor(info["initial"]) if info.get("initial") is not None else None
            taps = info.get("taps", [-1] if self.initial is not None else None)
        else:
            self.initial, taps = basic.as_tensor(info), [-1]
        self.taps = [int(t) for t in taps] if taps is not None and self.initial is not None else []
        if any(t >= 0 for t in self.taps):
            raise ValueError(f"scan: output taps must be negative, got {self.taps}")
        self.depth = -min(self.taps) if self.taps else 0


def _sequence_slices(sequences: list) -> tuple[list, list]:
    """Each sequence (or dict(input, taps)) as one aligned sequence per tap."""
    aligned, counts = [], []
    for seq in sequences:
        seq, taps = (seq["input"], seq.get("taps", [0])) if isinstance(seq, dict) else (seq, [0])
        seq = basic.as_tensor(seq)
        taps = [int(t) for t in ([taps] if isinstance(taps, int) else taps)]
        low, high = min(taps + [0]), max(taps + [0])
        length = seq.node.shape[0]
        if length is None and (low or high):
            raise ValueError("scan: sequence taps need the sequence length known when the graph is built")
        steps = None if length is None else length - (high - low)
        for tap in taps:
            start = tap - low
            aligned.append(seq[start:start + steps] if (low or high) else seq)
        counts.append(len(taps))
    return aligned, counts


def _fn_outputs(returned: Any) -> list:
    """fn's return value without the updates dict (PyTensor allows either order)."""
    if isinstance(returned, dict):
        return []
    if isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[1], (dict, OrderedDict)):
        returned = returned[0]
    elif isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[0], (dict, OrderedDict)):
        returned = returned[1]
    return list(returned) if isinstance(returned, (list, tuple)) else [returned]


def scan(fn: Callable, sequences=None, outputs_info=None, non_sequences=None, n_steps=None,
         truncate_gradient: int = -1, go_backwards: bool = False, mode=None, name=None,
         profile=False, allow_gc=None, strict: bool = False, return_list: bool = False,
         return_updates: bool = True):
    """PyTensor's scan over Hypatia's scan op: fn(*sequence slices, *previous outputs,
    *non_sequences) -> outputs; returns (stacked outputs, updates)."""
    seqs = [sequences] if sequences is not None and not isinstance(sequences, (list, tuple)) else list(sequences or [])
    non_seqs = [non_sequences] if non_sequences is not None and not isinstance(non_sequences, (list, tuple)) \
        else list(non_sequences or [])
    infos = outputs_info if isinstance(outputs_info, (list, tuple)) else (
        [] if outputs_info is None else [outputs_info])
    slots = [None if info is None or (isinstance(info, dict) and not info) else _Taps(info) for info in infos]
    aligned, _ = _sequence_slices(seqs)
    if go_backwards:
        aligned = [s[::-1] for s in aligned]
    recurrent = [slot for slot in slots if slot is not None and slot.taps]
    windows = [_initial_window(slot) for slot in recurrent]
    steps = None if n_steps is None else int(basic._static_ints(n_steps, "scan's n_steps")[0])
    if steps is not None:  # PyTensor runs n_steps steps over the first elements of the sequences
        aligned = [s[:steps] for s in aligned]
    from hypatia.distributions import generative

    if generative.active() is not None:  # inside a CustomDist's dist function
        traced = generative.traced_scan(fn, aligned, slots, non_seqs, steps, generative.active().name)
        if traced is not None:
            result = [traced] if return_list else traced
            return (result, OrderedDict()) if return_updates else result
    n_outputs = []

    def body(slices, carries):
        seq_args = [basic.wrap(s) for s in slices]
        past = []
        for slot, window in zip(recurrent, carries):
            past.extend(_window_tap(basic.wrap(window), slot, tap) for tap in slot.taps)
        outs = [basic.as_tensor(o) for o in _fn_outputs(fn(*seq_args, *past, *non_seqs))]
        n_outputs.append(len(outs))
        if infos and len(outs) != len(slots):
            raise ValueError(f"scan: fn returned {len(outs)} outputs but outputs_info has {len(slots)} entries")
        fed = [o for o, slot in zip(outs, slots) if slot is not None and slot.taps]
        new_windows = [_advance(basic.wrap(w), o, slot) for w, o, slot in zip(carries, fed, recurrent)]
        return [w.node for w in new_windows], [o.node for o in outs]

    _, stacked, _ = _core.scan(body, [s.node for s in aligned], [w.node for w in windows], steps, False)
    outputs = [basic.wrap(o) for o in stacked]
    result = outputs if (return_list or len(outputs) != 1) else outputs[0]
    return (result, OrderedDict()) if return_updates else result


def _initial_window(slot: _Taps) -> TensorVariable:
    """The carry of a recurrent output: its last `depth` values, oldest first."""
    initial = slot.initial
    if slot.taps == [-1]:
        return initial
    return initial[-slot.depth:]


def _window_tap(window: TensorVariable, slot: _Taps, tap: int) -> TensorVariable:
    return window if slot.taps == [-1] else window[slot.depth + tap]


def _advance(window: TensorVariable, output: TensorVariable, slot: _Taps) -> TensorVariable:
    output = _fit_carry(output, window if slot.taps == [-1] else window[0])
    if slot.taps == [-1]:
        return output
    return basic.concatenate([window[1:], basic.expand_dims(output, 0)], axis=0)


def _fit_carry(output: TensorVariable, like: TensorVariable) -> TensorVariable:
    """The step's output in the carry's dtype when that loses nothing (an int initial value with
    float steps is an error, as PyTensor's)."""
    if output.dtype == like.dtype:
        return output
    if np.can_cast(output.dtype, like.dtype, "safe") or output.node.is_constant:
        return basic.cast(output, like.dtype)
    raise TypeError(f"scan: a step returns {output.dtype} but its initial value (outputs_info) is "
                    f"{like.dtype}; give the initial value the output's dtype")


def map(fn: Callable, sequences, non_sequences=None, truncate_gradient=-1, go_backwards=False,
        mode=None, name=None, return_updates: bool = True):
    return scan(fn, sequences=sequences, outputs_info=None, non_sequences=non_sequences,
                go_backwards=go_backwards, return_updates=return_updates)


# ---------------------------------------------------------------- functions
_SHARED_INPUTS = itertools.count()


class Function:
    """A compiled function of symbolic inputs (``pytensor.function``).

    Shared variables in the graph become inputs fed with their current values at each call, and
    ``updates`` ({shared: expression}) are applied after it, as in PyTensor.
    """

    def __init__(self, inputs: Sequence, outputs, updates=None, givens=None, backend: str = "interp"):
        self.single = not isinstance(outputs, (list, tuple))
        outs = [basic.as_tensor(o) for o in ([outputs] if self.single else outputs)]
        self.updates = list((updates or {}).items()) if not isinstance(updates, list) else list(updates or [])
        nodes = [o.node for o in outs] + [basic.as_tensor(e).node for _, e in self.updates]
        if givens:
            pairs = givens.items() if isinstance(givens, dict) else givens
            nodes = list(_core.substitute(nodes, [(basic.as_tensor(a).node, basic.as_tensor(b).node)
                                                  for a, b in pairs]))
        self.inputs = [basic.as_tensor(i) for i in inputs]
        self.shared, nodes = self._shared_as_inputs(nodes)
        placeholders = [i.node for i in self.inputs] + [p for _, p in self.shared]
        self.n_outputs = len(outs)
        self._function = _core.Function(placeholders, nodes, backend)

    @staticmethod
    def _shared_as_inputs(nodes: list):
        in_graph = _graph_node_ids(nodes)
        pairs = []
        for variable in list(_SHARED):
            if variable.node.id in in_graph:
                dims = [-1 if d is None else d for d in variable.node.shape]
                placeholder = _core.placeholder(f"_shared{next(_SHARED_INPUTS)}", variable.dtype, dims)
                pairs.append((variable, placeholder))
        if pairs:
            nodes = list(_core.substitute(nodes, [(v.node, p) for v, p in pairs]))
        return pairs, nodes

    def __call__(self, *values):
        if len(values) != len(self.inputs):
            raise TypeError(f"function takes {len(self.inputs)} inputs, got {len(values)}")
        # Values take their input's dtype (PyTensor's allow_input_downcast), so Python floats
        # feed float32 inputs.
        arrays = [np.asarray(v, dtype=_numpy_dtype(i.dtype)) for v, i in zip(values, self.inputs)]
        arrays += [v.get_value(borrow=True) for v, _ in self.shared]
        results = self._function(arrays)
        for (variable, _), value in zip(self.updates, results[self.n_outputs:]):
            variable.set_value(value)
        results = results[: self.n_outputs]
        return results[0] if self.single else results


def _numpy_dtype(name: str) -> np.dtype:
    return np.dtype(bool) if name == "bool" else np.dtype(name)


def _graph_node_ids(nodes: list) -> set:
    seen, stack = set(), list(nodes)
    while stack:
        node = stack.pop()
        if node.id in seen:
            continue
        seen.add(node.id)
        stack.extend(node.inputs())
    return seen


def function(inputs, outputs=None, mode=None, updates=None, givens=None, no_default_updates=False,
             accept_inplace=False, name=None, rebuild_strict=True, allow_input_downcast=None,
             profile=None, on_unused_input=None, trust_input=False) -> Function:
    """Compiles `outputs` as a function of `inputs`. The reference interpreter runs it unless
    `mode` asks for compiled code (which needs every shape known): "jit" or "native" for that
    backend, "NUMBA", "JAX" or "C" for the build's default (the JIT with LLVM, else native)."""
    compiled_modes = {"jit": "jit", "native": "native", "NUMBA": "default", "JAX": "default",
                      "C": "default"}
    backend = compiled_modes.get(mode, "interp") if isinstance(mode, str) else "interp"
    return Function(inputs, [] if outputs is None else outputs, updates, givens, backend)


def clone_replace(output, replace=None, **kwargs):
    """`output` with the variables in `replace` ({old: new}) substituted."""
    single = not isinstance(output, (list, tuple))
    outs = [basic.as_tensor(o) for o in ([output] if single else output)]
    pairs = [(basic.as_tensor(a).node, basic.as_tensor(b).node) for a, b in (replace or {}).items()]
    result = [basic.wrap(n) for n in _core.substitute([o.node for o in outs], pairs)]
    return result[0] if single else result


def dprint(obj, file=None, **kwargs) -> str:
    outs = obj if isinstance(obj, (list, tuple)) else [obj]
    text = _core.print_graph([basic.as_tensor(o).node for o in outs])
    if file != "str":
        print(text, file=file)
    return text


printing = type("printing", (), {"debugprint": staticmethod(dprint), "pprint": staticmethod(dprint)})


# ---------------------------------------------------------------- namespaces scripts reach into
def _namespace(name: str, **members):
    import types

    module = types.ModuleType(f"hypatia.pytensor.{name}")
    module.__dict__.update(members)
    return module


def _ifelse(condition, then_branch, else_branch, name=None):
    """PyTensor's lazy ifelse, evaluated eagerly here as an elementwise switch on a scalar."""
    condition = basic.as_tensor(condition)
    if condition.ndim != 0:
        raise TypeError(f"ifelse: the condition must be a scalar, got {condition.ndim} dimensions")
    if isinstance(then_branch, (list, tuple)):
        return [basic.switch(condition, t, e) for t, e in zip(then_branch, else_branch)]
    return basic.switch(condition, then_branch, else_branch)


ifelse = _namespace("ifelse", ifelse=_ifelse)
gradient = _namespace("gradient", grad=grad, jacobian=jacobian, hessian=hessian,
                      grad_not_implemented=graph.op.grad_not_implemented,
                      grad_undefined=graph.op.grad_undefined)
compile = _namespace("compile", function=function, ops=_namespace("compile.ops", as_op=graph.op.as_op),
                     shared=shared, SharedVariable=SharedVariable)

# `from pytensor.compile.ops import as_op` and `import pytensor.gradient` import these namespaces.
import sys as _sys  # noqa: E402

for _module in (ifelse, gradient, compile, compile.ops):
    _sys.modules[_module.__name__] = _module
