"""PyTensor's tensor functions (names, signatures, defaults) over Hypatia's C++ graph ops.

Each function turns its arguments into nodes (Python numbers stay "weak" scalars, numpy integer
arrays become int64), calls one or a few ``hypatia._core`` builders and wraps the result. Dtype
promotion is the C++ ops' (numpy 2's rules); the checks here are the ones numpy or PyTensor make
that the C++ ops do not (bitwise ops of floats, unsupported dtypes), raised as TypeError.
"""

from __future__ import annotations

import builtins
import numbers
from typing import Any, Optional, Sequence

import numpy as np

from hypatia import _core
from hypatia.tensor.variable import TensorConstant, TensorVariable
from hypatia.tensor.variable import as_tensor_variable as _as_tensor_variable

_DTYPES = ("float64", "float32", "int64", "bool")


# ---------------------------------------------------------------- conversion helpers
def floatX() -> str:
    from hypatia.pytensor import config  # lazy: hypatia.pytensor imports this module

    return config.floatX


def dtype_name(dtype: Any) -> str:
    """Hypatia's dtype for a numpy/PyTensor dtype spelling; every integer width maps to int64."""
    if isinstance(dtype, str) and dtype == "floatX":
        return floatX()
    try:
        np_dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"unknown dtype {dtype!r}") from error
    kind = np_dtype.kind
    if kind == "b":
        return "bool"
    if kind in "iu":
        return "int64"
    if kind == "f" and np_dtype.itemsize in (4, 8):
        return "float32" if np_dtype.itemsize == 4 else "float64"
    raise TypeError(f"unsupported dtype {np_dtype} (Hypatia has float64, float32, int64 and bool)")


def as_tensor_variable(x: Any, name: Optional[str] = None, ndim: Optional[int] = None,
                       dtype=None) -> TensorVariable:
    """`x` as a TensorVariable (itself if it is one); values of unsupported dtypes (strings,
    objects, complex) are a TypeError, as in PyTensor."""
    _t(x)
    return _as_tensor_variable(x, name=name, ndim=ndim, dtype=dtype)


as_tensor = as_tensor_variable


def _t(value: Any) -> TensorVariable:
    """`value` as a TensorVariable; unsupported array dtypes (strings, complex) are a TypeError."""
    if isinstance(value, TensorVariable) or hasattr(value, "__hypatia_tensor__"):
        return _as_tensor_variable(value)
    symbolic_list = isinstance(value, (list, tuple)) and _holds_tensor(value)
    if not symbolic_list:
        kind = np.asarray(getattr(value, "values", value)).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"cannot make a tensor from {type(value).__name__} {value!r:.60} "
                            f"(dtype kind '{kind}'; Hypatia has float64, float32, int64 and bool)")
    return _as_tensor_variable(value)


def _holds_tensor(values) -> bool:
    return builtins.any(isinstance(v, TensorVariable) or (isinstance(v, (list, tuple)) and _holds_tensor(v))
                        for v in values)


def wrap(node: _core.Node) -> TensorVariable:
    return TensorConstant(node) if node.is_constant else TensorVariable(node)


def _apply(fn, *args) -> TensorVariable:
    return wrap(fn(*[_t(a).node for a in args]))


def static_value(x: Any) -> Optional[np.ndarray]:
    """The value of `x` when it depends on no input (e.g. ``x.shape[0]`` of a known shape)."""
    if not isinstance(x, TensorVariable):
        return np.asarray(x)
    if x.node.is_constant:
        return x.node.constant_value()
    if _core.free_inputs([x.node]):
        return None
    return _core.evaluate([x.node], [], [])[0]


def _static_ints(values: Any, what: str) -> list[int]:
    """Concrete ints for a shape-like argument (ints, a tuple mixing ints and scalars, a vector)."""
    if isinstance(values, TensorVariable):
        found = static_value(values)
        if found is None:
            raise ValueError(f"{what} must be known when the graph is built, got the symbolic {values}")
        return [int(v) for v in np.ravel(found)]
    if isinstance(values, (numbers.Integral, np.integer)):
        return [int(values)]
    result = []
    for value in values:
        result.extend(_static_ints(value, what))
    return result


def _axes(axis: Any, ndim: int) -> list[int]:
    """A reduction's axes as a list ([] means all); negative axes are normalized."""
    if axis is None:
        return []
    axes = [axis] if isinstance(axis, (numbers.Integral, np.integer)) else list(axis)
    result = []
    for a in axes:
        if not -ndim <= int(a) < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        result.append(int(a) % builtins.max(ndim, 1))
    return result


def _is_int(x: TensorVariable) -> bool:
    return x.dtype in ("int64", "bool")


class NotScalarConstantError(ValueError):
    """The tensor's value is not known when the graph is built (PyTensor's exception name)."""


def get_scalar_constant_value(v, elemwise: bool = True, only_process_constants: bool = False,
                              max_recur: int = 10, raise_not_constant: bool = True):
    value = static_value(_t(v))
    if value is None or np.size(value) != 1:
        if raise_not_constant:
            raise NotScalarConstantError(f"{v} is not a scalar known when the graph is built")
        return v
    return np.asarray(value).reshape(())


get_underlying_scalar_constant_value = get_scalar_constant_value


