"""User Ops: PyTensor's ``Op``/``Apply`` protocol over Hypatia's user_op node (C++
``include/hypatia/ops/user_op.hpp``).

``op(*inputs)`` calls ``make_node`` (or builds the node from ``itypes``/``otypes``), then adds one
user_op node whose kernel calls ``perform(node, inputs, output_storage)``. Gradients come from
``L_op(inputs, outputs, output_grads)`` or ``grad(inputs, output_grads)`` when the subclass
defines one: they are called with symbolic tensors while the gradient graph is built, as in
PyTensor. Without either, the op has no gradient: ``pm.sample`` moves the variables it depends on
with a gradient-free step.

Output shapes must be known when the graph is built (compiled code has static shapes): the
output variables' static shapes, else ``infer_shape(fgraph, node, input_shapes)``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import numpy as np

from hypatia import _core
from hypatia.tensor import basic
from hypatia.tensor.variable import TensorType, TensorVariable

Variable = TensorVariable


class Apply:
    """One application of an op: its inputs and (typed, unevaluated) outputs."""

    def __init__(self, op: "Op", inputs: Sequence, outputs: Sequence):
        self.op = op
        self.inputs = [basic.as_tensor(i) for i in inputs]
        self.outputs = list(outputs)
        for k, out in enumerate(self.outputs):
            if not isinstance(out, TensorVariable):
                raise TypeError(f"{_op_name(op)}: output {k} of the Apply must be a tensor variable "
                                f"(e.g. pt.dscalar() or data.type()), got {type(out).__name__}")

    @property
    def nin(self) -> int:
        return len(self.inputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    def __repr__(self) -> str:
        return f"Apply({_op_name(self.op)}, {len(self.inputs)} inputs, {len(self.outputs)} outputs)"


class _NoGradient:
    """What grad_not_implemented/grad_undefined return: the gradient for that input is NaN, so a
    sampler that needs it sees an unusable point instead of a silently wrong zero."""

    def __init__(self, op, position: int, comment: str):
        self.op, self.position, self.comment = op, position, comment


def grad_not_implemented(op, x_pos: int, x, comment: str = "") -> _NoGradient:
    return _NoGradient(op, x_pos, comment)


def grad_undefined(op, x_pos: int, x, comment: str = "") -> _NoGradient:
    return _NoGradient(op, x_pos, comment)


class Op:
    """Base class of user ops (PyTensor's ``pytensor.graph.op.Op``).

    Subclasses define ``make_node`` returning ``Apply(self, inputs, outputs)`` (or class
    attributes ``itypes``/``otypes``) and ``perform(node, inputs, output_storage)`` writing
    ``output_storage[k][0]``; optionally ``grad(inputs, output_grads)`` or
    ``L_op(inputs, outputs, output_grads)`` returning one symbolic gradient per input.
    """

    itypes: Optional[Sequence] = None
    otypes: Optional[Sequence] = None
    default_output: Optional[int] = None

    def make_node(self, *inputs) -> Apply:
        if self.itypes is None or self.otypes is None:
            raise NotImplementedError(f"{_op_name(self)}: define make_node, or itypes and otypes")
        itypes = [_type_of(t) for t in self.itypes]
        if len(inputs) != len(itypes):
            raise TypeError(f"{_op_name(self)} takes {len(itypes)} inputs, got {len(inputs)}")
        converted = []
        for k, (value, itype) in enumerate(zip(inputs, itypes)):
            tensor = basic.as_tensor(value)
            if tensor.ndim != itype.ndim:
                raise TypeError(f"{_op_name(self)}: input {k} has {tensor.ndim} dimensions, but itypes[{k}] "
                                f"is {itype}")
            if tensor.dtype != itype.dtype:
                tensor = basic.cast(tensor, itype.dtype)
            converted.append(tensor)
        return Apply(self, converted, [t() for t in
                                       (_type_of(o) for o in self.otypes)])

    def perform(self, node: Apply, inputs: list, output_storage: list) -> None:
        raise NotImplementedError(f"{_op_name(self)}: define perform(node, inputs, output_storage)")

    def __call__(self, *inputs, **kwargs):
        node = self.make_node(*inputs)
        outputs = _apply(self, node)
        if self.default_output is not None:
            return outputs[self.default_output]
        return outputs[0] if len(outputs) == 1 else outputs

    def __str__(self) -> str:
        return type(self).__name__


def _op_name(op) -> str:
    return getattr(op, "name", None) or type(op).__name__


def _type_of(spec: Any) -> TensorType:
    """A TensorType from what itypes/otypes hold: pt.dvector (a constructor), a TensorType, or a
    variable."""
    if isinstance(spec, TensorType):
        return spec
    if isinstance(spec, TensorVariable):
        return spec.type
    if callable(spec):
        made = spec()
        if isinstance(made, TensorVariable):
            return made.type
    raise TypeError(f"expected a tensor type such as pt.dvector or pt.dscalar, got {spec!r}")


def _has_own(op, method: str) -> bool:
    return getattr(type(op), method, None) is not getattr(Op, method, None) and hasattr(type(op), method)


def _output_shapes(op, node: Apply) -> list:
    """Each output's static shape: its declared shape, else from op.infer_shape."""
    shapes = [tuple(out.node.shape) for out in node.outputs]
    if all(None not in shape for shape in shapes):
        return shapes
    # as_op's ops always have the method; it serves only when as_op was given infer_shape.
    if not _has_own(op, "infer_shape") or getattr(op, "_infer_shape", True) is None:
        missing = [k for k, shape in enumerate(shapes) if None in shape]
        raise ValueError(f"{_op_name(op)}: outputs {missing} have shapes {[shapes[k] for k in missing]}, "
                         "unknown when the graph is built; declare static output shapes (e.g. "
                         "pt.tensor(shape=(n,))) or give the op infer_shape")
    input_shapes = [tuple(i.node.shape) for i in node.inputs]
    inferred = op.infer_shape(None, node, input_shapes)
    result = []
    for k, shape in enumerate(inferred):
        dims = []
        for extent in shape:
            value = basic.static_value(extent) if isinstance(extent, TensorVariable) else extent
            if value is None:
                raise ValueError(f"{_op_name(op)}: infer_shape gave output {k} a shape unknown when the "
                                 "graph is built")
            dims.append(int(value))
        result.append(tuple(dims))
    return result


def _apply(op: Op, node: Apply) -> list:
    types = [(out.dtype, shape) for out, shape in zip(node.outputs, _output_shapes(op, node))]
    function = _function_for(op, node, types)
    return [basic.wrap(n) for n in _core.user_op(function, [i.node for i in node.inputs])]


def _function_for(op: Op, node: Apply, types: list):
    """The engine's user function for this op, node shape and output types: one per combination,
    kept on the op so that equal applications are one graph node."""
    cache = op.__dict__.setdefault("_hypatia_functions", {})
    key = (tuple((str(i.dtype), tuple(i.node.shape)) for i in node.inputs), tuple(types))
    if key not in cache:
        cache[key] = _core.user_function(_op_name(op), _perform(op, node, types), types,
                                         _gradient(op))
    return cache[key]


def _perform(op: Op, node: Apply, types: list) -> Callable:
    name = _op_name(op)
    dtypes = [np.dtype(bool) if dtype == "bool" else np.dtype(dtype) for dtype, _ in types]

    def run(values: list) -> list:
        storage = [[None] for _ in types]
        op.perform(node, values, storage)
        results = []
        for k, ((_, shape), dtype, cell) in enumerate(zip(types, dtypes, storage)):
            if cell[0] is None:
                raise ValueError(f"{name}: perform did not set output {k} (output_storage[{k}][0])")
            value = np.asarray(cell[0], dtype=dtype)
            if value.shape != tuple(shape):
                raise ValueError(f"{name}: perform gave output {k} shape {value.shape}, but the op "
                                 f"declares {tuple(shape)}")
            results.append(value)
        return results

    return run


def _gradient(op: Op) -> Optional[Callable]:
    if _has_own(op, "L_op"):
        def rule(inputs, outputs, output_grads):
            return op.L_op(_wrap_all(inputs), _wrap_all(outputs), _wrap_all(output_grads))
    elif _has_own(op, "grad"):
        def rule(inputs, outputs, output_grads):
            return op.grad(_wrap_all(inputs), _wrap_all(output_grads))
    else:
        return None

    def gradient(inputs, outputs, output_grads):
        results = list(rule(inputs, outputs, output_grads))
        if len(results) != len(inputs):
            raise ValueError(f"{_op_name(op)}: its gradient returned {len(results)} values for "
                             f"{len(inputs)} inputs")
        nodes = []
        for result, node in zip(results, inputs):
            if result is None:
                nodes.append(None)
            elif isinstance(result, _NoGradient):
                nodes.append(basic.full_like(basic.wrap(node), np.nan, dtype="float64").node
                             if str(node.dtype).startswith("float") else None)
            else:
                nodes.append(basic.as_tensor(result).node)
        return nodes

    return gradient


def _wrap_all(nodes) -> list:
    return [basic.wrap(n) for n in nodes]


# ---------------------------------------------------------------- as_op
class _FromFunctionOp(Op):
    """The op ``as_op`` makes: perform calls the function with the input arrays."""

    def __init__(self, fn: Callable, itypes: Sequence, otypes: Sequence, infer_shape=None):
        self.fn, self.itypes, self.otypes = fn, list(itypes), list(otypes)
        self.name = getattr(fn, "__name__", "as_op")
        self._infer_shape = infer_shape
        self.__doc__ = getattr(fn, "__doc__", None)

    def perform(self, node, inputs, output_storage):
        outputs = self.fn(*inputs)
        if len(self.otypes) == 1:
            outputs = [outputs]
        elif len(outputs) != len(self.otypes):
            raise ValueError(f"{self.name}: returned {len(outputs)} outputs, but otypes has {len(self.otypes)}")
        for cell, value in zip(output_storage, outputs):
            cell[0] = value

    def infer_shape(self, fgraph, node, input_shapes):
        if self._infer_shape is None:
            raise NotImplementedError
        return self._infer_shape(fgraph, node, input_shapes)

    def __str__(self) -> str:
        return self.name


def as_op(itypes: Sequence, otypes: Sequence, infer_shape: Optional[Callable] = None):
    """PyTensor's decorator: ``@as_op(itypes=[pt.dvector], otypes=[pt.dscalar])`` turns a function
    of numpy arrays into an Op (no gradient)."""
    if not isinstance(itypes, (list, tuple)):
        itypes = [itypes]
    if not isinstance(otypes, (list, tuple)):
        otypes = [otypes]
    for spec in list(itypes) + list(otypes):
        _type_of(spec)  # TypeError now for anything that is not a type

    def decorator(fn: Callable) -> _FromFunctionOp:
        return _FromFunctionOp(fn, itypes, otypes, infer_shape)

    return decorator
