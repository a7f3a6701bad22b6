"""Symbolic tensors: Python handles on nodes of Hypatia's C++ graph.

A ``TensorVariable`` wraps one ``hypatia._core.Node``. Operators and the functions of
``hypatia.tensor`` build new C++ nodes; nothing is computed until a graph is compiled or
evaluated.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable, Optional

import numpy as np

from hypatia import _core

# Set by hypatia.model: evaluates graphs whose inputs are model variables (by forward sampling).
model_evaluator: Optional[Callable[[list], list]] = None


class TensorVariable:
    """A symbolic tensor. ``name`` is set for model variables and named data."""

    __array_priority__ = 1000  # numpy defers to our operators (ndarray + TensorVariable)

    def __init__(self, node: _core.Node, name: Optional[str] = None):
        self.node = node
        self.name = name

    # ---- static type ----
    @property
    def dtype(self) -> str:
        return self.node.dtype

    @property
    def ndim(self) -> int:
        return self.node.ndim

    @property
    def type(self):
        return TensorType(self.node.dtype, self.node.shape)

    @property
    def shape(self):
        """The shape as a symbolic int64 vector (PyMC's ``x.shape``); ``.eval()`` gives numbers."""
        from hypatia.tensor import basic

        return basic.shape(self)

    def __repr__(self) -> str:
        label = self.name if self.name is not None else self.node.op
        return f"{label}{{{self.node.dtype}, shape={self.node.shape}}}"

    def __len__(self) -> int:
        first = self.node.shape[0] if self.node.ndim else None
        if first is None:
            raise TypeError(f"len() of a {'scalar' if self.ndim == 0 else 'tensor whose first dimension is unknown'}")
        return first

    def __bool__(self):
        raise TypeError(
            "a symbolic tensor has no truth value; use hypatia.math.switch / pt.where for choices"
        )

    def __hash__(self):
        return id(self)

    def eval(self, inputs_to_values: Optional[dict] = None):
        """The tensor's value; model variables are drawn from their prior (as PyMC does)."""
        return evaluate([self], inputs_to_values)[0]

    # ---- operators ----
    def _binary(self, other, op, reverse=False):
        from hypatia.tensor import basic

        a, b = (other, self) if reverse else (self, other)
        return op(a, b)

    def __add__(self, other):
        if getattr(other, "_tensor_operators_defer", False):
            return NotImplemented  # a GP covariance or mean function: `eta * cov` is its __rmul__
        from hypatia.tensor import basic
        return basic.add(self, other)

    def __radd__(self, other):
        from hypatia.tensor import basic
        return basic.add(other, self)

    def __sub__(self, other):
        from hypatia.tensor import basic
        return basic.sub(self, other)

    def __rsub__(self, other):
        from hypatia.tensor import basic
        return basic.sub(other, self)

    def __mul__(self, other):
        if getattr(other, "_tensor_operators_defer", False):
            return NotImplemented
        from hypatia.tensor import basic
        return basic.mul(self, other)

    def __rmul__(self, other):
        from hypatia.tensor import basic
        return basic.mul(other, self)

    def __truediv__(self, other):
        from hypatia.tensor import basic
        return basic.true_div(self, other)

    def __rtruediv__(self, other):
        from hypatia.tensor import basic
        return basic.true_div(other, self)

    def __floordiv__(self, other):
        from hypatia.tensor import basic
        return basic.floor_div(self, other)

    def __rfloordiv__(self, other):
        from hypatia.tensor import basic
        return basic.floor_div(other, self)

    def __mod__(self, other):
        from hypatia.tensor import basic
        return basic.mod(self, other)

    def __rmod__(self, other):
        from hypatia.tensor import basic
        return basic.mod(other, self)

    def __pow__(self, other):
        from hypatia.tensor import basic
        return basic.pow(self, other)

    def __rpow__(self, other):
        from hypatia.tensor import basic
        return basic.pow(other, self)

    def __matmul__(self, other):
        from hypatia.tensor import basic
        return basic.matmul(self, other)

    def __rmatmul__(self, other):
        from hypatia.tensor import basic
        return basic.matmul(other, self)

    def __neg__(self):
        from hypatia.tensor import basic
        return basic.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        from hypatia.tensor import basic
        return basic.abs(self)

    def __lt__(self, other):
        from hypatia.tensor import basic
        return basic.lt(self, other)

    def __le__(self, other):
        from hypatia.tensor import basic
        return basic.le(self, other)

    def __gt__(self, other):
        from hypatia.tensor import basic
        return basic.gt(self, other)

    def __ge__(self, other):
        from hypatia.tensor import basic
        return basic.ge(self, other)

    def __and__(self, other):
        from hypatia.tensor import basic
        return basic.and_(self, other)

    __rand__ = __and__

    def __or__(self, other):
        from hypatia.tensor import basic
        return basic.or_(self, other)

    __ror__ = __or__

    def __invert__(self):
        from hypatia.tensor import basic
        return basic.invert(self)

    def __getitem__(self, key):
        from hypatia.tensor import subtensor
        return subtensor.getitem(self, key)

    # ---- methods (numpy's spellings) ----
    def sum(self, axis=None, keepdims=False, **kwargs):
        from hypatia.tensor import basic
        return basic.sum(self, axis=axis, keepdims=keepdims, **kwargs)

    def mean(self, axis=None, keepdims=False, **kwargs):
        from hypatia.tensor import basic
        return basic.mean(self, axis=axis, keepdims=keepdims, **kwargs)

    def prod(self, axis=None, keepdims=False, **kwargs):
        from hypatia.tensor import basic
        return basic.prod(self, axis=axis, keepdims=keepdims, **kwargs)

    def max(self, axis=None, keepdims=False):
        from hypatia.tensor import basic
        return basic.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        from hypatia.tensor import basic
        return basic.min(self, axis=axis, keepdims=keepdims)

    def std(self, axis=None, keepdims=False, ddof=0):
        from hypatia.tensor import basic
        return basic.std(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def var(self, axis=None, keepdims=False, ddof=0):
        from hypatia.tensor import basic
        return basic.var(self, axis=axis, keepdims=keepdims, ddof=ddof)

    def cumsum(self, axis=None):
        from hypatia.tensor import basic
        return basic.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        from hypatia.tensor import basic
        return basic.cumprod(self, axis=axis)

    def reshape(self, *shape, ndim=None):
        from hypatia.tensor import basic
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = shape[0]
        return basic.reshape(self, shape)

    def flatten(self, ndim=1):
        from hypatia.tensor import basic
        return basic.flatten(self, ndim)

    def dimshuffle(self, *pattern):
        from hypatia.tensor import basic
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        return basic.dimshuffle(self, pattern)

    def transpose(self, *axes):
        from hypatia.tensor import basic
        if len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = tuple(axes[0])
        return basic.transpose(self, axes or None)

    @property
    def T(self):
        from hypatia.tensor import basic
        return basic.transpose(self)

    def astype(self, dtype):
        from hypatia.tensor import basic
        return basic.cast(self, dtype)

    def dot(self, other):
        from hypatia.tensor import basic
        return basic.dot(self, other)

    def squeeze(self, axis=None):
        from hypatia.tensor import basic
        return basic.squeeze(self, axis)

    def argmax(self, axis=None, keepdims=False):
        from hypatia.tensor import basic
        return basic.argmax(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        from hypatia.tensor import basic
        return basic.any(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        from hypatia.tensor import basic
        return basic.all(self, axis=axis, keepdims=keepdims)

    def exp(self):
        from hypatia.tensor import basic
        return basic.exp(self)

    def log(self):
        from hypatia.tensor import basic
        return basic.log(self)


class TensorConstant(TensorVariable):
    """A constant tensor (``pt.constant``); ``.data`` is its value."""

    @property
    def data(self) -> np.ndarray:
        return self.node.constant_value()

    @property
    def value(self) -> np.ndarray:
        return self.data


class TensorType:
    """A tensor's static type: dtype and shape (None for dimensions known only at run time)."""

    def __init__(self, dtype: str, shape: tuple):
        self.dtype = dtype
        self.shape = tuple(shape)
        self.ndim = len(self.shape)
        self.broadcastable = tuple(extent == 1 for extent in self.shape)

    def __repr__(self) -> str:
        return f"TensorType({self.dtype}, shape={self.shape})"

    def __call__(self, name: Optional[str] = None) -> "TensorVariable":
        """A new symbolic variable of this type (PyTensor's ``x.type()``)."""
        from hypatia.tensor import tensor

        return tensor(self.dtype, name=name, shape=self.shape)


def _numpy_dtype_name(dtype) -> str:
    kind = np.dtype(dtype).kind
    if kind == "b":
        return "bool"
    if kind in "iu":
        return "int64"
    if kind == "f":
        return "float32" if np.dtype(dtype).itemsize == 4 else "float64"
    raise TypeError(f"unsupported dtype {np.dtype(dtype)} (expected bool, integer or floating)")


def as_tensor_variable(value: Any, name: Optional[str] = None, ndim: Optional[int] = None,
                       dtype: Optional[str] = None) -> TensorVariable:
    """A TensorVariable for `value`: itself if it is one, else a constant.

    Python numbers become "weak" scalars, as in numpy 2: ``x * 2.0`` keeps x's dtype.
    """
    if isinstance(value, TensorVariable):
        result = value
    elif hasattr(value, "__hypatia_tensor__"):
        result = value.__hypatia_tensor__()
    elif isinstance(value, bool) or isinstance(value, np.bool_):
        result = TensorConstant(_core.constant(np.asarray(bool(value))))
    elif isinstance(value, numbers.Integral) and not isinstance(value, np.generic):
        result = TensorConstant(_core.int_scalar(int(value)))
    elif isinstance(value, numbers.Real) and not isinstance(value, np.generic):
        result = TensorConstant(_core.float_scalar(float(value)))
    else:
        if isinstance(value, (list, tuple)) and any(isinstance(v, TensorVariable) for v in _flat(value)):
            from hypatia.tensor import basic

            return basic.stack([as_tensor_variable(v) for v in value])
        array = np.asarray(getattr(value, "values", value) if _is_pandas(value) else value)
        if array.dtype == object or array.dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor from {type(value).__name__} {value!r:.60} "
                            f"(dtype {array.dtype}; expected numbers or booleans)")
        if array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind == "f" and array.dtype.itemsize not in (4, 8):
            array = array.astype(np.float64)
        result = TensorConstant(_core.constant(array))
    if dtype is not None and result.dtype != _numpy_dtype_name(dtype):
        from hypatia.tensor import basic

        result = basic.cast(result, dtype)
    if ndim is not None and result.ndim != ndim:
        raise ValueError(f"expected a tensor with {ndim} dimensions, got {result.ndim} ({result})")
    if name is not None and result.name is None:
        result.name = name
    return result


def _is_pandas(value) -> bool:
    return type(value).__module__.startswith("pandas")


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def nodes(values) -> list:
    return [as_tensor_variable(v).node for v in values]


def evaluate(variables: list, inputs_to_values: Optional[dict] = None) -> list:
    """Values of `variables`, with `inputs_to_values` ({variable: value}) filling placeholders."""
    outputs = [as_tensor_variable(v).node for v in variables]
    given = dict(inputs_to_values or {})
    inputs = [k.node if isinstance(k, TensorVariable) else k for k in given]
    values = list(given.values())
    missing = [n for n in _core.free_inputs(outputs) if not any(n.same(i) for i in inputs)]
    if missing:
        # pm.Minibatch rows: a random batch each time, as PyMC's eval draws one.
        from hypatia.minibatch import random_rows

        for node, rows in random_rows(missing):
            inputs.append(node)
            values.append(rows)
        missing = [n for n in missing if not any(n.same(i) for i in inputs)]
    if missing:
        if model_evaluator is None:
            names = ", ".join(str(n.name) for n in missing)
            raise ValueError(f"cannot evaluate: no values given for the inputs {names}")
        return model_evaluator(outputs, inputs, values)
    return list(_core.evaluate(outputs, inputs, [np.asarray(v) for v in values]))