def get_vector_length(v) -> int:
    v = _t(v)
    if v.ndim != 1:
        raise TypeError(f"get_vector_length needs a vector, got {v.ndim} dimensions")
    if v.node.shape[0] is None:
        raise ValueError(f"the length of {v} is not known when the graph is built")
    return v.node.shape[0]


def specify_shape(x, shape) -> TensorVariable:
    """`x` with its static shape filled in from `shape` (None keeps a dimension as it is)."""
    x = _t(x)
    shape = [shape] if isinstance(shape, (numbers.Integral, np.integer)) or shape is None else list(shape)
    if len(shape) != x.ndim:
        raise ValueError(f"specify_shape: {len(shape)} dimensions given for a tensor with {x.ndim}")
    dims = [known if wanted is None else _static_ints(wanted, "specify_shape's shape")[0]
            for known, wanted in zip(x.node.shape, shape)]
    for known, wanted in zip(x.node.shape, dims):
        if known is not None and wanted is not None and known != wanted:
            raise ValueError(f"specify_shape: {x} has shape {x.node.shape}, not {tuple(dims)}")
    if None in dims or tuple(dims) == x.node.shape:
        return x
    return reshape(x, dims)  # reshape to the full shape: a run-time check of the element count


# ---------------------------------------------------------------- elementwise arithmetic
def add(a, *others) -> TensorVariable:
    result = _t(a)
    for other in others:
        result = _apply(_core.add, result, other)
    return result


def sub(a, b) -> TensorVariable:
    return _apply(_core.sub, a, b)


def mul(a, *others) -> TensorVariable:
    result = _t(a)
    for other in others:
        result = _apply(_core.mul, result, other)
    return result


def true_div(a, b) -> TensorVariable:
    return _apply(_core.div, a, b)


def floor_div(a, b) -> TensorVariable:
    """numpy's ``a // b``: floor of the quotient; integers stay int64 (x // 0 is 0, as numpy)."""
    a, b = _t(a), _t(b)
    quotient = floor(true_div(a, b))
    if _is_int(a) and _is_int(b):
        # Through float64: exact while |a| < 2**53, which covers indices and counts.
        return switch(eq(b, 0), 0, cast(quotient, "int64"))
    return quotient


int_div = floor_div


def mod(a, b) -> TensorVariable:
    """numpy's ``a % b``: the remainder has b's sign (x % 0 is 0 for integers, NaN for floats)."""
    a, b = _t(a), _t(b)
    result = sub(a, mul(floor_div(a, b), b))
    if _is_int(a) and _is_int(b):
        return switch(eq(b, 0), 0, result)
    return result


def pow(a, b) -> TensorVariable:
    a, b = _t(a), _t(b)
    result = _apply(_core.pow, a, b)
    if _is_int(a) and _is_int(b) and result.dtype != "int64":
        # The C++ pow is floating; integers to integer powers stay integers, as in numpy.
        return cast(round(result), "int64")
    return result


power = pow


def neg(a) -> TensorVariable:
    return _apply(_core.neg, a)


def _unary(core_fn, doc: str):
    def function(a) -> TensorVariable:
        return _apply(core_fn, a)

    function.__doc__ = doc
    return function


abs = _unary(_core.abs, "Absolute value.")
abs_ = abs
sign = _unary(_core.sign, "Sign (-1, 0, 1; NaN for NaN).")
sgn = sign
exp = _unary(_core.exp, "Exponential.")
expm1 = _unary(_core.expm1, "exp(x) - 1, accurate near 0.")
log = _unary(_core.log, "Natural logarithm.")
log1p = _unary(_core.log1p, "log(1 + x), accurate near 0.")
sqrt = _unary(_core.sqrt, "Square root.")
square = _unary(_core.square, "x * x.")
sqr = square
reciprocal = _unary(_core.reciprocal, "1 / x.")
sin = _unary(_core.sin, "Sine.")
cos = _unary(_core.cos, "Cosine.")
tan = _unary(_core.tan, "Tangent.")
tanh = _unary(_core.tanh, "Hyperbolic tangent.")
sinh = _unary(_core.sinh, "Hyperbolic sine.")
cosh = _unary(_core.cosh, "Hyperbolic cosine.")
arcsin = _unary(_core.arcsin, "Inverse sine.")
arccos = _unary(_core.arccos, "Inverse cosine.")
arctan = _unary(_core.arctan, "Inverse tangent.")
sigmoid = _unary(_core.sigmoid, "1 / (1 + exp(-x)), accurate in both tails.")
expit = invlogit = sigmoid
softplus = _unary(_core.softplus, "log(1 + exp(x)) without overflow.")
log1pexp = softplus
log1mexp = _unary(_core.log1mexp, "log(1 - exp(x)) for x <= 0.")
logit = _unary(_core.logit, "log(p / (1 - p)).")
floor = _unary(_core.floor, "Largest integer <= x.")
ceil = _unary(_core.ceil, "Smallest integer >= x.")
erf = _unary(_core.erf, "Error function.")
erfc = _unary(_core.erfc, "1 - erf(x).")
erfcx = _unary(_core.erfcx, "exp(x**2) * erfc(x).")
erfinv = _unary(_core.erfinv, "Inverse error function.")
gammaln = _unary(_core.lgamma, "log |Gamma(x)|.")
lgamma = gammaln
digamma = _unary(_core.digamma, "The digamma function, d/dx log Gamma(x).")
psi = digamma
i0e = _unary(_core.i0e, "exp(-|x|) I0(x).")
i1e = _unary(_core.i1e, "exp(-|x|) I1(x).")
isnan = _unary(_core.isnan, "Whether x is NaN.")
isinf = _unary(_core.isinf, "Whether x is +-inf.")
normal_lcdf = _unary(_core.normal_logcdf, "log Phi(x), accurate in both tails.")


def arcsinh(a) -> TensorVariable:
    a = _t(a)
    magnitude = abs(a)  # odd function: computing on |a| avoids cancellation for a << 0
    return mul(sign(a), log(add(magnitude, sqrt(add(square(magnitude), 1.0)))))


def arccosh(a) -> TensorVariable:
    a = _t(a)
    return log(add(a, sqrt(sub(square(a), 1.0))))


def arctanh(a) -> TensorVariable:
    a = _t(a)
    return mul(0.5, sub(log1p(a), log1p(neg(a))))


def i0(x) -> TensorVariable:
    x = _t(x)
    return mul(i0e(x), exp(abs(x)))


def i1(x) -> TensorVariable:
    x = _t(x)
    return mul(i1e(x), exp(abs(x)))


def isposinf(a) -> TensorVariable:
    return eq(a, np.inf)


def isneginf(a) -> TensorVariable:
    return eq(a, -np.inf)


def round(a, mode: Optional[str] = None) -> TensorVariable:
    """Rounds half to even (numpy's rule, PyTensor's default); mode 'half_away_from_zero' too."""
    if mode in (None, "half_to_even"):
        return _apply(_core.round, a)
    if mode == "half_away_from_zero":
        a = _t(a)
        return mul(sign(a), floor(add(abs(a), 0.5)))
    raise ValueError(f"round: unknown mode {mode!r}")


def trunc(a) -> TensorVariable:
    a = _t(a)
    return switch(lt(a, 0), ceil(a), floor(a))


def isfinite(a) -> TensorVariable:
    a = _t(a)
    return invert(or_(isnan(a), isinf(a)))


def exp2(a) -> TensorVariable:
    return pow(2.0, a)


def log2(a) -> TensorVariable:
    return true_div(log(a), np.log(2.0))


def log10(a) -> TensorVariable:
    return true_div(log(a), np.log(10.0))


def gamma(a) -> TensorVariable:
    a = _t(a)
    # lgamma drops the sign: Gamma(x) < 0 for x in (-2k-1, -2k), k >= 0.
    negative = and_(lt(a, 0), eq(mod(floor(a), 2), 1))
    return mul(switch(negative, -1.0, 1.0), exp(gammaln(a)))


def erfcinv(a) -> TensorVariable:
    return erfinv(sub(1.0, a))


def arctan2(a, b) -> TensorVariable:
    return _apply(_core.arctan2, a, b)


def polygamma(n, x) -> TensorVariable:
    return _apply(_core.polygamma, n, x)


def ive(v, x) -> TensorVariable:
    """exp(-|x|) I_v(x), the exponentially scaled modified Bessel function of the first kind, for
    integer orders v (scipy.special.ive); differentiable in x."""
    if isinstance(v, (np.ndarray, list, tuple, float, np.floating)):
        orders = np.asarray(v)
        if orders.dtype.kind == "f":
            if not np.all(orders == np.round(orders)):
                raise ValueError(f"ive: the order v must hold integers, got {orders!r}")
            v = orders.astype(np.int64)
    return _apply(_core.ive, v, x)


def gammainc(k, x) -> TensorVariable:
    return _apply(_core.gammainc, k, x)


def gammaincc(k, x) -> TensorVariable:
    return _apply(_core.gammaincc, k, x)


def betainc(a, b, x) -> TensorVariable:
    return _apply(_core.betainc, a, b, x)


def betaln(a, b) -> TensorVariable:
    return _apply(_core.lbeta, a, b)


def owens_t(h, a) -> TensorVariable:
    return _apply(_core.owens_t, h, a)


def logaddexp(*xs) -> TensorVariable:
    """log(sum(exp(x))) over the arguments, elementwise (PyTensor's variadic logaddexp)."""
    xs = [_t(x) for x in xs]
    biggest = xs[0]
    for x in xs[1:]:
        biggest = maximum(biggest, x)
    # A finite shift keeps inf - inf out of the sum when every argument is -inf.
    shift = switch(isinf(biggest), 0.0, biggest)
    total = exp(sub(xs[0], shift))
    for x in xs[1:]:
        total = add(total, exp(sub(x, shift)))
    return add(log(total), shift)


def logdiffexp(a, b) -> TensorVariable:
    """log(exp(a) - exp(b)) for a >= b."""
    a = _t(a)
    return add(a, log1mexp(sub(b, a)))


def xlogx(x) -> TensorVariable:
    x = _t(x)
    return switch(eq(x, 0), 0.0, mul(x, log(x)))


def xlogy0(x, y) -> TensorVariable:
    x = _t(x)
    return switch(eq(x, 0), 0.0, mul(x, log(y)))


# ---------------------------------------------------------------- comparisons and logic
lt = lambda a, b: _apply(_core.less, a, b)  # noqa: E731
le = lambda a, b: _apply(_core.less_equal, a, b)  # noqa: E731
gt = lambda a, b: _apply(_core.greater, a, b)  # noqa: E731
ge = lambda a, b: _apply(_core.greater_equal, a, b)  # noqa: E731
eq = lambda a, b: _apply(_core.equal, a, b)  # noqa: E731
neq = lambda a, b: _apply(_core.not_equal, a, b)  # noqa: E731
less, less_equal, greater, greater_equal, equal, not_equal = lt, le, gt, ge, eq, neq


def _logic_operand(x: Any, op: str) -> TensorVariable:
    # PyTensor's and_/or_/invert are bitwise: defined for bool (logical) but not floats. Integer
    # bitwise ops have no C++ kernel, so only bool is accepted.
    x = _t(x)
    if x.dtype != "bool":
        raise TypeError(f"{op} needs bool tensors (got {x.dtype}); compare first, e.g. (x > 0)")
    return x


def and_(a, b) -> TensorVariable:
    return wrap(_core.logical_and(_logic_operand(a, "and_").node, _logic_operand(b, "and_").node))


def or_(a, b) -> TensorVariable:
    return wrap(_core.logical_or(_logic_operand(a, "or_").node, _logic_operand(b, "or_").node))


def xor(a, b) -> TensorVariable:
    return neq(_logic_operand(a, "xor"), _logic_operand(b, "xor"))


def invert(a) -> TensorVariable:
    a = _t(a)
    if a.dtype == "int64":
        return sub(neg(a), 1)  # two's complement ~x
    return wrap(_core.logical_not(_logic_operand(a, "invert").node))


bitwise_and, bitwise_or, bitwise_not = and_, or_, invert
logical_and = lambda a, b: _apply(_core.logical_and, a, b)  # noqa: E731
logical_or = lambda a, b: _apply(_core.logical_or, a, b)  # noqa: E731
logical_not = lambda a: _apply(_core.logical_not, a)  # noqa: E731


def switch(cond, ift, iff) -> TensorVariable:
    """Elementwise choice; a non-bool condition is true where nonzero (as in PyTensor)."""
    cond = _t(cond)
    if cond.dtype != "bool":
        cond = neq(cond, 0)
    return _apply(_core.where, cond, ift, iff)


def where(cond, ift=None, iff=None) -> TensorVariable:
    if ift is None or iff is None:
        raise ValueError("where(cond) with one argument (nonzero) is not supported; give ift and iff")
    return switch(cond, ift, iff)


def maximum(a, b) -> TensorVariable:
    return _apply(_core.maximum, a, b)


def minimum(a, b) -> TensorVariable:
    return _apply(_core.minimum, a, b)


def clip(x, min, max) -> TensorVariable:
    return _apply(_core.clip, x, min, max)


def allclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> TensorVariable:
    return all(isclose(a, b, rtol, atol))


def isclose(a, b, rtol: float = 1e-5, atol: float = 1e-8) -> TensorVariable:
    return le(abs(sub(a, b)), add(atol, mul(rtol, abs(b))))


# ---------------------------------------------------------------- dtype
def cast(x, dtype) -> TensorVariable:
    x = _t(x)
    name = dtype_name(dtype)
    if x.dtype == name:
        return x
    return wrap(_core.cast(x.node, name))


def _cast_if(x: TensorVariable, dtype) -> TensorVariable:
    return x if dtype is None else cast(x, dtype)


# ---------------------------------------------------------------- reductions
def _reduction(core_fn):
    def function(input, axis=None, keepdims: bool = False, dtype=None, acc_dtype=None, **_) -> TensorVariable:
        x = _t(input)
        if acc_dtype is not None:
            x = cast(x, acc_dtype)
        return _cast_if(_reduce(core_fn, x, axis, keepdims), dtype)

    return function


def _reduce(core_fn, x: TensorVariable, axis, keepdims: bool) -> TensorVariable:
    # numpy's axis=() reduces nothing, while the C++ ops read an empty axis list as "all axes".
    if isinstance(axis, (tuple, list)) and len(axis) == 0:
        return x
    return wrap(core_fn(x.node, _axes(axis, x.ndim), keepdims))


sum = _reduction(_core.sum)
prod = _reduction(_core.prod)
mean = _reduction(_core.mean)


def max(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.max, _t(x), axis, keepdims)


def min(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.min, _t(x), axis, keepdims)


def argmax(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.argmax, _t(x), axis, keepdims)


def argmin(x, axis=None, keepdims: bool = False) -> TensorVariable:
    x = _t(x)
    flipped = logical_not(x) if x.dtype == "bool" else neg(x)
    return argmax(flipped, axis, keepdims)


def any(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.any, _t(x), axis, keepdims)


def all(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.all, _t(x), axis, keepdims)


def logsumexp(x, axis=None, keepdims: bool = False) -> TensorVariable:
    return _reduce(_core.logsumexp, _t(x), axis, keepdims)


def _count(x: TensorVariable, axes: list[int]) -> TensorVariable:
    """The number of elements a reduction over `axes` combines (symbolic for unknown shapes)."""
    dims = [x.node.shape[a] for a in (axes or range(x.ndim))]
    if builtins.all(d is not None for d in dims):
        return as_tensor_variable(float(np.prod(dims)))
    sizes = shape(x)
    picked = wrap(_core.gather(sizes.node, _core.constant(np.asarray(axes or range(x.ndim), np.int64)), 0))
    return cast(prod(picked), "float64")


def var(input, axis=None, ddof: int = 0, keepdims: bool = False, corrected: bool = False) -> TensorVariable:
    """Variance; ``ddof`` as numpy's (``corrected=True`` is ddof=1, PyTensor's spelling)."""
    x = _t(input)
    axes = _axes(axis, x.ndim)
    centered = sub(x, mean(x, axes or None, keepdims=True))
    total = sum(square(centered), axes or None, keepdims=keepdims)
    ddof = 1 if corrected and not ddof else ddof
    return true_div(total, sub(_count(x, axes), ddof))


def std(input, axis=None, ddof: int = 0, keepdims: bool = False, corrected: bool = False) -> TensorVariable:
    return sqrt(var(input, axis, ddof, keepdims, corrected))


def median(x, axis=None) -> TensorVariable:
    x = _t(x)
    if axis is None:
        x, axis = flatten(x), 0
    n = x.node.shape[axis]
    if n is None:
        raise ValueError("median needs the reduced dimension known when the graph is built")
    from hypatia.tensor import subtensor

    ordered = sort(x, axis=axis)
    pick = lambda i: subtensor.take(ordered, i, axis)  # noqa: E731
    return pick(n // 2) if n % 2 else mul(0.5, add(pick(n // 2 - 1), pick(n // 2)))


def ptp(a, axis=None) -> TensorVariable:
    return sub(max(a, axis), min(a, axis))


def cumsum(x, axis: Optional[int] = None) -> TensorVariable:
    x = _t(x)
    if axis is None:
        x, axis = flatten(x), 0
    return wrap(_core.cumsum(x.node, _axes(axis, x.ndim)[0]))


def cumprod(x, axis: Optional[int] = None) -> TensorVariable:
    x = _t(x)
    if axis is None:
        x, axis = flatten(x), 0
    return wrap(_core.cumprod(x.node, _axes(axis, x.ndim)[0]))


def diff(x, n: int = 1, axis: int = -1) -> TensorVariable:
    from hypatia.tensor import subtensor

    x = _t(x)
    for _ in range(n):
        x = sub(subtensor.slice_axis(x, axis, slice(1, None)), subtensor.slice_axis(x, axis, slice(None, -1)))
    return x


def softmax(c, axis=None) -> TensorVariable:
    """exp(c) / sum(exp(c)) over `axis` (None: all axes, as PyTensor and scipy)."""
    c = _t(c)
    shifted = sub(c, max(c, axis, keepdims=True))
    e = exp(shifted)
    return true_div(e, sum(e, axis, keepdims=True))


def log_softmax(c, axis=None) -> TensorVariable:
    c = _t(c)
    return sub(c, logsumexp(c, axis, keepdims=True))


# ---------------------------------------------------------------- shapes
def shape(x) -> TensorVariable:
    return wrap(_core.shape_of(_t(x).node))


def reshape(x, newshape, ndim: Optional[int] = None) -> TensorVariable:
    x = _t(x)
    dims = _static_ints(newshape, "reshape's new shape")
    return wrap(_core.reshape(x.node, dims))


def flatten(x, ndim: int = 1) -> TensorVariable:
    x = _t(x)
    if ndim == 1:
        return wrap(_core.flatten(x.node))
    if not 1 <= ndim <= builtins.max(x.ndim, 1):
        raise ValueError(f"flatten: ndim={ndim} for a tensor with {x.ndim} dimensions")
    lead = list(x.node.shape[: ndim - 1])
    if None in lead:
        raise ValueError(f"flatten(ndim={ndim}) needs the leading dimensions known, got {x.node.shape}")
    return wrap(_core.reshape(x.node, lead + [-1]))


def transpose(x, axes: Optional[Sequence[int]] = None) -> TensorVariable:
    x = _t(x)
    return wrap(_core.transpose(x.node, [] if axes is None else [int(a) for a in axes]))


def matrix_transpose(x) -> TensorVariable:
    return _apply(_core.matrix_transpose, x)


def swapaxes(x, axis1: int, axis2: int) -> TensorVariable:
    x = _t(x)
    order = list(range(x.ndim))
    axis1, axis2 = _axes([axis1, axis2], x.ndim)
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return transpose(x, order)


def moveaxis(x, source, destination) -> TensorVariable:
    x = _t(x)
    source, destination = _axes(source, x.ndim), _axes(destination, x.ndim)
    order = [a for a in range(x.ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(x, order)


def dimshuffle(x, pattern: Sequence) -> TensorVariable:
    """PyTensor's dimshuffle: a permutation of x's axes with 'x' marking new size-1 axes.

    Axes of x missing from the pattern are dropped and must have size 1.
    """
    x = _t(x)
    kept = [int(p) for p in pattern if p != "x"]
    dropped = [a for a in range(x.ndim) if a not in kept]
    if dropped:
        x = squeeze(x, dropped)
        kept = [k - builtins.sum(1 for d in dropped if d < k) for k in kept]
    if kept != list(range(len(kept))):
        x = transpose(x, kept)
    new_axes = [i for i, p in enumerate(pattern) if p == "x"]
    return expand_dims(x, new_axes) if new_axes else x


def expand_dims(a, axis) -> TensorVariable:
    a = _t(a)
    axes = [axis] if isinstance(axis, (numbers.Integral, np.integer)) else list(axis)
    return wrap(_core.expand_dims(a.node, [int(v) for v in axes]))


def shape_padleft(x, n_ones: int = 1) -> TensorVariable:
    return expand_dims(x, list(range(n_ones)))


def shape_padright(x, n_ones: int = 1) -> TensorVariable:
    x = _t(x)
    return expand_dims(x, list(range(x.ndim, x.ndim + n_ones)))


def shape_padaxis(x, axis: int) -> TensorVariable:
    return expand_dims(x, axis)


def atleast_1d(x) -> TensorVariable:
    x = _t(x)
    return expand_dims(x, 0) if x.ndim == 0 else x


def atleast_2d(x) -> TensorVariable:
    x = atleast_1d(x)
    return expand_dims(x, 0) if x.ndim == 1 else x


def squeeze(x, axis=None) -> TensorVariable:
    x = _t(x)
    return wrap(_core.squeeze(x.node, [] if axis is None else _axes(axis, x.ndim)))


def broadcast_to(x, shape) -> TensorVariable:
    x = _t(x)
    return wrap(_core.broadcast_to(x.node, _static_ints(shape, "broadcast_to's shape")))


def broadcast_arrays(*args) -> list[TensorVariable]:
    xs = [_t(a) for a in args]
    total = xs[0]
    for x in xs[1:]:
        total = add(total, zeros_like(x, dtype="bool"))
    return [add(x, zeros_like(total, dtype="bool")) if x.ndim < total.ndim or x.node.shape != total.node.shape
            else x for x in xs]


def concatenate(tensor_list, axis: int = 0) -> TensorVariable:
    xs = [_t(x) for x in tensor_list]
    return wrap(_core.concatenate([x.node for x in xs], int(axis)))


def join(axis: int, *tensors) -> TensorVariable:
    return concatenate(tensors, axis)


def stack(tensors, axis: int = 0) -> TensorVariable:
    xs = [_t(x) for x in tensors]
    if not xs:
        raise ValueError("stack needs at least one tensor")
    return wrap(_core.stack([x.node for x in xs], int(axis)))


def horizontal_stack(*args) -> TensorVariable:
    return concatenate(args, axis=1)


def vertical_stack(*args) -> TensorVariable:
    return concatenate(args, axis=0)


def tile(x, reps, ndim: Optional[int] = None) -> TensorVariable:
    """numpy's tile: `x` repeated reps[i] times along each axis (reps known at build time)."""
    x = _t(x)
    reps = _static_ints(reps, "tile's reps")
    while x.ndim < len(reps):
        x = expand_dims(x, 0)
    reps = [1] * (x.ndim - len(reps)) + reps
    for axis, count in enumerate(reps):
        if count != 1:
            x = concatenate([x] * count, axis)
    return x


def repeat(x, repeats, axis: Optional[int] = None) -> TensorVariable:
    """numpy's repeat with repeats known at build time: a gather with repeated indices."""
    x = _t(x)
    if axis is None:
        x, axis = flatten(x), 0
    axis = _axes(axis, x.ndim)[0]
    n = x.node.shape[axis]
    if n is None:
        raise ValueError("repeat needs the repeated dimension known when the graph is built")
    counts = np.broadcast_to(np.asarray(_static_ints(repeats, "repeat's repeats")), (n,))
    indices = np.repeat(np.arange(n, dtype=np.int64), counts)
    return wrap(_core.gather(x.node, _core.constant(indices), axis))


def roll(x, shift: int, axis: Optional[int] = None) -> TensorVariable:
    x = _t(x)
    if axis is None:
        return reshape(roll(flatten(x), shift, 0), x.node.shape)
    axis = _axes(axis, x.ndim)[0]
    n = x.node.shape[axis]
    if n is None:
        raise ValueError("roll needs the rolled dimension known when the graph is built")
    indices = (np.arange(n, dtype=np.int64) - int(shift)) % builtins.max(n, 1)
    return wrap(_core.gather(x.node, _core.constant(indices), axis))


# ---------------------------------------------------------------- constructors
def constant(x, name: Optional[str] = None, ndim: Optional[int] = None, dtype=None) -> TensorConstant:
    if isinstance(x, TensorVariable):
        raise TypeError("constant() takes a value, not a symbolic tensor")
    if dtype is not None:
        x = np.asarray(x, dtype=np.dtype(dtype_name(dtype).replace("bool", "bool_")))
    result = _t(x)
    if ndim is not None and result.ndim != ndim:
        raise ValueError(f"constant: expected {ndim} dimensions, got {result.ndim}")
    if name is not None:
        result.name = name
    return result


def _np_dtype(dtype, default: str) -> np.dtype:
    name = default if dtype is None else dtype_name(dtype)
    return np.dtype(name)


def _fill(shape_, fill_value, dtype) -> TensorVariable:
    dims = _static_ints(shape_, "the shape")
    value = static_value(fill_value)
    if value is not None and np.ndim(value) == 0:
        return TensorConstant(_core.constant(np.full(dims, value, dtype=dtype)))
    return broadcast_to(cast(fill_value, dtype), dims)


def zeros(shape, dtype=None) -> TensorVariable:
    return _fill(shape, 0, _np_dtype(dtype, floatX()))


def ones(shape, dtype=None) -> TensorVariable:
    return _fill(shape, 1, _np_dtype(dtype, floatX()))


def full(shape, fill_value, dtype=None) -> TensorVariable:
    if dtype is None:
        dtype = _t(fill_value).dtype
    return _fill(shape, fill_value, _np_dtype(dtype, floatX()))


def empty(shape, dtype=None) -> TensorVariable:
    return zeros(shape, dtype)


def zeros_like(model, dtype=None, opt: bool = False) -> TensorVariable:
    return _cast_if(_apply(_core.zeros_like, model), dtype)


def ones_like(model, dtype=None, opt: bool = False) -> TensorVariable:
    return _cast_if(_apply(_core.ones_like, model), dtype)


def full_like(a, fill_value, dtype=None) -> TensorVariable:
    a = _t(a)
    dtype = a.dtype if dtype is None else dtype_name(dtype)
    base = zeros_like(a, dtype)
    value = static_value(fill_value)
    if value is not None and np.ndim(value) == 0:
        return wrap(_core.full_like(base.node, float(value)))
    return cast(add(base, fill_value), dtype)


def empty_like(a, dtype=None) -> TensorVariable:
    return zeros_like(a, dtype)


second = lambda a, b: add(zeros_like(a, dtype=_t(b).dtype), b)  # noqa: E731  (PyTensor's fill)
fill = second


def arange(start, stop=None, step=1, dtype=None) -> TensorVariable:
    """numpy's arange; the bounds must be known when the graph is built."""
    if stop is None:
        start, stop = 0, start
    bounds = [static_value(v) for v in (start, stop, step)]
    if builtins.any(b is None for b in bounds):
        raise ValueError("arange needs start, stop and step known when the graph is built")
    values = np.arange(*[b.item() for b in bounds])
    if dtype is not None:
        values = values.astype(dtype_name(dtype))
    return _t(values)


def linspace(start, stop, num=50, endpoint: bool = True, retstep: bool = False, dtype=None,
             axis: int = 0) -> TensorVariable:
    """numpy's linspace for scalar bounds, which may be symbolic (the number of points may not)."""
    num = _static_ints(num, "linspace's num")[0]
    fractions = np.linspace(0.0, 1.0, num, endpoint=endpoint)
    start = _t(start)
    width = sub(stop, start)
    values = _cast_if(add(start, mul(width, fractions)), dtype)
    if values.dtype == "int64" or static_value(values) is not None:
        found = static_value(values)
        if found is not None:  # exact numpy values (and integer truncation) for constant bounds
            exact = np.linspace(static_value(start), static_value(stop), num, endpoint=endpoint)
            values = _t(exact if dtype is None else exact.astype(dtype_name(dtype)))
    if retstep:
        return values, true_div(width, builtins.max(num - int(endpoint), 1))
    return values


def unique(ar, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis=None):
    """numpy's unique, for values known when the graph is built (its shape depends on them)."""
    value = static_value(_t(ar))
    if value is None:
        raise NotImplementedError("unique of a symbolic tensor has a data-dependent shape")
    result = np.unique(value, return_index, return_inverse, return_counts, axis)
    return tuple(_t(r) for r in result) if isinstance(result, tuple) else _t(result)


def eye(n, m=None, k: int = 0, dtype=None) -> TensorVariable:
    n = _static_ints(n, "eye's n")[0]
    m = n if m is None else _static_ints(m, "eye's m")[0]
    return _t(np.eye(n, m, int(k), dtype=_np_dtype(dtype, floatX())))


def identity_like(x, dtype=None) -> TensorVariable:
    x = _t(x)
    n, m = x.node.shape[-2:]
    return eye(n, m, dtype=dtype or x.dtype)


def tri(N, M=None, k: int = 0, dtype=None) -> TensorVariable:
    return _t(np.tri(N, M, k, dtype=_np_dtype(dtype, floatX())))


def tril(m, k: int = 0) -> TensorVariable:
    return wrap(_core.tril(_t(m).node, int(k)))


def triu(m, k: int = 0) -> TensorVariable:
    return wrap(_core.triu(_t(m).node, int(k)))


def diag(v, k: int = 0) -> TensorVariable:
    """A 1-d `v` gives the matrix with v on its k-th diagonal; a 2-d one its k-th diagonal."""
    v = _t(v)
    k = int(k)
    if v.ndim == 1:
        square_ = wrap(_core.diag(v.node))
        if k == 0:
            return square_
        n = v.node.shape[0]
        if n is None:
            raise ValueError("diag(v, k != 0) needs len(v) known when the graph is built")
        side = zeros((n, builtins.abs(k)), v.dtype)
        cap = zeros((builtins.abs(k), n + builtins.abs(k)), v.dtype)
        rows = concatenate([side, square_] if k > 0 else [square_, side], axis=1)
        return concatenate([rows, cap] if k > 0 else [cap, rows], axis=0)
    if v.ndim == 2:
        return diagonal(v, k)
    raise ValueError(f"diag needs a 1-d or 2-d tensor, got {v.ndim} dimensions")


def diagonal(a, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    from hypatia.tensor import subtensor

    a = _t(a)
    axis1, axis2 = _axes([axis1, axis2], a.ndim)
    a = moveaxis(a, [axis1, axis2], [-2, -1])
    if offset > 0:
        a = subtensor.slice_axis(a, -1, slice(offset, None))
    elif offset < 0:
        a = subtensor.slice_axis(a, -2, slice(-offset, None))
    rows, cols = a.node.shape[-2:]
    if rows is None or cols is None:
        if rows != cols or rows is not None:
            raise ValueError("diagonal needs the matrix dimensions known when the graph is built")
    elif rows != cols:
        n = builtins.min(rows, cols)
        a = subtensor.slice_axis(subtensor.slice_axis(a, -2, slice(0, n)), -1, slice(0, n))
    return wrap(_core.diagonal(a.node))


extract_diag = diagonal


def trace(a, offset: int = 0, axis1: int = 0, axis2: int = 1) -> TensorVariable:
    return sum(diagonal(a, offset, axis1, axis2), axis=-1)


# ---------------------------------------------------------------- products
def dot(l, r) -> TensorVariable:
    """numpy's dot; above two dimensions it contracts l's last axis with r's second-to-last."""
    l, r = _t(l), _t(r)
    if l.ndim > 2 or r.ndim > 2:
        return tensordot(l, r, [[l.ndim - 1], [builtins.max(r.ndim - 2, 0)]])
    return _apply(_core.dot, l, r)


def matmul(x1, x2, dtype=None) -> TensorVariable:
    return _cast_if(_apply(_core.matmul, x1, x2), dtype)


def outer(x, y) -> TensorVariable:
    x, y = _t(x), _t(y)
    return _apply(_core.outer, flatten(x) if x.ndim != 1 else x, flatten(y) if y.ndim != 1 else y)


def tensordot(a, b, axes=2) -> TensorVariable:
    """numpy's tensordot via transposes, reshapes and one matmul (shapes known at build time)."""
    a, b = _t(a), _t(b)
    if isinstance(axes, (numbers.Integral, np.integer)):
        axes = (list(range(a.ndim - axes, a.ndim)), list(range(int(axes))))
    a_axes, b_axes = _axes(axes[0], a.ndim), _axes(axes[1], b.ndim)
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    a_shape, b_shape = a.node.shape, b.node.shape
    size = lambda dims: int(np.prod(dims)) if dims else 1  # noqa: E731
    a2 = reshape(transpose(a, a_free + a_axes), (size([a_shape[i] for i in a_free]), -1))
    b2 = reshape(transpose(b, b_axes + b_free), (-1, size([b_shape[i] for i in b_free])))
    return reshape(matmul(a2, b2), [a_shape[i] for i in a_free] + [b_shape[i] for i in b_free])


# ---------------------------------------------------------------- sorting
# The C++ engine has no sort op yet. Constants sort with numpy; symbolic tensors sort by rank:
# element i goes to position rank(i) = #{j: x_j < x_i, or x_j == x_i and j < i}. That is a few
# elementwise ops and reductions over an (n, n) comparison per slice (O(n^2) work, fine for the
# lengths models sort), runs on every backend and is differentiable (the gradient follows the
# permutation). NaNs are not ordered last as numpy's are.
def sort(a, axis: int = -1, kind=None, order=None, stable: bool = False) -> TensorVariable:
    a = _t(a)
    if axis is None:
        a, axis = flatten(a), 0
    value = static_value(a)
    if value is not None:
        return _t(np.sort(value, axis=axis))
    axis = _axes(axis, a.ndim)[0]
    x = moveaxis(a, axis, -1)
    _, _, chosen = _rank_one_hot(x)  # chosen[..., i, k]: element i lands at position k
    result = sum(switch(chosen, expand_dims(x, -1), 0), axis=-2)
    return moveaxis(result, -1, axis)


def _rank_one_hot(x: TensorVariable):
    """For x (..., n): positions 0..n-1 and the (..., n, n) one-hot of where each element sorts."""
    positions = sub(cumsum(ones_like(x, dtype="int64"), axis=-1), 1)
    earlier = lt(expand_dims(positions, -2), expand_dims(positions, -1))  # [i, j]: j < i
    row, column = expand_dims(x, -1), expand_dims(x, -2)  # x_i along -2, x_j along -1
    below = or_(lt(column, row), and_(eq(column, row), earlier))
    rank = sum(below, axis=-1)
    return rank, positions, eq(expand_dims(rank, -1), expand_dims(positions, -2))


def argsort(a, axis: int = -1, kind=None, order=None, stable: bool = True) -> TensorVariable:
    """Indices that sort `a` along `axis` (stable: ties keep their order)."""
    a = _t(a)
    if axis is None:
        a, axis = flatten(a), 0
    value = static_value(a)
    if value is not None:
        return _t(np.argsort(value, axis=axis, kind="stable"))
    axis = _axes(axis, a.ndim)[0]
    x = moveaxis(a, axis, -1)
    _, positions, chosen = _rank_one_hot(x)
    source = expand_dims(positions, -1)  # element i's own index, along -2
    result = sum(switch(chosen, source, 0), axis=-2)
    return moveaxis(result, -1, axis)
